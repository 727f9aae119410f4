"""Small accessors over :func:`kzcn.store.load` for notebooks and ``kzcn.analysis``.

Values stay in the units of the tidy tables: US dollars (not millions) for
trade, the indicator's own unit for WDI, EUR million for wiiw FDI.
"""

from __future__ import annotations

import functools

import pandas as pd

from kzcn import config
from kzcn.store import load


@functools.cache
def dots_reporters() -> pd.DataFrame:
    """The reviewed DOTS workbook table: ``workbook, imf_name, code, primary, note``."""
    return pd.read_csv(config.DATA_DIR / "dots_reporters.csv", keep_default_na=False)


@functools.cache
def imf_names() -> pd.DataFrame:
    """The reviewed IMF name -> code table: ``imf_name, cc_proposal, code, kind, note``."""
    return pd.read_csv(config.DATA_DIR / "imf_partner_iso3.csv", keep_default_na=False)


def dots_source_id(reporter: str) -> str:
    """Manifest id of the DOTS workbook reported by ``reporter`` (ISO3 or aggregate code, e.g. ``KAZ``)."""
    return f"dots-{reporter.upper()}"


def dots_flows(reporter_iso3: str) -> pd.DataFrame:
    """All DOTS flows reported by one economy: every partner, both flows, every year.

    Columns: ``reporter, partner, flow, year, value_usd, estimate, source, vintage``;
    ``value_usd`` in US dollars; years without data are absent (not zero).
    """
    return load(dots_source_id(reporter_iso3))


def bilateral(reporter: str, partner: str, source: str = "dots", flags: bool = False) -> pd.DataFrame:
    """Trade of ``reporter`` with ``partner`` as reported by ``reporter``: year x (export, import), US$.

    ``source`` is ``"dots"`` (any reporter/partner code, e.g. ``WLD`` for the
    world), ``"wits2023"`` or ``"wits-total"`` (both Kazakhstan-China only).
    With ``flags=True`` two more columns say whether the value is an IMF estimate.
    Missing years are NaN, never zero.
    """
    if source == "dots":
        flows = dots_flows(reporter)
    elif source == "wits2023":
        flows = wits2023().query("measure == 'value_usd'").rename(columns={"value": "value_usd"})
        flows = flows.assign(estimate=False)
    elif source == "wits-total":
        flows = load("wits-total-kaz-chn")
    else:
        raise ValueError(f"unknown source {source!r}; use 'dots', 'wits2023' or 'wits-total'")
    flows = flows[(flows["reporter"] == reporter.upper()) & (flows["partner"] == partner.upper())]
    if flows.empty:
        raise LookupError(f"{source}: no flows reported by {reporter} with partner {partner}")
    table = flows.pivot(index="year", columns="flow", values="value_usd")
    table = table.reindex(columns=["export", "import"])
    if flags:
        estimates = flows.pivot(index="year", columns="flow", values="estimate").reindex(
            columns=["export", "import"]
        )
        table = table.join(estimates.add_suffix("_estimate").fillna(False).astype(bool))
    table.columns.name = None
    return table.sort_index()


def wdi(indicator: str, iso3: str | list[str] | None = None) -> pd.DataFrame:
    """One WDI indicator (e.g. ``"ny.gdp.mktp.cd"``): ``iso3, year, indicator, value``.

    ``iso3`` filters to one code or a list of codes (WDI aggregates such as
    ``WLD`` included); units are the indicator's own (see :func:`wdi_title`).
    """
    table = load(f"wdi-{indicator.lower()}")
    if iso3 is not None:
        codes = [iso3] if isinstance(iso3, str) else list(iso3)
        table = table[table["iso3"].isin([code.upper() for code in codes])]
    return table.reset_index(drop=True)


def wdi_title(indicator: str) -> str:
    """The World Bank's title of a WDI indicator (e.g. ``"GDP (current US$)"``)."""
    return str(load(f"wdi-{indicator.lower()}-meta")["title"].iloc[0])


def wits2023() -> pd.DataFrame:
    """WITS April-2023 vintage, Kazakhstan-China: ``reporter, partner, flow, year, measure, value``.

    ``measure`` is ``value_usd`` (US dollars) or ``share_pct`` (China's share of
    Kazakhstan's exports or imports, percent).
    """
    return load("wits2023-kaz-chn")
