"""Chapter 3 (``notebooks/03_chapter3.ipynb``): Figure 3.1, Table 3.1, trade with the
five Central Asian states."""

from __future__ import annotations

import pandas as pd

from kzcn import compare
from kzcn.chapters.common import (
    compare_cells,
    dots_inputs,
    fmt_number,
    partner_totals,
    source_line,
    verdict_inputs,
    with_verdicts,
)
from kzcn.measures import (
    C5,
    THESIS_COUNTRY,
    THESIS_PARTNER,
    USD_UNITS,
    bilateral_series,
    flow_values,
    in_unit,
    is_thesis_pair,
    name_of,
)


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
            label=f"{name_of(reporter)}'s records",
        )
        right.plot(
            share["year"],
            share["value"],
            color=colour,
            linestyle=dash,
            marker="o",
            markersize=3,
            label=f"{name_of(reporter)}'s records",
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
            label="value printed in the thesis (prose)",
        )
        left.set_ylim(0, top)
        for year, value in zip(outside["year"], outside["value"], strict=True):
            # a printed value far off the data (a typo in the thesis) is named, not drawn to scale
            left.annotate(
                f"printed in the thesis: {value:g} (off scale)",
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
        "inputs": [*ids, "ledger:tables.csv", "ledger:claims.csv"],
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
        "f31_first_share": fmt_number(share.iloc[0]),
        "f31_last_share": fmt_number(share.iloc[-1]),
        "f31_gap_mean": fmt_number(gap.mean(), 0),
        "f31_mirror_larger": f"{int((gap > 0).sum())} of {len(gap)}",
        # the thesis's reading of the decade, checked against the Kazakhstan-China data only
        "f31_trend_remark": "The thesis's text says the decade showed an overall downward trend; the data "
        "show a fall and a recovery rather than a trend. The prose values are compared one by one in the "
        "table further down."
        if is_thesis_pair(country, partner)
        else f"The thesis's reading of the decade's trend, like the figures of its prose, concerns "
        f"{name_of(THESIS_COUNTRY)} only.",
    }


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
        # the five states' own workbooks give the mirror sum; the statuses are the verdict table's
        "inputs": sorted({*ids, *dots_inputs(C5), "ledger:tables.csv", *verdict_inputs()}),
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
        f"Kazakhstan's part of China's trade with the region was {fmt_number(shares.iloc[0], 0)} % in {shares.index[0]} "
        f"and {fmt_number(shares.iloc[-1], 0)} % in {shares.index[-1]}."
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
        "t31_gap_min": fmt_number(relative.min()),
        "t31_gap_max": fmt_number(relative.max()),
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
