"""The reading rules of chapters 5-7 on invented, hand-checked fixtures."""

from __future__ import annotations

import pandas as pd
import pytest

from kzcn import triangulation
from kzcn.beyond import dependence, hs, readings


def _flows(rows):
    return pd.DataFrame(rows, columns=["reporter", "partner", "flow", "year", "value_usd"])


# --- valuation: the direction of the CIF/FOB adjustment, per flow ------------------------


@pytest.fixture
def border():
    """One year of a border where the exporter (B) records far more than the importer (A).

    A's imports from B (CIF, A's record) 100; B's exports to A (FOB, B's record) 150.
    A's exports to B (FOB, A's record) 100; B's imports from A (CIF, B's record) 104.
    """
    return _flows(
        [
            ("AAA", "BBB", "import", 2020, 100.0),
            ("BBB", "AAA", "export", 2020, 150.0),
            ("AAA", "BBB", "export", 2020, 100.0),
            ("BBB", "AAA", "import", 2020, 104.0),
        ]
    )


def test_valuation_widens_the_gap_when_the_cif_record_is_the_lower_one(border):
    effects = triangulation.valuation_effects(
        triangulation.mirror_table(border, "AAA", "BBB", cif_fob_factor=1.04)
    )
    # imports: the CIF side is A's 100; on an FOB basis 100 / 1.04 = 96.15, so the gap 150 - 100 = 50
    # becomes 150 - 96.15 = 53.85: larger. Valuation explains none of it.
    assert effects.loc["imports", "gap"] == pytest.approx(50.0)
    assert effects.loc["imports", "gap_fob"] == pytest.approx(150.0 - 100.0 / 1.04)
    assert effects.loc["imports", "reading"] == triangulation.WIDENS


def test_valuation_explains_more_than_the_whole_gap_on_the_other_flow(border):
    effects = triangulation.valuation_effects(
        triangulation.mirror_table(border, "AAA", "BBB", cif_fob_factor=1.06)
    )
    # exports: the CIF side is B's 104; 104 / 1.06 = 98.11 < 100, so the gap +4 turns into -1.89
    assert effects.loc["exports", "gap"] == pytest.approx(4.0)
    assert effects.loc["exports", "gap_fob"] == pytest.approx(104.0 / 1.06 - 100.0)
    assert effects.loc["exports", "reading"] == triangulation.OVERTURNS


@pytest.mark.parametrize(
    ("gap", "gap_fob", "reading"),
    [
        (50.0, 53.0, triangulation.WIDENS),
        (10.0, 4.0, triangulation.NARROWS),
        (4.0, -1.0, triangulation.OVERTURNS),
        (4.0, 0.0, triangulation.OVERTURNS),
        (-5.0, -8.0, triangulation.WIDENS),
        (0.0, -1.0, triangulation.NO_GAP),
    ],
)
def test_valuation_reading(gap, gap_fob, reading):
    assert triangulation.valuation_reading(gap, gap_fob) == reading


# --- the Customs Union break -------------------------------------------------------------


def test_customs_union_break_is_read_from_the_data_not_assumed():
    years = [2009, 2010, 2011, 2012]
    dots = pd.Series([40.0, 24.0, 38.0, 44.0], index=years)
    wdi = pd.Series([40.0, 31.0, 37.0, 46.0], index=years)
    # only 2010 falls short (24 / 31 = 0.77); 2012 (44 / 46 = 0.96) does not
    assert readings.customs_union_break_years("KAZ", dots, wdi) == [2010]
    # a non-member has no Customs Union break, whatever its totals
    assert readings.customs_union_break_years("UZB", dots, wdi) == []
    # a shortfall before entry is not a Customs Union break
    assert readings.customs_union_break_years("KGZ", dots, wdi) == []


# --- roles, stock jumps, leaders, denominators -------------------------------------------


