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
            kept = ["cell_id", "year", "column_label", "printed", "value"]
            frame = rows[kept + (["decimals"] if "decimals" in rows else [])].copy()
            frame["unit"] = unit
            frame["recomputed"] = in_unit(base, unit) if unit != UNSTATED else float("nan")
            frames.append(frame)
    out = pd.concat(frames).loc[cells.index]
    if "decimals" not in out:
        out["decimals"] = out["printed"].map(compare.printed_decimals)
    result = compare.compare(out["value"], out["recomputed"], out["decimals"])
    out["difference"] = result["difference"]
    out["status"] = result["status"]
    out["year"] = out["year"].astype(int)
    return out.reset_index(drop=True)


def with_verdicts(comparison: pd.DataFrame) -> pd.DataFrame:
    """A cell comparison whose unit, recomputed value, difference and status are the verdict table's.

    The chapter tables show the thesis's layout; the judgement of each printed
    cell is the one of :func:`kzcn.verdicts.table`, never recomputed here.
    """
    from kzcn import verdicts

    found = verdicts.for_ids(comparison["cell_id"]).set_index("id")
    out = comparison.copy()
    for column, source in (
        ("unit", "unit"),
        ("recomputed", "recomputed"),
        ("difference", "difference"),
        ("status", "status"),
    ):
        out[column] = found[source].reindex(out["cell_id"]).to_numpy()
    return out


def _format(value: float, decimals: int) -> str:
    return "" if pd.isna(value) else f"{value:.{decimals}f}"


def thesis_layout(comparison: pd.DataFrame, *, extra_decimals: int = 1) -> pd.DataFrame:
    """Printed, recomputed, difference and status under each other, per year.

    The columns are the thesis's column labels in printed order; each year
    gets four rows, so a reader sees the thesis's value and ours in the same
    cell position.  Recomputed values carry one more decimal than printed.
    """
    # the fullest year carries every column, in the order the thesis prints them
    fullest = comparison.groupby("year")["column_label"].count().idxmax()
    labels = list(dict.fromkeys(comparison.loc[comparison["year"] == fullest, "column_label"]))
    labels += [label for label in dict.fromkeys(comparison["column_label"]) if label not in labels]
    rows = []
    for year, group in comparison.groupby("year", sort=True):
        by_label = group.set_index("column_label")
        lines = {"thesis": {}, "recomputed": {}, "difference": {}, "status": {}}
        for label in labels:
            if label not in by_label.index:
                continue
            cell = by_label.loc[label]
            digits = int(cell["decimals"])
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


def table_3_1(
    flows: pd.DataFrame, cells: pd.DataFrame, start: int, end: int, *, judged: bool = False
) -> pd.DataFrame:
    """China-reported trade with each Central Asian state, their sum, and the thesis's values.

    One row per year from ``start`` to ``end`` (the thesis prints 2002-2013):
    per-country totals and the sum in US$ million, then the printed value,
    difference and status for the years the thesis prints.
    """
    reporter = cells["reporter"].iloc[0]
    unit = cells["unit"].iloc[0]
    totals = partner_totals(flows, reporter, C5, start, end, unit=unit)
    checked = compare_cells(cells, flows)
    if judged:  # the thesis's own cells: their statuses are the verdict table's
        checked = with_verdicts(checked)
    checked = checked.set_index("year")
    # ISO3 codes keep the table narrow; the caption names the countries
    table = totals.rename(columns={"sum": "Sum of the five"})
    mirror = pd.DataFrame({code: flow_values(flows, code, reporter).sum(axis=1, min_count=2) for code in C5})
    mirror_sum = (
        in_unit(mirror.sum(axis=1, min_count=len(C5)), unit) if len(mirror) else pd.Series(dtype=float)
    )
    table["Sum as the five report it"] = mirror_sum.reindex(table.index)
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
    if len(years) == 2 and measure == "amount":
        # a level printed for a span of years is read as the span's cumulative total
        span = series[column].reindex(range(years[0], years[1] + 1))
        value = span.sum() if span.notna().all() else float("nan")
    elif len(years) != 1:
        return float("nan")
    else:
        value = series[column].reindex([years[0]]).iloc[0] if column in series else float("nan")
    return float(in_unit(pd.Series([value]), unit).iloc[0]) if unit != UNSTATED else float("nan")


