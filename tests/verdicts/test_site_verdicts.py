"""One verdict per number, across the built site.

For every ledger id shown anywhere (the audit page, ``claims.json``, the chapter
tables' CSV files, the conclusion's tally) the status and the recomputed value
are the same.  The expectations are read from the site itself (``claims.json``
and the pages), and counts are tallied here from the rows, independently of
``kzcn.verdicts.counts``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from kzcn import ledger

pytestmark = pytest.mark.integration

STATUSES = {"reproduced", "within tolerance", "differs", "no raw source", "not a statistic"}


@pytest.fixture(scope="module")
def claims(built_site: Path) -> dict[str, dict]:
    document = json.loads((built_site / "claims.json").read_text(encoding="utf-8"))
    return {row["id"]: row for row in document["rows"]} | {"__summary__": document["summary"]}


def _rows(claims):
    return {key: value for key, value in claims.items() if key != "__summary__"}


def _read_csv(path: Path) -> pd.DataFrame:
    """A published CSV: leading ``#`` lines are its metadata, then the table."""
    import io

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return pd.read_csv(io.StringIO("".join(lines)), dtype=str, keep_default_na=False)


def _same_number(shown: object, value: float | None, decimals: int | None = None) -> bool:
    if value is None:
        return shown is None or (isinstance(shown, float) and math.isnan(shown)) or str(shown).strip() == ""
    number = float(str(shown).replace(",", ""))
    tolerance = 0.5 * 10.0 ** (-decimals) if decimals is not None else 1e-9 * max(1.0, abs(value))
    return abs(number - value) <= tolerance * (1 + 1e-9)


def test_one_row_per_ledger_row_and_counts_add_up(claims):
    rows = _rows(claims)
    ids = set(ledger.load_claims()["claim_id"]) | {
        cell for table in ledger.TABLE_IDS for cell in ledger.load_table(table)["cell_id"]
    }
    assert set(rows) == ids
    assert {row["status"] for row in rows.values()} <= STATUSES
    tally = Counter(row["status"] for row in rows.values())
    assert claims["__summary__"]["status"] == {
        status: tally.get(status, 0) for status in claims["__summary__"]["status"]
    }
    assert claims["__summary__"]["checkable"] == sum(n for s, n in tally.items() if s != "not a statistic")
    assert all(row["anchor"] == row["id"].lower().replace(".", "-") for row in rows.values())
    no_source = [row for row in rows.values() if row["status"] == "no raw source"]
    assert all(row["needs"] for row in no_source)


def test_verdict_targets_hold(claims):
    rows = _rows(claims).values()
    unexplained = [row for row in rows if row["cause"] == "unexplained"]
    assert len(unexplained) <= 10
    notes = pd.read_csv(ledger.config.THESIS_DIR / "audit_annotations.csv", dtype=str, keep_default_na=False)
    assert {row["id"] for row in unexplained} <= set(notes["row_id"])
    assert not [row for row in rows if row["unit"] == "rank" and row["status"] == "within tolerance"]


def test_audit_page_rows_match_claims_json(built_site, claims):
    rows = _rows(claims)
    page = built_site / "notebooks" / "audit.html"
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    seen = set()
    for tr in soup.select("tr[data-status]"):
        row = rows[tr.find("td").get_text(strip=True)]
        headers = [th.get_text(strip=True) for th in tr.find_parent("table").find_all("th")]
        cells = {h: td.get_text(strip=True) for h, td in zip(headers, tr.find_all("td"), strict=False)}
        assert tr["id"] == row["anchor"]
        assert tr["data-status"] == cells["status"] == row["status"]
        assert tr["data-cause"] == cells["cause"] == row["cause"]
        if row["recomputed"] is not None:
            shown = cells["recomputed"].split(" ", 1)[0]  # "15.86 percent"
            decimals = len(shown.split(".")[1]) if "." in shown else 0
            assert _same_number(shown, row["recomputed"], decimals), row["id"]
        else:
            assert cells["recomputed"] == "", row["id"]
        seen.add(row["id"])
    assert seen == set(rows)
    assert soup.find("script", src=lambda src: bool(src) and src.endswith("audit-filter.js"))


def test_chapter_claim_tables_match_claims_json(built_site, claims):
    rows = _rows(claims)
    checked = 0
    for path in sorted((built_site / "figures").glob("*.csv")):
        table = _read_csv(path)
        if not {"Claim", "Status"} <= set(table.columns):
            continue
        for record in table.to_dict("records"):
            row = rows[record["Claim"]]
            assert record["Status"] == row["status"], (path.name, record["Claim"])
            if "Recomputed" in record:
                shown = record["Recomputed"]
                assert _same_number(shown if shown != "" else None, row["recomputed"]), (
                    path.name,
                    record["Claim"],
                )
            checked += 1
    assert checked > 0


def test_table_1_1_and_3_1_match_claims_json(built_site, claims):
    rows = _rows(claims)
    cells = ledger.load_table("tbl-1-1")
    expected = Counter(
        (str(r.row_label), str(r.printed), rows[r.cell_id]["status"]) for r in cells.itertuples()
    )
    layout = _read_csv(built_site / "figures" / "tbl-1-1.csv")
    shown = Counter(
        (str(r["year"]), str(r["printed_as"]), r["status"])
        for r in layout.to_dict("records")
        if str(r["printed_as"])
    )
    assert shown == expected
    table_3_1 = _read_csv(built_site / "figures" / "tbl-3-1.csv")
    for record in table_3_1[table_3_1["Status"] != ""].to_dict("records"):
        row = rows[f"tbl-3-1:{record['Year']}:total-amount"]
        assert record["Status"] == row["status"]


def test_conclusion_tally_matches_claims_json(built_site, claims):
    rows = _rows(claims).values()
    tally = _read_csv(built_site / "figures" / "tbl-4-1.csv").set_index("Element")
    everything = Counter(row["status"] for row in rows)
    for status in ("reproduced", "within tolerance", "differs", "no raw source"):
        assert int(tally.loc["all checked", status]) == everything.get(status, 0)
    table_1_1 = Counter(row["status"] for row in rows if row["table_id"] == "tbl-1-1")
    assert int(tally.loc["Table 1.1", "reproduced"]) == table_1_1["reproduced"]
