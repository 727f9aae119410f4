"""The triangulation on the real raw files (loopback mirror): which source each 2020 total matches.

No number is typed here: the printed values come from the ledger, the candidates from
the raw files, and the test asserts only *which* record reproduces each printed total.
"""

from __future__ import annotations

import pytest

from kzcn import compare, ledger, measures, triangulation

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def verdicts(mirror_env):
    printed = triangulation.printed_totals(ledger.load_claims(), 2020, "KAZ", "CHN")
    candidates = triangulation.total_trade_candidates(2020)
    out = {}
    for claim in printed.itertuples():
        table = triangulation.match_printed(
            claim.value,
            measures.claim_decimals(claim.printed),
            candidates,
            unit_factor=measures.USD_UNITS[claim.unit],
        )
        out[claim.value] = (claim, table)
    return out


def test_the_ledger_holds_two_different_2020_totals(verdicts):
    assert len(verdicts) >= 2, "the thesis prints two 2020 totals (chapter 3 and the conclusion)"


def test_smaller_total_is_kazakhstan_reported_and_larger_is_china_reported(verdicts):
    low_claim, low = verdicts[min(verdicts)]
    high_claim, high = verdicts[max(verdicts)]
    low_hits = triangulation.reproducing_candidates(low)
    high_hits = triangulation.reproducing_candidates(high)
    assert "DOTS, reported by Kazakhstan" in low_hits, low.to_string()
    assert not any("reported by China" in hit for hit in low_hits), low.to_string()
    assert high_hits == ["DOTS, reported by China"], high.to_string()
    # and the recent downloads do not reproduce either number (the vintage problem)
    for table in (low, high):
        recent = table[table["candidate"].str.contains("2025-2026|UN Comtrade")]
        assert (recent["status"] != compare.REPRODUCED).all(), table.to_string()


def test_mirror_gap_2020_is_mostly_on_china_to_kazakhstan(mirror_env):
    row = triangulation.mirror_table(triangulation.dots_flows("KAZ", "CHN"), "KAZ", "CHN").loc[2020]
    assert row["trade_gap"] == pytest.approx(row["exports_gap"] + row["imports_gap"])
    assert row["imports_gap"] > row["exports_gap"] > 0
