"""The bibliography: every thesis footnote maps to BibTeX entries that exist and render.

``data/thesis/footnotes.csv`` links footnote number -> key(s); ``references.bib``
holds the entries.  The thesis text itself is parsed here, so a footnote missing
from the mapping, or a mapping row whose text no longer matches the thesis, fails.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from collections import defaultdict
from urllib.parse import urlsplit

import pandas as pd
import pandera.pandas as pa
import pybtex.errors
import pytest
import yaml
from pybtex.database import parse_file
from pybtex.plugin import find_plugin

from kzcn import config

FOOTNOTES_CSV = config.THESIS_DIR / "footnotes.csv"
KEY_PATTERN = re.compile(r"^[a-z0-9_]+$")
#: Cyrillic (Russian and Kazakh letters) or CJK ideographs: a title in one of these
#: scripts needs its English translation in ``note``.
NON_LATIN_SCRIPT = re.compile(r"[\u0400-\u04ff\u3400-\u9fff]")
#: Characters LaTeX treats specially; outside the verbatim ``url`` field they must be escaped.
UNESCAPED_LATEX_SPECIAL = re.compile(r"(?<!\\)[%_&#$]")
#: Entries the book cites that are not thesis footnotes (data publishers, method references).
REQUIRED_EXTRA_KEYS = {
    "imf_dots",
    "wb_wdi",
    "wb_wits",
    "un_comtrade",
    "wiiw_fdi",
    "oec_baci",
    "wits_indicators",
    "balassa_1965",
    "grubel_lloyd_1975",
    "unctad_concentration",
    "imf_dots_guide",
    "thesis2022",
}
PYBTEX_STYLES = ("plain", "unsrt", "alpha")


def _load_extractor():
    path = config.ROOT / "tools" / "extract_footnotes.py"
    spec = importlib.util.spec_from_file_location("extract_footnotes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


extractor = _load_extractor()


@pytest.fixture(scope="module")
def thesis_text() -> str:
    path = config.thesis_text()
    if not path.is_file():
        pytest.fail(f"thesis text not found at {path} (set KZCN_THESIS_TEXT)", pytrace=False)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with FOOTNOTES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def bib():
    """references.bib parsed with pybtex in strict mode: any parser warning raises."""
    pybtex.errors.set_strict_mode(True)
    try:
        return parse_file(str(config.REFERENCES_BIB), bib_format="bibtex")
    finally:
        pybtex.errors.set_strict_mode(False)


def _keys(row: dict[str, str]) -> list[str]:
    return [key for key in row["keys"].split(";") if key]


# --- the mapping against the thesis -------------------------------------------------


FOOTNOTES_SCHEMA = pa.DataFrameSchema(
    {
        "footnote": pa.Column(int, pa.Check.in_range(1, 127), unique=True),
        "keys": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+(;[a-z0-9_]+)*$")),
        "kind": pa.Column(str, pa.Check.isin(["source", "remark"])),
        "locator": pa.Column(str, nullable=True),
        "raw_text": pa.Column(str, pa.Check.str_length(min_value=1)),
        "note": pa.Column(str, nullable=True),
    },
    strict=True,
    ordered=True,
)


def test_footnotes_csv_matches_its_schema():
    frame = pd.read_csv(FOOTNOTES_CSV, dtype={"footnote": int}, keep_default_na=False)
    FOOTNOTES_SCHEMA.validate(frame, lazy=True)


def test_mapping_has_the_thesis_markers_exactly_once(thesis_text, rows):
    markers = [int(n) for n in re.findall(r"\[footnoteRef:(\d+)\]", thesis_text)]
    numbers = [int(row["footnote"]) for row in rows]
    assert len(numbers) == len(set(numbers)), "a footnote appears twice in footnotes.csv"
    assert sorted(numbers) == sorted(set(markers))
    assert sorted(numbers) == list(range(1, 128))


def test_raw_text_is_the_thesis_footnote(thesis_text, rows):
    notes = extractor.footnote_texts(thesis_text)
    for row in rows:
        number = int(row["footnote"])
        assert extractor.normalise_space(row["raw_text"]) == notes[number], f"footnote {number}"


def test_every_footnote_maps_to_at_least_one_wellformed_key(rows):
    for row in rows:
        assert row["kind"] in {"source", "remark"}, row["footnote"]
        keys = _keys(row)
        assert keys, f"footnote {row['footnote']} has no key"
        assert all(KEY_PATTERN.match(key) for key in keys), keys
        assert len(keys) == len(set(keys)), row["footnote"]


def test_every_mapped_key_resolves(rows, bib):
    missing = {key for row in rows for key in _keys(row)} - set(bib.entries.keys())
    assert not missing


def test_footnotes_printing_the_same_address_share_a_key(rows):
    """Two footnotes giving the same specific URL cite the same work (folder URLs excepted)."""
    keys_by_url: dict[str, list[set[str]]] = defaultdict(list)
    for row in rows:
        for url in re.findall(r"https?://\S+", row["raw_text"]):
            url = url.rstrip(".,;。")
            if len([part for part in urlsplit(url).path.split("/") if part]) >= 2:
                keys_by_url[url].append(set(_keys(row)))
    for url, key_sets in keys_by_url.items():
        assert set.intersection(*key_sets), url


def _printed_addresses(raw_text: str) -> list[str]:
    """Addresses in a footnote, without sentence punctuation or a year glued on (".html.2015")."""
    found = re.findall(r"(?:https?|file)://[^\s“”\"]+", raw_text)
    return [re.sub(r"\.(?:19|20)\d\d$", "", address.rstrip(".,;。")) for address in found]


def test_every_printed_address_is_in_its_entry(rows, bib):
    """Public addresses go to ``url`` unchanged; local paths (file://) go to ``note``."""
    for row in rows:
        entries = [bib.entries[key] for key in _keys(row)]
        urls = {entry.fields.get("url") for entry in entries}
        notes = " ".join(entry.fields.get("note", "").replace("\\", "") for entry in entries)
        for address in _printed_addresses(row["raw_text"]):
            if address.startswith("file://"):
                assert address in notes, f"footnote {row['footnote']}: {address}"
            else:
                assert address in urls, f"footnote {row['footnote']}: {address}"


def test_two_works_in_footnote_2_and_shared_work_with_footnote_3(rows):
    """The issue's example: footnotes 2 and 3 both cite Strokov and Stolpovsky."""
    by_number = {int(row["footnote"]): set(_keys(row)) for row in rows}
    assert len(by_number[2]) == 2
    assert by_number[3] <= by_number[2]


# --- the BibTeX file ----------------------------------------------------------------


def test_no_duplicate_keys_in_the_file():
    text = config.REFERENCES_BIB.read_text(encoding="utf-8")
    keys = [key.lower() for key in re.findall(r"^@(?!comment)\w+\{([^,\s]+),", text, flags=re.M)]
    assert keys, "no entries found"
    assert len(keys) == len(set(keys))


def test_entries_have_title_and_year_or_a_reason(bib):
    for key, entry in bib.entries.items():
        assert entry.fields.get("title", "").strip("{} "), key
        if "year" not in entry.fields:
            assert "year" in entry.fields.get("note", "").lower(), f"{key}: no year and no note saying why"


def test_non_english_titles_carry_an_english_translation(bib):
    for key, entry in bib.entries.items():
        if NON_LATIN_SCRIPT.search(entry.fields["title"]):
            assert "English title:" in entry.fields.get("note", ""), key


def test_urls_are_public_and_verbatim(bib):
    for key, entry in bib.entries.items():
        url = entry.fields.get("url")
        if url is None:
            continue
        assert re.match(r"https?://", url), key
        assert not re.search(r"[\s\\{}]", url), key


def test_local_paths_stay_in_notes(bib):
    for key, entry in bib.entries.items():
        assert "file://" not in entry.fields.get("url", ""), key


def test_latex_specials_are_escaped_outside_url(bib):
    for key, entry in bib.entries.items():
        for name, value in entry.fields.items():
            if name != "url":
                assert not UNESCAPED_LATEX_SPECIAL.search(value), f"{key}.{name}"


def test_data_publishers_and_method_references_present(bib):
    assert REQUIRED_EXTRA_KEYS <= set(bib.entries.keys())


@pytest.mark.parametrize("style_name", PYBTEX_STYLES)
def test_every_entry_renders_with_pybtex_styles(bib, style_name):
    """Rendering fails on a missing required field, as sphinxcontrib-bibtex would warn."""
    style = find_plugin("pybtex.style.formatting", style_name)()
    pybtex.errors.set_strict_mode(True)
    try:
        formatted = list(style.format_entries(bib.entries.values()))
    finally:
        pybtex.errors.set_strict_mode(False)
    assert len(formatted) == len(bib.entries)
    html = find_plugin("pybtex.backends", "html")()
    for entry in formatted:
        assert entry.text.render(html).strip(), entry.key


def test_book_renders_every_entry_without_warnings(tmp_path):
    """Cite every key in a throw-away Sphinx project using the book's bibtex settings."""
    from sphinx.application import Sphinx

    book_config = yaml.safe_load((config.ROOT / "_config.yml").read_text(encoding="utf-8"))
    sphinx_config = (book_config.get("sphinx") or {}).get("config") or {}
    # the book's own bibliography style is registered by the kzcn.narrative extension
    own = [e for e in (book_config.get("sphinx") or {}).get("extra_extensions", []) if e == "kzcn.narrative"]
    keys = list(parse_file(str(config.REFERENCES_BIB)).entries.keys())
    source = tmp_path / "src"
    source.mkdir()
    (source / "references.bib").write_bytes(config.REFERENCES_BIB.read_bytes())
    (source / "conf.py").write_text(
        f"extensions = {['sphinxcontrib.bibtex', *own]!r}\n"
        "bibtex_bibfiles = ['references.bib']\n"
        f"bibtex_default_style = {sphinx_config.get('bibtex_default_style', 'alpha')!r}\n"
        f"bibtex_reference_style = {sphinx_config.get('bibtex_reference_style', 'label')!r}\n",
        encoding="utf-8",
    )
    (source / "index.rst").write_text(
        "Citations\n=========\n\n"
        + "".join(f"Cited :cite:p:`{key}`.\n\n" for key in keys)
        + ".. bibliography::\n",
        encoding="utf-8",
    )
    warnings = io.StringIO()
    app = Sphinx(
        str(source),
        str(source),
        str(tmp_path / "html"),
        str(tmp_path / "doctrees"),
        "html",
        status=None,
        warning=warnings,
        freshenv=True,
    )
    app.build()
    assert warnings.getvalue() == ""
    html = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<div class="citation"', html)) == len(keys)


# --- the extractor itself -------------------------------------------------------------


def test_extractor_keeps_nested_brackets_and_rejects_unclosed_notes():
    sample = "Text[footnoteRef:1]. [1:  Wang. 标题[J]. 2017.\n p-5]  more [2: ok]"
    assert extractor.footnote_texts(sample) == {1: "Wang. 标题[J]. 2017. p-5", 2: "ok"}
    assert extractor.footnote_markers(sample) == [1]
    with pytest.raises(ValueError):
        extractor.footnote_texts("[3: never closed [J]")
