"""The data layer runs under pandas 2.3 (pinned) and 3.x; ``.ci/run`` runs the unit tests under both.

Under pandas 3, text columns are a string dtype instead of ``object``; the
tables must still validate and survive the parquet round trip of the cache.
"""

from __future__ import annotations

import pandas as pd
from data_fixtures import write_dots_workbook
from packaging.version import Version

from kzcn import schemas
from kzcn.parsers import dots


def test_the_pandas_in_use_is_a_supported_one():
    assert Version("2.3") <= Version(pd.__version__) < Version("4")


def test_a_dots_table_validates_and_round_trips_through_parquet(tmp_path):
    table = schemas.validate(
        dots.parse(write_dots_workbook(tmp_path / "DOTS_1.xlsx")), "bilateral", "fixture"
    )
    table.to_parquet(tmp_path / "t.parquet", index=False)
    back = pd.read_parquet(tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    # the fixture's rows, counted by hand: exports 2 + 3 + 3 (the repeat and the heading add
    # nothing), imports 1 + 3 + 2
    assert len(back) == 14
    china = back[(back.partner == "CHN") & (back.flow == "export")].sort_values("year")
    assert china.value_usd.tolist() == [12.5e6, 1247.27e6, 171.8e6]
    assert china.estimate.tolist() == [True, True, False]
