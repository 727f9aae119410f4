"""Mirror statistics and source matching on invented, hand-checked fixtures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kzcn import compare, triangulation


@pytest.fixture
def flows():
    rows = [
        # (reporter, partner, flow, year, value)
        ("KAZ", "CHN", "export", 2020, 90.0),
        ("CHN", "KAZ", "import", 2020, 99.0),
        ("KAZ", "CHN", "import", 2020, 66.0),
        ("CHN", "KAZ", "export", 2020, 120.0),
        ("KAZ", "CHN", "export", 2021, 50.0),
        ("CHN", "KAZ", "import", 2021, 40.0),
        # 2021: Kazakhstan's imports from China not reported
        ("CHN", "KAZ", "export", 2021, 70.0),
    ]
    return pd.DataFrame(rows, columns=["reporter", "partner", "flow", "year", "value_usd"])


def test_mirror_table_gaps(flows):
    t = triangulation.mirror_table(flows, "KAZ", "CHN", cif_fob_factor=1.10)
    assert t.loc[2020, "exports_gap"] == pytest.approx(9.0)  # 99 - 90
    assert t.loc[2020, "imports_gap"] == pytest.approx(54.0)  # 120 - 66
    assert t.loc[2020, "trade_reported"] == pytest.approx(156.0)
    assert t.loc[2020, "trade_mirror"] == pytest.approx(219.0)
    assert t.loc[2020, "trade_gap"] == pytest.approx(63.0)
    assert t.loc[2020, "exports_ratio"] == pytest.approx(1.1)
    # on an FOB basis with the 10 % margin: 99 / 1.1 - 90 = 0 ; 120 - 66 / 1.1 = 60
    assert t.loc[2020, "exports_gap_fob"] == pytest.approx(0.0, abs=1e-9)
    assert t.loc[2020, "imports_gap_fob"] == pytest.approx(60.0)
    # a negative gap: the partner records less than the country
    assert t.loc[2021, "exports_gap"] == pytest.approx(-10.0)
    assert math.isnan(t.loc[2021, "trade_reported"])
    assert t.loc[2021, "trade_mirror"] == pytest.approx(110.0)


def test_cif_fob_factor_is_a_parameter(flows):
    t = triangulation.mirror_table(flows, "KAZ", "CHN", cif_fob_factor=1.0)
    assert t.loc[2020, "exports_gap_fob"] == pytest.approx(t.loc[2020, "exports_gap"])
    # the default factor is a margin above 1: the FOB-basis gap on exports is smaller
    default = triangulation.mirror_table(flows, "KAZ", "CHN")
    assert 0 < default.loc[2020, "exports_gap_fob"] < default.loc[2020, "exports_gap"]


def test_total_trade_needs_both_sides(flows):
    total = triangulation.total_trade(flows, "CHN", "KAZ")
    assert total.loc[2020] == pytest.approx(219.0)
    assert triangulation.total_trade(flows, "KAZ", "CHN").loc[2020] == pytest.approx(156.0)
    assert math.isnan(triangulation.total_trade(flows, "KAZ", "CHN").loc[2021])


def test_vintages_side_by_side():
    wide = triangulation.vintages_side_by_side(
        {
            "old": pd.Series({2019: 10.0, 2020: 12.0}),
            "new": pd.Series({2019: 10.0, 2020: 8.0, 2021: 9.0}),
        }
    )
    assert list(wide.index) == [2019, 2020, 2021]
    assert wide.loc[2019, "spread"] == pytest.approx(0.0)
    assert wide.loc[2020, "spread"] == pytest.approx(4.0)
    assert wide.loc[2020, "spread_rel"] == pytest.approx(0.5)
    assert math.isnan(wide.loc[2021, "old"])
    assert wide.loc[2021, "spread"] == pytest.approx(0.0)


def test_match_printed_ranks_by_tolerance_rule():
    table = triangulation.match_printed(
        12.3,
        1,
        {"far": 15.0e9, "close": 12.26e9, "one unit off": 12.4e9, "absent": None},
        unit_factor=1e9,
    )
    assert table["candidate"].tolist() == ["close", "one unit off", "far", "absent"]
    assert table["status"].tolist() == [
        compare.REPRODUCED,
        compare.WITHIN_TOLERANCE,
        compare.DIFFERS,
        compare.NO_RAW_SOURCE,
    ]
    assert table.loc[0, "value"] == pytest.approx(12.26)
    assert triangulation.reproducing_candidates(table) == ["close"]


def test_printed_totals_selects_by_structured_reading():
    claims = pd.DataFrame(
        {
            "claim_id": ["a", "b", "c", "d"],
            "quantity": ["trade_total", "trade_total", "trade_total", "exports"],
            "period": ["2020", "2020", "2019", "2020"],
            "reporter": ["KAZ", "CHN", "KAZ", "KAZ"],
            "partner": ["CHN", "KAZ", "CHN", "CHN"],
        }
    )
    picked = triangulation.printed_totals(claims, 2020)
    # both orders of the pair count; other years and quantities do not
    assert picked["claim_id"].tolist() == ["a", "b"]


def _products(rows):
    cols = ["reporter", "partner", "flow", "year", "product_level", "product", "value_usd"]
    return pd.DataFrame(rows, columns=cols).assign(source="UN Comtrade", vintage="x")


def test_comtrade_totals_and_chapters_from_product_rows(monkeypatch):
    tables = {
        "comtrade-chn-reporter": _products(
            [
                ("CHN", "KAZ", "import", 2021, "total", "TOTAL", 100.0),
                ("CHN", "KAZ", "import", 2021, "chapter", "26", 30.0),
                ("CHN", "KAZ", "import", 2021, "chapter", "74", 20.0),
                ("CHN", "KAZ", "export", 2021, "total", "TOTAL", 150.0),
            ]
        ),
        "comtrade-kaz-reporter": _products(
            [
                ("KAZ", "CHN", "export", 2021, "total", "TOTAL", 90.0),
                ("KAZ", "CHN", "import", 2021, "total", "TOTAL", 60.0),
            ]
        ),
    }
    monkeypatch.setattr(triangulation, "_load", tables.__getitem__)
    totals = triangulation.comtrade_flows()
    assert len(totals) == 4  # chapter rows are not totals
    t = triangulation.mirror_table(totals, "KAZ", "CHN")
    assert t.loc[2021, "exports_gap"] == pytest.approx(10.0)
    assert t.loc[2021, "imports_gap"] == pytest.approx(90.0)
    chapters = triangulation.comtrade_chapters("CHN", "KAZ", "import")
    assert list(chapters.columns) == ["26", "74"]
    assert chapters.loc[2021, "26"] == pytest.approx(30.0)


def test_fdi_from_partner_picks_flows_stock_and_share(monkeypatch):
    def row(direction, unit, year, value, code="CN"):
        return ("KAZ", direction, "partner", code, "China", unit, year, value)

    table = pd.DataFrame(
        [
            row("FDI inflow", "EUR m", 2015, -228.3),
            row("FDI inflow", "in % of total", 2015, -6.2),
            row("FDI inward stock", "EUR m", 2015, 2602.0),
            row("FDI inward stock", "in % of total", 2015, 2.4),
            row("FDI inward stock", "EUR m", 2015, 9999.0, code="RU"),
        ],
        columns=["reporter", "direction", "breakdown", "code", "label", "unit", "year", "value"],
    )
    monkeypatch.setattr(triangulation, "_load", lambda source_id: table)
    fdi = triangulation.fdi_from_partner("CHN")
    assert fdi.loc[2015, "inflow"] == pytest.approx(-228.3)  # negative net flows are kept
    assert fdi.loc[2015, "stock"] == pytest.approx(2602.0)
    assert fdi.loc[2015, "stock_share"] == pytest.approx(2.4)
    with pytest.raises(LookupError):
        triangulation.fdi_from_partner("USA")


def test_explained_by_triangulation_marks_the_2020_totals_only():
    claims = pd.DataFrame(
        {
            "claim_id": ["a", "b", "c"],
            "quantity": ["trade_total", "trade_total", "trade_total"],
            "period": ["2020", "2019", "2020"],
            "reporter": ["KAZ", "KAZ", "KGZ"],
            "partner": ["CHN", "CHN", "CHN"],
        }
    )
    assert triangulation.explained_by_triangulation(claims).tolist() == [True, False, False]
