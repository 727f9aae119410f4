"""The audit's rules on hand-made data: each cause class fires where it should."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_audit_fixtures import NO_ANNOTATIONS, NO_CELLS, audited, claim

from kzcn import audit, compare, series, verdicts


def run(claims, cells=NO_CELLS, annotations=NO_ANNOTATIONS):
    return audit.audit_table(audited(claims, cells, annotations)).set_index("row_id")


def test_reproduced_value_has_no_cause():
    table = run([claim("c-1.1-001", "150 million", 150.0, "trade_total", "2000")])
    assert table.loc["c-1.1-001", "status"] == compare.REPRODUCED
    assert table.loc["c-1.1-001", "cause"] == ""
    assert table.loc["c-1.1-001", "recomputed"] == pytest.approx(150.0)


def test_mirror_match_is_reproduced_from_the_partners_records():
    table = run([claim("c-1.1-001", "200 million", 200.0, "trade_total", "2000")])
    row = table.loc["c-1.1-001"]
    assert row["status"] == compare.REPRODUCED
    assert row["cause"] == ""
    assert row["mirror"] == pytest.approx(200.0)
    assert "China" in row["recomputed_source"]


def test_power_of_ten_is_unit_or_scale():
    table = run([claim("c-1.1-001", "1.5 billion", 1.5, "trade_total", "2000", unit="USD mn")])
    assert table.loc["c-1.1-001", "cause"] == audit.UNIT_SCALE
    assert "10^2" in table.loc["c-1.1-001", "evidence"]


def test_transposed_digits_are_a_typo():
    # exports 2001 are 120 (Kazakhstan) and 150 (China, as imports): 102 is 120 with two digits swapped
    table = run([claim("c-1.1-001", "102 million", 102.0, "exports", "2001", flow="export")])
    assert table.loc["c-1.1-001", "cause"] == audit.TYPO


def test_two_statements_about_one_quantity_disagree():
    table = run(
        [
            claim("c-1.1-001", "an increase of 25%", 25.0, "trade_growth", "2000-2001", unit="percent"),
            claim("c-1.1-002", "an increase of 90%", 90.0, "trade_growth", "2000-2001", unit="percent"),
        ]
    )
    assert table.loc["c-1.1-002", "cause"] == audit.INTERNAL
    assert "c-1.1-001" in table.loc["c-1.1-002", "evidence"]


def test_growth_contradicting_printed_levels_is_internal():
    claims = [
        claim("c-1.1-001", "150 million", 150.0, "trade_total", "2000"),
        claim("c-1.1-002", "180 million", 180.0, "trade_total", "2001"),
        claim("c-1.1-003", "an increase of 70%", 70.0, "trade_growth", "2000-2001", unit="percent"),
    ]
    table = run(claims)
    assert table.loc["c-1.1-003", "cause"] == audit.INTERNAL
    assert "printed amounts" in table.loc["c-1.1-003", "evidence"]


def test_quantity_without_raw_source():
    table = run([claim("c-1.1-001", "2,000 kilometers", 2000.0, "length", "", unit="km")])
    assert table.loc["c-1.1-001", "status"] == compare.NO_RAW_SOURCE
    assert table.loc["c-1.1-001", "cause"] == audit.NO_RAW_SOURCE


def test_more_than_holds_when_data_exceed_the_bound():
    table = run(
        [claim("c-1.1-001", "more than 100 million", 100.0, "trade_total", "2000", qualifier="more_than")]
    )
    assert table.loc["c-1.1-001", "status"] == compare.REPRODUCED


def test_unknown_quantity_names_the_claim():
    with pytest.raises(series.UnknownSeriesError, match="c-1.1-007") as caught:
        run([claim("c-1.1-007", "7 widgets", 7.0, "widgets", "2000", unit="count")])
    assert "widgets" in str(caught.value)


def test_annotation_overrides_rule_and_keeps_it():
    notes = pd.DataFrame(
        [["c-1.1-001", audit.VINTAGE, "published before a revision", "reviewer", "2026-01-01"]],
        columns=list(audit.ANNOTATION_COLUMNS),
    )
    table = run([claim("c-1.1-001", "205 million", 205.0, "trade_total", "2000")], annotations=notes)
    row = table.loc["c-1.1-001"]
    assert row["cause"] == audit.VINTAGE
    assert row["cause_origin"] == "annotation"
    assert row["rule_cause"] in {audit.REPORTER_MIRROR, audit.UNEXPLAINED}
    assert row["annotation"] == "published before a revision"


def test_annotation_of_unknown_row_is_refused():
    notes = pd.DataFrame(
        [["c-9.9-999", audit.TYPO, "a reason", "reviewer", "2026-01-01"]],
        columns=list(audit.ANNOTATION_COLUMNS),
    )
    with pytest.raises(audit.AuditError, match="c-9.9-999"):
        run([claim("c-1.1-001", "150 million", 150.0, "trade_total", "2000")], annotations=notes)


def _cell(cell_id, year, flow, measure, printed, value, unit):
    return {
        "table_id": "tbl-1-1",
        "cell_id": cell_id,
        "line": 1,
        "row_label": str(year),
        "column_label": f"{flow} {measure}",
        "period": str(year),
        "year": year,
        "reporter": "KAZ",
        "partner": "CHN",
        "flow": flow,
        "measure": measure,
        "commodity": "",
        "hs2": "",
        "printed": printed,
        "value": value,
        "printed_unit": "",
        "unit": unit,
        "note": "",
    }


def test_table_total_that_is_not_the_sum_of_its_row_is_internal():
    cells = pd.DataFrame(
        [
            _cell("tbl-1-1:2000:export-amount", 2000, "export", "amount", "0.1", 0.1, "USD bn"),
            _cell("tbl-1-1:2000:import-amount", 2000, "import", "amount", "0.05", 0.05, "USD bn"),
            _cell("tbl-1-1:2000:total-amount", 2000, "total", "amount", "0.25", 0.25, "USD bn"),
        ]
    )
    table = run([], cells=cells)
    assert table.loc["tbl-1-1:2000:total-amount", "cause"] == audit.INTERNAL


def test_unstated_unit_is_read_in_the_unit_the_values_fit():
    cells = pd.DataFrame(
        [
            _cell("tbl-1-1:2000:export-amount", 2000, "export", "amount", "0.1", 0.1, "USD bn"),
            _cell("tbl-1-1:2000:balance-balance", 2000, "balance", "balance", "+0.5", 0.5, "unstated"),
            _cell("tbl-1-1:2001:balance-balance", 2001, "balance", "balance", "+0.6", 0.6, "unstated"),
        ]
    )
    table = run([], cells=cells)
    row = table.loc["tbl-1-1:2000:balance-balance"]
    assert row["unit"] == "USD 100 mn"
    assert row["status"] == compare.REPRODUCED
    assert row["cause"] == audit.UNIT_SCALE


def test_every_vocabulary_quantity_is_registered_or_declared_sourceless():
    from kzcn import ledger

    vocabulary = set(ledger.load_vocabulary()["quantity"])
    assert vocabulary - series.known_quantities() == set()


def test_summary_counts_every_row_once():
    table = run(
        [
            claim("c-1.1-001", "150 million", 150.0, "trade_total", "2000"),
            claim("c-1.1-002", "2,000 kilometers", 2000.0, "length", "", unit="km"),
        ]
    )
    counts = verdicts.counts(table.reset_index())
    assert sum(counts["status"].values()) == 2
    assert sum(counts["cause"].values()) == 2
    assert counts["checkable"] == 2


def test_transposition_detector():
    assert audit.is_transposition(63.0, 36.0, 0)
    assert audit.is_transposition(1.243, 1.234, 3)
    assert not audit.is_transposition(63.0, 63.0, 0)
    assert not audit.is_transposition(63.0, 64.0, 0)
    assert not audit.is_transposition(63.0, math.nan, 0)


def test_a_long_value_repeating_the_next_year_is_a_copying_slip_and_a_short_one_is_not():
    cells = pd.DataFrame(
        [
            _cell("tbl-1-1:2000:export-amount", 2000, "export", "amount", "100.25", 100.25, "USD mn"),
            _cell("tbl-1-1:2001:export-amount", 2001, "export", "amount", "100.25", 100.25, "USD mn"),
            _cell("tbl-1-1:2000:import-share", 2000, "import", "share", "7.7", 7.7, "percent"),
            _cell("tbl-1-1:2001:import-share", 2001, "import", "share", "7.7", 7.7, "percent"),
        ]
    )
    table = run([], cells=cells)
    # exports were 100 in 2000 and 120 in 2001: the 2001 cell is the copy
    assert table.loc["tbl-1-1:2001:export-amount", "cause"] == audit.TYPO
    assert table.loc["tbl-1-1:2000:export-amount", "cause"] != audit.TYPO
    assert table.loc["tbl-1-1:2000:import-share", "cause"] != audit.TYPO
    assert table.loc["tbl-1-1:2001:import-share", "cause"] != audit.TYPO


def test_statements_without_a_period_or_about_catch_all_quantities_are_not_compared():
    table = run(
        [
            claim(
                "c-2.1-001",
                "third largest partner",
                3.0,
                "partner_rank",
                "",
                unit="rank",
                measure_kind="rank",
            ),
            claim(
                "c-2.1-002", "the largest partner", 1.0, "partner_rank", "", unit="rank", measure_kind="rank"
            ),
            claim("c-2.1-003", "to 88%", 88.0, "share_other", "2016", unit="percent", measure_kind="share"),
            claim("c-2.1-004", "to 71%", 71.0, "share_other", "2016", unit="percent", measure_kind="share"),
        ]
    )
    assert (table["cause"] != audit.INTERNAL).all()
