"""kzcn.measures and kzcn.chapters on small hand-made flows and ledger rows."""

import math

import pandas as pd
import pytest

from kzcn import compare, measures
from kzcn.chapters import ch1, ch2, ch3, common


def _flows(rows):
    return pd.DataFrame(rows, columns=["reporter", "partner", "flow", "year", "value_usd"])


@pytest.fixture
def flows():
    rows = []
    # Kazakhstan-reported: exports to / imports from China and the world (US$)
    kaz = {
        2000: (600e6, 150e6, 6000e6, 5000e6),
        2001: (660e6, 172e6, 6600e6, 5375e6),
        2002: (1023e6, 313e6, 9300e6, 6520e6),
    }
    for year, (x_chn, m_chn, x_wld, m_wld) in kaz.items():
        rows += [
            ("KAZ", "CHN", "export", year, x_chn),
            ("KAZ", "CHN", "import", year, m_chn),
            ("KAZ", "WLD", "export", year, x_wld),
            ("KAZ", "WLD", "import", year, m_wld),
        ]
    # China-reported trade with the five (each 10 + 5 million per year, KGZ missing in 2002)
    for year in (2000, 2001, 2002):
        for code in measures.C5:
            if code == "KGZ" and year == 2002:
                continue
            rows += [("CHN", code, "export", year, 10e6), ("CHN", code, "import", year, 5e6)]
            if code != "KAZ":  # Kazakhstan's own view is set above
                rows += [(code, "CHN", "export", year, 4e6), (code, "CHN", "import", year, 9e6)]
    return _flows(rows)


def test_bilateral_series_levels_shares_and_growth(flows):
    series = measures.bilateral_series(flows, "KAZ", "CHN")
    assert series.loc[2001, "total"] == pytest.approx(832e6)
    assert series.loc[2000, "balance"] == pytest.approx(450e6)
    assert series.loc[2000, "export_share"] == pytest.approx(10.0)
    assert series.loc[2001, "import_share"] == pytest.approx(100 * 172 / 5375)
    assert series.loc[2001, "export_growth"] == pytest.approx(10.0)
    assert math.isnan(series.loc[2000, "total_growth"])


def test_group_partner_sums_members_and_keeps_gaps_missing(flows):
    values = measures.flow_values(flows, "CHN", "CA5")
    assert values.loc[2000, "exports"] == pytest.approx(50e6)
    assert math.isnan(values.loc[2002, "exports"])  # KGZ missing: no silent shrinking


def test_plausible_money_unit_finds_the_scale():
    printed = pd.Series([3.9, 7.1])
    usd = pd.Series([0.39e9, 0.71e9])
    assert measures.plausible_money_unit(printed, usd) == "USD 100 mn"


