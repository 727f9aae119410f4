"""Small accessors over :func:`kzcn.store.load` for notebooks and ``kzcn.chapters``.

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


#: WITS HS 4-digit extracts (Kazakhstan as reporter): (flow, partner) -> manifest id.
WITS_HS4 = {
    ("export", "CHN"): "wits-kaz-exports-to-china-hs4",
    ("export", "WLD"): "wits-kaz-exports-to-world-hs4",
    ("import", "CHN"): "wits-kaz-imports-from-china-hs4",
    ("import", "WLD"): "wits-kaz-imports-from-world-hs4",
}


def wits_hs4(flow: str, partner: str = "CHN") -> pd.DataFrame:
    """Kazakhstan-reported trade by HS 4-digit product, 2015-2024 (WITS, US$).

    ``flow`` is ``export`` or ``import``; ``partner`` is ``CHN`` or ``WLD``.
    Columns: ``reporter, partner, flow, year, product_level, product, product_name,
    value_usd, source, vintage``.  Remember the vintage problem of 2020-2022 imports.
    """
    key = (flow, partner.upper())
    if key not in WITS_HS4:
        raise ValueError(f"no WITS HS4 extract for {key}; available: {sorted(WITS_HS4)}")
    return load(WITS_HS4[key])


def wits_imports_by_partner_group() -> pd.DataFrame:
    """Kazakhstan's imports from every partner by WITS product group (e.g. ``84-85_MachElec``), 2015-2024, US$.

    The two published halves (chapters 01-49 and 50-99) are concatenated.
    """
    halves = [
        load("wits-kaz-imports-all-partners-sections-01-49"),
        load("wits-kaz-imports-all-partners-sections-50-99"),
    ]
    return pd.concat(halves, ignore_index=True)


def china_imports_by_group() -> pd.DataFrame:
    """China's imports from the world by WITS product group (and WTO groups, total), 2015-2024, US$."""
    return load("wits-chn-imports-from-world-sections")


def comtrade(reporter: str) -> pd.DataFrame:
    """UN Comtrade records reported by ``CHN`` or ``KAZ`` (partner WLD or the other), 2014-2024, US$.

    ``product_level`` is ``total`` (``product == "TOTAL"``) or ``chapter`` (HS 2-digit).
    """
    return load(f"comtrade-{reporter.lower()}-reporter")


def wiiw_fdi(breakdown: str = "partner", unit: str = "EUR m", direction: str | None = None) -> pd.DataFrame:
    """wiiw FDI in Kazakhstan by ``partner`` or by ``activity`` (NACE), in ``unit`` as published.

    ``unit`` is ``"EUR m"`` (EUR million, never converted) or ``"in % of total"``;
    ``direction`` filters ``"FDI inflow"`` or ``"FDI inward stock"``.  Flows can be
    negative (BPM6 directional principle from 2013).
    """
    table = load({"partner": "wiiw-fdi-partners", "activity": "wiiw-fdi-activities"}[breakdown])
    table = table[table["unit"] == unit]
    if direction is not None:
        table = table[table["direction"] == direction]
    return table.reset_index(drop=True)


def oec_sections() -> pd.DataFrame:
    """OEC (BACI HS92) exports by country and HS section, summed over 2019-2021, US$."""
    return load("oec-exports-sections-2019-2021")
