"""Dependence and integration indices: the measures the thesis promises but never computes.

Every index here follows a published definition, cited in its docstring with the
BibTeX key used by the book (``references.bib``):

* partner shares and the trade intensity index: World Bank WITS indicator
  definitions {cite}`wits_indicators`;
* Herfindahl-Hirschman concentration: WITS {cite}`wits_indicators`, with the
  normalised form used by UNCTADstat {cite}`unctad_concentration`;
* Grubel-Lloyd intra-industry trade index {cite}`grubel_lloyd_1975`;
* revealed comparative advantage {cite}`balassa_1965`;
* trade complementarity index (Michaely's form, as published by WITS)
  {cite}`wits_indicators`.

The functions come in two layers.  The *formula* functions take plain numbers,
Series or small DataFrames and do nothing but the arithmetic of the definition, so
the unit tests check them against hand-computed fixtures.  The *table* functions
take the project's tidy tables (bilateral flow schema: ``reporter, partner, flow,
year, value_usd``) and return one row per year (or product), ready to plot.

Shares and indices are returned as fractions (0.25, not 25 %); notebooks format.
Missing data stays missing (NaN): an empty DOTS cell means "not reported", and a
share computed from it would be a fabricated zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: Aggregate code the data layer uses for "all partners" / "all reporters".
WORLD = "WLD"

# --------------------------------------------------------------------------------------
# Product groupings
# --------------------------------------------------------------------------------------

#: The 21 sections of the Harmonized System, as (first chapter, last chapter).
#: Chapter 77 is reserved and chapters 98-99 are national-use chapters outside any
#: section; they map to no section.
HS_SECTIONS: dict[int, tuple[int, int]] = {
    1: (1, 5),
    2: (6, 14),
    3: (15, 15),
    4: (16, 24),
    5: (25, 27),
    6: (28, 38),
    7: (39, 40),
    8: (41, 43),
    9: (44, 46),
    10: (47, 49),
    11: (50, 63),
    12: (64, 67),
    13: (68, 70),
    14: (71, 71),
    15: (72, 83),
    16: (84, 85),
    17: (86, 89),
    18: (90, 92),
    19: (93, 93),
    20: (94, 96),
    21: (97, 97),
}

#: Chapter 77 is reserved for future use inside section XV's range.
RESERVED_CHAPTERS = frozenset({77})

#: WITS's 16 product groups (the codes WITS prints, e.g. "01-05_Animal"), as chapter ranges.
WITS_PRODUCT_GROUPS: dict[str, tuple[int, int]] = {
    "01-05_Animal": (1, 5),
    "06-15_Vegetable": (6, 15),
    "16-24_FoodProd": (16, 24),
    "25-26_Minerals": (25, 26),
    "27-27_Fuels": (27, 27),
    "28-38_Chemicals": (28, 38),
    "39-40_PlastiRub": (39, 40),
    "41-43_HidesSkin": (41, 43),
    "44-49_Wood": (44, 49),
    "50-63_TextCloth": (50, 63),
    "64-67_Footwear": (64, 67),
    "68-71_StoneGlas": (68, 71),
    "72-83_Metals": (72, 83),
    "84-85_MachElec": (84, 85),
    "86-89_Transport": (86, 89),
    "90-99_Miscellan": (90, 99),
}

#: The coarsest grouping on which HS sections (OEC) and WITS product groups agree:
#: WITS splits section V into "minerals" and "fuels", which the OEC data cannot,
#: and every other WITS group is a union of whole sections.
COMMON_GROUPS: dict[str, tuple[int, ...]] = {
    "Animal (01-05)": (1,),
    "Vegetable (06-15)": (2, 3),
    "Food products (16-24)": (4,),
    "Minerals and fuels (25-27)": (5,),
    "Chemicals (28-38)": (6,),
    "Plastics and rubber (39-40)": (7,),
    "Hides and skins (41-43)": (8,),
    "Wood and paper (44-49)": (9, 10),
    "Textiles and clothing (50-63)": (11,),
    "Footwear (64-67)": (12,),
    "Stone, glass, precious metals (68-71)": (13, 14),
    "Metals (72-83)": (15,),
    "Machinery and electrical (84-85)": (16,),
    "Transport equipment (86-89)": (17,),
    "Miscellaneous (90-99)": (18, 19, 20, 21),
}


def hs_chapter(code: str | int) -> int:
    """HS chapter (first two digits) of an HS2/HS4/HS6 code given as text or number.

    Codes read from numeric columns lose their leading zero (``101`` for ``0101``), so
    an integer is zero-padded to an even number of digits before the chapter is cut.
    """
    text = str(code).strip()
    if not text.isdigit():
        raise ValueError(f"not an HS code: {code!r}")
    if len(text) % 2:
        text = "0" + text
    return int(text[:2])


def hs_section(chapter: int) -> int | None:
    """HS section number (1-21) of an HS chapter; ``None`` for chapters 77, 98, 99."""
    if chapter in RESERVED_CHAPTERS:
        return None
    for section, (first, last) in HS_SECTIONS.items():
        if first <= chapter <= last:
            return section
    return None


def wits_group(chapter: int) -> str:
    """WITS product-group code of an HS chapter (e.g. 27 -> ``"27-27_Fuels"``)."""
    for group, (first, last) in WITS_PRODUCT_GROUPS.items():
        if first <= chapter <= last:
            return group
    raise ValueError(f"HS chapter {chapter} is in no WITS product group")


def common_group_of_section(section: int) -> str:
    """Name of the :data:`COMMON_GROUPS` entry that contains an HS section."""
    for group, sections in COMMON_GROUPS.items():
        if section in sections:
            return group
    raise ValueError(f"HS section {section} is in no common group")


def common_group_of_wits_group(group: str) -> str:
    """Name of the :data:`COMMON_GROUPS` entry that contains a WITS product group."""
    if group not in WITS_PRODUCT_GROUPS:
        raise ValueError(f"{group!r} is not a WITS product group (aggregate rows have no group)")
    first, last = WITS_PRODUCT_GROUPS[group]
    sections = {hs_section(ch) for ch in range(first, last + 1)} - {None}
    names = {common_group_of_section(s) for s in sections}
    if len(names) != 1:
        raise ValueError(f"WITS group {group} straddles common groups {sorted(names)}")
    return names.pop()


def to_common_groups(values: pd.Series, kind: str) -> pd.Series:
    """Re-aggregate product values onto :data:`COMMON_GROUPS`.

    ``values`` is indexed by product codes of one ``kind``: ``"section"`` (HS
    section numbers 1-21, as in the OEC data), ``"wits_group"`` (WITS product-group
    codes) or ``"hs"`` (HS2/HS4/HS6 codes).  Codes that belong to no group (HS
    chapters 77, 98, 99; WITS aggregate rows such as ``"AllSubHeading"``) are
    rejected rather than silently dropped: the caller filters them knowingly.
    """
    if kind == "section":
        mapper = common_group_of_section
    elif kind == "wits_group":
        mapper = common_group_of_wits_group
    elif kind == "hs":

        def mapper(code):
            section = hs_section(hs_chapter(code))
            if section is None:
                raise ValueError(f"HS code {code!r} is in no HS section")
            return common_group_of_section(section)

    else:
        raise ValueError(f"unknown product kind {kind!r}")
    groups = [mapper(code) for code in values.index]
    out = values.astype(float).groupby(groups).sum(min_count=1)
    return out.reindex([g for g in COMMON_GROUPS if g in out.index])


def year_ranges(years: Iterable[int]) -> str:
    """Compact text for a set of years: ``[2015, 2016, 2017, 2023]`` -> ``"2015–2017, 2023"``."""
    ordered = sorted({int(y) for y in years})
    if not ordered:
        return ""
    parts, first, prev = [], ordered[0], ordered[0]
    for year in ordered[1:] + [None]:
        if year is not None and year == prev + 1:
            prev = year
            continue
        parts.append(str(first) if first == prev else f"{first}\u2013{prev}")
        if year is not None:
            first = prev = year
    return ", ".join(parts)


# --------------------------------------------------------------------------------------
# Formulas
# --------------------------------------------------------------------------------------


def share(part, whole):
    """``part / whole``: a partner's share of a total (WITS "partner share").

    Works element-wise on Series.  A zero or missing total gives NaN, never an
    infinite or fabricated share.
    """
    whole = _nan_if_zero(whole)
    return part / whole


def trade_intensity(x_ij, x_i, x_wj, x_w):
    r"""Trade intensity index of country *i*'s exports to partner *j*.

    .. math:: T_{ij} = \frac{x_{ij} / X_{i}}{x_{wj} / X_{w}}

    where :math:`x_{ij}` is *i*'s exports to *j*, :math:`X_i` *i*'s total exports,
    :math:`x_{wj}` world exports to *j* and :math:`X_w` total world exports
    {cite}`wits_indicators`.  A value above 1 means *i* sends a larger share of its
    exports to *j* than the world as a whole does: the bilateral tie is more intense
    than *j*'s weight in world trade would predict.
    """
    return share(x_ij, x_i) / _nan_if_zero(share(x_wj, x_w))


def hhi(values: Iterable[float]) -> float:
    r"""Herfindahl-Hirschman index of concentration, :math:`H = \sum_k s_k^2`.

    :math:`s_k` is product *k*'s share of the total {cite}`wits_indicators`.  It
    runs from :math:`1/n` (all *n* products equal) to 1 (a single product).
    Negative values are rejected; missing values are dropped (not counted as
    products).
    """
    arr = _clean_nonnegative(values)
    total = arr.sum()
    if total == 0:
        return math.nan
    shares = arr / total
    return float(np.sum(shares**2))


def hhi_normalized(values: Iterable[float], n_products: int | None = None) -> float:
    r"""Normalised Herfindahl-Hirschman index as published by UNCTADstat.

    .. math:: H^{*} = \frac{\sqrt{\sum_k s_k^2} - \sqrt{1/n}}{1 - \sqrt{1/n}}

    with *n* the number of products {cite}`unctad_concentration`.  It runs from 0
    (perfectly diversified) to 1 (one product).  ``n_products`` defaults to the number
    of products with a recorded value; pass the size of the nomenclature (e.g. all
    HS4 headings) to measure against every possible product instead.
    """
    arr = _clean_nonnegative(values)
    n = int(n_products) if n_products is not None else int(arr.size)
    if n < 1:
        return math.nan
    if n == 1:
        return 1.0 if arr.sum() > 0 else math.nan
    h = hhi(arr)
    floor = math.sqrt(1.0 / n)
    return (math.sqrt(h) - floor) / (1.0 - floor)


def grubel_lloyd(exports, imports):
    r"""Grubel-Lloyd index of intra-industry trade for each product.

    .. math:: GL_k = 1 - \frac{|X_k - M_k|}{X_k + M_k}

    {cite}`grubel_lloyd_1975`.  1 means the product is traded both ways in equal
    amounts (pure intra-industry trade), 0 that it flows in one direction only.  A
    product with no trade in either direction has no index (NaN).
    """
    exports = _as_float(exports)
    imports = _as_float(imports)
    total = _nan_if_zero(exports + imports)
    return 1.0 - abs(exports - imports) / total


def grubel_lloyd_aggregate(exports, imports) -> float:
    r"""Trade-weighted aggregate Grubel-Lloyd index over products.

    .. math:: GL = 1 - \frac{\sum_k |X_k - M_k|}{\sum_k (X_k + M_k)}

    which equals the average of the product indices weighted by each product's
    share of two-way trade {cite}`grubel_lloyd_1975`.  Products missing on one side
    count as zero trade on that side (a product exported but not imported is
    one-way trade, which is exactly what the index should register).
    """
    x = pd.Series(_as_float(exports)).fillna(0.0).to_numpy()
    m = pd.Series(_as_float(imports)).fillna(0.0).to_numpy()
    total = float(np.sum(x + m))
    if total == 0:
        return math.nan
    return 1.0 - float(np.sum(np.abs(x - m))) / total


def balassa_rca(
    table: pd.DataFrame,
    country: str = "country",
    product: str = "product",
    value: str = "value",
) -> pd.DataFrame:
    r"""Balassa revealed comparative advantage of every country in every product.

    .. math:: RCA_{ik} = \frac{x_{ik} / X_i}{x_{wk} / X_w}

    where :math:`x_{ik}` is country *i*'s exports of product *k*, :math:`X_i` its
    total exports, and *w* the world, taken as the sum over all countries in
    ``table`` {cite}`balassa_1965`.  ``RCA > 1`` reads as a revealed comparative
    advantage in *k*.  Returns the input columns plus ``share_in_country``,
    ``share_in_world`` and ``rca``.
    """
    df = table[[country, product, value]].copy()
    df[value] = df[value].astype(float)
    country_total = df.groupby(country)[value].transform("sum")
    product_world = df.groupby(product)[value].transform("sum")
    world_total = df[value].sum()
    df["share_in_country"] = share(df[value], country_total)
    df["share_in_world"] = share(product_world, world_total)
    df["rca"] = share(df["share_in_country"], df["share_in_world"])
    return df


def trade_complementarity(importer_values: pd.Series, exporter_values: pd.Series) -> float:
    r"""Trade complementarity index between an importer's and an exporter's baskets.

    .. math:: TC_{ij} = 100 \left(1 - \tfrac12 \sum_k |m_{ik} - x_{jk}|\right)

    where :math:`m_{ik}` is product *k*'s share of importer *i*'s imports and
    :math:`x_{jk}` its share of exporter *j*'s exports {cite}`wits_indicators`.  0
    means the exporter sells nothing the importer buys, 100 that the two baskets
    have identical composition.  Both Series are indexed by the same product
    grouping; a product present on one side only counts as a zero share on the other.
    """
    m = pd.Series(importer_values, dtype=float)
    x = pd.Series(exporter_values, dtype=float)
    if m.index.has_duplicates or x.index.has_duplicates:
        raise ValueError("product index has duplicates: aggregate to one row per product first")
    m, x = m.align(x, fill_value=0.0)
    m, x = m.fillna(0.0), x.fillna(0.0)
    if m.sum() <= 0 or x.sum() <= 0:
        return math.nan
    return 100.0 * (1.0 - 0.5 * float(np.abs(m / m.sum() - x / x.sum()).sum()))


# --------------------------------------------------------------------------------------
# Table functions on the tidy bilateral-flow schema
# --------------------------------------------------------------------------------------


def flow_series(
    flows: pd.DataFrame, reporter: str, partner: str, flow: str, source: str | None = None
) -> pd.Series:
    """Yearly values of one (reporter, partner, flow), indexed by year (NaN where absent)."""
    sel = (flows["reporter"] == reporter) & (flows["partner"] == partner) & (flows["flow"] == flow)
    if source is not None and "source" in flows.columns:
        sel &= flows["source"] == source
    rows = flows.loc[sel, ["year", "value_usd"]]
    if rows["year"].duplicated().any():
        raise ValueError(
            f"several {flow} rows per year for {reporter}->{partner}: pass `source` to pick one source"
        )
    return rows.set_index("year")["value_usd"].astype(float).sort_index()


def partner_shares(
    flows: pd.DataFrame,
    reporter: str,
    partner: str,
    world: str = WORLD,
    source: str | None = None,
) -> pd.DataFrame:
    """Partner's share of a reporter's exports, imports and total trade, by year.

    Uses only the reporter's own declarations (numerator and denominator from the
    same reporter), as WITS does for its partner-share indicator
    {cite}`wits_indicators`.  Returns columns ``exports_to_partner``,
    ``exports_total``, ``export_share`` and the same for imports and total trade
    (exports + imports); index ``year``.
    """
    out = pd.DataFrame(
        {
            "exports_to_partner": flow_series(flows, reporter, partner, "export", source),
            "exports_total": flow_series(flows, reporter, world, "export", source),
            "imports_from_partner": flow_series(flows, reporter, partner, "import", source),
            "imports_total": flow_series(flows, reporter, world, "import", source),
        }
    )
    out.index.name = "year"
    # Sum with min_count so a year missing one side stays missing instead of halving.
    out["trade_with_partner"] = out[["exports_to_partner", "imports_from_partner"]].sum(axis=1, min_count=2)
    out["trade_total"] = out[["exports_total", "imports_total"]].sum(axis=1, min_count=2)
    out["export_share"] = share(out["exports_to_partner"], out["exports_total"])
    out["import_share"] = share(out["imports_from_partner"], out["imports_total"])
    out["trade_share"] = share(out["trade_with_partner"], out["trade_total"])
    return out


def trade_intensity_table(
    flows: pd.DataFrame,
    reporter: str,
    partner: str,
    world: str = WORLD,
    world_reporter: str = WORLD,
    source: str | None = None,
) -> pd.DataFrame:
    """Trade intensity index of ``reporter``'s exports to ``partner``, by year.

    World exports to the partner and total world exports come from the rows whose
    reporter is ``world_reporter`` (in DOTS: the "World" reporter, i.e. what all
    reporters together declare), see :func:`trade_intensity`.
    """
    out = pd.DataFrame(
        {
            "exports_to_partner": flow_series(flows, reporter, partner, "export", source),
            "exports_total": flow_series(flows, reporter, world, "export", source),
            "world_exports_to_partner": flow_series(flows, world_reporter, partner, "export", source),
            "world_exports_total": flow_series(flows, world_reporter, world, "export", source),
        }
    )
    out.index.name = "year"
    out["intensity"] = trade_intensity(
        out["exports_to_partner"],
        out["exports_total"],
        out["world_exports_to_partner"],
        out["world_exports_total"],
    )
    return out


def concentration_table(
    products: pd.DataFrame,
    by: str | list[str] = "year",
    value: str = "value_usd",
    n_products: int | None = None,
) -> pd.DataFrame:
    """HHI and normalised HHI of the product rows in each group (e.g. per year).

    ``products`` has one row per product and group (HS4 rows for one reporter,
    partner and flow).  Returns columns ``n_products`` (products with positive
    value), ``hhi``, ``hhi_normalized`` and ``top_product_share``.
    """
    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, group in products.groupby(keys, sort=True):
        vals = group[value].astype(float)
        positive = vals[vals > 0]
        rec = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        rec["n_products"] = int(positive.size)
        rec["hhi"] = hhi(vals)
        rec["hhi_normalized"] = hhi_normalized(positive, n_products=n_products)
        rec["top_product_share"] = float(positive.max() / positive.sum()) if positive.size else math.nan
        rows.append(rec)
    return pd.DataFrame(rows).set_index(keys)


def matched_trade(exports, imports):
    r"""Matched (overlapping) two-way trade of each product, :math:`2\min(X_k, M_k)`.

    The part of a product's trade that goes both ways: the numerator of the
    Grubel-Lloyd index, since :math:`X_k + M_k - |X_k - M_k| = 2\min(X_k, M_k)`
    {cite}`grubel_lloyd_1975`.  It differs from total (gross) trade
    :math:`X_k + M_k`, which counts one-way flows too.  Missing values count as zero.
    """
    x, m = _as_float(exports), _as_float(imports)
    if isinstance(x, pd.Series):
        return 2.0 * np.minimum(x.fillna(0.0), pd.Series(m, index=x.index).fillna(0.0))
    return 2.0 * np.minimum(np.nan_to_num(x), np.nan_to_num(m))


def grubel_lloyd_table(
    exports: pd.DataFrame,
    imports: pd.DataFrame,
    product: str = "product",
    by: str = "year",
    value: str = "value_usd",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grubel-Lloyd index per product and per group (year) for one country pair.

    ``exports`` holds the country's exports to the partner and ``imports`` its
    imports from the partner, one row per (``by``, ``product``).  Returns
    ``(per_product, aggregate)``: the first with columns ``exports``, ``imports``,
    ``total_trade`` (X + M), ``matched_trade`` (2 min(X, M), see
    :func:`matched_trade`) and ``gl``; the second, indexed by ``by``, with ``gl``
    (trade-weighted aggregate), ``total_trade`` (gross bilateral trade, both
    directions), ``matched_trade`` (the part traded both ways) and
    ``n_products_both_ways``.  The aggregate index is matched over total trade.
    """
    x = exports.groupby([by, product])[value].sum(min_count=1).rename("exports")
    m = imports.groupby([by, product])[value].sum(min_count=1).rename("imports")
    per_product = pd.concat([x, m], axis=1).fillna(0.0)
    per_product["total_trade"] = per_product["exports"] + per_product["imports"]
    per_product["matched_trade"] = matched_trade(per_product["exports"], per_product["imports"])
    per_product["gl"] = grubel_lloyd(per_product["exports"], per_product["imports"])
    aggregate = per_product.groupby(level=by).apply(
        lambda g: pd.Series(
            {
                "gl": grubel_lloyd_aggregate(g["exports"], g["imports"]),
                "total_trade": float(g["total_trade"].sum()),
                "matched_trade": float(g["matched_trade"].sum()),
                "n_products_both_ways": int(((g["exports"] > 0) & (g["imports"] > 0)).sum()),
            }
        )
    )
    return per_product, aggregate


