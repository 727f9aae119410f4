"""Each index against a fixture small enough to compute by hand.

The expected values in the comments are worked out on paper from the published
definitions, not by running the code under test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kzcn import indices


def test_share_is_part_over_whole_and_zero_total_gives_nan():
    assert indices.share(30.0, 120.0) == pytest.approx(0.25)
    shares = indices.share(pd.Series([1.0, 2.0]), pd.Series([4.0, 0.0]))
    assert shares.iloc[0] == pytest.approx(0.25)
    assert math.isnan(shares.iloc[1])


def test_trade_intensity_hand_computed():
    # i sends 20 of its 100 to j (20 %); the world sends 50 of 1000 to j (5 %): 0.20 / 0.05 = 4
    assert indices.trade_intensity(20.0, 100.0, 50.0, 1000.0) == pytest.approx(4.0)
    # exactly the world's proportion -> 1
    assert indices.trade_intensity(5.0, 100.0, 50.0, 1000.0) == pytest.approx(1.0)


def test_hhi_hand_computed():
    # shares 0.5, 0.3, 0.2 -> 0.25 + 0.09 + 0.04
    assert indices.hhi([50, 30, 20]) == pytest.approx(0.38)
    assert indices.hhi([7.0]) == pytest.approx(1.0)
    assert indices.hhi([1, 1, 1, 1]) == pytest.approx(0.25)
    # a missing value is not a product
    assert indices.hhi([50, 30, 20, float("nan")]) == pytest.approx(0.38)


def test_hhi_rejects_negative_values():
    with pytest.raises(ValueError):
        indices.hhi([5, -1])


def test_hhi_normalized_bounds_and_value():
    assert indices.hhi_normalized([1, 1, 1, 1]) == pytest.approx(0.0)
    assert indices.hhi_normalized([9, 0, 0], n_products=3) == pytest.approx(1.0)
    # shares 0.75 / 0.25: H = 0.625, n = 2
    expected = (math.sqrt(0.625) - math.sqrt(0.5)) / (1 - math.sqrt(0.5))
    assert indices.hhi_normalized([3, 1]) == pytest.approx(expected)
    # measured against a larger nomenclature the same basket looks more concentrated
    assert indices.hhi_normalized([1, 1], n_products=4) > indices.hhi_normalized([1, 1])


def test_grubel_lloyd_per_product_hand_computed():
    gl = indices.grubel_lloyd(pd.Series([30.0, 10.0, 5.0, 0.0]), pd.Series([10.0, 10.0, 0.0, 0.0]))
    # 1 - 20/40, 1 - 0/20, 1 - 5/5, no trade
    assert gl.iloc[0] == pytest.approx(0.5)
    assert gl.iloc[1] == pytest.approx(1.0)
    assert gl.iloc[2] == pytest.approx(0.0)
    assert math.isnan(gl.iloc[3])


def test_grubel_lloyd_aggregate_hand_computed():
    # |30-10| + |10-10| + |5-0| = 25 over 40 + 20 + 5 = 65 -> 1 - 25/65 = 8/13
    assert indices.grubel_lloyd_aggregate([30, 10, 5], [10, 10, 0]) == pytest.approx(8 / 13)
    # a product seen on one side only is one-way trade, not dropped
    assert indices.grubel_lloyd_aggregate([30, 10, 5], [10, 10, float("nan")]) == pytest.approx(8 / 13)


def test_balassa_rca_hand_computed():
    table = pd.DataFrame(
        {
            "country": ["A", "A", "B", "B"],
            "product": ["p", "q", "p", "q"],
            "value": [30, 10, 20, 50],
        }
    )
    rca = indices.balassa_rca(table).set_index(["country", "product"])["rca"]
    # world: p = 50, q = 60, total 110.  A: (30/40)/(50/110) = 1.65; (10/40)/(60/110) = 11/24
    assert rca["A", "p"] == pytest.approx(1.65)
    assert rca["A", "q"] == pytest.approx(11 / 24)
    # B: (20/70)/(50/110) = 22/35; (50/70)/(60/110) = 55/42
    assert rca["B", "p"] == pytest.approx(22 / 35)
    assert rca["B", "q"] == pytest.approx(55 / 42)


def test_trade_complementarity_hand_computed():
    # importer 50/50, exporter 80/20: sum |diff| = 0.6 -> 100 * (1 - 0.3) = 70
    tc = indices.trade_complementarity(pd.Series({"p": 1.0, "q": 1.0}), pd.Series({"p": 4.0, "q": 1.0}))
    assert tc == pytest.approx(70.0)
    # product r only exported, q only imported: |.5-.8| + |.5-0| + |0-.2| = 1.0 -> 50
    tc = indices.trade_complementarity(pd.Series({"p": 1.0, "q": 1.0}), pd.Series({"p": 4.0, "r": 1.0}))
    assert tc == pytest.approx(50.0)
    same = pd.Series({"p": 2.0, "q": 3.0})
    assert indices.trade_complementarity(same, same * 10) == pytest.approx(100.0)


def test_trade_complementarity_refuses_duplicate_products():
    with pytest.raises(ValueError):
        indices.trade_complementarity(pd.Series([1.0, 2.0], index=["p", "p"]), pd.Series({"p": 1.0}))
