"""The chapter notebooks as executed by the build, and the pages they became.

These tests read what ``python -m kzcn build`` produced from the loopback mirror
(the session fixture ``built_site``): the executed notebooks and the published
table/figure files in the stage folder, and the rendered HTML.  Expected values
always come from the ledger and from DOTS through ``kzcn`` functions, never typed.
"""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from kzcn import compare, data, ledger, measures
from kzcn.chapters import ch1

pytestmark = pytest.mark.integration

CHAPTERS = ("00_introduction", "01_chapter1", "02_chapter2", "03_chapter3", "04_conclusion")
APPENDICES = ("appendix_a_data_sources", "appendix_b_timeline")
#: Ids this task's notebooks publish (other pages publish their own).
OWN_PREFIXES = ("tbl-1-", "tbl-2-", "tbl-3-", "tbl-4-", "tbl-a-", "tbl-b-", "fig-1-", "fig-2-", "fig-3-")


@pytest.fixture(scope="module")
def stage(built_site: Path) -> Path:
    stage = built_site.parent / "stage"
    assert (stage / "notebooks").is_dir(), f"no stage folder beside {built_site}"
    return stage


def _read_published_csv(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _markdown_outputs(notebook: Path) -> list[str]:
    """The Markdown a notebook's code cells displayed (``figures.prose`` sentences, tables)."""
    return [
        str(output["data"]["text/markdown"])
        for cell in nbformat.read(notebook, as_version=4).cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if "text/markdown" in output.get("data", {})
    ]


def test_every_chapter_notebook_ran_without_errors(stage):
    for name in (*CHAPTERS, *APPENDICES):
        notebook = nbformat.read(stage / "notebooks" / f"{name}.ipynb", as_version=4)
        errors = [
            o for c in notebook.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
        ]
        assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
        assert "parameters" in notebook.cells[1].metadata.get("tags", []), (
            f"{name}: second cell is not the parameters cell"
        )
        # papermill's injected cell follows it: the values the page shows
        assert "injected-parameters" in notebook.cells[2].metadata.get("tags", []), (
            f"{name}: no injected parameters cell after the parameters cell"
        )


def test_table_1_1_trade_2002_2009_equals_dots_to_the_printed_digits(stage, mirror_env):
    # exports and imports; the printed totals of some years are sums of the rounded
    # parts (see the next test), so they are held to the parts instead
    cells = ledger.load_table("tbl-1-1")
    cells = cells[
        (cells["measure"] == "amount")
        & cells["flow"].isin(["export", "import"])
        & cells["year"].between(2002, 2009)
    ]
    dots = measures.bilateral_series(data.dots_flows("KAZ"), "KAZ", "CHN")
    for _, cell in cells.iterrows():
        column = measures.SERIES_COLUMN[(cell["flow"], cell["measure"])]
        dots_value = dots.loc[int(cell["year"]), column] / measures.USD_UNITS[cell["unit"]]
        decimals = compare.printed_decimals(cell["printed"])
        assert compare.agrees_to_printed_digits(cell["value"], dots_value, decimals), cell["cell_id"]
    # ... and the executed notebook says so too: those cells are reproduced in the CSV
    rows = _read_published_csv(stage / "figures" / "tbl-1-1.csv")
    status = {}
    for r in rows:
        status.setdefault((r["year"], r["printed_as"]), set()).add(r["status"])
    for _, cell in cells.iterrows():
        assert status[(str(int(cell["year"])), str(cell["printed"]))] == {"reproduced"}, cell["cell_id"]


def test_table_1_1_totals_2002_2009_are_reproduced_or_sums_of_printed_parts(mirror_env):
    comparison = ch1.table_1_1(data.dots_flows("KAZ"), "KAZ", "CHN")
    totals = comparison[
        comparison["cell_id"].str.endswith("total-amount") & comparison["year"].between(2002, 2009)
    ]
    summed = set(ch1.totals_from_rounded_parts(comparison))
    for _, cell in totals.iterrows():
        assert cell["status"] == compare.REPRODUCED or cell["year"] in summed, cell["cell_id"]


def test_every_table_1_1_cell_has_a_computed_status(stage):
    cells = ledger.load_table("tbl-1-1")
    rows = _read_published_csv(stage / "figures" / "tbl-1-1.csv")
    printed = sorted((r["year"], r["printed_as"]) for r in rows if r["printed_as"])
    assert printed == sorted((str(int(c["year"])), str(c["printed"])) for _, c in cells.iterrows())
    computed = {compare.REPRODUCED, compare.WITHIN_TOLERANCE, compare.DIFFERS, compare.NO_RAW_SOURCE}
    statuses = {r["status"] for r in rows if r["printed_as"]}
    assert statuses <= computed, statuses - computed
    # the counts shown in the prose (a figures.prose output) add up to the number of printed cells
    sentence = next(
        text
        for text in _markdown_outputs(stage / "notebooks" / "01_chapter1.ipynb")
        if "Of the printed cells, the recomputation gives:" in text
    )
    counts = sentence.split("the recomputation gives:", 1)[1].split(". In ", 1)[0]
    assert sum(int(n) for n in re.findall(r"(\d+) ", counts)) == len(cells)


def test_table_3_1_compares_every_printed_year(stage):
    printed_years = {str(int(y)) for y in ledger.load_table("tbl-3-1")["year"]}
    rows = _read_published_csv(stage / "figures" / "tbl-3-1.csv")
    statuses = {r["Year"]: r["Status"] for r in rows if r["Year"] in printed_years}
    assert set(statuses) == printed_years
    assert set(statuses.values()) <= set(compare.STATUSES)
    assert len(rows) > len(printed_years)  # extended beyond the printed years


def test_every_figure_has_alt_text_and_a_source_line(stage, built_site):
    metas = [json.loads(p.read_text()) for p in sorted((stage / "figures").glob("*.json"))]
    own = [m for m in metas if m["id"].startswith(OWN_PREFIXES)]
    figures = [m for m in own if m["kind"] == "figure"]
    assert {"fig-1-1", "fig-3-1"} <= {m["id"] for m in figures}
    for meta in own:
        assert meta["source"].strip(), f"{meta['id']} has no source"
        assert meta["units"].strip(), f"{meta['id']} has no units"
    for meta in figures:
        assert len(meta["alt"].split()) >= 10, f"{meta['id']}: alt text too short"
    # rendered: every figure image carries its alt text and a "Source:" caption
    for name in CHAPTERS:
        page = _Page.parse(built_site / "notebooks" / f"{name}.html")
        for figure_id, (alt, caption) in page.figures.items():
            assert alt.strip(), f"{name}: {figure_id} image without alt text"
            assert "Source:" in caption, f"{name}: {figure_id} caption without a source line"


def test_thesis_numbers_are_kept_for_its_own_tables_and_figure(built_site):
    chapter1 = _Page.parse(built_site / "notebooks" / "01_chapter1.html")
    chapter3 = _Page.parse(built_site / "notebooks" / "03_chapter3.html")
    assert chapter1.numbers["tbl-1-1"] == "Table 1.1"
    assert chapter1.numbers["tbl-1-2"] == "Table 1.2"
    assert chapter3.numbers["fig-3-1"] == "Fig. 3.1"
    assert chapter3.numbers["tbl-3-1"] == "Table 3.1"


def test_prose_has_no_unresolved_glue_or_missing_values(built_site):
    for name in CHAPTERS:
        text = (built_site / "notebooks" / f"{name}.html").read_text(encoding="utf-8")
        assert "{glue" not in text, name
        assert "n/a" not in _Page.parse(built_site / "notebooks" / f"{name}.html").prose, name


class _Page(HTMLParser):
    """Just enough of a rendered page: figure alt/captions, caption numbers, prose text."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, tuple[str, str]] = {}
        self.numbers: dict[str, str] = {}
        self.prose = ""
        self._figure: str | None = None
        self._alt = ""
        self._caption: list[str] = []
        self._numbered: str | None = None
        self._in_number = False
        self._in_p = 0

    @classmethod
    def parse(cls, path: Path) -> _Page:
        page = cls()
        page.feed(path.read_text(encoding="utf-8"))
        return page

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("figure", "table") and attributes.get("id"):
            self._numbered = attributes["id"]
            if tag == "figure":
                self._figure, self._alt, self._caption = attributes["id"], "", []
        if tag == "img" and self._figure:
            self._alt = attributes.get("alt") or ""
        if tag == "span" and "caption-number" in (attributes.get("class") or ""):
            self._in_number = True
        if tag == "p":
            self._in_p += 1

    def handle_endtag(self, tag):
        if tag == "figure" and self._figure:
            self.figures[self._figure] = (self._alt, " ".join(self._caption))
            self._figure = None
        if tag == "span" and self._in_number:
            self._in_number = False
        if tag == "p" and self._in_p:
            self._in_p -= 1

    def handle_data(self, text):
        if self._in_number and self._numbered and self._numbered not in self.numbers:
            self.numbers[self._numbered] = text.strip()
        if self._figure:
            self._caption.append(text)
        if self._in_p:
            self.prose += text