def compare_claims(
    claims: pd.DataFrame,
    flows: pd.DataFrame | None = None,
    *,
    mirror: bool = True,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The verdicts of the given prose claims, read from the one verdict table.

    ``claims`` are ledger claims (e.g. from :func:`chapter_trade_claims`); nothing
    is recomputed here (``flows`` is accepted for the notebooks' existing calls
    and not used).  One row per claim: where it is, what it says, the
    recomputed value, whose records give it, the partner's mirror value and the
    one status of :func:`kzcn.verdicts.table`.
    """
    from kzcn import verdicts

    columns = ["Claim", "Section", "Period", "Printed", "Unit", "Recomputed", "From", "Status"]
    if mirror:
        columns.insert(7, "Mirror statistics")
    if claims.empty:
        return pd.DataFrame(columns=columns)
    found = verdicts.for_ids(claims["claim_id"], frame)
    out = pd.DataFrame(
        {
            "Claim": found["id"],
            "Section": found["section"],
            "Period": claims["period"].astype(str).to_numpy(),
            "Printed": found["printed_text"],
            "Unit": found["unit"],
            "Recomputed": found["recomputed"],
            "From": found["reporter"],
            "Mirror statistics": found["mirror"],
            "Status": found["status"],
        }
    )
    return out[columns]


def _mirror_quantity(quantity: str) -> str | None:
    """The same flow as seen by the partner (A's exports are B's imports)."""
    return {
        "trade_total": "trade_total",
        "trade_growth": "trade_growth",
        "exports": "imports",
        "imports": "exports",
    }.get(quantity)


# ====================================================================== loaders
# Thin wrappers over kzcn.data / kzcn.ledger so that notebooks name what they
# want, not where it lives.

THESIS_COUNTRY = "KAZ"
THESIS_PARTNER = "CHN"


def load_flows(reporters: Iterable[str]) -> pd.DataFrame:
    """DOTS flows reported by each economy in ``reporters`` (duplicates ignored), one frame."""
    from kzcn import data

    codes = list(dict.fromkeys(reporters))
    return pd.concat([data.dots_flows(code) for code in codes], ignore_index=True)


def dots_inputs(reporters: Iterable[str]) -> list[str]:
    """Manifest ids of the DOTS workbooks of ``reporters`` (for provenance)."""
    from kzcn import data

    return [data.dots_source_id(code) for code in dict.fromkeys(reporters)]


def source_line(source_ids: Iterable[str], note: str = "") -> str:
    """The citation texts of the manifest entries, de-duplicated, plus a note."""
    from kzcn import manifest

    cites = list(dict.fromkeys(manifest.get(source_id).cite for source_id in source_ids))
    text = "; ".join(cites)
    return f"{text}. {note[:1].upper()}{note[1:]}" if note else text


def pair_names(country: str, partner: str) -> dict[str, str]:
    """Readable names and codes of the pair, for glue."""
    return {
        "country_name": name_of(country),
        "partner_name": name_of(partner),
        "country_code": country,
        "partner_code": partner,
        # a sentence can start with a glued possessive without a role before the apostrophe
        "country_possessive": f"{name_of(country)}'s",
        "partner_possessive": f"{name_of(partner)}'s",
    }


def is_thesis_pair(country: str, partner: str) -> bool:
    """True for the pair the thesis writes about (its printed values apply)."""
    return (country, partner) == (THESIS_COUNTRY, THESIS_PARTNER)


def _fmt(value: float, decimals: int = 1) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value):,.{decimals}f}"


# ================================================================= introduction


def headline_numbers(flows: pd.DataFrame, country: str, partner: str, start: int, end: int) -> dict[str, str]:
    """First and last year's bilateral total, own and mirror view, as text for glue."""
    overview = trade_overview(flows, country, partner, start, end)
    own = overview[f"total ({country}-reported)"].dropna()
    mirror = overview[f"total ({partner}-reported)"].dropna()
    return {
        "first_year": str(int(own.index.min())),
        "last_year": str(int(own.index.max())),
        "first_total_own": _fmt(own.iloc[0], 2),
        "last_total_own": _fmt(own.iloc[-1], 2),
        "last_total_mirror": _fmt(mirror.get(int(own.index.max())), 2),
    }


# =================================================================== Table 1.1


def retarget(cells: pd.DataFrame, reporter: str, partner: str) -> pd.DataFrame:
    """The ledger cells re-aimed at another pair: same layout, no printed values.

    Keeps the printed decimals (so the recomputed table reads like the thesis's)
    but blanks the value, so every status is *not printed*.
    """
    out = cells.copy()
    out["decimals"] = out["printed"].map(compare.printed_decimals)
    out["reporter"], out["partner"] = reporter, partner
    out["value"] = float("nan")
    out["printed"] = ""
    return out


def resolve_units(cells: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    """Replace ``unstated`` money units by their plausible reading (see :func:`plausible_money_unit`)."""
    out = cells.copy()
    for (reporter, partner, flow, measure), rows in out.groupby(["reporter", "partner", "flow", "measure"]):
        column = SERIES_COLUMN.get((flow, measure))
        if rows["unit"].iloc[0] != UNSTATED or column not in MONEY_COLUMNS:
            continue
        base = bilateral_series(flows, reporter, partner)[column].reindex(rows["year"].astype(int).to_numpy())
        base.index = rows.index
        out.loc[rows.index, "unit"] = plausible_money_unit(rows["value"], base)
    return out


def table_1_1(flows: pd.DataFrame, country: str, partner: str) -> pd.DataFrame:
    """Table 1.1 recomputed and compared (for another pair: recomputed only)."""
    from kzcn import ledger

    if is_thesis_pair(country, partner):
        cells = resolve_units(ledger.load_table("tbl-1-1"), flows)
        return with_verdicts(compare_cells(cells, flows))
    else:
        # the unit of the unit-less balance column is read off the thesis's own pair
        cells = resolve_units(ledger.load_table("tbl-1-1"), load_flows([THESIS_COUNTRY]))
        cells = retarget(cells, country, partner)
    return compare_cells(cells, flows)


def table_1_1_labels(country: str, partner: str) -> dict:
    """Title, source, units, inputs and caption of the recomputed Table 1.1."""
    inputs = [*dots_inputs([country]), "ledger:tables.csv"]
    return {
        "title": f"Bilateral trade of {name_of(country)} with {name_of(partner)}, 1999–2010: thesis and DOTS",
        "source": source_line(
            dots_inputs([country]),
            f"{name_of(country)} as reporter; printed values from the thesis's Table 1.1",
        ),
        "units": "amounts in US$ billion; shares in % of the reporter's total exports or imports; growth in % on the previous year; trade balance in US$ 100 million (see the methods page)",
        "inputs": inputs,
        "caption": f"Each year has four lines: thesis (as printed), recomputed, difference (recomputed minus printed) and status ({STATUS_LEGEND}).",
    }


def balance_unit(comparison: pd.DataFrame) -> str:
    """The unit the balance column was compared in (its plausible reading)."""
    units = comparison.loc[comparison["cell_id"].str.contains("balance"), "unit"]
    return units.iloc[0] if len(units) else "n/a"


def reproduced_run(comparison: pd.DataFrame, measure: str = "amount") -> str:
    """Longest run of consecutive years in which every printed ``measure`` cell is reproduced (``"2002–2009"``)."""
    cells = comparison[comparison["cell_id"].str.endswith(f"-{measure}")]
    good = cells.groupby("year")["status"].apply(
        lambda statuses: bool((statuses == compare.REPRODUCED).all())
    )
    best: list[int] = []
    run: list[int] = []
    for year, ok in good.sort_index().items():
        run = [*run, year] if ok and (not run or year == run[-1] + 1) else ([year] if ok else [])
        best = run if len(run) > len(best) else best
    if not best:
        return "none"
    return str(best[0]) if len(best) == 1 else f"{best[0]}–{best[-1]}"


def totals_from_rounded_parts(comparison: pd.DataFrame) -> list[int]:
    """Years whose printed total misses DOTS but equals printed exports plus printed imports.

    Such a total was added up from already rounded parts, which explains a gap
    in its last digit.
    """
    years = []
    for year, group in comparison.groupby("year"):
        by_id = group.set_index(group["cell_id"].str.rsplit(":", n=1).str[-1])
        needed = {"export-amount", "import-amount", "total-amount"}
        if not needed <= set(by_id.index) or by_id.loc["total-amount", "status"] == compare.REPRODUCED:
            continue
        parts = by_id.loc["export-amount", "value"] + by_id.loc["import-amount", "value"]
        if pd.isna(parts) or pd.isna(by_id.loc["total-amount", "value"]):
            continue  # nothing printed (a page rebuilt for another country)
        decimals = int(by_id.loc["total-amount", "decimals"])
        if round(parts, decimals) == by_id.loc["total-amount", "value"]:
            years.append(int(year))
    return years


def table_1_1_findings(comparison: pd.DataFrame) -> dict[str, str]:
    """Where Table 1.1's cells depart from DOTS, as a short phrase for glue."""
    off = comparison[comparison["status"] == compare.DIFFERS]
    amounts_run = reproduced_run(comparison)
    summed = totals_from_rounded_parts(comparison)
    summed_text = ", ".join(str(y) for y in summed) if summed else "no year"
    if off.empty:
        return {
            "t11_findings": "no cell differs beyond the tolerance",
            "t11_amounts_run": amounts_run,
            "t11_summed_totals": summed_text,
        }
    by_column = off.groupby("column_label")["year"].apply(
        lambda years: ", ".join(str(y) for y in sorted(years))
    )
    parts = [f"{label} ({years})" for label, years in by_column.items()]
    return {
        "t11_findings": "cells that differ are " + "; ".join(parts),
        "t11_amounts_run": amounts_run,
        "t11_summed_totals": summed_text,
    }


# =================================================================== Table 1.2


def _hs2_labels(cells: pd.DataFrame) -> dict[str, str]:
    """HS chapter (two digits, as text) -> the thesis's commodity label, from the ledger."""
    codes = cells["hs2"].fillna("").astype(str).str.replace(r"\.0$", "", regex=True).str.strip()
    labels = {}
    for code, commodity in zip(codes, cells["commodity"], strict=True):
        if code:
            labels.setdefault(code.zfill(2), str(commodity))
    return labels


def table_1_2_printed(cells: pd.DataFrame) -> pd.DataFrame:
    """The printed Table 1.2 in its own layout (values as printed, from the ledger)."""
    rows = []
    for commodity, group in cells.groupby("commodity", sort=False):
        row = {
            "Commodity": commodity,
            "HS chapter (our reading)": group["hs2"].dropna().astype(str).iloc[0]
            if group["hs2"].notna().any()
            else "",
        }
        for _, cell in group.iterrows():
            row[str(cell["column_label"])] = str(cell["printed"])
        rows.append(row)
    return pd.DataFrame(rows)


def table_1_2_labels() -> dict:
    """Labels of the printed Table 1.2."""
    return {
        "title": "Goods Kazakhstan imported from China, 2010 and 2011, as printed in the thesis",
        "source": "The thesis's Table 1.2 (credited to the National Bureau of Statistics of China), transcribed in the ledger; no raw source available",
        "units": "amounts in US$ thousand; shares in % of imports from China; change in % from 2010 to 2011",
        "inputs": ["ledger:tables.csv"],
        "caption": "The thesis's title says 2010–2020 but the columns cover 2010 and 2011; the HS chapter is our reading of each label.",
    }


def table_1_2_check_labels() -> dict:
    """Labels of the consistency checks of Table 1.2."""
    return {
        "title": "Table 1.2 checked against its own amounts",
        "source": "The thesis's Table 1.2 as transcribed in the ledger; arithmetic only",
        "units": "shares and changes in %",
        "inputs": ["ledger:tables.csv"],
        "caption": "Implied values are computed from the printed amounts; the status follows the tolerance rule of the methods page.",
    }


#: WITS HS4 extract of the country's imports from the partner (only Kazakhstan-China exists).
HS_IMPORT_SOURCES = {("KAZ", "CHN"): "wits-kaz-imports-from-china-hs4"}


def hs_table(
    country: str, partner: str, cells_1_2: pd.DataFrame, start: int, end: int
) -> pd.DataFrame | None:
    """Table 1.2's commodity chapters for recent years from WITS, or None without data."""
    from kzcn import store

    source_id = HS_IMPORT_SOURCES.get((country, partner))
    if source_id is None:
        return None
    products = store.load(source_id)
    products = products[products["product_level"] == "hs4"].assign(hs2=lambda f: f["product"].str[:2])
    labels = _hs2_labels(cells_1_2)
    table = hs_chapter_shares(products, list(labels), start, end)
    table.insert(1, "Thesis label", table["HS chapter"].map(labels).fillna("all products"))
    return table


def hs_table_labels(country: str, partner: str) -> dict:
    """Labels of the WITS version of Table 1.2."""
    source_id = HS_IMPORT_SOURCES[(country, partner)]
    return {
        "title": f"Imports of {name_of(country)} from {name_of(partner)} in Table 1.2's commodity groups, 2015–2019",
        "source": source_line(
            [source_id], f"{name_of(country)} as reporter; HS 2012 four-digit lines summed to chapters"
        ),
        "units": "values in US$ thousand; shares in % of all imports from the partner",
        "inputs": [source_id, "ledger:tables.csv"],
        "caption": "The printed Table 1.2 covers 2010–2011, for which no raw product data is available; these years show the same groups later.",
    }


# ================================================================ prose claims


def chapter_trade_claims(chapter: str, country: str, partner: str) -> pd.DataFrame:
    """Trade claims of one chapter's prose (only for the thesis's own pair)."""
    from kzcn import ledger

    claims = ledger.load_claims()
    claims = claims[claims["chapter"].astype(str) == str(chapter)]
    if not is_thesis_pair(country, partner):
        return claims.iloc[0:0]
    pairs = [(country, partner), (partner, country), (partner, C5_CODE), (C5_CODE, partner)]
    return trade_claims(claims, pairs)


def _verdict_inputs() -> list[str]:
    """What the verdict table read (manifest ids and ledger files), from its input log."""
    from kzcn import verdicts

    return verdicts.inputs_read()


def claims_labels(chapter: str) -> dict:
    """Labels of a chapter's table of recomputed prose claims."""
    return {
        "title": f"Trade figures quoted in the prose of chapter {chapter}, recomputed",
        "source": source_line(
            dots_inputs([THESIS_COUNTRY, THESIS_PARTNER, *C5]),
            "printed values from the thesis's text (ledger)",
        ),
        "units": "as printed in each claim (column Unit); growth in %",
        "inputs": _verdict_inputs(),
        "caption": "Recomputed: the value the verdict rests on, from the records named under From; mirror: the partner's statistics of the same flow. Each status is the one verdict of the audit page (rules on the methods page).",
    }


def claims_display(table: pd.DataFrame) -> pd.DataFrame:
    """The claims table with short headers for the page."""
    return table.drop(columns=["Section"], errors="ignore")


def _best_status(row: pd.Series) -> str:
    if isinstance(row.get("Status"), str):
        return row["Status"]
    statuses = [row.get("Status (reporter)"), row.get("Status (mirror)")]
    return min((s for s in statuses if isinstance(s, str)), key=compare.STATUSES.index)


#: The years of Kazakhstan's first customs statistics, partly IMF estimates in DOTS.
EARLY_YEARS = (1992, 1995)


def claims_agreeing(table: pd.DataFrame, start: int, end: int) -> dict[str, int]:
    """Among claims dated within ``start``-``end``: how many agree, from the country's own records or its partner's."""
    first_year = table["Period"].str[:4]
    first_year = pd.to_numeric(first_year, errors="coerce")
    within = table[(first_year >= start) & (first_year <= end)]
    good = within[within["Status"].isin((compare.REPRODUCED, compare.WITHIN_TOLERANCE))]
    own = good["From"].str.startswith(f"{name_of(THESIS_COUNTRY)}'s")
    return {"claims": len(within), "reporter": int(own.sum()), "mirror": int((~own).sum())}


def claims_findings(table: pd.DataFrame, prefix: str) -> dict[str, str]:
    """Counts of claims reproduced from either side, as a sentence for glue.

    The same key whether or not there are claims: a page rebuilt for another
    country has none, and a key its text names but nobody glued fails the build.
    """
    if table.empty:
        return {f"{prefix}_counts": "The thesis's prose figures apply only to Kazakhstan and China"}
    best = table.apply(_best_status, axis=1)
    counts = compare.status_counts(best)
    parts = [f"{n} {name}" for name, n in counts.items() if n and name != compare.NOT_PRINTED]
    return {
        f"{prefix}_counts": f"Of {len(table)} trade figures in the prose: " + ", ".join(parts),
    }


def chapter_1_claims_remarks(table: pd.DataFrame, country: str, partner: str) -> dict[str, str]:
    """Chapter 1's remarks on its prose figures, glued as one passage (``c1_remarks``).

    They comment on the thesis's own figures for Kazakhstan and China, so a page
    rebuilt for another pair (which recomputes none of them) says that instead:
    the passage is conditional as a whole rather than a Kazakhstan sentence
    around another country's glued values.
    """
    if table.empty or not is_thesis_pair(country, partner):
        return {
            "c1_remarks": f"None of them is recomputed for {name_of(country)}; the chart below shows "
            f"{name_of(country)}'s trade with {name_of(partner)} as both sides record it."
        }
    early = claims_agreeing(table, EARLY_YEARS[0], EARLY_YEARS[1])
    return {
        "c1_remarks": f"For the first years there are {early['claims']} figures dated "
        f"{EARLY_YEARS[0]}–{EARLY_YEARS[1]}: {early['reporter']} agree with the reporting country's own "
        f"records, {early['mirror']} with its partner's; {name_of(THESIS_COUNTRY)}'s own records for those "
        "years are partly IMF estimates. The prose of section 1.2.1 also gives the 2009 and 2010 totals "
        "differently from Table 1.1, so at most one of the two printings can be reproduced."
    }


# ================================================================== Figure 1.1 / 3.1


def printed_totals(country: str, partner: str) -> pd.DataFrame:
    """Bilateral totals the thesis prints (Table 1.1 and prose), in US$ billion, by year."""
    from kzcn import ledger

    if not is_thesis_pair(country, partner):
        return pd.DataFrame(columns=["year", "value", "where"])
    table = ledger.load_table("tbl-1-1")
    table = table[(table["flow"] == "total") & (table["measure"] == "amount")]
    rows = [
        {
            "year": int(y),
            "value": float(in_unit(pd.Series([v * USD_UNITS[u]]), "USD bn").iloc[0]),
            "where": "Table 1.1",
        }
        for y, v, u in zip(table["year"], table["value"], table["unit"], strict=True)
    ]
    claims = ledger.load_claims()
    claims = claims[
        (claims["quantity"] == "trade_total")
        & (claims["reporter"] == country)
        & (claims["partner"] == partner)
        & claims["unit"].isin(list(USD_UNITS))
        & claims["period"].astype(str).str.fullmatch(r"\d{4}")
    ]
    rows += [
        {"year": int(p), "value": v * USD_UNITS[u] / USD_UNITS["USD bn"], "where": "prose"}
        for p, v, u in zip(claims["period"], claims["value"], claims["unit"], strict=True)
    ]
    return pd.DataFrame(rows)


def mirror_larger(overview: pd.DataFrame, country: str, partner: str) -> str:
    """In how many years the partner records more bilateral trade than the country (``"15 of 19"``)."""
    both = overview[[f"total ({country}-reported)", f"total ({partner}-reported)"]].dropna()
    larger = both.iloc[:, 1] > both.iloc[:, 0]
    return f"{int(larger.sum())} of {len(both)}"


def trade_levels_remarks(table_1_1: pd.DataFrame, country: str, partner: str) -> dict[str, str]:
    """Chapter 1's comments on its overview chart, for glue (the same keys for every pair).

    Why the mirror is larger and where the thesis's printed totals sit were read
    off the Kazakhstan-China data; a page rebuilt for another pair says what it
    cannot claim instead.
    """
    if not is_thesis_pair(country, partner):
        return {
            "f11_mirror_reason": ", a gap whose causes this page analyses for "
            f"{name_of(THESIS_COUNTRY)} only",
            "f11_printed_remark": f"The thesis prints no totals for {name_of(country)}, so the chart has "
            "no open markers.",
        }
    return {
        "f11_mirror_reason": f", mostly because {name_of(partner)}'s exports to {name_of(country)} exceed what "
        f"{name_of(country)} records as imports from {name_of(partner)}",
        "f11_printed_remark": "The thesis's printed totals are drawn as open markers; in "
        f"{reproduced_run(table_1_1)} they sit on {name_of(country)}'s line.",
    }


def plot_trade_levels(
    overview: pd.DataFrame, country: str, partner: str, printed: pd.DataFrame | None = None
):
    """Bilateral total from both reporters, with the thesis's printed totals as markers."""
    from kzcn import style

    fig, ax = style.new_figure()
    for reporter in (country, partner):
        column = f"total ({reporter}-reported)"
        ax.plot(
            overview.index,
            overview[column],
            color=style.REPORTER_COLOURS.get(reporter, style.OKABE_ITO[7]),
            linestyle=style.REPORTER_LINESTYLES.get(reporter, "-"),
            marker="o",
            markersize=3,
            label=f"reported by {name_of(reporter)}",
        )
    if printed is not None and len(printed):
        shown = printed[(printed["year"] >= overview.index.min()) & (printed["year"] <= overview.index.max())]
        for where, marker in (("Table 1.1", "s"), ("prose", "D")):
            part = shown[shown["where"] == where]
            if len(part):
                ax.scatter(
                    part["year"],
                    part["value"],
                    marker=marker,
                    facecolors="none",
                    edgecolors=style.OKABE_ITO[7],
                    s=40,
                    zorder=3,
                    label=f"printed in the thesis ({where})",
                )
    style.label_axes(
        ax, x="Year", x_unit="calendar year", y="Exports plus imports", y_unit="US$ billion, current prices"
    )
    ax.legend(loc="upper left")
    return fig


def trade_levels_labels(country: str, partner: str, start: int, end: int) -> dict:
    """Labels of the overview chart of bilateral trade."""
    ids = dots_inputs([country, partner])
    return {
        "title": f"Trade between {name_of(country)} and {name_of(partner)}, {start}–{end}, as each side reports it",
        "alt": (
            f"Line chart of exports plus imports between {name_of(country)} and {name_of(partner)} from {start} to {end} "
            f"in billion US dollars, one line from each country's customs statistics, with the totals printed in "
            f"the thesis drawn as open markers."
        ),
        "source": source_line(ids, "printed totals from the thesis (ledger)"),
        "units": "US$ billion, current prices",
        "inputs": [*ids, "ledger:tables.csv", "ledger:claims.csv"],
    }


def figure_3_1_data(flows: pd.DataFrame, country: str, partner: str, start: int, end: int) -> pd.DataFrame:
    """Figure 3.1's two series from both reporters, long form: year, reporter, measure, value, unit."""
    rows = []
    for reporter, other in ((country, partner), (partner, country)):
        series = bilateral_series(flows, reporter, other).reindex(range(start, end + 1))
        for year, value in (series["total"] / USD_UNITS["USD bn"]).items():
            rows.append(
                {
                    "year": year,
                    "reporter": reporter,
                    "measure": "trade volume",
                    "value": value,
                    "unit": "USD bn",
                }
            )
        share = series["trade_share"] if reporter == country else None
        if share is not None:
            for year, value in share.items():
                rows.append(
                    {
                        "year": year,
                        "reporter": reporter,
                        "measure": f"{name_of(partner)} share of {name_of(country)} trade",
                        "value": value,
                        "unit": "percent",
                    }
                )
    # China's share as China sees it: its trade with the country over the country's trade with the world
    own = bilateral_series(flows, country, partner).reindex(range(start, end + 1))
    mirror = bilateral_series(flows, partner, country).reindex(range(start, end + 1))
    for year, value in (100 * mirror["total"] / own["world_total"]).items():
        rows.append(
            {
                "year": year,
                "reporter": partner,
                "measure": f"{name_of(partner)} share of {name_of(country)} trade",
                "value": value,
                "unit": "percent",
            }
        )
    return pd.DataFrame(rows)


#: Printed values above this multiple of the data's maximum are annotated instead of drawn.
OFF_SCALE_FACTOR = 1.3


def plot_figure_3_1(data: pd.DataFrame, country: str, partner: str, printed: pd.DataFrame | None = None):
    """Two panels: trade volume (US$ billion) and the partner's share of the country's trade (%)."""
    from kzcn import style

    fig, (left, right) = style.new_figure(width=9.5, height=5.0, ncols=2)
    for reporter in (country, partner):
        colour = style.REPORTER_COLOURS.get(reporter, style.OKABE_ITO[7])
        dash = style.REPORTER_LINESTYLES.get(reporter, "-")
        mine = data[data["reporter"] == reporter]
        volume = mine[mine["unit"] == "USD bn"]
        share = mine[mine["unit"] == "percent"]
        left.bar(
            volume["year"] + (-0.2 if reporter == country else 0.2),
            volume["value"],
            width=0.4,
            color=colour,
            label=f"reported by {name_of(reporter)}",
        )
        right.plot(
            share["year"],
            share["value"],
            color=colour,
            linestyle=dash,
            marker="o",
            markersize=3,
            label=f"{name_of(reporter)}'s figures",
        )
    if printed is not None and len(printed):
        years = data["year"]
        shown = printed[(printed["where"] == "prose") & printed["year"].between(years.min(), years.max())]
        top = OFF_SCALE_FACTOR * data.loc[data["unit"] == "USD bn", "value"].max()
        inside, outside = shown[shown["value"] <= top], shown[shown["value"] > top]
        left.scatter(
            inside["year"],
            inside["value"],
            marker="D",
            facecolors="none",
            edgecolors=style.OKABE_ITO[7],
            s=40,
            zorder=3,
            label="printed in the thesis",
        )
        left.set_ylim(0, top)
        for year, value in zip(outside["year"], outside["value"], strict=True):
            # a printed value far off the data (a typo in the thesis) is named, not drawn to scale
            left.annotate(
                f"printed: {value:g} (off scale)",
                xy=(year, top),
                xytext=(year, 0.9 * top),
                ha="center",
                fontsize="x-small",
                arrowprops={"arrowstyle": "<-", "color": style.OKABE_ITO[7]},
            )
    style.label_axes(left, x="Year", x_unit="calendar year", y="Exports plus imports", y_unit="US$ billion")
    style.label_axes(
        right,
        x="Year",
        x_unit="calendar year",
        y=f"{name_of(partner)}'s share of {name_of(country)}'s trade",
        y_unit="%",
    )
    left.set_title("Trade volume")
    right.set_title("Share")
    # legends under the panels, so they never cover data or the off-scale note
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", ncol=2)
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", ncol=2)
    return fig


def figure_3_1_labels(country: str, partner: str, start: int, end: int) -> dict:
    """Labels of the redrawn Figure 3.1."""
    ids = dots_inputs([country, partner])
    return {
        "title": f"{name_of(partner)}–{name_of(country)} trade volume and {name_of(partner)}'s share of {name_of(country)}'s trade, {start}–{end}",
        "alt": (
            f"Two panels. Left: bars of yearly trade between {name_of(country)} and {name_of(partner)} from {start} to {end} "
            f"in billion US dollars, one bar from each side's customs, with the thesis's printed totals as open diamonds. "
            f"Right: lines of {name_of(partner)}'s share of {name_of(country)}'s total trade in percent, from each side's figures."
        ),
        "source": source_line(
            ids, f"shares use {name_of(country)}'s total trade with the world as denominator"
        ),
        "units": "trade volume in US$ billion; share in %",
        "inputs": [*ids, "ledger:claims.csv", "ledger:figures.csv"],
        "caption": "The thesis's image of this figure is missing from its text; it is redrawn from the caption, which names a volume and a 'proportion'.",
    }


def _low_text(values: pd.Series) -> str:
    """Where the lowest year sits in the series: "before recovering" is true only of a low inside it."""
    low = int(values.idxmin())
    if low == int(values.index.max()):
        return f"reached its low in {low}, the last year shown"
    if low == int(values.index.min()):
        return f"was lowest in {low}, the first year shown"
    return f"reached its low in {low}, before recovering"


def figure_3_1_findings(data: pd.DataFrame, country: str, partner: str) -> dict[str, str]:
    """Peak, low, first/last share and mean reporter gap of Figure 3.1, as text."""
    own = data[(data["reporter"] == country) & (data["unit"] == "USD bn")].set_index("year")["value"].dropna()
    mirror = data[(data["reporter"] == partner) & (data["unit"] == "USD bn")].set_index("year")["value"]
    share = (
        data[(data["reporter"] == country) & (data["unit"] == "percent")].set_index("year")["value"].dropna()
    )
    gap = (100 * (mirror.reindex(own.index) / own - 1)).dropna()
    return {
        "f31_peak_year": str(int(own.idxmax())),
        "f31_low_year": str(int(own.idxmin())),
        "f31_low_text": _low_text(own),
        "f31_first_year": str(int(share.index.min())),
        "f31_last_year": str(int(share.index.max())),
        "f31_first_share": _fmt(share.iloc[0]),
        "f31_last_share": _fmt(share.iloc[-1]),
        "f31_gap_mean": _fmt(gap.mean(), 0),
        "f31_mirror_larger": f"{int((gap > 0).sum())} of {len(gap)}",
        # the thesis's reading of the decade, checked against the Kazakhstan-China data only
        "f31_trend_remark": "The thesis's text says the decade showed an overall downward trend; the data "
        "show a fall and a recovery rather than a trend. The prose values are compared one by one in the "
        "table further down."
        if is_thesis_pair(country, partner)
        else f"The thesis's reading of the decade's trend, like the figures of its prose, concerns "
        f"{name_of(THESIS_COUNTRY)} only.",
    }


# =================================================================== Table 3.1


def table_3_1_for(flows: pd.DataFrame, start_year: int, end_year: int) -> pd.DataFrame:
    """Table 3.1 (China-reported trade with the five) from the ledger's reading, extended."""
    from kzcn import ledger

    return table_3_1(flows, ledger.load_table("tbl-3-1"), start_year, end_year, judged=True)


def table_3_1_labels(start: int, end: int) -> dict:
    """Labels of the recomputed Table 3.1."""
    ids = dots_inputs([THESIS_PARTNER])
    return {
        "title": f"Total trade of China with the five Central Asian states, {start}–{end}: thesis and DOTS",
        "source": source_line(
            ids, "China as reporter; printed values from the thesis's Table 3.1 (2002–2013)"
        ),
        "units": "US$ million (exports plus imports)",
        "inputs": [*ids, "ledger:tables.csv"],
        "caption": "Columns KAZ to UZB: "
        + ", ".join(f"{code} {name_of(code)}" for code in C5)
        + ", as China reports its trade with each. Difference is the sum of the five minus the printed value; "
        "statuses follow the tolerance rule of the methods page.",
    }


def table_3_1_findings(table: pd.DataFrame) -> dict[str, str]:
    """Status counts and Kazakhstan's weight in China's Central Asian trade."""
    checked = table.dropna(subset=["Thesis"])
    counts = compare.status_counts(checked["Status"])
    parts = [f"{n} {name}" for name, n in counts.items() if n and name != compare.NOT_PRINTED]
    shares = 100 * table["KAZ"] / table["Sum of the five"]
    shares.index = table["Year"]
    shares = shares.dropna()
    text = (
        f"Kazakhstan's part of China's trade with the region was {_fmt(shares.iloc[0], 0)} % in {shares.index[0]} "
        f"and {_fmt(shares.iloc[-1], 0)} % in {shares.index[-1]}."
        if len(shares)
        else ""
    )
    printed = checked["Thesis"].map(lambda value: float(str(value).replace(" ", "").replace(",", ".")))
    relative = 100 * checked["Difference"] / printed
    closer_to_china = (checked["Sum of the five"] - printed).abs() < (
        checked["Sum as the five report it"] - printed
    ).abs()
    return {
        "t31_counts": f"Of the {len(checked)} printed years: " + ", ".join(parts),
        "t31_gap_min": _fmt(relative.min()),
        "t31_gap_max": _fmt(relative.max()),
        "t31_closer_to_china": f"{int(closer_to_china.sum())} of {len(checked)}",
        "t31_kaz_share_text": text,
    }


def plot_c5(regional: pd.DataFrame, reporter: str):
    """Stacked areas of the reporter's trade with each Central Asian state, US$ billion."""
    from kzcn import style

    fig, ax = style.new_figure()
    values = regional[list(C5)] / 1e3
    ax.stackplot(
        values.index,
        [values[c].fillna(0) for c in C5],
        labels=[name_of(c) for c in C5],
        colors=[style.COUNTRY_COLOURS[c] for c in C5],
        alpha=0.9,
    )
    style.label_axes(
        ax,
        x="Year",
        x_unit="calendar year",
        y=f"{name_of(reporter)}'s exports plus imports",
        y_unit="US$ billion",
    )
    ax.legend(loc="upper left", fontsize="small")
    return fig


def c5_labels(reporter: str, start: int, end: int) -> dict:
    """Labels of the chart of trade with the five Central Asian states."""
    ids = dots_inputs([reporter])
    return {
        "title": f"{name_of(reporter)}'s trade with each Central Asian state, {start}–{end}",
        "alt": (
            f"Stacked area chart of {name_of(reporter)}'s exports plus imports with Kazakhstan, Kyrgyzstan, "
            f"Tajikistan, Turkmenistan and Uzbekistan from {start} to {end}, in billion US dollars; "
            f"Kazakhstan is the largest layer in most years."
        ),
        "source": source_line(ids, f"{name_of(reporter)} as reporter"),
        "units": "US$ billion, current prices (the data table is in US$ million)",
        "inputs": ids,
    }


# ================================================================== Chapter 2


def timeline_table(start: int, end: int, kinds: Iterable[str] | None = None) -> pd.DataFrame:
    """Dated agreements, visits, statements and events of the thesis, in date order.

    ``kinds`` keeps only some kinds (``agreement``, ``visit``, ``statement``, ``event``).
    """
    from kzcn import ledger

    events = ledger.load_timeline()
    if kinds is not None:
        events = events[events["kind"].isin(list(kinds))]
    years = events["date"].astype(str).str[:4].astype(int)
    events = events[(years >= start) & (years <= end)].assign(_year=years)
    events = events.sort_values(["date", "event_id"])
    return pd.DataFrame(
        {
            "Date": events["date"].astype(str),
            "Event": events["event"],
            "Kind": events["kind"],
            "Parties": events["parties"].fillna("").astype(str).str.replace(";", ", "),
            "Thesis section": events["section"].astype(str),
            "Footnotes": events["footnotes"].fillna("").astype(str).str.replace(";", ", "),
        }
    ).reset_index(drop=True)


def timeline_labels(start: int, end: int, kinds: Iterable[str] | None = None) -> dict:
    """Labels of the timeline table."""
    what = (
        " and ".join(f"{kind}s" for kind in kinds) if kinds else "Agreements, visits, statements and events"
    )
    return {
        "title": f"{what[:1].upper()}{what[1:]} dated in the thesis, {start}–{end}",
        "source": "The thesis, transcribed in the ledger; descriptions in our words; footnote numbers refer to the thesis",
        "units": "dates as precise as printed (year, month or day)",
        "inputs": ["ledger:timeline.csv"],
    }


def _wdi_wide(indicator: str, codes: list[str], start: int, end: int) -> pd.DataFrame:
    from kzcn import data

    frame = data.wdi(indicator, codes)
    frame = frame[(frame["year"] >= start) & (frame["year"] <= end)]
    return frame.pivot_table(index="year", columns="iso3", values="value").reindex(columns=codes)


def macro_growth(country: str, partner: str, start: int, end: int) -> pd.DataFrame:
    """Real GDP growth (%) of both economies, one row per year."""
    wide = _wdi_wide("ny.gdp.mktp.kd.zg", [country, partner], start, end)
    return wide.rename(columns={c: f"{name_of(c)} GDP growth (%)" for c in wide.columns}).reset_index()


def plot_growth(growth: pd.DataFrame, country: str, partner: str):
    """Lines of real GDP growth of the two economies."""
    from kzcn import style

    fig, ax = style.new_figure()
    for code in (country, partner):
        column = f"{name_of(code)} GDP growth (%)"
        ax.plot(
            growth["year"],
            growth[column],
            color=style.REPORTER_COLOURS.get(code, style.OKABE_ITO[7]),
            linestyle=style.REPORTER_LINESTYLES.get(code, "-"),
            marker="o",
            markersize=3,
            label=name_of(code),
        )
    ax.axhline(0, color=style.OKABE_ITO[7], linewidth=0.8)
    style.label_axes(ax, x="Year", x_unit="calendar year", y="Real GDP growth", y_unit="% on previous year")
    ax.legend(loc="lower right")
    return fig


def growth_labels(country: str, partner: str, start: int, end: int) -> dict:
    """Labels of the GDP growth chart."""
    return {
        "title": f"Real GDP growth of {name_of(country)} and {name_of(partner)}, {start}–{end}",
        "alt": (
            f"Line chart of yearly real GDP growth in percent for {name_of(country)} and {name_of(partner)} "
            f"from {start} to {end}, with a horizontal line at zero."
        ),
        "source": source_line(["wdi-ny.gdp.mktp.kd.zg"], "indicator NY.GDP.MKTP.KD.ZG"),
        "units": "% change on the previous year, constant prices",
        "inputs": ["wdi-ny.gdp.mktp.kd.zg"],
    }


def macro_economy(country: str, start: int, end: int) -> pd.DataFrame:
    """GDP (current US$ billion) and official exchange rate (local currency per US$) of ``country``."""
    gdp = _wdi_wide("ny.gdp.mktp.cd", [country], start, end)[country] / USD_UNITS["USD bn"]
    rate = _wdi_wide("pa.nus.fcrf", [country], start, end)[country]
    frame = pd.DataFrame({"GDP (US$ billion)": gdp, "Exchange rate (local currency per US$)": rate})
    return frame.reset_index()


def plot_economy(economy: pd.DataFrame, country: str):
    """GDP in US$ (bars) and the exchange rate (line, right axis)."""
    from kzcn import style

    fig, ax = style.new_figure()
    ax.bar(economy["year"], economy["GDP (US$ billion)"], color=style.OKABE_ITO[1], label="GDP")
    right = ax.twinx()
    right.plot(
        economy["year"],
        economy["Exchange rate (local currency per US$)"],
        color=style.OKABE_ITO[5],
        marker="o",
        markersize=3,
        label="exchange rate",
    )
    right.grid(False)
    style.label_axes(
        ax,
        x="Year",
        x_unit="calendar year",
        y=f"{name_of(country)} GDP",
        y_unit="US$ billion, current prices",
    )
    right.set_ylabel(style.axis_label("Exchange rate", "local currency per US$"))
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], loc="upper left")
    return fig


