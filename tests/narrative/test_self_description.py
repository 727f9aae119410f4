"""The book never describes itself falsely: counts about the thesis come from data.

The About, front and methods pages are Markdown; a count there must be a MyST
substitution that ``kzcn.narrative`` computes from the ledger, never a typed
number.  The expected counts are read here with the ``csv`` module, independently
of ``kzcn``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from kzcn import narrative

REPO = Path(__file__).resolve().parents[2]
PAGES = ("book/about_thesis.md", "book/index.md", "book/methods.md")
#: "<number> <noun>" where the noun is something the book counts about itself or the thesis.
TYPED_COUNT = re.compile(
    r"\b\d[\d,]*\s+(?:thesis\s+)?(footnotes?|works|sources|sections|claims|figures|tables|rows|numbers|"
    r"statuses|entries|notebooks|chapters|values|cells)\b",
    re.I,
)


def _rows(name: str) -> list[dict[str, str]]:
    with open(REPO / "data" / "thesis" / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_counts_about_the_thesis_equal_the_ledger():
    notes = _rows("footnotes.csv")
    counts = narrative.book_counts()
    assert counts["thesis_footnotes"] == str(len(notes))
    assert counts["thesis_works"] == str(len({k for r in notes for k in r["keys"].split(";")}))
    assert counts["thesis_sections"] == str(sum(1 for r in _rows("sections.csv") if "." in r["number"]))
    assert counts["thesis_claims"] == str(len(_rows("claims.csv")))
    assert counts["thesis_timeline_events"] == str(len(_rows("timeline.csv")))


def test_about_front_and_methods_pages_type_no_counts():
    for page in PAGES:
        text = (REPO / page).read_text(encoding="utf-8")
        typed = [m.group(0) for m in TYPED_COUNT.finditer(text)]
        assert not typed, f"{page}: counts typed instead of computed: {typed}"


def test_every_substitution_the_pages_use_is_computed():
    from kzcn import site

    known = set(narrative.book_counts()) | set(site.substitutions())
    for page in PAGES:
        used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", (REPO / page).read_text(encoding="utf-8")))
        assert used <= known, f"{page}: unknown substitutions {sorted(used - known)}"


def test_about_says_the_footnotes_are_the_bibliography_and_the_references_page_shows_them():
    about = (REPO / "book" / "about_thesis.md").read_text(encoding="utf-8")
    assert "{{ thesis_footnotes }} footnotes" in about and "reproduced as the bibliography" in about
    references = (REPO / "book" / "references.md").read_text(encoding="utf-8")
    assert "```{thesis-footnotes}" in references and "```{bibliography}" in references
    assert "Only works cited" not in references