def partner_concentration(
    flows: pd.DataFrame,
    reporter: str,
    flow: str,
    partners: Iterable[str],
    source: str | None = None,
) -> pd.DataFrame:
    """Partner concentration of one reporter's exports or imports, by year.

    The Herfindahl-Hirschman index :func:`hhi` taken over *partners* instead of
    products (WITS "HH market concentration" {cite}`wits_indicators`): the sum of
    squared shares of each partner in the trade the reporter allocates to
    individual economies.  ``partners`` lists the codes that count as individual
    economies (aggregates such as ``WLD`` or "not specified" rows must be left out,
    or they would be counted as a partner).  Returns ``n_partners`` (with positive
    value), ``hhi``, ``hhi_normalized`` and ``top_partner`` / ``top_partner_share``.
    """
    codes = set(partners)
    sel = (flows["reporter"] == reporter) & (flows["flow"] == flow) & flows["partner"].isin(codes)
    if source is not None and "source" in flows.columns:
        sel &= flows["source"] == source
    rows = []
    for year, group in flows.loc[sel].groupby("year", sort=True):
        vals = group.set_index("partner")["value_usd"].astype(float).dropna()
        positive = vals[vals > 0]
        if positive.empty:
            continue
        rows.append(
            {
                "year": int(year),
                "n_partners": int(positive.size),
                "hhi": hhi(positive),
                "hhi_normalized": hhi_normalized(positive),
                "top_partner": str(positive.idxmax()),
                "top_partner_share": float(positive.max() / positive.sum()),
            }
        )
    return pd.DataFrame(rows).set_index("year")


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _as_float(values):
    if isinstance(values, pd.Series | pd.DataFrame):
        return values.astype(float)
    return np.asarray(values, dtype=float) if np.ndim(values) else float(values)