def economy_labels(country: str, start: int, end: int) -> dict:
    """Labels of the GDP and exchange-rate chart."""
    ids = ["wdi-ny.gdp.mktp.cd", "wdi-pa.nus.fcrf"]
    return {
        "title": f"{name_of(country)}'s GDP and exchange rate, {start}–{end}",
        "alt": (
            f"Bar chart of {name_of(country)}'s GDP in billion current US dollars from {start} to {end}, with a line on a "
            f"second axis for the official exchange rate in local currency units per US dollar."
        ),
        "source": source_line(ids, "indicators NY.GDP.MKTP.CD and PA.NUS.FCRF"),
        "units": "GDP in US$ billion (current prices); exchange rate in local currency per US$ (annual average)",
        "inputs": ids,
    }


#: Exchange-rate moves are summarised separately from this year on.
FX_LATER_FROM = 2000


def macro_findings(growth: pd.DataFrame, economy: pd.DataFrame, country: str, partner: str) -> dict[str, str]:
    """Averages and extremes of the macro series, as text for glue."""
    own = growth.set_index("year")[f"{name_of(country)} GDP growth (%)"].dropna()
    other = growth.set_index("year")[f"{name_of(partner)} GDP growth (%)"].dropna()
    rate = economy.set_index("year")["Exchange rate (local currency per US$)"].dropna()
    # the 1990s (the tenge's first years) dwarf every later move, so report both
    jump = rate.pct_change(fill_method=None).dropna()
    later = jump[jump.index >= FX_LATER_FROM]
    return {
        "fx_later_from": str(FX_LATER_FROM),
        "fx_later_jump_year": str(int(later.idxmax())) if len(later) else "n/a",
        "fx_later_jump_pct": _fmt(100 * later.max(), 0) if len(later) else "n/a",
        "chn_growth_mean": _fmt(other.mean()),
        "kaz_growth_min": _fmt(own.min()),
        "kaz_growth_min_year": str(int(own.idxmin())),
        "kaz_growth_max": _fmt(own.max()),
        "kaz_growth_max_year": str(int(own.idxmax())),
        "fx_jump_year": str(int(jump.idxmax())) if len(jump) else "n/a",
    }


