"""Chapter 1 (``notebooks/01_chapter1.ipynb``): Tables 1.1 and 1.2, the prose figures,
the overview chart of bilateral trade."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kzcn import compare
from kzcn.chapters.common import (
    compare_cells,
    dots_inputs,
    fmt_number,
    load_flows,
    source_line,
    verdict_inputs,
    with_verdicts,
)
from kzcn.measures import (
    MONEY_COLUMNS,
    SERIES_COLUMN,
    THESIS_COUNTRY,
    UNSTATED,
    bilateral_series,
    in_unit,
    is_thesis_pair,
    name_of,
    plausible_money_unit,
)


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
    if is_thesis_pair(country, partner):  # the statuses are the verdict table's, with what it read
        inputs = sorted({*inputs, *verdict_inputs()})
    return {
        "title": f"Bilateral trade of {name_of(country)} with {name_of(partner)}, 1999–2010: thesis and DOTS",
        "source": source_line(
            dots_inputs([country]),
            f"{name_of(country)} as reporter; printed values from the thesis's Table 1.1",
        ),
        "units": "amounts in US$ billion; shares in % of the reporter's total exports or imports; growth in % on the previous year; trade balance in US$ 100 million (see the methods page)",
        "inputs": inputs,
        "caption": (
            "One line per year, in the thesis's columns; each cell shows the recomputed value "
            "with one more decimal than printed, and the symbol of its status where the thesis prints the cell. "
            "Hovering over or tabbing to a cell shows the printed value and the difference; "
            "a cell links to its row on the audit page."
            if is_thesis_pair(country, partner)
            else "One line per year, in the thesis's columns, recomputed; the thesis prints no values for this pair."
        ),
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


#: The years of Kazakhstan's first customs statistics, partly IMF estimates in DOTS.
EARLY_YEARS = (1992, 1995)


def claims_agreeing(table: pd.DataFrame, start: int, end: int) -> dict[str, int]:
    """Among claims dated within ``start``-``end``: how many agree, from the country's own records or its partner's."""
    first_year = table["Period"].str[:4]
    first_year = pd.to_numeric(first_year, errors="coerce")
    within = table[(first_year >= start) & (first_year <= end)]
    agree = (compare.REPRODUCED, compare.WITHIN_TOLERANCE)
    if "Status" not in within:  # a table in the layout before the one verdict table (two statuses)
        return {
            "claims": len(within),
            "reporter": int(within["Status (reporter)"].isin(agree).sum()),
            "mirror": int(within["Status (mirror)"].isin(agree).sum()),
        }
    good = within[within["Status"].isin(agree)]
    own = good["From"].str.startswith(f"{name_of(THESIS_COUNTRY)}'s")
    return {"claims": len(within), "reporter": int(own.sum()), "mirror": int((~own).sum())}


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
    return {"t12_base_min": fmt_number(min(excess), 0), "t12_base_max": fmt_number(max(excess), 0)}