def _cells(rows):
    columns = [
        "cell_id",
        "year",
        "reporter",
        "partner",
        "flow",
        "measure",
        "column_label",
        "printed",
        "value",
        "unit",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_compare_cells_converts_units_and_assigns_status(flows):
    cells = _cells(
        [
            ("a", 2002, "KAZ", "CHN", "export", "amount", "Export / Amount", "1.023", 1.023, "USD bn"),
            ("b", 2002, "KAZ", "CHN", "export", "share", "Export / %", "11.1", 11.1, "percent"),
            ("c", 2001, "KAZ", "CHN", "balance", "balance", "balance", "+4.88", 4.88, "unstated"),
            ("d", 2002, "KAZ", "CHN", "balance", "balance", "balance", "+7.1", 7.1, "unstated"),
            ("e", 2001, "KAZ", "CHN", "total", "growth", "Total / Increase", "50.0", 50.0, "percent"),
        ]
    )
    result = common.compare_cells(cells, flows).set_index("cell_id")
    assert result.loc["a", "status"] == compare.REPRODUCED
    assert result.loc["b", "recomputed"] == pytest.approx(100 * 1023 / 9300)
    assert result.loc["b", "status"] == compare.WITHIN_TOLERANCE
    assert result.loc["c", "unit"] == "USD 100 mn"
    assert result.loc["d", "status"] == compare.REPRODUCED
    assert result.loc["e", "status"] == compare.DIFFERS


def _hand_made_comparison() -> pd.DataFrame:
    """Two years of a thesis table as :func:`common.with_verdicts` returns them (made by hand)."""
    nan = float("nan")
    columns = ["cell_id", "year", "column_label", "printed", "value", "decimals", "unit"]
    columns += ["recomputed", "difference", "status"]
    rows = [
        (
            "t:2001:export-amount",
            2001,
            "Export / Amount",
            "1,25",
            1.25,
            2,
            "USD bn",
            1.2512,
            0.0012,
            "reproduced",
        ),
        ("t:2001:balance-balance", 2001, "balance", "+3.9", 3.9, 1, "USD 100 mn", 4.24, 0.34, "differs"),
        (
            "t:2002:export-amount",
            2002,
            "Export / Amount",
            "1.5",
            1.5,
            1,
            "USD bn",
            1.53,
            0.03,
            "within tolerance",
        ),
        (
            "t:2002:export-growth",
            2002,
            "Export / Increase (%)",
            "",
            nan,
            1,
            "percent",
            22.4,
            nan,
            "not printed",
        ),
        ("t:2002:balance-balance", 2002, "balance", "-0.1", -0.1, 1, "USD 100 mn", -0.04, 0.06, "reproduced"),
    ]
    return pd.DataFrame(rows, columns=columns)


def test_thesis_layout_has_one_line_per_year_and_a_verdict_cell_per_printed_cell():
    from kzcn.figures import Cell

    layout = common.thesis_layout(_hand_made_comparison())
    assert list(layout["Year"]) == ["2001", "2002"]
    # the fullest year's columns first, in printed order; plain words with units
    assert list(layout.columns) == [
        "Year",
        "Exports, US$ billion",
        "Growth of exports, %",
        "Trade balance, 100 million US$",
    ]
    first, second = layout.to_dict("records")
    exports = first["Exports, US$ billion"]
    assert isinstance(exports, Cell)
    assert (exports.text, exports.status) == ("1.251", "reproduced")
    assert "1,25" in exports.note and "0.001" in exports.note
    assert exports.link == "audit.html#t:2001:export-amount"
    assert first["Growth of exports, %"] == ""  # not in the thesis's table that year
    assert first["Trade balance, 100 million US$"].status == "differs"
    growth = second["Growth of exports, %"]
    assert (growth.text, growth.status, growth.note, growth.link) == ("22.40", None, "", "")
    assert second["Trade balance, 100 million US$"].text == "-0.04"


def test_thesis_tidy_has_one_row_per_cell_with_numbers_in_number_columns():
    tidy = common.thesis_tidy(_hand_made_comparison())
    assert list(tidy.columns) == [
        "year",
        "column",
        "unit",
        "printed",
        "printed_as",
        "recomputed",
        "difference",
        "status",
    ]
    assert len(tidy) == 5
    first = tidy.iloc[0].to_dict()
    assert (
        first["year"] == 2001 and first["column"] == "Exports, US$ billion" and first["unit"] == "US$ billion"
    )
    assert (first["printed"], first["printed_as"]) == (1.25, "1,25")
    assert (first["recomputed"], first["difference"]) == (1.251, 0.001)
    balance = tidy[tidy["column"] == "Trade balance, 100 million US$"]
    assert list(balance["printed"]) == [3.9, -0.1] and list(balance["printed_as"]) == ["+3.9", "-0.1"]
    assert list(balance["unit"]) == ["100 million US$", "100 million US$"]
    assert list(tidy["status"]) == ["reproduced", "differs", "within tolerance", "not printed", "reproduced"]
    assert math.isnan(tidy.iloc[3]["printed"]) and tidy.iloc[3]["printed_as"] == ""


def test_table_3_1_sums_the_five_and_compares(flows):
    cells = _cells(
        [
            ("x", 2000, "CHN", "CA5", "total", "amount", "trade volume", "75,00", 75.0, "USD mn"),
            ("y", 2001, "CHN", "CA5", "total", "amount", "trade volume", "80,00", 80.0, "USD mn"),
        ]
    )
    table = ch3.table_3_1(flows, cells, 2000, 2002).set_index("Year")
    assert table.loc[2000, "Sum of the five"] == pytest.approx(75.0)
    assert table.loc[2000, "Status"] == compare.REPRODUCED
    assert table.loc[2001, "Status"] == compare.DIFFERS
    assert math.isnan(table.loc[2002, "Sum of the five"])


def test_table_1_2_checks_recompute_shares_and_changes_from_printed_amounts():
    rows = []
    for commodity, a10, a11 in (("Total", 1000.0, 1100.0), ("Shoes", 100.0, 121.0)):
        rows += [
            {
                "commodity": commodity,
                "measure": "amount",
                "year": 2010,
                "period": "2010",
                "printed": str(a10),
                "value": a10,
            },
            {
                "commodity": commodity,
                "measure": "amount",
                "year": 2011,
                "period": "2011",
                "printed": str(a11),
                "value": a11,
            },
        ]
    rows.append(
        {
            "commodity": "Shoes",
            "measure": "share",
            "year": 2010,
            "period": "2010",
            "printed": "10.0",
            "value": 10.0,
        }
    )
    rows.append(
        {
            "commodity": "Shoes",
            "measure": "share",
            "year": 2011,
            "period": "2011",
            "printed": "12",
            "value": 12.0,
        }
    )
    rows.append(
        {
            "commodity": "Shoes",
            "measure": "growth",
            "year": None,
            "period": "2010-2011",
            "printed": "25",
            "value": 25.0,
        }
    )
    checks = ch1.table_1_2_checks(pd.DataFrame(rows)).set_index("Check")
    assert checks.loc["share 2010 = amount / total", "Status"] == compare.REPRODUCED
    assert checks.loc["share 2011 = amount / total", "Status"] == compare.WITHIN_TOLERANCE
    assert checks.loc["change 2010->2011 from amounts", "Status"] == compare.DIFFERS


def test_hs_chapter_shares():
    products = pd.DataFrame(
        {"year": [2015, 2015, 2015], "hs2": ["61", "84", "85"], "value_usd": [2e6, 3e6, 5e6]}
    )
    table = ch1.hs_chapter_shares(products, ["61", "85"], 2015, 2015).set_index("HS chapter")
    assert table.loc["Total", "2015 (USD thousand)"] == pytest.approx(10_000)
    assert table.loc["85", "2015 share (%)"] == pytest.approx(50.0)


def test_trade_claims_are_selected_by_pair():
    claims = pd.DataFrame(
        [
            {
                "claim_id": "c1",
                "section": "1.1",
                "period": "2001",
                "quantity": "trade_total",
                "printed": "US$ 832 million",
                "value": 832.0,
                "unit": "USD mn",
                "reporter": "KAZ",
                "partner": "CHN",
            },
            {
                "claim_id": "c2",
                "section": "1.1",
                "period": "2000-2002",
                "quantity": "trade_growth",
                "printed": "an increase of 77.3%",
                "value": 77.3,
                "unit": "percent",
                "reporter": "KAZ",
                "partner": "CHN",
            },
            {
                "claim_id": "c3",
                "section": "1.1",
                "period": "2001",
                "quantity": "gdp",
                "printed": "1",
                "value": 1.0,
                "unit": "USD bn",
                "reporter": "KAZ",
                "partner": "",
            },
        ]
    )
    selected = common.trade_claims(claims, [("KAZ", "CHN")])
    assert list(selected["claim_id"]) == ["c1", "c2"]


def test_chapter_claim_tables_show_the_verdict_table():
    """A chapter's claims table computes nothing: it shows the verdicts, one status each."""
    claims = pd.DataFrame(
        {"claim_id": ["c1", "c2"], "period": ["2001", "2000-2002"], "reporter": ["KAZ", "KAZ"]}
    )
    judged = pd.DataFrame(
        {
            "id": ["c2", "c1", "c3"],
            "section": ["1.1", "1.1", "2.1"],
            "printed_text": ["77.3%", "US$ 832 million", "x"],
            "unit": ["percent", "USD mn", "USD"],
            "recomputed": [78.1, 832.04, 1.0],
            "reporter": ["China's records", "Kazakhstan's records", ""],
            "series": ["a", "b", "c"],
            "mirror": [70.0, 15.0, float("nan")],
            "status": [compare.DIFFERS, compare.REPRODUCED, "not a statistic"],
        }
    )
    result = common.compare_claims(claims, frame=judged).set_index("Claim")
    assert list(result.index) == ["c1", "c2"]
    assert result.loc["c1", "Status"] == compare.REPRODUCED
    assert result.loc["c1", "From"] == "Kazakhstan's records"
    assert result.loc["c2", "Recomputed"] == pytest.approx(78.1)
    assert result.loc["c1", "Mirror statistics"] == pytest.approx(15.0)
    macro = ch2.compare_macro_claims(claims, frame=judged).set_index("Claim")
    assert macro.loc["c2", "Status"] == compare.DIFFERS


def test_claim_decimals_reads_the_number_inside_words():
    assert measures.claim_decimals("US$ 2.1768 billion") == 4
    assert measures.claim_decimals("more than 2,000 kilometers") == 0
    assert measures.claim_decimals("2300,79") == 2


def test_series_of_an_absent_reporter_is_empty_not_an_error(flows):
    series = measures.bilateral_series(flows, "TKM", "KAZ")
    assert series.empty
    assert {"total", "trade_share", "total_growth"} <= set(series.columns)


def test_reproduced_run_finds_the_longest_stretch_of_good_years():
    comparison = pd.DataFrame(
        {
            "cell_id": [f"t:{y}:export-amount" for y in (1999, 2000, 2001, 2002, 2003, 2004)]
            + ["t:2002:export-share"],
            "year": [1999, 2000, 2001, 2002, 2003, 2004, 2002],
            "status": [
                "differs",
                "reproduced",
                "within tolerance",
                "reproduced",
                "reproduced",
                "reproduced",
                "differs",
            ],
        }
    )
    assert ch1.reproduced_run(comparison) == "2002–2004"
    assert ch1.reproduced_run(comparison, "share") == "none"


def test_totals_added_up_from_rounded_parts_are_recognised():
    comparison = pd.DataFrame(
        {
            "cell_id": ["t:2005:export-amount", "t:2005:import-amount", "t:2005:total-amount"],
            "year": [2005, 2005, 2005],
            "printed": ["2.4239", "1.2518", "3.6757"],
            "value": [2.4239, 1.2518, 3.6757],
            "decimals": [4, 4, 4],
            "status": ["reproduced", "reproduced", "within tolerance"],
        }
    )
    assert ch1.totals_from_rounded_parts(comparison) == [2005]
    comparison.loc[2, "status"] = "reproduced"
    assert ch1.totals_from_rounded_parts(comparison) == []


def test_variant_note_only_for_other_pairs():
    assert common.variant_note("KAZ", "CHN") is None
    note = common.variant_note("UZB", "CHN")
    assert "Uzbekistan" in note.data and note.data.startswith(":::{warning}")


def test_span_growth_average_or_cumulative():
    rates = pd.Series({2001: 10.0, 2002: 10.0})
    assert measures.span_growth(rates, 2001, 2002, average=False) == pytest.approx(21.0)
    assert measures.span_growth(rates, 2001, 2002, average=True) == pytest.approx(10.0)
    assert math.isnan(measures.span_growth(rates, 2000, 2002, average=True))


def test_table_1_2_share_base_finds_the_larger_denominator():
    cells = pd.DataFrame(
        [
            {"commodity": "Total", "measure": "amount", "year": 2010, "value": 1000.0},
            {"commodity": "Shoes", "measure": "amount", "year": 2010, "value": 100.0},
            {"commodity": "Shoes", "measure": "share", "year": 2010, "value": 8.0},  # computed on 1250
        ]
    )
    assert ch1.table_1_2_share_base(cells) == {"t12_base_min": "25", "t12_base_max": "25"}


def test_a_difference_that_rounds_to_zero_has_no_minus_sign():
    from kzcn import compare

    assert compare.shown(-0.00001, 4) == "0.0000"
    assert compare.shown(-0.5, 1) == "-0.5"
    assert compare.shown(12345.678, 1) == "12,345.7"
    assert compare.shown(float("nan"), 2) == ""
    assert compare.shown(None, 2) == ""
