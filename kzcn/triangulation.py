"""Source triangulation: the same trade seen by its two reporters and by several vintages.

Every bilateral flow is declared twice: Kazakhstan's exports to China are also
China's imports from Kazakhstan.  The two declarations rarely agree, for reasons
that are well documented {cite}`imf_dots_guide`:

* **valuation**: exports are valued free on board (FOB) at the exporter's
  border, imports at cost, insurance and freight (CIF) at the importer's border,
  so the importer's figure should exceed the exporter's by the freight and
  insurance margin;
* **transit and re-exports**: goods that cross a third country (Kyrgyzstan, Russia)
  may be attributed to that country by one side and to the country of origin by
  the other;
* **customs-union treatment**: since 2010 Kazakhstan's customs no longer see
  trade with its Customs Union / EAEU partners, and goods from China cleared in
  Russia or Belarus enter Kazakhstan's statistics as intra-union trade;
* **timing and revisions**: shipments straddling the year end, and later revisions
  that one publisher adopts before another (the "vintage" problem).

The functions here take the project's tidy bilateral-flow tables (``reporter,
partner, flow, year, value_usd``) and line the declarations up.  Gaps are always
*mirror minus reported*: positive when the partner records more than the country
itself.  Nothing here decides which side is right; the book discusses that.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kzcn import compare
from kzcn.indices import flow_series  # the one (reporter, partner, flow) -> yearly series

#: CIF/FOB factor the IMF uses in DOTS when it derives one side of a flow from the
#: other: reported imports CIF are divided by 1.06 to estimate the partner's
#: exports FOB (DOTS methodological notes, e.g. the 2017 Yearbook; older editions
#: used 1.10) {cite}`imf_dots_yearbook2017`.  Real margins vary by route and product, so
#: this is a yardstick for how much of a gap valuation alone could explain, not a
#: correction.
CIF_FOB_FACTOR = 1.06


def dots_flows(*codes: str) -> pd.DataFrame:
    """DOTS bilateral flows declared by each reporter in ``codes`` (ISO3 or ``WLD``), stacked.

    Goes through :func:`kzcn.data.dots_flows` (hence :func:`kzcn.store.load`), so
    the build records which workbooks a notebook used.
    """
    from kzcn import data

    return pd.concat([data.dots_flows(code) for code in dict.fromkeys(codes)], ignore_index=True)


#: UN Comtrade extracts, one per reporter (Kazakhstan-China only), 2014-2024.
COMTRADE_SOURCES = ("comtrade-kaz-reporter", "comtrade-chn-reporter")
WITS2023_SOURCE = "wits2023-kaz-chn"
WITS_TOTAL_SOURCE = "wits-total-kaz-chn"

#: Labels of the Kazakhstan-China series compared side by side, with their manifest ids.
VINTAGE_LABELS = {
    "DOTS (IMF, Jan 2022)": "dots",
    "WITS (Apr 2023 download)": WITS2023_SOURCE,
    "WITS (2025-2026 download)": WITS_TOTAL_SOURCE,
    "UN Comtrade (2025-2026 download)": "comtrade",
}


def comtrade_flows() -> pd.DataFrame:
    """Total-trade rows of both UN Comtrade extracts in the bilateral-flow layout.

    Keeps ``product_level == "total"`` (all commodities), so ``value_usd`` is the
    reporter's total trade with each partner (``WLD`` or the other country).
    """
    table = pd.concat([_load(source_id) for source_id in COMTRADE_SOURCES], ignore_index=True)
    table = table[table["product_level"] == "total"]
    return table[["reporter", "partner", "flow", "year", "value_usd", "source", "vintage"]].reset_index(
        drop=True
    )


def kaz_chn_vintages(flow: str) -> dict[str, pd.Series]:
    """Kazakhstan-reported ``flow`` (``export`` or ``import``) with China, one Series per source/vintage.

    Every series is Kazakhstan's own declaration, so differences between them are
    revisions and processing, not the mirror gap.
    """
    from kzcn import data

    series = {
        "DOTS (IMF, Jan 2022)": data.bilateral("KAZ", "CHN", source="dots")[flow],
        "WITS (Apr 2023 download)": data.bilateral("KAZ", "CHN", source="wits2023")[flow],
        "WITS (2025-2026 download)": data.bilateral("KAZ", "CHN", source="wits-total")[flow],
        "UN Comtrade (2025-2026 download)": flow_series(comtrade_flows(), "KAZ", "CHN", flow),
    }
    return {label: s.dropna().astype(float) for label, s in series.items()}


def total_trade_candidates(year: int) -> dict[str, float]:
    """Every raw-data value of Kazakhstan-China total trade (exports + imports) in ``year``, US dollars.

    One entry per reporter and source/vintage: what each statistical office and
    each download says the same year's trade was.
    """
    from kzcn import data

    dots = dots_flows("KAZ", "CHN")
    comtrade = comtrade_flows()

    def total(wide: pd.DataFrame) -> float:
        return (
            float(wide.loc[year, ["export", "import"]].sum(min_count=2))
            if year in wide.index
            else float("nan")
        )

    return {
        "DOTS, reported by Kazakhstan": float(total_trade(dots, "KAZ", "CHN").get(year, float("nan"))),
        "DOTS, reported by China": float(total_trade(dots, "CHN", "KAZ").get(year, float("nan"))),
        "WITS Apr 2023 download, reported by Kazakhstan": total(
            data.bilateral("KAZ", "CHN", source="wits2023")
        ),
        "WITS 2025-2026 download, reported by Kazakhstan": total(
            data.bilateral("KAZ", "CHN", source="wits-total")
        ),
        "UN Comtrade, reported by Kazakhstan": float(
            total_trade(comtrade, "KAZ", "CHN").get(year, float("nan"))
        ),
        "UN Comtrade, reported by China": float(total_trade(comtrade, "CHN", "KAZ").get(year, float("nan"))),
    }


def printed_totals(
    claims: pd.DataFrame, year: int, reporter: str = "KAZ", partner: str = "CHN"
) -> pd.DataFrame:
    """Ledger claims that state the total trade of ``reporter`` and ``partner`` in ``year``.

    Matches the ledger's structured reading (quantity ``trade_total``, period
    ``year``, either order of the pair), not the printed text, so the selection
    does not depend on how a number happens to be written.
    """
    pair = {reporter, partner}
    sel = (
        (claims["quantity"] == "trade_total")
        & (claims["period"].astype(str) == str(year))
        & claims.apply(lambda r: {r["reporter"], r["partner"]} == pair, axis=1)
    )
    return claims.loc[sel].reset_index(drop=True)


#: Where the book answers the thesis's two 2020 totals: a MyST label on the
#: triangulation page, for the audit to link with {ref}`triangulation-2020`.
TRIANGULATION_2020_LABEL = "triangulation-2020"
TRIANGULATION_PAGE = "notebooks/beyond_2_triangulation"


def explained_by_triangulation(claims: pd.DataFrame) -> pd.Series:
    """Boolean mask of the ledger claims the triangulation's 2020 section explains.

    Those are the Kazakhstan-China total-trade claims for 2020 (see
    :func:`printed_totals`); the audit links them to :data:`TRIANGULATION_2020_LABEL`.
    """
    ids = set(printed_totals(claims, 2020, "KAZ", "CHN")["claim_id"])
    return claims["claim_id"].isin(ids)


def total_trade(flows: pd.DataFrame, reporter: str, partner: str, source: str | None = None) -> pd.Series:
    """Exports plus imports of ``reporter`` with ``partner`` as ``reporter`` declares them.

    A year with only one side reported has no total (NaN), not a half total.
    """
    both = pd.concat(
        [
            flow_series(flows, reporter, partner, "export", source),
            flow_series(flows, reporter, partner, "import", source),
        ],
        axis=1,
    )
    out = both.sum(axis=1, min_count=2)
    out.index.name = "year"
    return out.rename("total_trade")


def mirror_table(
    flows: pd.DataFrame,
    country: str,
    partner: str,
    source: str | None = None,
    cif_fob_factor: float = CIF_FOB_FACTOR,
) -> pd.DataFrame:
    """Country-reported and partner-reported (mirror) flows side by side, by year.

    Columns (US dollars):

    * ``exports_reported``: ``country``'s exports to ``partner`` (FOB), as ``country`` declares;
    * ``exports_mirror``: ``partner``'s imports from ``country`` (CIF), the mirror;
    * ``imports_reported``: ``country``'s imports from ``partner`` (CIF);
    * ``imports_mirror``: ``partner``'s exports to ``country`` (FOB);
    * ``trade_reported`` / ``trade_mirror``: the sums, i.e. total bilateral trade by
      each side;
    * ``exports_gap``, ``imports_gap``, ``trade_gap``: mirror minus reported;
    * ``exports_ratio``, ``imports_ratio``: mirror / reported;
    * ``exports_gap_fob``, ``imports_gap_fob``: the gaps after putting the CIF side
      on an FOB basis with ``cif_fob_factor``, i.e. what is left once a standard
      freight-and-insurance margin is allowed for.
    """
    out = pd.DataFrame(
        {
            "exports_reported": flow_series(flows, country, partner, "export", source),
            "exports_mirror": flow_series(flows, partner, country, "import", source),
            "imports_reported": flow_series(flows, country, partner, "import", source),
            "imports_mirror": flow_series(flows, partner, country, "export", source),
        }
    )
    out.index.name = "year"
    out["trade_reported"] = out[["exports_reported", "imports_reported"]].sum(axis=1, min_count=2)
    out["trade_mirror"] = out[["exports_mirror", "imports_mirror"]].sum(axis=1, min_count=2)
    for side in ("exports", "imports", "trade"):
        out[f"{side}_gap"] = out[f"{side}_mirror"] - out[f"{side}_reported"]
    for side in ("exports", "imports"):
        out[f"{side}_ratio"] = out[f"{side}_mirror"] / out[f"{side}_reported"].where(
            out[f"{side}_reported"] != 0
        )
    # The CIF side of country's exports is the mirror; of country's imports, the reported value.
    out["exports_gap_fob"] = out["exports_mirror"] / cif_fob_factor - out["exports_reported"]
    out["imports_gap_fob"] = out["imports_mirror"] - out["imports_reported"] / cif_fob_factor
    return out


def vintages_side_by_side(series: Mapping[str, pd.Series]) -> pd.DataFrame:
    """One column per source/vintage, one row per year, plus the spread between them.

    ``series`` maps a label (e.g. ``"DOTS, Jan 2022"``) to a yearly Series.  Adds
    ``spread`` (largest minus smallest available value) and ``spread_rel``
    (spread over the smallest), so revisions stand out.
    """
    if not series:
        raise ValueError("no series given")
    wide = pd.concat({label: s.astype(float) for label, s in series.items()}, axis=1).sort_index()
    wide.index.name = "year"
    labels = list(series)
    wide["spread"] = wide[labels].max(axis=1) - wide[labels].min(axis=1)
    smallest = wide[labels].min(axis=1)
    wide["spread_rel"] = wide["spread"] / smallest.where(smallest != 0)
    return wide


def match_printed(
    printed: float,
    decimals: int,
    candidates: Mapping[str, float],
    unit_factor: float = 1.0,
) -> pd.DataFrame:
    """Which candidate source reproduces a number the thesis prints?

    ``printed`` is the value as printed, in a unit ``unit_factor`` times the
    candidates' unit (e.g. printed in billions, candidates in dollars:
    ``unit_factor=1e9``); ``decimals`` the printed decimal places.  Each candidate
    is rescaled to the printed unit and judged with the project's one tolerance
    rule (:func:`kzcn.compare.status`).  Rows are sorted best first (by status, then
    by distance), so ``.iloc[0]`` is the closest source.
    """
    rows = []
    for label, value in candidates.items():
        in_printed_unit = None if value is None or pd.isna(value) else float(value) / unit_factor
        rows.append(
            {
                "candidate": label,
                "value": in_printed_unit,
                "difference": None if in_printed_unit is None else in_printed_unit - printed,
                "status": compare.status(printed, in_printed_unit, decimals),
            }
        )
    table = pd.DataFrame(rows)
    rank = {s: i for i, s in enumerate(compare.STATUSES)}
    table["_rank"] = table["status"].map(rank)
    table["_dist"] = table["difference"].abs()
    table = table.sort_values(["_rank", "_dist"], na_position="last").drop(columns=["_rank", "_dist"])
    return table.reset_index(drop=True)


def reproducing_candidates(table: pd.DataFrame) -> list[str]:
    """Labels of the candidates that reproduce the printed value (status ``reproduced``)."""
    return table.loc[table["status"] == compare.REPRODUCED, "candidate"].tolist()


def comtrade_chapters(reporter: str, partner: str, flow: str) -> pd.DataFrame:
    """HS-chapter rows of a UN Comtrade extract: one column per chapter (``"26"`` ...), one row per year, US$.

    Only the chapters the extract carries are present; they are not a complete
    breakdown of the total.
    """
    table = pd.concat([_load(source_id) for source_id in COMTRADE_SOURCES], ignore_index=True)
    sel = (
        (table["reporter"] == reporter)
        & (table["partner"] == partner)
        & (table["flow"] == flow)
        & (table["product_level"] == "chapter")
    )
    wide = table[sel].pivot(index="year", columns="product", values="value_usd").sort_index()
    wide.columns.name = None
    return wide.reindex(columns=sorted(wide.columns))


#: ISO3 -> the two-letter partner codes wiiw uses.
WIIW_PARTNER_CODES = {"CHN": "CN", "HKG": "HK", "RUS": "RU", "WLD": "WORLD"}
WIIW_SOURCE = "wiiw-fdi-partners"


def fdi_from_partner(partner: str) -> pd.DataFrame:
    """FDI in Kazakhstan from ``partner`` (wiiw, EUR million): ``inflow``, ``stock``, ``stock_share`` by year.

    ``stock_share`` is the partner's share of the total inward stock in percent, as
    wiiw publishes it.  Flows from 2013 are BPM6 directional (net, may be negative).
    """
    table = _load(WIIW_SOURCE)
    codes = {partner, WIIW_PARTNER_CODES.get(partner, partner)}
    rows = table[(table["breakdown"] == "partner") & table["code"].isin(codes)]
    if rows.empty:
        raise LookupError(f"wiiw: no FDI rows for partner {partner}")

    def pick(direction_word: str, unit: str) -> pd.Series:
        sel = rows["direction"].str.contains(direction_word, case=False) & (rows["unit"] == unit)
        return rows[sel].set_index("year")["value"].astype(float).sort_index()

    out = pd.DataFrame(
        {
            "inflow": pick("inflow", "EUR m"),
            "stock": pick("stock", "EUR m"),
            "stock_share": pick("stock", "in % of total"),
        }
    )
    out.index.name = "year"
    return out


def _load(source_id: str) -> pd.DataFrame:
    from kzcn import store

    return store.load(source_id)


# --------------------------------------------------------------------------------------
# Valuation (CIF/FOB): which way it moves each gap
# --------------------------------------------------------------------------------------

#: How a standard CIF/FOB margin changes a gap (mirror minus reported), per flow.
WIDENS = "widens"  # valuation predicts the opposite sign: it explains none of the gap
NARROWS = "narrows"  # valuation explains part of the gap
OVERTURNS = "overturns"  # valuation explains more than the whole gap (the sign flips)
NO_GAP = "no gap"


def valuation_reading(gap: float, gap_fob: float) -> str:
    """What putting the CIF side on an FOB basis does to a gap (both mirror minus reported).

    * :data:`WIDENS`: the gap grows in size (same sign, larger): the CIF record was
      the *lower* one, so valuation predicts a difference of the opposite sign and
      explains none of the gap;
    * :data:`NARROWS`: the gap shrinks but keeps its sign: valuation explains part;
    * :data:`OVERTURNS`: the sign flips (or the gap closes exactly): valuation
      explains the whole gap and more;
    * :data:`NO_GAP`: there was no gap to explain.
    """
    if gap == 0 or pd.isna(gap) or pd.isna(gap_fob):
        return NO_GAP
    if gap_fob == 0 or (gap > 0) != (gap_fob > 0):
        return OVERTURNS
    return WIDENS if abs(gap_fob) > abs(gap) else NARROWS


def valuation_effects(mirror: pd.DataFrame) -> pd.DataFrame:
    """Cumulative gap before and after the CIF/FOB adjustment, one row per flow.

    ``mirror`` is (a year slice of) :func:`mirror_table`.  Only years in which both
    records exist are summed.  Rows ``exports`` (the country's exports: the CIF
    record is the partner's) and ``imports`` (the country's imports: the CIF record
    is the country's own); columns ``first_year``, ``last_year``, ``gap``,
    ``gap_fob``, ``change`` (``gap_fob - gap``) and ``reading``
    (:func:`valuation_reading`).
    """
    rows = {}
    for side in ("exports", "imports"):
        both = mirror.dropna(subset=[f"{side}_reported", f"{side}_mirror"])
        gap = float(both[f"{side}_gap"].sum())
        gap_fob = float(both[f"{side}_gap_fob"].sum())
        rows[side] = {
            "first_year": int(both.index.min()) if len(both) else None,
            "last_year": int(both.index.max()) if len(both) else None,
            "gap": gap,
            "gap_fob": gap_fob,
            "change": gap_fob - gap,
            "reading": valuation_reading(gap, gap_fob),
        }
    return pd.DataFrame.from_dict(rows, orient="index")
