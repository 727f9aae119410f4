"""How tables are written for the book: verdict cells, one number style, headers.

The expectations are written by hand from the rules in the docstrings of
``kzcn.figures`` (never from the code's own output).
"""

from __future__ import annotations

import pandas as pd
import pytest

from kzcn import figures


def _markdown(frame: pd.DataFrame, **meta) -> str:
    meta = {
        "id": "tbl-9-9",
        "title": "A test table",
        "source": "hand-made",
        "units": "US$ million",
        "files": {"csv": "tbl-9-9.csv"},
        "digits": 1,
        **meta,
    }
    return figures.table_markdown(frame, meta)


def test_a_verdict_cell_shows_value_symbol_words_and_a_focusable_note():
    frame = pd.DataFrame(
        {
            "Year": [2010, 2011],
            "Exports": [
                figures.Cell("2,389.1", status="differs", note="Thesis: 2300,79; difference +88.3."),
                figures.Cell("1,000.0", status="reproduced", note="Thesis: 1000.", link="audit.html#c-1"),
            ],
        }
    )
    text = _markdown(frame)
    assert "2,389.1" in text and "✘" in text and "(differs)" in text
    assert '<button class="kzcn-cell' in text and 'type="button"' in text  # keyboard reaches it
    assert 'role="tooltip"' in text and "Thesis: 2300,79; difference +88.3." in text
    assert 'href="audit.html#c-1"' in text  # a linked cell is a link (focusable itself)
    ids = [part.split('"')[1] for part in text.split('id="')[1:]]
    assert len(ids) == len(set(ids))
    for note_id in (i for i in ids if "-note-" in i):
        assert f'aria-describedby="{note_id}"' in text
    # the key names exactly the statuses used
    legend = next(line for line in text.splitlines() if "kzcn-legend" in line)
    assert "differs" in legend and "reproduced" in legend and "no raw source" not in legend


def test_unknown_status_is_refused():
    with pytest.raises(figures.PublishError, match="status"):
        figures.Cell("1.0", status="fine")


def test_cell_reads_as_its_text():
    assert str(figures.Cell("2,389.1", status="differs")) == "2,389.1"


@pytest.mark.parametrize(
    ("printed", "shown"),
    [("2300,79", "2,300.79"), ("14,1", "14.1"), ("-3,5", "-3.5"), ("1 234,5", "1,234.5")],
)
def test_decimal_comma_values_are_shown_in_the_book_style_with_the_printed_form_kept(printed, shown):
    text = _markdown(pd.DataFrame({"Thesis": [printed]}))
    assert shown in text
    assert f"printed in the thesis as {printed}" in text


def test_thousands_commas_are_not_mistaken_for_decimal_commas():
    text = _markdown(pd.DataFrame({"Recomputed": ["2,389", "12,345.6"]}))
    assert "printed in the thesis" not in text


@pytest.mark.parametrize("value", [-0.0, -0.00001, "-0.0000", "−0.0"])
def test_no_negative_zero(value):
    text = _markdown(pd.DataFrame({"Difference": [value]}), digits=4)
    body = text.split(":::")[1]
    assert "-0" not in body and "−0" not in body


def test_headers_keep_a_leading_percent_sign_and_lose_snake_case():
    text = _markdown(pd.DataFrame({"% market share / 2010": [1.0], "exports_gap_fob": [2.0]}))
    assert r"* - \% market share / 2010" in text
    assert "exports gap fob" in text and "exports_gap_fob" not in text