# =================================================================== conclusion


def status_tally(flows: pd.DataFrame | None, country: str, partner: str) -> pd.DataFrame:
    """How many printed values of each part of the thesis reach each status (from :func:`kzcn.verdicts.counts`)."""
    from kzcn import verdicts

    statuses = [compare.REPRODUCED, compare.WITHIN_TOLERANCE, compare.DIFFERS, compare.NO_RAW_SOURCE]
    if not is_thesis_pair(country, partner):
        return pd.DataFrame(columns=["Element", *statuses])
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
        "inputs": _verdict_inputs(),
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
        "tally_t11_share": _fmt(share.get("Table 1.1"), 0),
        "tally_t31_share": _fmt(share.get("Table 3.1"), 0),
        "tally_prose_share": _fmt(prose_share, 0),
    }


# =================================================================== appendix A


def sources_table() -> pd.DataFrame:
    """The manifest grouped by family: publisher, title, vintage, licence, file count."""
    from kzcn import manifest

    rows: dict[str, dict] = {}
    for source in manifest.load_manifest():
        row = rows.setdefault(
            source.family,
            {
                "Publication": source.publisher + ": " + source.title,
                "Vintage": source.vintage,
                "Licence": source.licence,
                "Files": 0,
                "Bytes": 0,
            },
        )
        row["Files"] += 1
        row["Bytes"] += source.size
    return pd.DataFrame(rows.values())


