"""Which ISO3 codes name single economies, from a committed, reviewed table.

``data/economies_iso3.csv`` (written once by ``tools/make_economies.py`` from
country_converter's table, then committed) lists the ISO3 code and short name
of every economy; World Bank and IMF files also carry aggregates (WLD, HIC,
EUU...), which it leaves out.  Reading the committed table keeps
country_converter out of the book's run-time dependencies.
"""

from __future__ import annotations

import csv
from functools import cache

from kzcn import config

ECONOMIES_CSV = config.DATA_DIR / "economies_iso3.csv"


@cache
def economies() -> dict[str, str]:
    """``ISO3 code -> short name`` of every single economy."""
    with ECONOMIES_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def single_economy_codes() -> frozenset[str]:
    """ISO3 codes of single economies (no aggregates such as WLD or HIC)."""
    return frozenset(economies())
