"""The thesis's tables, figure and quoted series, recomputed from raw data.

Everything here is a small function over tidy tables, so the notebooks stay
short and no computation is repeated between chapters.  The inputs are

* bilateral flows in the schema of ``ARCHITECTURE.md`` (``reporter, partner,
  flow, year, value_usd, ...``; ``flow`` is ``export`` or ``import``), as read
  by :func:`load_flows` from IMF DOTS;
* ledger rows (:mod:`kzcn.ledger`): what the thesis prints, with reporter,
  partner, flow, measure and unit;

and the outputs are frames in the thesis's units with the comparison of
:mod:`kzcn.compare` attached.  Growth rates and shares are always computed from
unrounded values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

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

#: Glyphs for statuses in compact tables (the caption explains them).
STATUS_GLYPHS = {
    compare.REPRODUCED: "✔",
    compare.WITHIN_TOLERANCE: "≈",
    compare.DIFFERS: "✘",
    compare.NO_RAW_SOURCE: "∅",
    compare.NOT_PRINTED: "–",
}
STATUS_LEGEND = "; ".join(f"{glyph} {name}" for name, glyph in STATUS_GLYPHS.items())


def name_of(code: str) -> str:
    """Readable name of an ISO3 or group code (``KAZ`` -> ``Kazakhstan``)."""
    return COUNTRY_NAMES.get(code, code)


# ------------------------------------------------------------------ flows -> series


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


# ------------------------------------------------------------- ledger comparisons


def compare_cells(cells: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    """Recompute every printed table cell (ledger rows) and apply the tolerance rule.

    ``cells`` are rows of :func:`kzcn.ledger.load_table` with a single ``year``.
    Returns one row per cell with ``cell_id``, ``year``, ``column_label``,
    ``printed`` (text), ``value``, ``unit`` (as compared; for unstated units the
    plausible reading), ``recomputed``, ``difference``, ``status``.
    """
    frames = []
    for (reporter, partner), group in cells.groupby(["reporter", "partner"], sort=False):
        series = bilateral_series(flows, reporter, partner)
        for (flow, measure), rows in group.groupby(["flow", "measure"], sort=False):
            column = SERIES_COLUMN.get((flow, measure))
            years = rows["year"].astype(int)
            base = (
                series[column].reindex(years.to_numpy())
                if column
                else pd.Series(float("nan"), index=years.to_numpy())
            )
            base.index = rows.index
            unit = rows["unit"].iloc[0]
            if unit == UNSTATED and column in MONEY_COLUMNS:
                unit = plausible_money_unit(rows["value"], base)
            frame = rows[["cell_id", "year", "column_label", "printed", "value"]].copy()
            frame["unit"] = unit
            frame["recomputed"] = in_unit(base, unit) if unit != UNSTATED else float("nan")
            frames.append(frame)
    out = pd.concat(frames).loc[cells.index]
    decimals = out["printed"].map(compare.printed_decimals)
    result = compare.compare(out["value"], out["recomputed"], decimals)
    out["difference"] = result["difference"]
    out["status"] = result["status"]
    out["year"] = out["year"].astype(int)
    return out.reset_index(drop=True)


def _format(value: float, decimals: int) -> str:
    return "" if pd.isna(value) else f"{value:.{decimals}f}"


def thesis_layout(comparison: pd.DataFrame, *, extra_decimals: int = 1) -> pd.DataFrame:
    """Printed, recomputed, difference and status under each other, per year.

    The columns are the thesis's column labels in printed order; each year
    gets four rows, so a reader sees the thesis's value and ours in the same
    cell position.  Recomputed values carry one more decimal than printed.
    """
    labels = list(dict.fromkeys(comparison["column_label"]))
    rows = []
    for year, group in comparison.groupby("year", sort=True):
        by_label = group.set_index("column_label")
        lines = {"thesis": {}, "recomputed": {}, "difference": {}, "status": {}}
        for label in labels:
            if label not in by_label.index:
                continue
            cell = by_label.loc[label]
            digits = compare.printed_decimals(cell["printed"])
            lines["thesis"][label] = str(cell["printed"])
            lines["recomputed"][label] = _format(cell["recomputed"], digits + extra_decimals)
            lines["difference"][label] = _format(cell["difference"], digits + extra_decimals)
            lines["status"][label] = STATUS_GLYPHS[cell["status"]]
        for line, cells in lines.items():
            rows.append(
                {"Year": str(year), "Line": line, **{label: cells.get(label, "") for label in labels}}
            )
    return pd.DataFrame(rows, columns=["Year", "Line", *labels])


def status_summary(comparison: pd.DataFrame) -> dict[str, int]:
    """Counts of each status among the compared cells."""
    return compare.status_counts(comparison["status"])


def describe_status_counts(comparison: pd.DataFrame) -> str:
    """A sentence fragment such as ``"40 reproduced, 3 within tolerance, 1 differs"``."""
    counts = status_summary(comparison)
    parts = [f"{count} {name}" for name, count in counts.items() if count and name != compare.NOT_PRINTED]
    return ", ".join(parts) if parts else "no cells"


# ------------------------------------------------------------- long series tables


def trade_overview(
    flows: pd.DataFrame, country: str, partner: str, start: int, end: int, *, unit: str = "USD bn"
) -> pd.DataFrame:
    """Both reporters' view of the pair's trade, year by year, in ``unit``.

    ``country`` reports its exports to / imports from ``partner``; ``partner``
    reports the mirror flows.  Shares are of ``country``'s own trade with the
    world, as the thesis uses them.
    """
    own = bilateral_series(flows, country, partner)
    mirror = bilateral_series(flows, partner, country)
    years = range(start, end + 1)
    table = pd.DataFrame(index=pd.Index(years, name="year"))
    table[f"total ({country}-reported)"] = in_unit(own["total"], unit).reindex(years)
    table[f"total ({partner}-reported)"] = in_unit(mirror["total"], unit).reindex(years)
    table[f"exports of {country} ({country}-reported)"] = in_unit(own["exports"], unit).reindex(years)
    table[f"imports of {country} ({country}-reported)"] = in_unit(own["imports"], unit).reindex(years)
    table[f"{partner} share of {country} trade (%)"] = own["trade_share"].reindex(years)
    table[f"growth of total ({country}-reported, %)"] = own["total_growth"].reindex(years)
    return table


def partner_totals(
    flows: pd.DataFrame, reporter: str, partners: Iterable[str], start: int, end: int, *, unit: str = "USD mn"
) -> pd.DataFrame:
    """Total trade (exports + imports) of ``reporter`` with each partner and their sum."""
    years = range(start, end + 1)
    table = pd.DataFrame(index=pd.Index(years, name="year"))
    partners = list(partners)
    for partner in partners:
        table[partner] = in_unit(
            flow_values(flows, reporter, partner).sum(axis=1, min_count=2), unit
        ).reindex(years)
    table["sum"] = table[partners].sum(axis=1, min_count=len(partners))
    return table


def table_3_1(flows: pd.DataFrame, cells: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """China-reported trade with each Central Asian state, their sum, and the thesis's values.

    One row per year from ``start`` to ``end`` (the thesis prints 2002-2013):
    per-country totals and the sum in US$ million, then the printed value,
    difference and status for the years the thesis prints.
    """
    reporter = cells["reporter"].iloc[0]
    unit = cells["unit"].iloc[0]
    totals = partner_totals(flows, reporter, C5, start, end, unit=unit)
    checked = compare_cells(cells, flows).set_index("year")
    table = totals.rename(columns={code: name_of(code) for code in C5}).rename(
        columns={"sum": "Sum of the five"}
    )
    table["Thesis"] = checked["printed"].reindex(table.index)
    table["Difference"] = checked["difference"].reindex(table.index)
    table["Status"] = checked["status"].reindex(table.index)
    return table.reset_index().rename(columns={"year": "Year"})


# ------------------------------------------------------------------ Table 1.2


def table_1_2_checks(cells: pd.DataFrame) -> pd.DataFrame:
    """Internal consistency of the printed Table 1.2 (no raw data exists for it).

    For every commodity row: the share recomputed from the printed amounts
    (amount / printed total x 100) against the printed share, and the change
    2010 -> 2011 recomputed from the printed amounts against the printed change.
    Statuses use the same tolerance rule as everything else.
    """
    amounts = cells[cells["measure"] == "amount"].pivot_table(
        index="commodity", columns="year", values="value"
    )
    total = amounts.loc["Total"]
    rows = []
    for commodity in dict.fromkeys(cells["commodity"]):
        own = cells[cells["commodity"] == commodity]
        for _, cell in own[own["measure"] != "amount"].iterrows():
            if cell["measure"] == "share":
                year = int(cell["year"])
                implied = 100 * amounts.loc[commodity, year] / total[year]
                check = f"share {year} = amount / total"
            else:
                first, last = (int(y) for y in str(cell["period"]).split("-"))
                implied = 100 * (amounts.loc[commodity, last] / amounts.loc[commodity, first] - 1)
                check = f"change {first}->{last} from amounts"
            decimals = compare.printed_decimals(cell["printed"])
            rows.append(
                {
                    "Commodity": commodity,
                    "Check": check,
                    "Printed": str(cell["printed"]),
                    "Implied by printed amounts": implied,
                    "Difference": implied - cell["value"],
                    "Status": compare.status(cell["value"], implied, decimals),
                }
            )
    return pd.DataFrame(rows)


def hs_chapter_shares(
    products: pd.DataFrame, chapters: Iterable[str], start: int, end: int, *, unit: str = "USD thousand"
) -> pd.DataFrame:
    """Value and share of selected HS chapters in a product-level trade table.

    ``products`` has ``year``, ``hs2`` (two-digit chapter as text) and
    ``value_usd``; shares are of the sum over all chapters of that year.
    """
    frame = products[(products["year"] >= start) & (products["year"] <= end)]
    by_chapter = frame.groupby(["year", "hs2"])["value_usd"].sum().unstack("year")
    totals = by_chapter.sum(axis=0)
    rows = []
    for chapter in ["Total", *chapters]:
        values = totals if chapter == "Total" else by_chapter.reindex([chapter]).iloc[0]
        row = {"HS chapter": chapter}
        for year in sorted(totals.index):
            row[f"{year} ({unit})"] = float(in_unit(pd.Series([values[year]]), unit).iloc[0])
            row[f"{year} share (%)"] = float(100 * values[year] / totals[year])
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ prose claims

#: ledger quantity -> (flow, measure) of :data:`SERIES_COLUMN`
CLAIM_QUANTITIES = {
    "trade_total": ("total", "amount"),
    "exports": ("export", "amount"),
    "imports": ("import", "amount"),
    "trade_balance": ("balance", "balance"),
    "trade_share": ("total", "share"),
    "export_share": ("export", "share"),
    "import_share": ("import", "share"),
    "trade_growth": ("total", "growth"),
}

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


def trade_claims(claims: pd.DataFrame, pairs: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """Prose claims about trade between the given (reporter, partner) pairs."""
    wanted = set(pairs)
    in_pairs = pd.Series(
        [(r, p) in wanted for r, p in zip(claims["reporter"], claims["partner"], strict=True)],
        index=claims.index,
    )
    keep = claims["quantity"].isin(CLAIM_QUANTITIES) & in_pairs
    return claims[keep]


def _claim_value(series: pd.DataFrame, quantity: str, period: str, unit: str) -> float:
    flow, measure = CLAIM_QUANTITIES[quantity]
    years = [int(y) for y in str(period).split("-")]
    column = SERIES_COLUMN[(flow, measure)]
    if measure == "growth" and len(years) == 2:
        level = series[SERIES_COLUMN[(flow, "amount")]]
        first, last = level.get(years[0]), level.get(years[1])
        return float("nan") if pd.isna(first) or pd.isna(last) else 100 * (last / first - 1)
    if len(years) != 1:
        return float("nan")
    value = series[column].get(years[0], float("nan"))
    return float(in_unit(pd.Series([value]), unit).iloc[0]) if unit != UNSTATED else float("nan")


def compare_claims(claims: pd.DataFrame, flows: pd.DataFrame, *, mirror: bool = True) -> pd.DataFrame:
    """Recompute trade claims of the prose from the reporter's view and (optionally) the mirror view.

    ``claims`` are ledger claims selected with :func:`trade_claims`.  Returns
    one row per claim: where it is, what it says, the recomputed value from the
    claim's reporter, from the partner's mirror statistics, and the status of
    each under the tolerance rule.
    """
    cache: dict[tuple[str, str], pd.DataFrame] = {}

    def series(reporter: str, partner: str) -> pd.DataFrame:
        if (reporter, partner) not in cache:
            cache[(reporter, partner)] = bilateral_series(flows, reporter, partner)
        return cache[(reporter, partner)]

    rows = []
    for _, claim in claims.iterrows():
        decimals = claim_decimals(claim["printed"])
        own = _claim_value(
            series(claim["reporter"], claim["partner"]), claim["quantity"], claim["period"], claim["unit"]
        )
        row = {
            "Claim": claim["claim_id"],
            "Section": claim["section"],
            "Period": str(claim["period"]),
            "Quantity": claim["quantity"],
            "Printed": claim["printed"],
            "Unit": claim["unit"],
            "Recomputed (reporter)": own,
            "Status (reporter)": compare.status(claim["value"], own, decimals),
        }
        if mirror:
            flipped = _mirror_quantity(claim["quantity"])
            other = (
                _claim_value(
                    series(claim["partner"], claim["reporter"]), flipped, claim["period"], claim["unit"]
                )
                if flipped
                else float("nan")
            )
            row["Recomputed (mirror)"] = other
            row["Status (mirror)"] = compare.status(claim["value"], other, decimals)
        rows.append(row)
    return pd.DataFrame(rows)


def _mirror_quantity(quantity: str) -> str | None:
    """The same flow as seen by the partner (A's exports are B's imports)."""
    return {
        "trade_total": "trade_total",
        "trade_growth": "trade_growth",
        "exports": "imports",
        "imports": "exports",
    }.get(quantity)
