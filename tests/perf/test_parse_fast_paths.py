"""The parse's shortcuts give what the plain reading gives, on hand-made input.

Each shortcut is compared with the reading it stands in for: the regular
expression of the DOTS estimates, the text path of ``csvutil.numbers``, and
pyreadstat's own application of Stata value labels.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kzcn.parsers import ParseError, csvutil, dots, wits

ESTIMATES = [
    "12.3 e", "1 e", "0.000 e", "12. e", ".5 e", "12.3e", "12.3  e", " 12.3 e", "1,247.27 e", "1.2.3 e",
    "12.3 e ", "e", " e", "-1 e", "1_0 e", "\u00b23 e", "\u0661\u0662.\u0663 e", "12.3", "nan e", "inf e",
]  # fmt: skip


@pytest.mark.parametrize("text", ESTIMATES)
def test_the_plain_estimate_shortcut_reads_what_the_expression_reads(text):
    match = dots.NUMBER_TEXT.match(text)
    shortcut = dots._plain_estimate(text)
    if shortcut is not None:  # it reads only what the expression reads as an estimate, and the same value
        assert match is not None and match.group(2) == "e"
        assert shortcut == float(match.group(1).replace(",", ""))


COLUMNS = [
    ["1", "2.5", "", "1e3", " 7 ", "0.1", "-0"],
    ["1", ".", "3", " . "],
    ["10", "x", "20", "y"],
    ["", "", ""],
    ["nan", "1"],
]


@pytest.mark.parametrize("values", COLUMNS)
def test_numbers_equal_the_text_reading(values):
    series = pd.Series(values, dtype=object)

    def read(function):
        try:
            return function(series, "f.csv", "Value", (".",))
        except ParseError as error:
            return str(error)

    fast, plain = read(csvutil.numbers), read(csvutil._numbers_from_text)
    if isinstance(plain, str):
        assert fast == plain
    else:
        pd.testing.assert_series_equal(fast, plain)


def test_numbers_of_a_numeric_column_are_its_values_as_floats():
    series = pd.Series([2015, 2016])
    pd.testing.assert_series_equal(
        csvutil.numbers(series, "f.dta", "Year"), csvutil._numbers_from_text(series, "f.dta", "Year", ())
    )


def _labelled_extract(path, flow_labels):
    import pyreadstat

    frame = pd.DataFrame(
        {
            "Nomenclature": [1, 1, 1],
            "ReporterISO3": [1, 1, 1],
            "ProductCode": [1, 2, 1],
            "ReporterName": [1, 1, 1],
            "PartnerISO3": [1, 2, 3],
            "PartnerName": [1, 2, 3],
            "Year": [2015, 2016, 2017],
            "TradeFlowName": [1, 1, 2],
            "TradeFlowCode": [6, 6, 5],
            "TradeValuein1000USD": [355.5, 1200.0, 7.25],
        }
    )
    labels = {
        "Nomenclature": {1: "H4"},
        "ReporterISO3": {1: "KAZ"},
        "ProductCode": {1: "0101", 2: " 2709 "},
        "ReporterName": {1: "Kazakhstan"},
        "PartnerISO3": {1: "ROM", 2: "CHN", 3: "WLD"},
        "PartnerName": {1: "Romania", 2: "China", 3: " World"},
        "TradeFlowName": flow_labels,
    }
    pyreadstat.write_dta(frame, str(path), variable_value_labels=labels)
    reference, _ = pyreadstat.read_dta(str(path), apply_value_formats=True)
    # pyreadstat's labelled table, as plain text columns (not categories): the reading it replaces
    reference = reference.astype({name: str for name in labels})
    return wits._tidy_wits(reference, path.name, "TradeValuein1000USD", None)


@pytest.mark.parametrize(
    "flow_labels",
    [
        {1: "Export", 2: "Import"},
        {1: "Export"},  # code 2 has no label: pyreadstat itself applies the labels
        {1: "Export", 2: "Export"},  # two codes, one label: the same
    ],
)
def test_stata_value_labels_are_applied_as_pyreadstat_applies_them(tmp_path, flow_labels):
    path = tmp_path / "extract.dta"
    try:
        expected = _labelled_extract(path, flow_labels)
    except ParseError as error:  # a code without a label is no flow: both refuse it alike
        with pytest.raises(ParseError, match="unknown flow"):
            wits.parse_dta(path)
        assert "unknown flow" in str(error)
        return
    pd.testing.assert_frame_equal(wits.parse_dta(path), expected)
