"""The introduction page (``notebooks/00_introduction.ipynb``)."""

from __future__ import annotations

import pandas as pd

from kzcn.chapters.common import fmt_number, trade_overview


def headline_numbers(flows: pd.DataFrame, country: str, partner: str, start: int, end: int) -> dict[str, str]:
    """First and last year's bilateral total, own and mirror view, as text for glue."""
    overview = trade_overview(flows, country, partner, start, end)
    own = overview[f"total ({country}-reported)"].dropna()
    mirror = overview[f"total ({partner}-reported)"].dropna()
    return {
        "first_year": str(int(own.index.min())),
        "last_year": str(int(own.index.max())),
        "first_total_own": fmt_number(own.iloc[0], 2),
        "last_total_own": fmt_number(own.iloc[-1], 2),
        "last_total_mirror": fmt_number(mirror.get(int(own.index.max())), 2),
    }
