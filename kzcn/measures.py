"""Pure measures of trade: levels, shares, growth, units, country names.

Small functions over tidy tables (the bilateral flow schema of ``ARCHITECTURE.md``),
with no knowledge of pages, the ledger or verdicts.  The verdict step
(:mod:`kzcn.series`, :mod:`kzcn.audit`) and every chapter module use them, so a
growth rate or a share is computed the same way everywhere.  Growth rates and
shares are always computed from unrounded values.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from kzcn import compare

#: The five Central Asian states, and the ledger's code for their sum.
C5 = ("KAZ", "KGZ", "TJK", "TKM", "UZB")


C5_CODE = "CA5"


WORLD = "WLD"


COUNTRY_NAMES = {
    "KAZ": "Kazakhstan",
    "KGZ": "Kyrgyzstan",
    "TJK": "Tajikistan",
    "TKM": "Turkmenistan",
    "UZB": "Uzbekistan",
    "CHN": "China",
    "CA5": "Central Asia (5)",
    "WLD": "World",
}


#: Base-unit factors of the ledger's money units (the vocabulary repeats them).
USD_UNITS = {
    "USD": 1.0,
    "USD thousand": 1e3,
    "USD mn": 1e6,
    "USD 100 mn": 1e8,
    "USD bn": 1e9,
    "USD tn": 1e12,
}


PERCENT_UNITS = ("percent", "percentage points")


UNSTATED = "unstated"


#: Which column of :func:`bilateral_series` answers a ledger (flow, measure).
SERIES_COLUMN = {
    ("export", "amount"): "exports",
    ("export", "share"): "export_share",
    ("export", "growth"): "export_growth",
    ("import", "amount"): "imports",
    ("import", "share"): "import_share",
    ("import", "growth"): "import_growth",
    ("total", "amount"): "total",
    ("total", "share"): "trade_share",
    ("total", "growth"): "total_growth",
    ("balance", "balance"): "balance",
    ("balance", "amount"): "balance",
}


MONEY_COLUMNS = ("exports", "imports", "total", "balance")


def name_of(code: str) -> str:
    """Readable name of an ISO3 or group code (``KAZ`` -> ``Kazakhstan``)."""
    return COUNTRY_NAMES.get(code, code)


def _members(code: str) -> tuple[str, ...]:
    return C5 if code == C5_CODE else (code,)


def flow_values(flows: pd.DataFrame, reporter: str, partner: str) -> pd.DataFrame:
    """US$ exports and imports of ``reporter`` with ``partner``, one row per year.

    A group code (``CA5``) as partner sums its members; a year in which any
    member is missing stays missing rather than silently shrinking the sum.
    """
    members = _members(partner)
    rows = flows[(flows["reporter"] == reporter) & (flows["partner"].isin(members))]
    wide = rows.pivot_table(index="year", columns=["flow", "partner"], values="value_usd", aggfunc="sum")
    out = pd.DataFrame(index=pd.Index(sorted(rows["year"].unique()), name="year"))
    for flow in ("export", "import"):
        part = wide[flow] if flow in wide.columns.get_level_values(0) else pd.DataFrame(index=out.index)
        part = part.reindex(columns=list(members))
        out[f"{flow}s"] = part.sum(axis=1, min_count=len(members)).where(part.notna().all(axis=1))
    return out


def bilateral_series(flows: pd.DataFrame, reporter: str, partner: str) -> pd.DataFrame:
    """Everything Table 1.1 prints, for any reporter-partner pair, in base units.

    Columns: ``exports``, ``imports``, ``total``, ``balance`` (US$),
    ``world_exports``, ``world_imports``, ``world_total`` (US$), ``export_share``,
    ``import_share``, ``trade_share`` (percent of the reporter's trade with the
    world) and ``export_growth``, ``import_growth``, ``total_growth`` (percent
    change on the previous year; missing when the previous year is missing).
    """
    pair = flow_values(flows, reporter, partner)
    world = flow_values(flows, reporter, WORLD).add_prefix("world_")
    series = pair.join(world, how="left")
    series["total"] = series["exports"] + series["imports"]
    series["balance"] = series["exports"] - series["imports"]
    series["world_total"] = series["world_exports"] + series["world_imports"]
    series["export_share"] = 100 * series["exports"] / series["world_exports"]
    series["import_share"] = 100 * series["imports"] / series["world_imports"]
    series["trade_share"] = 100 * series["total"] / series["world_total"]
    if series.empty:  # the reporter is not in ``flows``: every value is missing
        for column in ("total", "balance", "world_total", "export_share", "import_share", "trade_share"):
            series[column] = pd.Series(dtype=float)
        for growth in ("export_growth", "import_growth", "total_growth"):
            series[growth] = pd.Series(dtype=float)
        return series
    full_years = series.reindex(range(int(series.index.min()), int(series.index.max()) + 1))
    for level, growth in (
        ("exports", "export_growth"),
        ("imports", "import_growth"),
        ("total", "total_growth"),
    ):
        series[growth] = (100 * full_years[level].pct_change(fill_method=None)).reindex(series.index)
    return series


def in_unit(values: pd.Series, unit: str) -> pd.Series:
    """Base-unit values (US$ or percent) expressed in a ledger unit."""
    if unit in USD_UNITS:
        return values / USD_UNITS[unit]
    if unit in PERCENT_UNITS:
        return values
    raise ValueError(f"no conversion to unit {unit!r}")


def plausible_money_unit(printed: pd.Series, recomputed_usd: pd.Series) -> str:
    """The money unit under which unit-less printed values sit closest to the data.

    Used only where the thesis prints no unit (Table 1.1's trade balance): the
    candidate whose median absolute log-ratio to the recomputed values is
    smallest wins, and the table note names it.
    """
    both = pd.concat({"printed": printed, "usd": recomputed_usd}, axis=1).dropna()
    both = both[(both["printed"] != 0) & (both["usd"] != 0)]
    if both.empty:
        raise ValueError("no overlapping non-zero values to infer a unit from")

    def distance(unit: str) -> float:
        ratio = (both["usd"] / USD_UNITS[unit]) / both["printed"]
        return float(ratio.abs().map(math.log).abs().median())

    return min(USD_UNITS, key=distance)


_NUMBER_IN_TEXT = re.compile(r"\d+(?:[.,]\s?\d+)*")


def claim_decimals(printed: str) -> int:
    """Decimals of the (single) number inside a printed phrase such as ``"US$ 2.1768 billion"``."""
    match = _NUMBER_IN_TEXT.search(str(printed))
    if not match:
        raise ValueError(f"no number in {printed!r}")
    body = match.group(0).replace(" ", "")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", body):
        body = body.replace(",", "")
    return compare.printed_decimals(body)


THESIS_COUNTRY = "KAZ"


THESIS_PARTNER = "CHN"


def is_thesis_pair(country: str, partner: str) -> bool:
    """True for the pair the thesis writes about (its printed values apply)."""
    return (country, partner) == (THESIS_COUNTRY, THESIS_PARTNER)


def span_growth(values: pd.Series, first: int, last: int, average: bool) -> float:
    """Average annual (geometric) or cumulative growth in % over ``first``..``last`` from yearly rates."""
    rates = values.reindex(range(first, last + 1))
    if rates.isna().any():
        return float("nan")
    factor = float((1 + rates / 100).prod())
    return 100 * (factor ** (1 / len(rates)) - 1) if average else 100 * (factor - 1)


def growth_between(first: float, last: float, years: int) -> dict[str, float]:
    """Growth from level ``first`` to level ``last`` over ``years`` years, in %, read both ways.

    ``cumulative``: ``100 (last / first - 1)``; ``average annual`` (only for
    spans longer than a year): ``100 ((last / first) ** (1 / years) - 1)``.
    Empty when a level is missing or the first is zero.
    """
    if pd.isna(first) or pd.isna(last) or first == 0:
        return {}
    readings = {"cumulative": 100 * (last / first - 1)}
    if years > 1 and last / first > 0:
        readings["average annual"] = 100 * ((last / first) ** (1 / years) - 1)
    return readings
