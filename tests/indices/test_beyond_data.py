"""The chapter 5-7 readings on the real raw files, checked against an independent read.

The expected values come from the IMF workbooks and the World Bank CSV read here
with openpyxl and the csv module (no kzcn parser, store or index code); the test
asserts that the book's computation and reading rules agree with them.  No number
is typed: the years, gaps and shares are all read from the files.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import openpyxl
import pytest

from kzcn import data, triangulation
from kzcn.beyond import dependence, readings

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def mirror_dir() -> Path:
    """The local copy of the raw files (same rule as the suite's ``mirror_url`` fixture)."""
    return Path(os.environ.get("KZCN_MIRROR_DIR") or REPO.parent / "shared" / "data" / "github")


DOTS_DIR = "SamLeBlanc/Direction-of-Trade-Map/a0b40afbac7cefc59a4b35c1ebe541ac546aafad/data/DOTS"
WDI_IMPORTS = "datasets/world-development-indicators/4ebec5a2273f531ba238a34dbe440394dc5a6c4b/indicators/tm.val.mrch.cd.wt/data.csv"
YEAR_ROW = 7  # row 7 of a DOTS sheet holds the years
WINDOW = range(2011, 2021)  # the chapter's recent decade of DOTS


def _workbook_number(iso3: str) -> int:
    """Workbook number of a reporter, from the reviewed mapping table committed in data/."""
    with open(REPO / "data" / "dots_reporters.csv", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["code"] == iso3]
    return int(rows[0]["workbook"])


def dots_row(reporter: str, sheet: str, partner_name: str) -> dict[int, float]:
    """One partner row of a DOTS sheet as {year: US$}, estimates' ' e' stripped, empty cells left out."""
    path = mirror_dir() / DOTS_DIR / f"DOTS_{_workbook_number(reporter)}.xlsx"
    rows = list(
        openpyxl.load_workbook(path, read_only=True, data_only=True)[sheet].iter_rows(values_only=True)
    )
    years = [str(c).strip() if c is not None else "" for c in rows[YEAR_ROW - 1]]
    match = next(r for r in rows[YEAR_ROW:] if any(str(c).strip() == partner_name for c in r[:2] if c))
    out = {}
    for year, value in zip(years, match, strict=False):
        if not year.isdigit() or value in (None, ""):
            continue
        if isinstance(value, str):
            value = value.replace(",", "").rstrip("e ").strip()
            if not value:
                continue
        out[int(year)] = float(value) * 1e6
    return out


def test_valuation_widens_the_china_to_kazakhstan_gap_and_overturns_the_other(mirror_env):
    kaz_imports = dots_row("KAZ", "Imports, CIF", "China, P.R.: Mainland")
    chn_exports = dots_row("CHN", "Exports, FOB", "Kazakhstan, Rep. of")
    kaz_exports = dots_row("KAZ", "Exports, FOB", "China, P.R.: Mainland")
    chn_imports = dots_row("CHN", "Imports, CIF", "Kazakhstan, Rep. of")
    factor = triangulation.CIF_FOB_FACTOR
    imports_gap = sum(chn_exports[y] - kaz_imports[y] for y in WINDOW)
    imports_gap_fob = sum(chn_exports[y] - kaz_imports[y] / factor for y in WINDOW)
    exports_gap = sum(chn_imports[y] - kaz_exports[y] for y in WINDOW)
    exports_gap_fob = sum(chn_imports[y] / factor - kaz_exports[y] for y in WINDOW)

    mirror = triangulation.mirror_table(triangulation.dots_flows("KAZ", "CHN"), "KAZ", "CHN")
    effects = triangulation.valuation_effects(mirror.loc[WINDOW.start : WINDOW.stop - 1])
    assert effects.loc["imports", "gap"] == pytest.approx(imports_gap)
    assert effects.loc["imports", "gap_fob"] == pytest.approx(imports_gap_fob)
    assert effects.loc["exports", "gap"] == pytest.approx(exports_gap)
    assert effects.loc["exports", "gap_fob"] == pytest.approx(exports_gap_fob)
    # the direction, read off the independent sums
    assert abs(imports_gap_fob) > abs(imports_gap) and imports_gap > 0
    assert effects.loc["imports", "reading"] == triangulation.WIDENS
    assert exports_gap > 0 > exports_gap_fob
    assert effects.loc["exports", "reading"] == triangulation.OVERTURNS


def test_customs_union_break_years_match_an_independent_read(mirror_env):
    dots_imports = dots_row("KAZ", "Imports, CIF", "World")
    with open(mirror_dir() / WDI_IMPORTS, encoding="utf-8", newline="") as handle:
        wdi = {
            int(r["Year"]): float(r["Value"])
            for r in csv.DictReader(handle)
            if r["Country Code"] == "KAZ" and r["Value"]
        }
    entry = readings.CUSTOMS_UNION_ENTRY["KAZ"]
    expected = sorted(
        y
        for y in dots_imports
        if y >= entry and y in wdi and dots_imports[y] / wdi[y] < readings.BREAK_THRESHOLD
    )
    flows = triangulation.dots_flows("KAZ")
    wdi_series = data.wdi("tm.val.mrch.cd.wt", "KAZ").set_index("year")["value"]
    assert dependence.customs_union_breaks(flows, "KAZ", wdi_series) == expected
    assert expected, "the 2010 break is visible in this DOTS vintage"
    # a partial drop, not Russia left out: imports from Russia are recorded in every break year
    russia = dots_row("KAZ", "Imports, CIF", "Russian Federation")
    assert all(russia.get(y, 0) > 0 for y in expected)
