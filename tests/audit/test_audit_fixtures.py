"""Hand-made data shared by the audit's rule tests: two reporters of a made-up pair, 2000-2002."""

from __future__ import annotations

import pandas as pd

from kzcn import audit, series

MN = 1e6

# Kazakhstan-reported and China-reported flows of a made-up pair, US$.
FLOWS = {
    "dots-KAZ": [
        ("KAZ", "CHN", "export", 2000, 100 * MN),
        ("KAZ", "CHN", "import", 2000, 50 * MN),
        ("KAZ", "CHN", "export", 2001, 120 * MN),
        ("KAZ", "CHN", "import", 2001, 60 * MN),
        ("KAZ", "CHN", "export", 2002, 150 * MN),
        ("KAZ", "CHN", "import", 2002, 75 * MN),
        ("KAZ", "WLD", "export", 2000, 1000 * MN),
        ("KAZ", "WLD", "import", 2000, 500 * MN),
        ("KAZ", "WLD", "export", 2001, 1200 * MN),
        ("KAZ", "WLD", "import", 2001, 600 * MN),
        ("KAZ", "WLD", "export", 2002, 1500 * MN),
        ("KAZ", "WLD", "import", 2002, 750 * MN),
    ],
    "dots-CHN": [
        ("CHN", "KAZ", "import", 2000, 130 * MN),
        ("CHN", "KAZ", "export", 2000, 70 * MN),
        ("CHN", "KAZ", "import", 2001, 150 * MN),
        ("CHN", "KAZ", "export", 2001, 80 * MN),
    ],
}


def fake_loader(source_id: str) -> pd.DataFrame:
    if source_id not in FLOWS:
        raise ImportError(f"no parser for {source_id} in this test")
    frame = pd.DataFrame(FLOWS[source_id], columns=["reporter", "partner", "flow", "year", "value_usd"])
    return frame.assign(estimate=False, source="IMF DOTS", vintage="test")


def claim(claim_id, printed, value, quantity, period, unit="USD mn", qualifier="exact", **extra):
    row = {
        "claim_id": claim_id,
        "chapter": "1",
        "section": "1.1",
        "line": 1,
        "locator": "1.1 | test",
        "printed": printed,
        "value": value,
        "unit": unit,
        "quantity": quantity,
        "reporter": "KAZ",
        "partner": "CHN",
        "flow": "total",
        "period": period,
        "measure_kind": "level",
        "qualifier": qualifier,
    }
    row.update(extra)
    return row


NO_CELLS = pd.DataFrame(
    columns=[
        "table_id",
        "cell_id",
        "line",
        "row_label",
        "column_label",
        "period",
        "year",
        "reporter",
        "partner",
    ]
    + ["flow", "measure", "commodity", "hs2", "printed", "value", "printed_unit", "unit", "note"]
)
NO_ANNOTATIONS = pd.DataFrame(columns=list(audit.ANNOTATION_COLUMNS))


def audited(claims, cells=NO_CELLS, annotations=NO_ANNOTATIONS) -> list:
    """The audit rows of hand-made claims (and cells) against the fixture's flows."""
    return audit.audit_rows(
        claims=pd.DataFrame(claims),
        cells=cells,
        data=series.DataContext(loader=fake_loader),
        annotations=annotations,
    )