def _nan_if_zero(values):
    if isinstance(values, pd.Series | pd.DataFrame):
        return values.astype(float).where(values != 0)
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        return math.nan if arr == 0 else float(arr)
    return np.where(arr == 0, np.nan, arr)


def _clean_nonnegative(values: Iterable[float]) -> np.ndarray:
    arr = np.asarray(pd.Series(list(values) if not isinstance(values, pd.Series) else values, dtype=float))
    arr = arr[~np.isnan(arr)]
    if (arr < 0).any():
        raise ValueError("concentration is defined on non-negative values only")
    return arr


# --------------------------------------------------------------------------------------
# Data assembly (reads through kzcn.store, so the build logs every input)
# --------------------------------------------------------------------------------------

#: Years in which the recent WITS vintage (Kazakhstan as reporter) disagrees with
#: DOTS by far more than revisions explain (see data/README and the manifest's quirks).
WITS_VINTAGE_PROBLEM_YEARS = (2020, 2021, 2022)

#: HS 4-digit WITS extracts: (flow, partner) -> manifest id.  They exist only for
#: Kazakhstan as reporter.
WITS_HS4_SOURCES = {
    ("export", "CHN"): "wits-kaz-exports-to-china-hs4",
    ("export", "WLD"): "wits-kaz-exports-to-world-hs4",
    ("import", "CHN"): "wits-kaz-imports-from-china-hs4",
    ("import", "WLD"): "wits-kaz-imports-from-world-hs4",
}
WITS_HS4_REPORTER = "KAZ"
OEC_SOURCE = "oec-exports-sections-2019-2021"
CHINA_IMPORT_GROUPS_SOURCE = "wits-chn-imports-from-world-sections"