def test_stronger_role_and_its_change():
    assert readings.stronger_role(0.19, 0.17) == readings.CUSTOMER
    assert readings.stronger_role(0.18, 0.25) == readings.SUPPLIER
    assert readings.stronger_role(0.20, 0.205, tolerance=0.01) == readings.EQUAL
    assert readings.role_change(readings.CUSTOMER, readings.SUPPLIER) == "reversed"
    assert readings.role_change(readings.SUPPLIER, readings.SUPPLIER) == "unchanged"
    with pytest.raises(ValueError):
        readings.stronger_role(float("nan"), 0.1)


def test_stock_jump_without_inflow():
    fdi = pd.DataFrame(
        {"inflow": [100.0, -50.0, -20.0, 30.0], "stock": [1000.0, 1100.0, 2300.0, 2400.0]},
        index=[2015, 2016, 2017, 2018],
    )
    # 2017: the stock more than doubles while the net flow is negative
    assert readings.stock_jumps_without_inflow(fdi) == [2017]


def test_pooled_leader_can_differ_from_every_yearly_leader():
    values = pd.DataFrame(
        {
            "year": [1, 1, 2, 2, 3, 3],
            "product": ["oil", "copper", "oil", "copper", "oil", "gas"],
            "value_usd": [10.0, 12.0, 10.0, 12.0, 10.0, 11.0],
        }
    )
    assert readings.pooled_leader(values) == "oil"  # 30 against 24 and 11
    assert list(readings.leaders_by_year(values)) == ["copper", "copper", "gas"]


def test_denominator_effect():
    # the part barely rises (+5 %) while the whole falls 20 %: the share rises because of the whole
    out = readings.denominator_effect({2019: 100.0, 2020: 105.0}, {2019: 1000.0, 2020: 800.0}, 2020)
    assert out["part_change_pct"] == pytest.approx(5.0)
    assert out["whole_change_pct"] == pytest.approx(-20.0)
    assert out["share_change_pct"] == pytest.approx((0.13125 / 0.1 - 1) * 100)
    assert out["driver"] == "denominator"
    # both grow alike: the share does not move, nothing drives it
    assert readings.denominator_effect({1: 10.0, 2: 13.5}, {1: 100.0, 2: 135.0}, 2)["driver"] == "none"
    # the part grows faster than a growing whole: the numerator drives the rise
    assert readings.denominator_effect({1: 10.0, 2: 20.0}, {1: 100.0, 2: 110.0}, 2)["driver"] == "numerator"


def test_peak_and_later_trough():
    series = pd.Series([2.0, 2.2, 1.5, 1.1, 1.9], index=[2010, 2011, 2012, 2013, 2014])
    assert readings.peak_and_trough(series) == (2011, 2.2, 2013, 1.1)


# --- dependence range, exposure, scale and share ------------------------------------------


@pytest.fixture
def pair():
    return _flows(
        [
            ("KAZ", "CHN", "export", 2020, 20.0),
            ("KAZ", "WLD", "export", 2020, 100.0),
            ("KAZ", "CHN", "import", 2020, 10.0),
            ("KAZ", "WLD", "import", 2020, 50.0),
            ("CHN", "KAZ", "import", 2020, 22.0),
            ("CHN", "KAZ", "export", 2020, 18.0),
            ("KAZ", "CHN", "export", 2019, 10.0),
            ("KAZ", "WLD", "export", 2019, 125.0),
        ]
    )


def test_dependence_range_on_both_records(pair):
    out = dependence.dependence_range(pair, "KAZ", "CHN")
    assert out.loc[2020, "import_share_reported"] == pytest.approx(0.2)  # 10 / 50
    assert out.loc[2020, "import_share_mirror"] == pytest.approx(0.36)  # 18 / 50
    assert out.loc[2020, "export_share_reported"] == pytest.approx(0.2)
    assert out.loc[2020, "export_share_mirror"] == pytest.approx(0.22)


def test_exposure_to_gdp(pair):
    gdp = pd.Series({2020: 400.0})
    out = dependence.exposure_to_gdp(pair, "KAZ", "CHN", gdp)
    assert out.loc[2020, "exports"] == pytest.approx(0.05)
    assert out.loc[2020, "imports_mirror"] == pytest.approx(0.045)


