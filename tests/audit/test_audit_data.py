"""The audit on the real ledger and the real raw data (served by the loopback mirror)."""

from __future__ import annotations

import pandas as pd
import pytest

from kzcn import audit, compare, data, ledger, series
from kzcn.chapters import ch1

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def audit_table(mirror_env) -> pd.DataFrame:
    return audit.audit_table()


def test_registry_reads_dots_as_the_issue_states(mirror_env):
    # Issue 5 names this value: DOTS, Kazakhstan-reported exports to China, 2010 = 10,121.6 (US$ million).
    measure = series.Measure("probe", "exports", "KAZ", "CHN", "export", "2010", "level", "USD mn")
    found = series.primary(series.candidates(measure, series.DataContext()))
    assert found is not None and found.inputs == ("dots-KAZ",)
    assert round(found.value, 1) == 10121.6


def test_every_ledger_row_is_audited_once(audit_table):
    claims = set(ledger.load_claims()["claim_id"])
    cells = {cell for table in ledger.TABLE_IDS for cell in ledger.load_table(table)["cell_id"]}
    assert audit_table["row_id"].is_unique
    assert set(audit_table["row_id"]) == claims | cells


def test_statuses_and_causes_use_the_fixed_vocabularies(audit_table):
    assert set(audit_table["status"]) <= {*compare.STATUSES, audit.NOT_A_STATISTIC}
    assert set(audit_table["cause"]) <= {*audit.CAUSES, ""}
    agreeing = audit_table[audit_table["status"].isin(audit.AGREES)]
    assert set(agreeing["cause"]) <= {"", audit.UNIT_SCALE}
    differing = audit_table[audit_table["status"] == compare.DIFFERS]
    assert (differing["cause"] != "").all()


def test_table_cells_agree_with_the_chapter_tables(mirror_env):
    """Chapter 1's Table 1.1 shows each cell's verdict: the same value and status as the audit."""
    from kzcn import verdicts

    chapter = ch1.table_1_1(data.dots_flows("KAZ"), "KAZ", "CHN").set_index("cell_id")
    mine = verdicts.table().set_index("id").loc[chapter.index]
    pd.testing.assert_series_equal(
        mine["recomputed"].astype(float), chapter["recomputed"].astype(float), check_names=False, rtol=1e-9
    )
    assert (mine["status"] == chapter["status"]).all()


def test_annotations_are_used_and_each_names_a_reason(audit_table):
    notes = audit.load_annotations()
    assert len(notes) > 0
    annotated = audit_table.set_index("row_id").loc[notes["row_id"]]
    assert (annotated["cause_origin"] == "annotation").all()
    assert (annotated["annotation"].str.len() > 20).all()


def test_claims_document_is_complete_and_json_ready(mirror_env):
    import json

    from kzcn import verdicts

    table = verdicts.table()
    document = verdicts.claims_document(table)
    assert len(document["rows"]) == len(table)
    text = json.dumps(document, allow_nan=False)  # NaN is not JSON: missing values must be null
    assert '"row_id"' in text and '"anchor"' in text
    assert document["summary"]["status"] == verdicts.counts(table)["status"]


def test_verdict_inputs_are_what_the_input_log_recorded(mirror_env):
    """Each verdict's inputs come from what was read, and every one of them reached the input log."""
    from kzcn import verdicts

    table = verdicts.table()
    logged = set(verdicts.inputs_read(table))
    used = {item for items in table["inputs"] for item in items}
    assert used and used <= logged
    assert {"ledger:claims.csv", "ledger:tables.csv", "ledger:audit_annotations.csv"} <= logged
    not_statistics = table[table["status"] == verdicts.NOT_A_STATISTIC]
    assert all(len(items) == 0 for items in not_statistics["inputs"])