def hs4_available(country: str, partner: str = "CHN") -> bool:
    """Whether HS 4-digit WITS extracts exist for this reporter and partner."""
    return country == WITS_HS4_REPORTER and all(
        (f, p) in WITS_HS4_SOURCES for f in ("export", "import") for p in (partner, WORLD)
    )


def vintage_flag(year: int) -> str:
    """``"WITS vintage problem"`` for the years listed in :data:`WITS_VINTAGE_PROBLEM_YEARS`, else ``""``."""
    return "WITS vintage problem" if int(year) in WITS_VINTAGE_PROBLEM_YEARS else ""


def wits_hs4(flow: str, partner: str) -> pd.DataFrame:
    """Kazakhstan-reported HS 4-digit rows for one flow and partner (``CHN`` or ``WLD``).

    Columns as in the data layer's product schema (``reporter, partner, flow, year,
    product_level, product, product_name, value_usd, source, vintage``), HS4 rows only,
    values in US dollars.
    """
    from kzcn import store

    table = store.load(WITS_HS4_SOURCES[(flow, partner)])
    table = table[(table["product_level"] == "hs4") & (table["flow"] == flow) & (table["partner"] == partner)]
    return table.reset_index(drop=True)


def oec_sections() -> pd.DataFrame:
    """OEC (BACI HS92) exports by HS section, every country, summed over 2019-2021."""
    from kzcn import store

    return store.load(OEC_SOURCE)


