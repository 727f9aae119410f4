"""What several chapter pages share: loaders, source lines, the thesis-layout table,
and the tables of prose claims (which show :func:`kzcn.verdicts.table`, never a
verdict of their own)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kzcn import compare
from kzcn.measures import (
    C5,
    C5_CODE,
    MONEY_COLUMNS,
    SERIES_COLUMN,
    THESIS_COUNTRY,
    THESIS_PARTNER,
    UNSTATED,
    USD_UNITS,
    bilateral_series,
    flow_values,
    in_unit,
    is_thesis_pair,
    name_of,
    plausible_money_unit,
)


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


#: The ledger's units in plain words (table headers and the CSV's unit column).
UNIT_WORDS = {
    "USD": "US$",
    "USD thousand": "US$ thousand",
    "USD mn": "US$ million",
    "USD 100 mn": "100 million US$",
    "USD bn": "US$ billion",
    "USD tn": "US$ trillion",
    "percent": "%",
}

#: What a thesis-table column shows, in words, by the ``<flow>-<measure>`` end of its cell id.
COLUMN_WORDS = {
    "export-amount": "Exports",
    "export-share": "Share of exports",
    "export-growth": "Growth of exports",
    "import-amount": "Imports",
    "import-share": "Share of imports",
    "import-growth": "Growth of imports",
    "total-amount": "Total trade",
    "total-share": "Share of total trade",
    "total-growth": "Growth of total trade",
    "balance-balance": "Trade balance",
}


def column_name(cell_id: str, unit: str) -> str:
    """A thesis-table column in plain words with its unit ("Exports, US$ billion")."""
    kind = str(cell_id).rsplit(":", 1)[-1]
    return f"{COLUMN_WORDS.get(kind, kind.replace('-', ' '))}, {UNIT_WORDS.get(unit, unit)}"


def _column_order(comparison: pd.DataFrame) -> list[str]:
    """The columns in the thesis's printed order (the fullest year carries every column)."""
    fullest = comparison.groupby("year")["column"].count().idxmax()
    names = list(dict.fromkeys(comparison.loc[comparison["year"] == fullest, "column"]))
    return names + [name for name in dict.fromkeys(comparison["column"]) if name not in names]


def _named(comparison: pd.DataFrame) -> pd.DataFrame:
    out = comparison.copy()
    out["column"] = [column_name(c, u) for c, u in zip(out["cell_id"], out["unit"], strict=True)]
    return out


def thesis_layout(
    comparison: pd.DataFrame, *, extra_decimals: int = 1, audit_page: str = "audit.html"
) -> pd.DataFrame:
    """The thesis's own layout: one line per year, one column per printed column.

    Each cell is a :class:`kzcn.figures.Cell`: the recomputed value in the
    column's unit (one more decimal than printed), the status of the verdict
    table (``comparison`` comes from :func:`with_verdicts`; a cell the thesis
    does not print has no status), the printed value and the difference as its
    note, and a link to the cell's row on the audit page.  A column the thesis
    leaves empty in a year stays empty.
    """
    from kzcn import verdicts
    from kzcn.figures import STATUS_MARKS, Cell

    named = _named(comparison)
    columns = _column_order(named)
    rows = []
    for year, group in named.groupby("year", sort=True):
        line: dict[str, object] = {"Year": str(year)}
        for cell in group.to_dict("records"):
            digits = int(cell["decimals"]) + extra_decimals
            status = cell["status"] if cell["status"] in STATUS_MARKS else None
            note = ""
            if str(cell["printed"]).strip():
                difference = compare.shown(cell["difference"], digits)
                note = f"The thesis prints {cell['printed']}."
                if difference:
                    note += f" Recomputed minus printed: {difference}."
            line[cell["column"]] = Cell(
                compare.shown(cell["recomputed"], digits),
                status=status,
                note=note,
                link=f"{audit_page}#{verdicts.anchor(cell['cell_id'])}" if status else "",
            )
        rows.append({"Year": line["Year"], **{name: line.get(name, "") for name in columns}})
    return pd.DataFrame(rows, columns=["Year", *columns])


#: The columns of a thesis table's CSV (one row per printed or recomputed cell).
TIDY_COLUMNS = ["year", "column", "unit", "printed", "printed_as", "recomputed", "difference", "status"]


