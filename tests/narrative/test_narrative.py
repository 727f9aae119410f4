"""The companion's narrative: sections, footnote citations, numbers with verdicts, variants, bibliography.

Facts are read here independently of ``kzcn.narrative``: the ledger CSVs with the
``csv`` module, the notebooks as JSON, and verdicts from a hand-made table in the
columns of contract 3 (the real table is ``kzcn.verdicts.table()``).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from kzcn import narrative

REPO = Path(__file__).resolve().parents[2]
THESIS = REPO / "data" / "thesis"
CHAPTERS = ("00_introduction", "01_chapter1", "02_chapter2", "03_chapter3", "04_conclusion")
CHAPTER_OF = {"intro": "00_introduction", "1": "01_chapter1", "2": "02_chapter2", "3": "03_chapter3"}
CHAPTER_OF["conclusion"] = "04_conclusion"


def _rows(name: str) -> list[dict[str, str]]:
    with open(THESIS / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _cells(notebook: str) -> list[dict]:
    return json.loads((REPO / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]


def _markdown(notebook: str) -> str:
    return "\n\n".join("".join(c["source"]) for c in _cells(notebook) if c["cell_type"] == "markdown")


def _code(notebook: str) -> str:
    return "\n\n".join("".join(c["source"]) for c in _cells(notebook) if c["cell_type"] == "code")


# ----------------------------------------------------------------------------- sections


def test_every_section_of_the_thesis_is_a_labelled_heading_of_its_chapter_page():
    for row in _rows("sections.csv"):
        number = row["number"]
        text = _markdown(CHAPTER_OF[row["chapter"]])
        label = "thesis-" + number.replace(".", "-")
        match = re.search(rf"^\({re.escape(label)}\)=\n(#+) (.+)$", text, flags=re.M)
        assert match, f"section {number}: no heading labelled ({label})= in {CHAPTER_OF[row['chapter']]}"
        level, title = len(match.group(1)), match.group(2)
        depth = 0 if number in ("introduction", "conclusion") or "." not in number else number.count(".")
        assert level == depth + 1, f"section {number}: heading level {level}"
        if depth:
            assert title.startswith(f"{number} "), f"section {number}: heading {title!r} lacks its number"
        # the printed title's words are the heading's words (the printed number aside)
        printed_words = re.findall(r"[A-Za-z]{3,}", row["title_printed"] or row["title"])
        printed_words = [w for w in printed_words if w != "Chapter"]
        assert printed_words == re.findall(r"[A-Za-z]{3,}", title), f"section {number}: {title!r}"


def test_each_chapter_page_has_no_glue_roles_in_markdown():
    for notebook in (*CHAPTERS, "appendix_b_timeline"):
        assert "{glue" not in _markdown(notebook), notebook


# ----------------------------------------------------------------------------- footnotes


def test_every_footnote_is_cited_by_its_number_with_its_own_works():
    keys_of = {int(r["footnote"]): r["keys"].split(";") for r in _rows("footnotes.csv")}
    cited: dict[int, set[str]] = {}
    for notebook in CHAPTERS:
        for n, key in narrative.cited_footnotes(_markdown(notebook)):
            cited.setdefault(n, set()).add(key)
        for n in re.findall(r"narrative\.cite\((\d+)\)", _code(notebook)):
            cited.setdefault(int(n), set()).update(keys_of[int(n)])
    assert sorted(cited) == sorted(keys_of), sorted(set(keys_of) ^ set(cited))
    for n, keys in cited.items():
        assert keys == set(keys_of[n]), f"fn. {n} cites {keys}, footnotes.csv says {keys_of[n]}"


def test_every_work_of_the_footnotes_is_cited_in_the_chapters():
    works = {key for r in _rows("footnotes.csv") for key in r["keys"].split(";")}
    cited = set()
    for notebook in CHAPTERS:
        cited |= narrative.cited_keys(_markdown(notebook))
        for n in re.findall(r"narrative\.cite\((\d+)\)", _code(notebook)):
            cited |= set(narrative.footnote_keys()[int(n)])
    assert works <= cited, sorted(works - cited)


def test_cite_shows_the_footnote_number_after_each_work(monkeypatch):
    monkeypatch.setattr(narrative, "footnote_keys", lambda: {2: ["alpha2009", "beta2010"], 41: ["wang"]})
    assert narrative.cite(2) == "{cite:p}`alpha2009{fn. 2},beta2010{fn. 2}`"
    assert narrative.cite(41, 2) == "{cite:p}`wang{fn. 41},alpha2009{fn. 2},beta2010{fn. 2}`"
    with pytest.raises(KeyError, match="footnote 128"):
        narrative.cite(128)
    assert narrative.cited_footnotes("x {cite:p}`wang{fn. 41},alpha2009{fn. 2}` y") == [
        (41, "wang"),
        (2, "alpha2009"),
    ]


# ----------------------------------------------------------------------------- numbers


@pytest.fixture
def verdicts():
    """Three ledger rows in the columns of contract 3, made by hand."""
    base = {
        "kind": "claim",
        "chapter": "2",
        "unit": "percent",
        "series": "GDP growth",
        "mirror": float("nan"),
        "cause": "",
        "needs": "",
        "inputs": [],
    }
    return pd.DataFrame(
        [
            {
                **base,
                "id": "c-2.2.3-007",
                "section": "2.2.3",
                "printed_text": "16 percent",
                "printed": 16.0,
                "recomputed": 3.0,
                "reporter": "the World Bank's series",
                "difference": -13.0,
                "status": "differs",
                "evidence": "Growth was far lower.",
                "anchor": "c-2-2-3-007",
            },
            {
                **base,
                "id": "c-1.1-022",
                "section": "1.1",
                "printed_text": "368 million US dollars",
                "printed": 368.0,
                "unit": "USD mn",
                "recomputed": 368.0,
                "reporter": "Kazakhstan's records",
                "difference": 0.0,
                "status": "reproduced",
                "evidence": "",
                "anchor": "c-1-1-022",
            },
            {
                **base,
                "id": "c-2.2.3-019",
                "section": "2.2.3",
                "printed_text": "108 new secondary schools",
                "printed": 108.0,
                "unit": "count",
                "recomputed": float("nan"),
                "reporter": "",
                "difference": float("nan"),
                "status": "no raw source",
                "evidence": "No statistics of school building are available.",
                "anchor": "c-2-2-3-019",
            },
        ]
    )


def test_a_printed_number_shows_its_verdict_and_links_to_its_audit_row(verdicts):
    text = narrative.number("c-2.2.3-007", table=verdicts)
    assert text.startswith("16 percent<sup>")
    assert 'href="audit.html#c-2-2-3-007"' in text
    assert (
        "printed 16 percent, recomputed 3 percent from the World Bank&#x27;s series, status: differs" in text
    )
    assert ">✘</a>" in text
    assert 'aria-label="printed 16 percent' in text
    reproduced = narrative.number("c-1.1-022", table=verdicts)
    assert ">✔</a>" in reproduced and "recomputed 368 USD mn from Kazakhstan&#x27;s records" in reproduced
    unchecked = narrative.number("c-2.2.3-019", table=verdicts)
    assert "not recomputed; status: no raw source" in unchecked and ">?</a>" in unchecked


def test_an_unknown_row_or_status_is_refused(verdicts):
    with pytest.raises(KeyError, match="c-9.9-999"):
        narrative.number("c-9.9-999", table=verdicts)
    broken = verdicts.assign(status="maybe")
    with pytest.raises(ValueError, match="unknown status 'maybe'"):
        narrative.number("c-1.1-022", table=broken)


def test_every_number_of_the_narrative_is_a_ledger_row():
    claims = {r["claim_id"] for r in _rows("claims.csv")}
    used = set()
    for notebook in CHAPTERS:
        used |= set(re.findall(r"\"(c-[a-z0-9.]+-\d{3})\"", _code(notebook)))
    assert used, "the narrative shows no printed numbers"
    assert used <= claims, sorted(used - claims)


def test_no_printed_number_of_the_thesis_is_typed_into_the_narrative():
    """A claim's printed words ("14.09 billion US dollars", "visited China twice") never stand in Markdown."""
    markdown = "\n".join(_markdown(n) for n in CHAPTERS).lower()
    markdown += (REPO / "book" / "about_thesis.md").read_text(encoding="utf-8").lower()
    markdown = " ".join(markdown.split())  # a phrase may be broken over lines
    for claim in _rows("claims.csv"):
        printed = claim["printed"].lower()
        if re.fullmatch(r"(in |for )?(19|20)\d\d", printed):
            continue
        assert printed not in markdown, f"{claim['claim_id']}: {claim['printed']!r} typed into the narrative"


