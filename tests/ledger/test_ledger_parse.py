"""The one parser of printed numbers reads every printing style the thesis uses."""

from __future__ import annotations

import pytest

from kzcn.ledger import parse_printed, printed_qualifier


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("2300,79", 2300.79),  # Table 3.1: decimal comma
        ("34173,3", 34173.3),
        ("3, 7", 3.7),  # Table 1.2: decimal comma followed by a space
        ("+3.9", 3.9),
        ("+5.227", 5.227),
        ("-14.07", -14.07),
        ("-2.1", -2.1),
        ("2.1768 billion", 2.1768),
        ("US$40.266 billion", 40.266),
        ("20%", 20.0),
        ("nearly 60 times", 60.0),
        ("1,019.7 billion tenge", 1019.7),
        ("more than 2,000 kilometers", 2000.0),
        ("392,900 jobs", 392900.0),
        ("8343224", 8343224.0),
        ("0.151", 0.151),
        ("a decrease of 22.7%", -22.7),
        ("down 6.8%", -6.8),
        ("37th", 37.0),
        ("third largest trading partner", 3.0),
        ("largest importer", 1.0),
        ("No. 1 trade", 1.0),
    ],
)
def test_parse_printed_reads_thesis_styles(printed, expected):
    assert parse_printed(printed) == pytest.approx(expected, abs=1e-12)


def test_style_overrides_the_comma_rule():
    # "1,234" is a thousands group under auto, a decimal comma when the table says so.
    assert parse_printed("1,234") == 1234.0
    assert parse_printed("1,234", style="decimal_comma") == pytest.approx(1.234)
    assert parse_printed("2300,79", style="thousands_comma") == 230079.0


@pytest.mark.parametrize("printed", ["", "billion", "from 2,000 to 3,000 km", "1,5.2", "1,2,3"])
def test_parse_printed_refuses_what_it_cannot_read(printed):
    with pytest.raises(ValueError):
        parse_printed(printed)


def test_unknown_style_is_an_error():
    with pytest.raises(ValueError, match="style"):
        parse_printed("1", style="roman")


@pytest.mark.parametrize(
    ("printed", "qualifier"),
    [
        ("more than 50 times", "more_than"),
        ("exceeded 20 billion U.S. dollars", "more_than"),
        ("less than 65%", "less_than"),
        ("about 63 tenge per US dollar", "approx"),
        ("nearly 60 times", "approx"),
        ("14.09 billion US dollars", "exact"),
    ],
)
def test_printed_qualifier(printed, qualifier):
    assert printed_qualifier(printed) == qualifier