def thesis_tidy(comparison: pd.DataFrame, *, extra_decimals: int = 1) -> pd.DataFrame:
    """The cells of :func:`thesis_layout` as tidy data: one row per (year, column).

    ``printed`` is the printed value as a number (the ledger's normalised
    value), ``printed_as`` the text as printed; numbers are rounded to the
    decimals shown (printed: as printed; recomputed and difference: one more).
    """
    named = _named(comparison)
    order = {name: i for i, name in enumerate(_column_order(named))}
    named = named.assign(_order=named["column"].map(order)).sort_values(["year", "_order"], kind="stable")
    records = []
    for cell in named.to_dict("records"):
        printed_digits = int(cell["decimals"])
        digits = printed_digits + extra_decimals

        def rounded(value: float, places: int) -> float:
            return float("nan") if pd.isna(value) else round(float(value), places) + 0.0

        records.append(
            {
                "year": int(cell["year"]),
                "column": cell["column"],
                "unit": UNIT_WORDS.get(cell["unit"], cell["unit"]),
                "printed": rounded(cell["value"], printed_digits),
                "printed_as": str(cell["printed"]),
                "recomputed": rounded(cell["recomputed"], digits),
                "difference": rounded(cell["difference"], digits),
                "status": cell["status"],
            }
        )
    return pd.DataFrame(records, columns=TIDY_COLUMNS)


def status_summary(comparison: pd.DataFrame) -> dict[str, int]:
    """Counts of each status among the compared cells."""
    return compare.status_counts(comparison["status"])


def describe_status_counts(comparison: pd.DataFrame) -> str:
    """A sentence fragment such as ``"40 reproduced, 3 within tolerance, 1 differs"``."""
    counts = status_summary(comparison)
    parts = [f"{count} {name}" for name, count in counts.items() if count and name != compare.NOT_PRINTED]
    return ", ".join(parts) if parts else "no cells"


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


def trade_claims(claims: pd.DataFrame, pairs: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """Prose claims about trade between the given (reporter, partner) pairs."""
    wanted = set(pairs)
    in_pairs = pd.Series(
        [(r, p) in wanted for r, p in zip(claims["reporter"], claims["partner"], strict=True)],
        index=claims.index,
    )
    keep = claims["quantity"].isin(CLAIM_QUANTITIES) & in_pairs
    return claims[keep]


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


def fmt_number(value: float, decimals: int = 1) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value):,.{decimals}f}"


def chapter_trade_claims(chapter: str, country: str, partner: str) -> pd.DataFrame:
    """Trade claims of one chapter's prose (only for the thesis's own pair)."""
    from kzcn import ledger

    claims = ledger.load_claims()
    claims = claims[claims["chapter"].astype(str) == str(chapter)]
    if not is_thesis_pair(country, partner):
        return claims.iloc[0:0]
    pairs = [(country, partner), (partner, country), (partner, C5_CODE), (C5_CODE, partner)]
    return trade_claims(claims, pairs)


def verdict_inputs() -> list[str]:
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
        "inputs": verdict_inputs(),
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


def plotted_with_printed(data: pd.DataFrame, printed: pd.DataFrame, unit: str) -> pd.DataFrame:
    """What a chart of recomputed series plus the thesis's printed totals draws, as one tidy table.

    ``data`` is wide (a ``year`` column and one column per series) or already long
    (``year, reporter, measure, value, unit``); ``printed`` is :func:`printed_totals`.
    The printed values are added as rows, once each: in a wide table as the series
    "Printed in the thesis (<where>), <unit>" of a ``year, series, value`` table; in
    a long one with reporter "printed in the thesis (<where>)".
    """
    marks = printed.drop_duplicates(["year", "value", "where"])
    if "reporter" in data.columns:
        rows = marks.assign(
            reporter="printed in the thesis (" + marks["where"] + ")", measure="trade volume", unit=unit
        )
        return pd.concat([data, rows[data.columns]], ignore_index=True)
    long = data.melt(id_vars="year", var_name="series", value_name="value").dropna(subset=["value"])
    rows = marks.assign(series="Printed in the thesis (" + marks["where"] + "), " + unit)
    return pd.concat([long, rows[["year", "series", "value"]]], ignore_index=True)


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