# ----------------------------------------------------------------------------- variants


def test_the_narrative_of_another_country_says_it_is_about_kazakhstan():
    assert narrative.scope_note("KAZ") == ""
    note = narrative.scope_note("UZB")
    assert "Uzbekistan" in note and "Kazakhstan" in note
    assert "finding it reports is the thesis's finding about Kazakhstan" in note
    for notebook in CHAPTERS:
        assert "narrative.scope_note(country, partner)" in _code(notebook), notebook


# ----------------------------------------------------------------------------- bibliography


def test_notes_shown_to_readers_have_no_local_paths_and_no_english_title_sentence():
    note = (
        "No year printed in the thesis. The thesis prints a path on the author's own computer instead of a "
        "public address: file:///Users/user/Desktop/a%20b/Изимов.pdf. Pages cited: 1-15."
    )
    shown = narrative.reader_note(note)
    assert "file:///" not in shown and "Users/user" not in shown
    assert shown.startswith("No year printed in the thesis. The thesis gives a file")
    assert shown.endswith("Pages cited: 1-15.")
    assert narrative.reader_note("English title: The economy. Marked [J].") == "Marked [J]."


def test_labels_are_author_year_with_short_titles_for_authorless_works():
    from pybtex.database import Entry, Person

    def entry(key, authors=(), **fields):
        made = Entry(
            "misc", fields=fields, persons={"author": [Person(a) for a in authors]} if authors else {}
        )
        made.key = key
        return made

    assert narrative.label_base(entry("a", ["Wang, Q."], year="2017")) == "Wang 2017"
    assert (
        narrative.label_base(entry("b", ["Izmov, R. Y.", "Muratalieva, Z. T."]))
        == "Izmov and Muratalieva n.d."
    )
    assert narrative.label_base(entry("c", ["A, B.", "C, D.", "E, F."], year="2021")) == "A et al. 2021"
    assert narrative.label_base(entry("d", shorttitle="Xinhua", title="Обзор", year="2022")) == "Xinhua 2022"
    labels, _style, _order = narrative._pybtex_styles()
    same = [entry(k, shorttitle="Xinhua", year="2022") for k in ("x1", "x2")]
    assert list(labels().format_labels([*same, entry("y", ["Wang, Q."], year="2017")])) == [
        "Xinhua 2022a",
        "Xinhua 2022b",
        "Wang 2017",
    ]


