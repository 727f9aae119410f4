"""Table functions on tiny tidy fixtures in the bilateral-flow schema."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kzcn import indices


def _flows(rows):
    return pd.DataFrame(rows, columns=["reporter", "partner", "flow", "year", "value_usd"])


@pytest.fixture
def flows():
    return _flows(
        [
            ("KAZ", "CHN", "export", 2000, 30.0),
            ("KAZ", "WLD", "export", 2000, 120.0),
            ("KAZ", "CHN", "import", 2000, 10.0),
            ("KAZ", "WLD", "import", 2000, 80.0),
            ("KAZ", "CHN", "export", 2001, 50.0),
            ("KAZ", "WLD", "export", 2001, 100.0),
            # 2001 imports from China not reported
            ("KAZ", "WLD", "import", 2001, 50.0),
            ("WLD", "CHN", "export", 2000, 600.0),
            ("WLD", "WLD", "export", 2000, 6000.0),
            ("WLD", "CHN", "export", 2001, 500.0),
            ("WLD", "WLD", "export", 2001, 10000.0),
        ]
    )


def test_partner_shares(flows):
    out = indices.partner_shares(flows, "KAZ", "CHN")
    assert out.loc[2000, "export_share"] == pytest.approx(0.25)  # 30 / 120
    assert out.loc[2000, "import_share"] == pytest.approx(0.125)  # 10 / 80
    assert out.loc[2000, "trade_share"] == pytest.approx(0.2)  # 40 / 200
    assert out.loc[2001, "export_share"] == pytest.approx(0.5)
    # a missing side is missing, not zero
    assert math.isnan(out.loc[2001, "import_share"])
    assert math.isnan(out.loc[2001, "trade_share"])


def test_trade_intensity_table(flows):
    out = indices.trade_intensity_table(flows, "KAZ", "CHN")
    # 2000: (30/120) / (600/6000) = 0.25 / 0.1 = 2.5 ; 2001: 0.5 / 0.05 = 10
    assert out.loc[2000, "intensity"] == pytest.approx(2.5)
    assert out.loc[2001, "intensity"] == pytest.approx(10.0)


def test_duplicate_sources_must_be_disambiguated(flows):
    doubled = pd.concat([flows.assign(source="a"), flows.assign(source="b")])
    with pytest.raises(ValueError, match="source"):
        indices.partner_shares(doubled, "KAZ", "CHN")
    out = indices.partner_shares(doubled, "KAZ", "CHN", source="a")
    assert out.loc[2000, "export_share"] == pytest.approx(0.25)


def test_concentration_table():
    products = pd.DataFrame(
        {
            "year": [2015, 2015, 2015, 2016, 2016],
            "product": ["2709", "2601", "7403", "2709", "7403"],
            "value_usd": [50.0, 30.0, 20.0, 90.0, 0.0],
        }
    )
    out = indices.concentration_table(products)
    assert out.loc[2015, "hhi"] == pytest.approx(0.38)
    assert out.loc[2015, "top_product_share"] == pytest.approx(0.5)
    assert out.loc[2015, "n_products"] == 3
    assert out.loc[2016, "hhi"] == pytest.approx(1.0)
    assert out.loc[2016, "n_products"] == 1


def test_grubel_lloyd_table():
    x = pd.DataFrame({"year": [2019] * 3, "product": ["a", "b", "c"], "value_usd": [30.0, 10.0, 5.0]})
    m = pd.DataFrame({"year": [2019] * 3, "product": ["a", "b", "d"], "value_usd": [10.0, 10.0, 5.0]})
    per_product, aggregate = indices.grubel_lloyd_table(x, m)
    assert per_product.loc[(2019, "a"), "gl"] == pytest.approx(0.5)
    assert per_product.loc[(2019, "d"), "gl"] == pytest.approx(0.0)
    # |20| + 0 + 5 + 5 = 30 over 40 + 20 + 5 + 5 = 70 -> 1 - 3/7 = 4/7
    assert aggregate.loc[2019, "gl"] == pytest.approx(4 / 7)
    assert aggregate.loc[2019, "n_products_both_ways"] == 2
    # gross (total) bilateral trade counts one-way flows too: 40 + 20 + 5 + 5
    assert aggregate.loc[2019, "total_trade"] == pytest.approx(70.0)
    # matched two-way trade is 2 min(X, M) per product: a 20, b 20, c 0, d 0
    assert aggregate.loc[2019, "matched_trade"] == pytest.approx(40.0)
    assert per_product.loc[(2019, "a"), "matched_trade"] == pytest.approx(20.0)
    assert per_product.loc[(2019, "c"), "matched_trade"] == pytest.approx(0.0)
    assert per_product.loc[(2019, "a"), "total_trade"] == pytest.approx(40.0)
    # the aggregate index is matched over total trade
    assert aggregate.loc[2019, "gl"] == pytest.approx(40.0 / 70.0)
    assert "two_way_trade" not in aggregate.columns


def test_matched_trade_is_gross_trade_only_when_balanced():
    # a product exported for 100 and imported for 1 has gross trade 101 but matched trade 2
    assert indices.matched_trade(100.0, 1.0) == pytest.approx(2.0)
    assert indices.matched_trade(5.0, 5.0) == pytest.approx(10.0)
    assert indices.matched_trade(7.0, float("nan")) == pytest.approx(0.0)


def test_partner_concentration_counts_single_economies_only():
    flows = _flows(
        [
            ("KAZ", "CHN", "export", 2020, 30.0),
            ("KAZ", "RUS", "export", 2020, 10.0),
            ("KAZ", "ITA", "export", 2020, 60.0),
            ("KAZ", "WLD", "export", 2020, 100.0),  # an aggregate: not a partner
            ("KAZ", "EUU", "export", 2020, 70.0),  # an aggregate: not a partner
            ("KAZ", "CHN", "import", 2020, 50.0),
        ]
    )
    out = indices.partner_concentration(flows, "KAZ", "export", ["CHN", "RUS", "ITA"])
    # shares 0.3, 0.1, 0.6 -> 0.09 + 0.01 + 0.36
    assert out.loc[2020, "hhi"] == pytest.approx(0.46)
    assert out.loc[2020, "n_partners"] == 3
    assert out.loc[2020, "top_partner"] == "ITA"
    assert out.loc[2020, "top_partner_share"] == pytest.approx(0.6)


def _oec_fixture():
    return pd.DataFrame(
        {
            "oec_id": ["asaaa", "asaaa", "asbbb", "asbbb"],
            "iso3": ["AAA", "AAA", "BBB", "BBB"],
            "country": ["A", "A", "B", "B"],
            "section": [1, 5, 1, 5],
            "section_name": ["Animal Products", "Mineral Products", "Animal Products", "Mineral Products"],
            "value_usd": [30.0, 10.0, 20.0, 50.0],
            "years": ["2019-2021"] * 4,
        }
    )


def test_rca_by_section_wide_layout():
    wide = indices.rca_by_section(_oec_fixture(), ["BBB", "AAA"]).set_index("section")
    assert list(wide.columns) == ["section_name", "BBB", "AAA"]
    # same arithmetic as the Balassa fixture: A in section 1 = 1.65, B in section 5 = 55/42
    assert wide.loc[1, "AAA"] == pytest.approx(1.65)
    assert wide.loc[5, "BBB"] == pytest.approx(55 / 42)
    assert wide.loc[5, "section_name"] == "Mineral Products"


def test_oec_exports_by_common_group():
    groups = indices.oec_exports_by_common_group(_oec_fixture(), "BBB")
    assert groups["Minerals and fuels (25-27)"] == pytest.approx(50.0)
    assert groups["Animal (01-05)"] == pytest.approx(20.0)
    with pytest.raises(LookupError):
        indices.oec_exports_by_common_group(_oec_fixture(), "CCC")


def test_hs4_availability_is_kazakhstan_china_only():
    assert indices.hs4_available("KAZ", "CHN")
    assert not indices.hs4_available("UZB", "CHN")
    assert indices.vintage_flag(2021) and not indices.vintage_flag(2019)
