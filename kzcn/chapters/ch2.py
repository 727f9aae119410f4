"""Chapter 2 (``notebooks/02_chapter2.ipynb``): timeline, GDP growth, GDP and the
exchange rate, the macro figures of the prose."""

from __future__ import annotations

import pandas as pd

from kzcn.chapters.common import dots_inputs, fmt_number, source_line, verdict_inputs
from kzcn.measures import THESIS_COUNTRY, THESIS_PARTNER, USD_UNITS, name_of


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
        # The World Bank's file carries growth rates to about ten significant digits
        # (-5.29999999893); three decimals keep every digit that means something.
        "decimals": {f"{name_of(code)} GDP growth (%)": 3 for code in (country, partner)},
    }


def macro_economy(country: str, start: int, end: int) -> pd.DataFrame:
    """GDP (current US$ billion) and official exchange rate (local currency per US$) of ``country``."""
    gdp = _wdi_wide("ny.gdp.mktp.cd", [country], start, end)[country] / USD_UNITS["USD bn"]
    rate = _wdi_wide("pa.nus.fcrf", [country], start, end)[country]
    frame = pd.DataFrame({"GDP (US$ billion)": gdp, "Exchange rate (local currency per US$)": rate})
    return frame.reset_index()


#: The national currency of each economy the book can be rebuilt for (axis labels name it).
CURRENCIES = {"KAZ": "tenge", "KGZ": "som", "TJK": "somoni", "TKM": "manat", "UZB": "sum", "CHN": "yuan"}


def currency_of(country: str) -> str:
    """The currency's name in words (``KAZ`` -> ``tenge``); "local currency" for others."""
    return CURRENCIES.get(country, "local currency")


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
    right.set_ylabel(style.axis_label("Exchange rate", f"{currency_of(country)} per US dollar"))
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
        "fx_later_jump_pct": fmt_number(100 * later.max(), 0) if len(later) else "n/a",
        "chn_growth_mean": fmt_number(other.mean()),
        "kaz_growth_min": fmt_number(own.min()),
        "kaz_growth_min_year": str(int(own.idxmin())),
        "kaz_growth_max": fmt_number(own.max()),
        "kaz_growth_max_year": str(int(own.idxmax())),
        "fx_jump_year": str(int(jump.idxmax())) if len(jump) else "n/a",
    }


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
        "inputs": verdict_inputs(),
        "caption": "Each status is the one verdict of the audit page; printed qualifiers ('about', 'nearly', 'more than') and growth over a span are judged by the rules of the methods page.",
    }