def test_reader_entry_gives_original_script_with_an_english_translation():
    from pybtex.database import Entry

    original = Entry(
        "misc", fields={"title": "{中哈签署}", "note": "English title: China and Kazakhstan sign. X."}
    )
    shown = narrative.reader_entry(original, Entry)
    assert shown.fields["title"] == "{中哈签署} [{China and Kazakhstan sign}]"
    assert shown.fields["note"] == "X."
    rendered = Entry("misc", fields={"title": "{Russia and China}", "origtitle": "Россия и Китай"})
    assert narrative.reader_entry(rendered, Entry).fields["title"] == "{Россия и Китай} [{Russia and China}]"


def test_non_english_runs_get_their_language():
    text = "See 中哈签署两国 and «Россия и Китай» and «Нұрлы жол» here."
    runs = {text[a:b]: lang for a, b, lang in narrative.lang_runs(text)}
    assert runs["中哈签署两国"] == "zh"
    assert runs["Россия и Китай»"] == "ru"
    assert runs["Нұрлы жол»"] == "kk"


def test_every_entry_the_book_cites_is_in_the_bibliography():
    import yaml
    from pybtex.database import parse_file

    bibfiles = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))["bibtex_bibfiles"]
    entries = set().union(*(parse_file(REPO / name).entries for name in bibfiles))
    pages = [p.read_text(encoding="utf-8") for p in (REPO / "notebooks").glob("*.ipynb")]
    pages += [p.read_text(encoding="utf-8") for p in (REPO / "book").glob("*.md")]
    pages += [p.read_text(encoding="utf-8") for p in (REPO / "kzcn").rglob("*.py")]
    cited = set().union(*(narrative.cited_keys(p) for p in pages))
    assert cited <= entries, sorted(cited - entries)
    unused = entries - cited - {k for r in _rows("footnotes.csv") for k in r["keys"].split(";")}
    assert not unused, f"entries no page cites: {sorted(unused)}"