def sources_labels() -> dict:
    """Labels of the data-sources table."""
    return {
        "title": "Raw data declared in the manifest, by publication",
        "source": "data/sources.yml (each file pinned by URL and SHA-256)",
        "units": "Files: count; Bytes: size of the raw files",
        "inputs": [],
    }


def variant_note(country: str, partner: str):
    """A Markdown warning shown only when a page is rebuilt for another pair than the thesis's.

    Returns ``None`` (nothing displayed) for Kazakhstan-China, whose printed values
    and comments the page's prose discusses.
    """
    if is_thesis_pair(country, partner):
        return None
    from IPython.display import Markdown

    return Markdown(
        ":::{warning}\n"
        f"This page was rebuilt for **{name_of(country)}** and {name_of(partner)}. The thesis prints its "
        f"tables and figures for {name_of(THESIS_COUNTRY)} only: here every table shows recomputed values "
        "without printed ones (status *not printed*), and sentences of the text that comment on the "
        f"thesis's numbers refer to {name_of(THESIS_COUNTRY)}.\n"
        ":::"
    )


# ============================================================ macro claims (ch. 1-2)

#: Ledger quantities of the macro context and the WDI indicator that answers them.
MACRO_INDICATORS = {"gdp_growth": "ny.gdp.mktp.kd.zg", "exchange_rate": "pa.nus.fcrf"}
MACRO_QUANTITIES = (
    "gdp_growth",
    "exchange_rate",
    "foreign_trade_total",
    "gnp",
    "gnp_growth",
    "gnp_relative",
    "gnp_per_capita",
)


