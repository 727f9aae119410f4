"""Glued passages of the thesis chapters have the same keys for every country.

A chapter's Markdown names its glue keys once, for all countries; a helper that
returns a key only for Kazakhstan-China breaks the build of every other
country's book (Sphinx: "No key ... found in glue data").  These checks run on
small hand-made tables, without data.
"""

import pandas as pd
import pytest

from kzcn import compare, measures
from kzcn.chapters import ch1, ch3, common

OTHER_COUNTRIES = ("KGZ", "TJK", "TKM", "UZB")


@pytest.fixture
def claims_table():
    """Two prose claims in the early years: one reproduced by the mirror only, one by both sides."""
    return pd.DataFrame(
        {
            "Period": ["1993", "1995", "2008"],
            "Status (reporter)": [compare.DIFFERS, compare.REPRODUCED, compare.REPRODUCED],
            "Status (mirror)": [compare.REPRODUCED, compare.WITHIN_TOLERANCE, compare.DIFFERS],
        }
    )


@pytest.fixture
def table_1_1():
    """Table 1.1 cells for three years; 2003 has a printed amount that differs."""
    rows = []
    for year, status in ((2002, compare.REPRODUCED), (2003, compare.DIFFERS), (2004, compare.REPRODUCED)):
        rows.append({"cell_id": f"tbl-1-1:{year}:export-amount", "year": year, "status": status})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("iso3", OTHER_COUNTRIES)
def test_chapter_1_remarks_have_the_thesis_keys_and_name_the_country(claims_table, iso3):
    thesis = ch1.chapter_1_claims_remarks(claims_table, "KAZ", "CHN")
    other = ch1.chapter_1_claims_remarks(claims_table.iloc[0:0], iso3, "CHN")
    assert set(other) == set(thesis) == {"c1_remarks"}
    assert measures.name_of(iso3) in other["c1_remarks"]
    assert "IMF estimates" not in other["c1_remarks"]
    # the thesis's pair: 2 of the 2 claims dated 1992-1995, 1 agreeing with the reporter, 2 with the mirror
    assert (
        "there are 2 figures dated 1992–1995: 1 agree with the reporting country's own records, 2 with"
        in (thesis["c1_remarks"])
    )


def test_claims_findings_has_one_key_with_or_without_claims(claims_table):
    assert set(common.claims_findings(claims_table, "c1")) == {"c1_counts"}
    assert set(common.claims_findings(claims_table.iloc[0:0], "c1")) == {"c1_counts"}


@pytest.mark.parametrize("iso3", OTHER_COUNTRIES)
def test_trade_levels_remarks_have_the_same_keys_for_every_country(table_1_1, iso3):
    thesis = ch1.trade_levels_remarks(table_1_1, "KAZ", "CHN")
    other = ch1.trade_levels_remarks(table_1_1.iloc[0:0], iso3, "CHN")
    assert set(other) == set(thesis)
    assert thesis["f11_printed_remark"].endswith("in 2002 they sit on Kazakhstan's line.")
    assert measures.name_of(iso3) in other["f11_printed_remark"]
    assert "Kazakhstan's line" not in other["f11_printed_remark"]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({2010: 5.0, 2016: 2.0, 2019: 6.0}, "reached its low in 2016, before recovering"),
        ({2010: 5.0, 2014: 6.0, 2020: 2.0}, "reached its low in 2020, the last year shown"),
        ({2010: 1.0, 2014: 6.0, 2020: 3.0}, "was lowest in 2010, the first year shown"),
    ],
)
def test_figure_3_1_says_recovering_only_after_a_low_inside_the_period(values, expected):
    # Tajikistan's low is its last year and Turkmenistan's its first: neither "recovered".
    assert ch3._low_text(pd.Series(values)) == expected