# ----------------------------------------------------------------------------- word counts


def test_narrative_word_counts_meet_the_targets():
    sys.path.insert(0, str(REPO / "tools"))
    import narrative_words

    per_section, per_chapter = narrative_words.report(REPO)
    assert set(per_section) == {r["number"] for r in _rows("sections.csv")}
    short = {n: c for n, c in per_section.items() if c < narrative_words.SECTION_TARGET}
    assert not short, f"sections with less than a paragraph: {short}"
    assert sum(per_chapter.values()) >= narrative_words.TOTAL_TARGET


def test_word_counter_counts_words_not_markup():
    sys.path.insert(0, str(REPO / "tools"))
    import narrative_words

    assert narrative_words.words("(thesis-1-1)=\n## 1.1 Title here\nTwo words {cite:p}`key{fn. 1}`.") == 2
    assert narrative_words.words("Kazakhstan's multi-vector policy, 1992–2010.") == 3


def test_in_another_countrys_book_the_mark_keeps_its_text_but_links_nowhere(verdicts):
    # a variant book has no audit page (the audit checks the thesis's Kazakhstan numbers)
    text = narrative.number("c-2.2.3-007", table=verdicts, country="UZB")
    assert "href=" not in text and 'tabindex="0"' in text
    assert "printed 16 percent, recomputed 3 percent" in text


def test_works_without_a_year_get_apa_style_suffixes():
    from pybtex.database import Entry

    labels, _style, _order = narrative._pybtex_styles()
    same = []
    for key in ("r1", "r2"):
        made = Entry("misc", fields={"shorttitle": "REGNUM"})
        made.key = key
        same.append(made)
    assert list(labels().format_labels(same)) == ["REGNUM n.d.-a", "REGNUM n.d.-b"]


def test_the_references_page_lists_every_footnote_with_an_anchor():
    text = narrative.footnote_list_markdown()
    assert text.count("(thesis-fn-") == len(_rows("footnotes.csv"))
    assert "**fn. 2** {cite:p}`paramonov2009chinese,strokov2010russia`" in text


def test_footnote_columns_link_to_the_first_footnotes_entry():
    assert narrative.footnote_links(["30, 44", "", "110;111"]) == [
        "../book/references.html#thesis-fn-30",
        "",
        "../book/references.html#thesis-fn-110",
    ]


def test_the_list_is_sorted_by_label():
    from pybtex.database import Entry, Person

    _labels, _style, order = narrative._pybtex_styles()
    entries = []
    for key, who in (("z", "Zeng, X."), ("e", None), ("a", "Abil, E. K.")):
        made = Entry(
            "misc", fields={"year": "2020"} | ({"shorttitle": "Economy of Kazakhstan"} if not who else {})
        )
        if who:
            made.persons["author"] = [Person(who)]
        made.key = key
        entries.append(made)
    assert [e.key for e in order().sort(entries)] == ["a", "e", "z"]
