"""Rules that turn computed numbers into a reading, one pure function each.

A sentence of chapters 5-7 that interprets a number (which role weighs more,
whether a break in the data is visible, whether a stock moved without a flow)
asks one of these rules, so the interpretation is tested on hand-made fixtures
and cannot contradict the number it rests on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

#: Year each country's customs stopped recording trade with its Customs Union
#: (from 2015 Eurasian Economic Union) partners: Kazakhstan, Russia and Belarus
#: formed the union's common customs territory in 2010; Armenia and Kyrgyzstan
#: joined in 2015.
CUSTOMS_UNION_ENTRY: dict[str, int] = {"KAZ": 2010, "RUS": 2010, "BLR": 2010, "ARM": 2015, "KGZ": 2015}

#: A year's total imports in DOTS below this fraction of the WDI total count as a break.
BREAK_THRESHOLD = 0.85

CUSTOMER = "customer"
SUPPLIER = "supplier"
EQUAL = "equal"


def customs_union_break_years(
    country: str,
    dots_imports: pd.Series,
    wdi_imports: pd.Series,
    threshold: float = BREAK_THRESHOLD,
) -> list[int]:
    """Years in which the Customs Union visibly cuts the DOTS import total of ``country``.

    A year counts when ``country`` is a member by then (:data:`CUSTOMS_UNION_ENTRY`)
    and its DOTS imports from the world fall below ``threshold`` times the WDI
    merchandise-imports total, which includes intra-union trade.  Countries outside
    the union have no break years; a member whose two totals agree has none either
    (the break is a fact of the data, not assumed from the membership date).
    """
    entry = CUSTOMS_UNION_ENTRY.get(country)
    if entry is None:
        return []
    ratio = dots_imports.astype(float) / wdi_imports.astype(float).where(wdi_imports != 0)
    ratio = ratio.dropna()
    return sorted(int(y) for y, r in ratio.items() if y >= entry and r < threshold)


def stronger_role(export_share: float, import_share: float, tolerance: float = 0.0) -> str:
    """Does the partner weigh more as a customer or as a supplier?

    ``export_share`` is the partner's share of the country's exports (the partner as
    customer), ``import_share`` its share of the country's imports (the partner as
    supplier).  Returns :data:`CUSTOMER`, :data:`SUPPLIER` or :data:`EQUAL` (within
    ``tolerance``).
    """
    if any(pd.isna(v) for v in (export_share, import_share)):
        raise ValueError("both shares are needed to compare the two roles")
    if abs(export_share - import_share) <= tolerance:
        return EQUAL
    return CUSTOMER if export_share > import_share else SUPPLIER


def role_change(before: str, after: str) -> str:
    """``"unchanged"`` when both roles agree, else ``"reversed"`` (or ``"changed"`` via :data:`EQUAL`)."""
    if before == after:
        return "unchanged"
    if EQUAL in (before, after):
        return "changed"
    return "reversed"


def stock_jumps_without_inflow(fdi: pd.DataFrame, min_rise: float = 0.5) -> list[int]:
    """Years in which the FDI stock rose by more than ``min_rise`` (fraction) while the net inflow was not positive.

    ``fdi`` has columns ``inflow`` and ``stock`` indexed by year.  A stock cannot
    grow that much from transactions when the net flow is zero or negative, so such
    years point to revaluation or reclassification, not to new investment.
    """
    stock = fdi["stock"].astype(float)
    rise = stock / stock.shift(1) - 1
    flagged = (rise > min_rise) & (fdi["inflow"].astype(float) <= 0)
    return [int(y) for y in fdi.index[flagged.fillna(False).to_numpy()]]


def leaders_by_year(
    values: pd.DataFrame, by: str = "year", product: str = "product", value: str = "value_usd"
) -> pd.Series:
    """The largest product of each year (index ``by``), from one row per (year, product)."""
    ordered = values.sort_values([by, value], ascending=[True, False])
    return ordered.drop_duplicates(by).set_index(by)[product]


def pooled_leader(values: pd.DataFrame, product: str = "product", value: str = "value_usd") -> str:
    """The product with the largest value summed over all rows (years pooled)."""
    return str(values.groupby(product)[value].sum().idxmax())


def denominator_effect(
    part: Mapping[int, float], whole: Mapping[int, float], year: int
) -> dict[str, float | str]:
    """Split the change of a share ``part / whole`` from ``year - 1`` to ``year`` into its two movers.

    Returns the percentage changes of ``part``, ``whole`` and the share, and
    ``driver``: the term that contributes more to the log-change of the share *in
    the direction the share moved* (``"numerator"`` for ``ln part``,
    ``"denominator"`` for ``-ln whole``), or ``"none"`` when the share did not move.
    A share that rises because its denominator fell has driver ``"denominator"``.
    """
    p0, p1 = float(part[year - 1]), float(part[year])
    w0, w1 = float(whole[year - 1]), float(whole[year])
    d_part, d_whole = math.log(p1 / p0), math.log(w1 / w0)
    d_share = d_part - d_whole
    if abs(d_share) < 1e-9:
        driver = "none"
    else:
        sign = 1.0 if d_share > 0 else -1.0
        driver = "denominator" if sign * -d_whole > sign * d_part else "numerator"
    return {
        "part_change_pct": (p1 / p0 - 1) * 100,
        "whole_change_pct": (w1 / w0 - 1) * 100,
        "share_change_pct": ((p1 / w1) / (p0 / w0) - 1) * 100,
        "driver": driver,
    }


def peak_and_trough(series: pd.Series) -> tuple[int, float, int, float]:
    """(year of the maximum, maximum, year of the later minimum, minimum) of a yearly series."""
    clean = series.dropna()
    peak_year = int(clean.idxmax())
    after = clean[clean.index >= peak_year]
    trough_year = int(after.idxmin())
    return peak_year, float(clean[peak_year]), trough_year, float(clean[trough_year])


def valuation_sentence(flow_words: str, effect: Mapping, cif_reporter: str) -> str:
    """One sentence on what the CIF/FOB margin does to one flow's cumulative gap.

    ``effect`` is a row of :func:`kzcn.triangulation.valuation_effects` (``gap``,
    ``gap_fob`` in US dollars, ``first_year``, ``last_year``, ``reading``);
    ``flow_words`` names the flow ("goods going from China to Kazakhstan") and
    ``cif_reporter`` whose record is the CIF one on that flow (the importer).
    """
    from kzcn import triangulation

    years = f"{effect['first_year']}–{effect['last_year']}"
    gap, fob = effect["gap"] / 1e9, effect["gap_fob"] / 1e9
    reading = effect["reading"]

    def usd(value: float) -> str:
        text = f"US$ {abs(value):,.1f} billion"
        return f"minus {text}" if round(value, 1) < 0 else text

    if reading == triangulation.WIDENS:
        return (
            f"On {flow_words}, the CIF record is {cif_reporter}'s and it is the lower one, so valuation predicts a "
            f"difference of the opposite sign: allowing for the margin widens the cumulative gap over {years} from "
            f"{usd(gap)} to {usd(fob)}. Valuation explains none of this gap."
        )
    if reading == triangulation.OVERTURNS:
        return (
            f"On {flow_words}, valuation explains more than the whole gap: once {cif_reporter}'s CIF record is put on "
            f"an FOB basis, the cumulative gap over {years} goes from {usd(gap)} to {usd(fob)}."
        )
    if reading == triangulation.NARROWS:
        return (
            f"On {flow_words}, allowing for the margin narrows the cumulative gap over {years} from {usd(gap)} to "
            f"{usd(fob)}: valuation accounts for {(1 - fob / gap) * 100:.0f} % of it."
        )
    return (
        f"On {flow_words}, the two records agree over {years}, so there is nothing for valuation to explain."
    )


def ratio_trend(before: float, later: list[float], tolerance: float = 0.05) -> str:
    """Has a ratio (e.g. one record over the other) widened since ``before``?

    ``"widened"`` when the largest later value exceeds ``before`` by more than
    ``tolerance`` (relative), ``"narrowed"`` when the latest value is below it by
    more than ``tolerance``, else ``"not widened"``.
    """
    if not later:
        raise ValueError("no later values to compare")
    if max(later) > before * (1 + tolerance):
        return "widened"
    if later[-1] < before * (1 - tolerance):
        return "narrowed"
    return "not widened"


def intensity_reading(own: float, russia: float, neighbours: list[float]) -> str:
    """Where the partner's export intensity stands against Russia's and the Central Asian neighbours'.

    ``"moderate"`` when it is below Russia's and below the neighbours' median,
    ``"closer than Russia"`` when it is above Russia's, else ``""`` (no verdict).
    """
    below_neighbours = not neighbours or own < float(pd.Series(neighbours, dtype=float).median())
    if own < russia and below_neighbours:
        return "moderate"
    if own > russia:
        return "closer than Russia"
    return ""