def macro_claims(country: str) -> pd.DataFrame:
    """The thesis's claims about growth, output, exchange rates and total trade (thesis country only)."""
    from kzcn import ledger

    claims = ledger.load_claims()
    if country != THESIS_COUNTRY:
        return claims.iloc[0:0]
    return claims[claims["quantity"].isin(MACRO_QUANTITIES)]


def _span_growth(values: pd.Series, first: int, last: int, average: bool) -> float:
    """Average annual (geometric) or cumulative growth in % over ``first``..``last`` from yearly rates."""
    rates = values.reindex(range(first, last + 1))
    if rates.isna().any():
        return float("nan")
    factor = float((1 + rates / 100).prod())
    return 100 * (factor ** (1 / len(rates)) - 1) if average else 100 * (factor - 1)


def _macro_value(claim: pd.Series, flows: pd.DataFrame) -> tuple[float, str]:
    from kzcn import data

    quantity, reporter = claim["quantity"], claim["reporter"]
    years = [int(y) for y in str(claim["period"]).split("-")]
    if quantity in MACRO_INDICATORS:
        frame = data.wdi(MACRO_INDICATORS[quantity], [reporter])
        series = frame.set_index("year")["value"]
        source = f"WDI {MACRO_INDICATORS[quantity].upper()}"
        if len(years) == 1:
            return float(series.get(years[0], float("nan"))), source
        # the printed words decide: "average" growth, otherwise growth over the whole span
        words = f"{claim.get('locator', '')} {claim.get('note', '')}".lower()
        average = "average" in words
        reading = "average annual" if average else "cumulative"
        return _span_growth(series, years[0], years[-1], average), f"{source}, {reading} over the span"
    if quantity == "foreign_trade_total" and len(years) == 1 and claim["unit"] in USD_UNITS:
        world = flow_values(flows, reporter, WORLD)
        total = (world["exports"] + world["imports"]).get(years[0], float("nan"))
        return float(total / USD_UNITS[claim["unit"]]), f"DOTS, {name_of(reporter)} as reporter"
    return float("nan"), "no raw source (national accounts in local currency are not in the raw data)"