def test_scale_and_share_add_up(pair):
    out = dependence.scale_and_share(pair, "KAZ", "CHN")
    row = out.loc[2020]
    assert row["d_log_exports_to_partner"] == pytest.approx(row["d_log_total"] + row["d_log_share"])
    assert row["d_log_total"] == pytest.approx(__import__("math").log(100 / 125))


def test_chapter_dependence():
    rows = pd.DataFrame(
        {
            "reporter": ["CHN"] * 4,
            "partner": ["KAZ", "WLD", "KAZ", "WLD"],
            "flow": ["import"] * 4,
            "year": [2020, 2020, 2020, 2020],
            "product_level": ["chapter"] * 4,
            "product": ["79", "79", "28", "28"],
            "value_usd": [30.0, 120.0, 5.0, 50.0],
        }
    )
    out = dependence.chapter_dependence(rows, "CHN", "KAZ", "import")
    assert out.loc[2020, "79"] == pytest.approx(0.25)
    assert out.loc[2020, "28"] == pytest.approx(0.1)


def test_product_shares_of_partner_by_chapter():
    part = pd.DataFrame({"year": [2024, 2024], "product": ["8703", "8708"], "value_usd": [30.0, 10.0]})
    world = pd.DataFrame(
        {"year": [2024, 2024, 2024], "product": ["8703", "8708", "2709"], "value_usd": [50.0, 30.0, 5.0]}
    )
    out = dependence.product_shares_of_partner(part, world, 2024)
    assert out.loc[87, "share"] == pytest.approx(0.5)  # 40 / 80
    assert list(out.index) == [87]


def test_hs_names():
    assert hs.chapter_name("79") == "zinc"
    assert hs.chapter_label(28).endswith("(HS 28)")
    assert hs.heading_label(7403) == "HS 7403 (refined copper)"
    assert hs.heading_label("7404") == "HS 7404 (copper, other)"
    with pytest.raises(KeyError):
        hs.chapter_name(77)


def test_valuation_sentences_follow_the_reading(border):
    effects = triangulation.valuation_effects(
        triangulation.mirror_table(border, "AAA", "BBB", cif_fob_factor=1.06)
    )
    # scale the fixture to billions so the sentence shows its numbers
    effects[["gap", "gap_fob"]] = effects[["gap", "gap_fob"]] * 1e9
    imports = readings.valuation_sentence("goods going from B to A", effects.loc["imports"], "A")
    assert "widens" in imports and "none" in imports
    assert "50.0" in imports and f"{150 - 100 / 1.06:.1f}" in imports
    exports = readings.valuation_sentence("goods going from A to B", effects.loc["exports"], "B")
    assert "more than the whole gap" in exports
    assert "US$ 4.0 billion" in exports and f"minus US$ {100 - 104 / 1.06:.1f} billion" in exports
    narrowing = {
        "gap": 10e9,
        "gap_fob": 4e9,
        "first_year": 2011,
        "last_year": 2020,
        "reading": triangulation.NARROWS,
    }
    assert "60 %" in readings.valuation_sentence("x", narrowing, "A")


def test_ratio_trend():
    # the reporting gap of the epilogue: 1.84 (2020), then 1.47 and 1.84
    assert readings.ratio_trend(1.84, [1.47, 1.84]) == "not widened"
    assert readings.ratio_trend(1.5, [1.6, 1.9]) == "widened"
    assert readings.ratio_trend(2.0, [1.9, 1.5]) == "narrowed"
    with pytest.raises(ValueError):
        readings.ratio_trend(1.0, [])


def test_intensity_reading():
    # a neighbour at 1.9 against Russia 8.3 and neighbours 40, 60, 10: moderate
    assert readings.intensity_reading(1.9, 8.3, [40.0, 60.0, 10.0]) == "moderate"
    # above Russia: the tie is closer than Russia's, whatever the neighbours
    assert readings.intensity_reading(6.5, 3.7, [50.0, 1.0]) == "closer than Russia"
    # below Russia but above most neighbours: no verdict
    assert readings.intensity_reading(3.0, 8.0, [1.0, 2.0, 9.0]) == ""
