"""The tolerance rule of kzcn.compare on hand-made values."""

import math

import pandas as pd
import pytest

from kzcn import compare


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.4698", 4), ("2300,79", 2), ("3, 7", 1), ("+5.227", 3), ("-2.1", 1), ("100", 0), ("11", 0)],
)
def test_printed_decimals_counts_digits_after_the_separator(text, expected):
    assert compare.printed_decimals(text) == expected


def test_printed_decimals_rejects_words():
    with pytest.raises(ValueError):
        compare.printed_decimals("n/a")


def test_value_that_rounds_to_the_printed_digits_is_reproduced():
    assert compare.status(1.023, 1.0229972, 3) == compare.REPRODUCED
    assert compare.agrees_to_printed_digits(1.023, 1.0234999, 3)


def test_one_unit_off_in_the_last_digit_is_within_tolerance():
    assert compare.status(4.7, 4.8, 1) == compare.WITHIN_TOLERANCE


def test_one_percent_relative_gap_is_within_tolerance_for_large_values():
    # 14.09 printed with 2 decimals: one unit is 0.01, 1 % is 0.1409
    assert compare.status(14.09, 14.2, 2) == compare.WITHIN_TOLERANCE
    assert compare.status(14.09, 14.25, 2) == compare.DIFFERS


def test_far_values_differ_and_missing_values_are_classified():
    assert compare.status(12.938, 9.459, 3) == compare.DIFFERS
    assert compare.status(1.0, math.nan, 1) == compare.NO_RAW_SOURCE
    assert compare.status(None, 3.0, 1) == compare.NOT_PRINTED


def test_compare_aligns_series_and_reports_differences():
    printed = pd.Series({2001: 0.6596, 2002: 1.023, 2003: 2.0})
    recomputed = pd.Series({2001: 0.65964, 2002: 1.0229972, 2004: 5.0})
    table = compare.compare(printed, recomputed, pd.Series({2001: 4, 2002: 3, 2003: 1}))
    assert list(table.index) == [2001, 2002, 2003, 2004]
    assert table.loc[2002, "difference"] == pytest.approx(-2.8e-6)
    assert list(table["status"]) == [
        compare.REPRODUCED,
        compare.REPRODUCED,
        compare.NO_RAW_SOURCE,
        compare.NOT_PRINTED,
    ]
    assert compare.status_counts(table["status"])[compare.REPRODUCED] == 2


def test_bounds_in_words_are_checked_as_bounds():
    assert compare.status_qualified(10.0, 10.5, 0, "more_than") == compare.REPRODUCED
    assert compare.status_qualified(10.0, 9.9, 0, "more_than") == compare.DIFFERS
    assert compare.status_qualified(65.0, 70.0, 0, "less_than") == compare.DIFFERS
    assert compare.status_qualified(63.0, 56.0, 0, "approx") == compare.DIFFERS
    assert compare.status_qualified(63.0, math.nan, 0, "more_than") == compare.NO_RAW_SOURCE
