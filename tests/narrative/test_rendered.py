"""The narrative as a reader sees it: the built HTML of the whole book (session fixture ``built_site``)."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
from pybtex.database import parse_file

REPO = Path(__file__).resolve().parents[2]
PAGE_OF = {
    "intro": "notebooks/00_introduction.html",
    "1": "notebooks/01_chapter1.html",
    "2": "notebooks/02_chapter2.html",
    "3": "notebooks/03_chapter3.html",
    "conclusion": "notebooks/04_conclusion.html",
}

pytestmark = pytest.mark.integration


def _rows(name: str) -> list[dict[str, str]]:
    with open(REPO / "data" / "thesis" / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _visible(raw: str) -> str:
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    raw = re.sub(r"<[^>]+>", " ", raw)
    return re.sub(r"\s+", " ", html.unescape(raw))


def test_every_thesis_section_is_a_heading_with_its_label(built_site):
    for row in _rows("sections.csv"):
        page = (built_site / PAGE_OF[row["chapter"]]).read_text(encoding="utf-8")
        label = "thesis-" + row["number"].replace(".", "-")
        match = re.search(
            rf'<span id="{re.escape(label)}"></span>\s*<h(\d)[^>]*>(.*?)</h\1>', page, flags=re.S
        )
        assert match, f"{row['number']}: no heading with the anchor {label} in {PAGE_OF[row['chapter']]}"
        if "." in row["number"]:
            assert _visible(match.group(2)).strip().startswith(row["number"]), _visible(match.group(2))


#: Pages whose text this helper writes (the chapters beyond the thesis are helper "econ"'s).
OWN_PAGES = (
    *PAGE_OF.values(),
    "notebooks/appendix_b_timeline.html",
    "book/references.html",
    "book/about_thesis.html",
)


def test_no_bibtex_key_and_no_local_path_in_rendered_text(built_site):
    keys = set(parse_file(REPO / "references.bib").entries)
    offenders = {}
    for page in (built_site / name for name in OWN_PAGES):
        text = _visible(page.read_text(encoding="utf-8"))
        found = {key for key in keys if re.search(rf"(?<![\w/.-]){re.escape(key)}(?![\w-])", text)}
        if "file:///" in text:
            found.add("file:///")
        if found:
            offenders[str(page.relative_to(built_site))] = sorted(found)
    assert not offenders, offenders


def test_every_footnote_is_shown_by_number_in_a_chapter_and_listed_with_an_anchor(built_site):
    chapters = " ".join(_visible((built_site / p).read_text(encoding="utf-8")) for p in PAGE_OF.values())
    references = (built_site / "book" / "references.html").read_text(encoding="utf-8")
    for row in _rows("footnotes.csv"):
        n = row["footnote"]
        assert re.search(rf"\bfn\. {n}\]|\bfn\. {n};|\bfn\. {n},", chapters), (
            f"fn. {n} not cited in a chapter"
        )
        assert f'id="thesis-fn-{n}"' in references, f"fn. {n} has no anchor on the References page"


def test_the_bibliography_lists_every_work_once_with_author_year_labels(built_site):
    works = {key for row in _rows("footnotes.csv") for key in row["keys"].split(";")}
    references = (built_site / "book" / "references.html").read_text(encoding="utf-8")
    # one entry per work (the role is "listitem": the list they sit in is a list for screen readers)
    citations = re.findall(r'<div class="citation" id="id\d+" role="listitem">', references)
    assert len(citations) >= len(works)
    labels = re.findall(
        r'<span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]</span>', references
    )
    labels = [_visible(label).strip() for label in labels]
    assert labels and all(re.search(r"(\d{4}[a-z]?|n\.d\.(-[a-z])?)$", label) for label in labels), labels[:5]
    assert 'lang="zh"' in references and 'lang="ru"' in references


def test_timeline_footnote_numbers_link_to_their_footnotes(built_site):
    page = (built_site / "notebooks" / "appendix_b_timeline.html").read_text(encoding="utf-8")
    links = re.findall(r'href="\.\./book/references\.html#thesis-fn-(\d+)"', page)
    timeline = [r for r in _rows("timeline.csv") if r["footnotes"]]
    assert len(links) == len(timeline)
