"""The verdict rules on hand-made data (one test per rule of the methods page).

Expected values are worked out by hand from the fixture below, never taken
from the code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_audit_fixtures import audited, claim

from kzcn import audit, compare, verdicts


def run(claims) -> pd.DataFrame:
    return verdicts.frame_of(audited(claims)).set_index("id")


def test_table_has_the_contract_columns():
    table = run([claim("c-1.1-001", "150 million", 150.0, "trade_total", "2000")]).reset_index()
    assert set(verdicts.COLUMNS) <= set(table.columns)
    assert set(table["status"]) <= set(verdicts.STATUSES)


def test_anchor_is_the_id_lower_cased_with_dots_as_hyphens():
    assert verdicts.anchor("c-2.2.3-007") == "c-2-2-3-007"
    assert verdicts.anchor("C-1.1-019") == "c-1-1-019"


def test_value_the_mirror_reproduces_is_reproduced_and_names_that_reporter():
    # 2000 total: Kazakhstan records 150, China 130 + 70 = 200
    row = run([claim("c-1.1-001", "200 million", 200.0, "trade_total", "2000")]).loc["c-1.1-001"]
    assert row["status"] == compare.REPRODUCED
    assert row["reporter"] == "China's records"
    assert row["recomputed"] == pytest.approx(200.0)
    assert "China's records" in row["evidence"] and "Kazakhstan's records" in row["evidence"]


def test_own_records_win_when_both_agree():
    row = run([claim("c-1.1-001", "150 million", 150.0, "trade_total", "2000")]).loc["c-1.1-001"]
    assert row["status"] == compare.REPRODUCED
    assert row["reporter"] == "Kazakhstan's records"


@pytest.mark.parametrize(
    ("printed", "recomputed", "expected"),
    [(2, 2, compare.REPRODUCED), (2, 1, compare.DIFFERS), (3, 2, compare.DIFFERS), (30, 31, compare.DIFFERS)],
)
def test_ranks_are_integers_never_within_tolerance(printed, recomputed, expected):
    assert compare.status_rank(printed, recomputed) == expected


@pytest.mark.parametrize(
    ("qualifier", "text", "printed", "recomputed", "expected"),
    [
        # "about 70": 65 to 75 reproduce (last significant digit: tens); beyond, 5 % (3.5) is too little
        ("approx", "approximately 70 tenge", 70, 67.3, compare.REPRODUCED),
        ("approx", "about 70", 70, 74.9, compare.REPRODUCED),
        ("approx", "about 70", 70, 76.0, compare.DIFFERS),
        # "about 63": units digit, so 62.5 to 63.5; within 5 % (3.15) is within tolerance
        ("approx", "about 63 tenge", 63, 61.0, compare.WITHIN_TOLERANCE),
        ("approx", "about 63 tenge", 63, 35.5, compare.DIFFERS),
        # "nearly 60": from 54 up to 60 (plus half the last significant digit, 5)
        ("approx", "nearly 60 times", 60, 55.0, compare.REPRODUCED),
        ("approx", "almost 60 times", 60, 50.0, compare.DIFFERS),
        ("approx", "nearly 60 times", 60, 61.0, compare.REPRODUCED),
        ("approx", "nearly 60 times", 60, 66.0, compare.DIFFERS),
        # bounds
        ("more_than", "more than 500 billion", 500, 474.5, compare.DIFFERS),
        ("more_than", "over 10%", 10, 10.4, compare.REPRODUCED),
        ("less_than", "less than 65 %", 65, 64.0, compare.REPRODUCED),
        ("at_least", "at least three", 3, 3.0, compare.REPRODUCED),
    ],
)
def test_printed_qualifiers_have_their_own_rules(qualifier, text, printed, recomputed, expected):
    rule = compare.qualifier_rule(qualifier, text)
    assert (
        compare.status_qualified(printed, recomputed, compare.printed_decimals(str(printed)), rule)
        == expected
    )


def test_qualifier_words_choose_the_rule():
    assert compare.qualifier_rule("approx", "nearly 60 times") == "nearly"
    assert compare.qualifier_rule("approx", "almost half") == "nearly"
    assert compare.qualifier_rule("approx", "about 63 tenge") == "about"
    assert compare.qualifier_rule("approx", "approximately 70") == "about"
    assert compare.qualifier_rule("more_than", "over 10%") == "more_than"
    assert compare.qualifier_rule("exact", "16 percent") == "exact"


def test_growth_over_a_span_is_tested_cumulative_and_average_annual():
    # total 2000 = 150, 2002 = 225: cumulative 50 %, average annual sqrt(1.5) - 1 = 22.47 %
    growth = {"unit": "percent", "measure_kind": "growth"}
    table = run(
        [
            claim("c-1.1-001", "50 percent", 50.0, "trade_growth", "2000-2002", **growth),
            claim("c-1.1-002", "22.5 percent", 22.5, "trade_growth", "2000-2002", **growth),
        ]
    )
    assert table.loc["c-1.1-001", "status"] == compare.REPRODUCED
    assert "cumulative" in table.loc["c-1.1-001", "evidence"]
    assert table.loc["c-1.1-002", "status"] == compare.REPRODUCED
    assert table.loc["c-1.1-002", "recomputed"] == pytest.approx(100 * (1.5**0.5 - 1))
    assert "average annual" in table.loc["c-1.1-002", "evidence"]


def test_level_over_a_span_is_read_as_sum_or_last_year():
    # totals 150, 180, 225: the sum is 555, the last year 225
    table = run(
        [
            claim("c-1.1-001", "555 million", 555.0, "trade_total", "2000-2002"),
            claim("c-1.1-002", "225 million", 225.0, "trade_total", "2000-2002"),
        ]
    )
    assert table.loc["c-1.1-001", "status"] == compare.REPRODUCED
    assert "sum" in table.loc["c-1.1-001", "evidence"]
    assert table.loc["c-1.1-002", "status"] == compare.REPRODUCED
    assert "2002" in table.loc["c-1.1-002", "evidence"]


def test_figure_derived_from_a_wrong_printed_figure_follows_from_it():
    # the thesis prints 2000 as 160 (data: 150) and 2002 as 225 (right); its growth 40.6 % = 225 / 160 - 1
    growth = {"unit": "percent", "measure_kind": "growth"}
    table = run(
        [
            claim("c-1.1-001", "160 million", 160.0, "trade_total", "2000"),
            claim("c-1.1-002", "225 million", 225.0, "trade_total", "2002"),
            claim("c-1.1-003", "40.6 percent", 40.6, "trade_growth", "2000-2002", **growth),
        ]
    )
    row = table.loc["c-1.1-003"]
    assert row["status"] == compare.DIFFERS
    assert row["cause"] == audit.DERIVED
    assert "c-1.1-001" in row["evidence"]


def test_share_names_the_denominator_that_fits():
    # exports to China 2000: 100 of 1000 in Kazakhstan's records = 10 %; China records 130: 13 % of 1000
    share = {"unit": "percent", "measure_kind": "share", "flow": "export"}
    table = run([claim("c-1.1-001", "13 percent", 13.0, "export_share", "2000", **share)])
    row = table.loc["c-1.1-001"]
    assert row["status"] == compare.REPRODUCED
    assert row["reporter"] == "China's records"


def test_not_a_statistic_is_left_out_of_the_checkable_total():
    table = run(
        [
            claim("c-1.1-001", "over the past 20 years", 20.0, "duration", "", unit="years"),
            claim("c-1.1-002", "3 chapters", 3.0, "count", "", unit="count"),
            claim("c-1.1-003", "150 million", 150.0, "trade_total", "2000"),
        ]
    )
    assert table.loc["c-1.1-001", "status"] == verdicts.NOT_A_STATISTIC
    assert table.loc["c-1.1-002", "status"] == verdicts.NOT_A_STATISTIC
    counted = verdicts.counts(table.reset_index())
    assert counted["rows"] == 3
    assert counted["checkable"] == 1
    assert counted["status"][verdicts.NOT_A_STATISTIC] == 2


def test_no_raw_source_says_what_would_settle_it():
    table = run([claim("c-1.1-001", "1,000 km", 1000.0, "length", "2010", unit="km")])
    row = table.loc["c-1.1-001"]
    assert row["status"] == compare.NO_RAW_SOURCE
    assert row["needs"]


def test_inputs_are_what_was_read():
    table = run(
        [
            claim("c-1.1-001", "150 million", 150.0, "trade_total", "2000"),
            claim("c-1.1-002", "3 chapters", 3.0, "count", "", unit="count"),
        ]
    )
    assert table.loc["c-1.1-001", "inputs"] == ["dots-CHN", "dots-KAZ"]
    assert table.loc["c-1.1-002", "inputs"] == []


def test_year_slip_is_recognised():
    # 2001 total in Kazakhstan's records: 180; printed for 2000, when it was 150
    row = run([claim("c-1.1-001", "180 million", 180.0, "trade_total", "2000")]).loc["c-1.1-001"]
    assert row["status"] == compare.DIFFERS
    assert row["cause"] == audit.YEAR
    assert "2001" in row["evidence"]
