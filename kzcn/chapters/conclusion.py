"""The conclusion (``notebooks/04_conclusion.ipynb``): the tally of verdicts, from
:func:`kzcn.verdicts.counts`."""

from __future__ import annotations

import pandas as pd

from kzcn import compare
from kzcn.chapters.common import dots_inputs, fmt_number, source_line, verdict_inputs
from kzcn.measures import THESIS_COUNTRY, THESIS_PARTNER


def status_tally(flows: pd.DataFrame | None, country: str, partner: str) -> pd.DataFrame:
    """How many printed values of each part of the thesis reach each status (from :func:`kzcn.verdicts.counts`).

    The thesis's numbers are about Kazakhstan and China, so the tally is the same
    on a page rebuilt for another pair (``flows``, ``country`` and ``partner`` are
    kept for the notebook's call).
    """
    from kzcn import verdicts

    statuses = [compare.REPRODUCED, compare.WITHIN_TOLERANCE, compare.DIFFERS, compare.NO_RAW_SOURCE]
    frame = verdicts.table()
    rows = {}
    for table_id, name in (("tbl-1-1", "Table 1.1"), ("tbl-1-2", "Table 1.2"), ("tbl-3-1", "Table 3.1")):
        rows[name] = verdicts.counts(frame, table_id=table_id)["status"]
    for chapter, name in verdicts.CHAPTER_TITLES.items():
        rows[f"prose, {name.lower() if chapter in ('abstract', 'intro', 'conclusion') else name}"] = (
            verdicts.counts(frame, kind="claim", chapter=chapter)["status"]
        )
    rows["all checked"] = verdicts.counts(frame)["status"]
    table = pd.DataFrame(rows).T[statuses]
    return table.reset_index().rename(columns={"index": "Element"})


def tally_labels() -> dict:
    """Labels of the status tally."""
    return {
        "title": "How many of the thesis's numbers the raw data reproduce",
        "source": source_line(
            dots_inputs([THESIS_COUNTRY, THESIS_PARTNER]), "printed values from the ledger"
        ),
        "units": "number of printed values",
        "inputs": verdict_inputs(),
        "caption": "One verdict per printed number, the same as on the audit page; numbers that are not statistics (spans of years, counts of chapters or documents, plans) are left out.",
    }


def tally_findings(tally: pd.DataFrame) -> dict[str, str]:
    """Totals of the tally for glue."""
    by_element = tally.set_index("Element")
    total = by_element.loc["all checked"]
    checked = by_element.sum(axis=1)
    share = (100 * by_element[compare.REPRODUCED] / checked).round(0)
    prose = by_element[by_element.index.str.startswith("prose")]
    prose_share = (
        100 * prose[compare.REPRODUCED].sum() / prose.sum(axis=1).sum() if len(prose) else float("nan")
    )
    return {
        "tally_reproduced": str(int(total[compare.REPRODUCED])),
        "tally_differs": str(int(total[compare.DIFFERS])),
        "tally_checked": str(int(checked["all checked"])),
        "tally_t11_share": fmt_number(share.get("Table 1.1"), 0),
        "tally_t31_share": fmt_number(share.get("Table 3.1"), 0),
        "tally_prose_share": fmt_number(prose_share, 0),
    }