def compare_macro_claims(
    claims: pd.DataFrame, flows: pd.DataFrame | None = None, *, frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The verdicts of the macro claims, read from the one verdict table (``flows`` is not used)."""
    from kzcn import verdicts

    columns = ["Claim", "Economy", "Period", "Printed", "Unit", "Recomputed", "From", "Status"]
    if claims.empty:
        return pd.DataFrame(columns=columns)
    found = verdicts.for_ids(claims["claim_id"], frame)
    return pd.DataFrame(
        {
            "Claim": found["id"],
            "Economy": [name_of(code) for code in claims["reporter"]],
            "Period": claims["period"].astype(str).to_numpy(),
            "Printed": found["printed_text"],
            "Unit": found["unit"],
            "Recomputed": found["recomputed"],
            "From": found["series"],
            "Status": found["status"],
        }
    )[columns]


def macro_claims_labels() -> dict:
    """Labels of the macro claims table."""
    ids = [*(f"wdi-{code}" for code in MACRO_INDICATORS.values()), *dots_inputs([THESIS_PARTNER])]
    return {
        "title": "Growth, output, exchange rates and total trade quoted in the thesis, recomputed",
        "source": source_line(ids, "printed values from the thesis's text (ledger)"),
        "units": "as printed in each claim (column Unit)",
        "inputs": _verdict_inputs(),
        "caption": "Each status is the one verdict of the audit page; printed qualifiers ('about', 'nearly', 'more than') and growth over a span are judged by the rules of the methods page.",
    }


def table_1_2_share_base(cells: pd.DataFrame) -> dict[str, str]:
    """How much larger than the printed Total is the total the printed shares imply?

    For each commodity row, amount / share x 100 is the total its share was
    computed on; the range over rows, relative to the printed Total of the same
    year, is returned as text for glue.
    """
    amounts = cells[cells["measure"] == "amount"].set_index(["commodity", "year"])["value"]
    shares = cells[(cells["measure"] == "share") & (cells["commodity"] != "Total")]
    excess = [
        100 * (amounts[(row.commodity, row.year)] / row.value * 100 / amounts[("Total", row.year)] - 1)
        for row in shares.itertuples()
        if row.value
    ]
    if not excess:
        return {"t12_base_min": "n/a", "t12_base_max": "n/a"}
    return {"t12_base_min": _fmt(min(excess), 0), "t12_base_max": _fmt(max(excess), 0)}