def rca_by_section(oec: pd.DataFrame, iso3: Iterable[str]) -> pd.DataFrame:
    """Balassa RCA by HS section for the countries in ``iso3``, world = every OEC exporter.

    Returns one row per section (``section``, ``section_name``) and one RCA column
    per country code.  Sections outside the 21 HS sections (if the data carry an
    "unknown" bucket) stay in the world total but are not reported.
    """
    rca = balassa_rca(oec, country="iso3", product="section", value="value_usd")
    codes = list(iso3)
    wide = rca[rca["iso3"].isin(codes)].pivot(index="section", columns="iso3", values="rca")
    names = oec.drop_duplicates("section").set_index("section")["section_name"]
    wide = wide.reindex(columns=codes)
    wide.insert(0, "section_name", names.reindex(wide.index))
    return wide[wide.index.isin(list(HS_SECTIONS))].reset_index()


def oec_exports_by_common_group(oec: pd.DataFrame, iso3: str) -> pd.Series:
    """One country's OEC exports (2019-2021 sum) re-aggregated onto :data:`COMMON_GROUPS`."""
    rows = oec[(oec["iso3"] == iso3) & oec["section"].isin(list(HS_SECTIONS))]
    if rows.empty:
        raise LookupError(f"no OEC exports for {iso3}")
    return to_common_groups(rows.set_index("section")["value_usd"], "section")


def china_imports_by_common_group(years: Iterable[int]) -> pd.Series:
    """China's imports from the world (WITS product groups), summed over ``years``, on common groups."""
    from kzcn import store

    table = store.load(CHINA_IMPORT_GROUPS_SOURCE)
    groups = table[table["product"].isin(list(WITS_PRODUCT_GROUPS)) & table["year"].isin(list(years))]
    if groups.empty:
        raise LookupError(f"no WITS China import groups for years {list(years)}")
    return to_common_groups(groups.groupby("product")["value_usd"].sum(), "wits_group")
