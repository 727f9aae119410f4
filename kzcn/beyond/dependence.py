"""Data assembly for the dependence chapter's wider analyses.

The functions take the tidy bilateral-flow table (``reporter, partner, flow,
year, value_usd``; DOTS) and, where named, WDI series, and return one row per
year or per partner.  Shares are fractions; notebooks format.  They read through
:mod:`kzcn.store` only in the ``load_*`` helpers, so the build logs every input.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kzcn import indices
from kzcn.beyond import readings
from kzcn.indices import WORLD, flow_series, share

#: The five Central Asian countries, in the book's usual order.
CENTRAL_ASIA = ("KAZ", "KGZ", "TJK", "TKM", "UZB")
#: Benchmarks named in every comparison (besides the partner): Russia and the European Union.
FIXED_BENCHMARKS = ("RUS", "EUU")


def individual_economies() -> list[str]:
    """Partner codes that are single economies (countries and former countries), from the reviewed IMF name table.

    Aggregates (``WLD``, ``EUU``, regions) and unallocated rows ("not specified")
    are left out, so a partner-concentration index counts each economy once.
    """
    from kzcn import data

    names = data.imf_names()
    return sorted(set(names.loc[names["kind"].isin(["country", "former"]), "code"]))


def dependence_range(flows: pd.DataFrame, country: str, partner: str) -> pd.DataFrame:
    """The partner's share of the country's exports and imports on both records, by year.

    * ``export_share_reported`` / ``import_share_reported``: the country's own
      declarations over its own totals (what chapter 5 shows first);
    * ``export_share_mirror``: the partner's declared imports from the country over
      the country's total exports; ``import_share_mirror``: the partner's declared
      exports to the country over the country's total imports.

    The mirror shares mix two reporters and keep the country's own (possibly
    understated) totals, so they are an upper reading rather than the truth; the
    two together give the range within which dependence lies.
    """
    exports_total = flow_series(flows, country, WORLD, "export")
    imports_total = flow_series(flows, country, WORLD, "import")
    return _relative(
        flows,
        country,
        partner,
        {
            "export_share_reported": ("own", "export", exports_total),
            "export_share_mirror": ("mirror", "import", exports_total),
            "import_share_reported": ("own", "import", imports_total),
            "import_share_mirror": ("mirror", "export", imports_total),
        },
    )


def _relative(
    flows: pd.DataFrame, country: str, partner: str, spec: dict[str, tuple[str, str, pd.Series]]
) -> pd.DataFrame:
    """Bilateral flows over a denominator, one column per ``spec`` entry, by year.

    ``spec`` maps a column name to ``(record, flow, denominator)``: ``record`` is
    ``"own"`` (the country's declaration of ``flow`` with the partner) or
    ``"mirror"`` (the partner's declaration of ``flow`` with the country).
    """
    columns = {}
    for name, (record, flow, denominator) in spec.items():
        reporter, counterpart = (country, partner) if record == "own" else (partner, country)
        columns[name] = share(flow_series(flows, reporter, counterpart, flow), denominator.astype(float))
    out = pd.DataFrame(columns)
    out.index.name = "year"
    return out.dropna(how="all")


def top_partners(
    flows: pd.DataFrame, country: str, years: Iterable[int], n: int, exclude: Iterable[str] = ()
) -> list[str]:
    """The ``n`` single economies with the most trade (exports + imports) with ``country`` over ``years``."""
    codes = set(individual_economies()) - set(exclude) - {country}
    rows = flows[
        (flows["reporter"] == country) & flows["partner"].isin(codes) & flows["year"].isin(list(years))
    ]
    totals = rows.groupby("partner")["value_usd"].sum().sort_values(ascending=False)
    return list(totals.index[:n])


def benchmark_table(flows: pd.DataFrame, country: str, partners: Iterable[str], year: int) -> pd.DataFrame:
    """Shares and export intensity of ``country`` with each partner in ``year``, one row per partner.

    Columns ``export_share``, ``import_share`` (the country's own records) and
    ``export_intensity`` (:func:`kzcn.indices.trade_intensity`, world from the DOTS
    World reporter, so ``flows`` must hold the ``WLD`` reporter's rows).
    """
    rows = []
    for code in partners:
        shares = indices.partner_shares(flows, country, code)
        intensity = indices.trade_intensity_table(flows, country, code)
        rows.append(
            {
                "partner": code,
                "export_share": shares["export_share"].get(year, float("nan")),
                "import_share": shares["import_share"].get(year, float("nan")),
                "export_intensity": intensity["intensity"].get(year, float("nan")),
            }
        )
    return pd.DataFrame(rows).set_index("partner")


def exposure_to_gdp(flows: pd.DataFrame, country: str, partner: str, gdp: pd.Series) -> pd.DataFrame:
    """Trade with the partner relative to the country's GDP (current US$), by year.

    ``exports`` and ``imports_reported`` are the country's own records, and
    ``imports_mirror`` the partner's declared exports to the country, each divided
    by GDP (fractions).
    """
    return _relative(
        flows,
        country,
        partner,
        {
            "exports": ("own", "export", gdp),
            "imports_reported": ("own", "import", gdp),
            "imports_mirror": ("mirror", "export", gdp),
        },
    )


def central_asia_table(
    flows: pd.DataFrame, partner: str, gdp: pd.DataFrame, year: int, countries: Iterable[str] = CENTRAL_ASIA
) -> pd.DataFrame:
    """The dependence indicators of each Central Asian country with ``partner`` in ``year``, one row per country.

    ``flows`` holds the DOTS rows of every country, of the partner and of the World
    reporter; ``gdp`` is the WDI GDP table (``iso3, year, value``).  Columns:
    ``export_share``, ``import_share``, ``import_share_mirror``,
    ``export_intensity``, ``exports_to_gdp``, ``partner_hhi_exports`` and
    ``estimated`` (whether any of the country's values with the partner or the
    world that year is an IMF estimate).
    """
    economies = individual_economies()
    rows = []
    for code in countries:
        rng = dependence_range(flows, code, partner)
        intensity = indices.trade_intensity_table(flows, code, partner)["intensity"]
        gdp_c = gdp[gdp["iso3"] == code].set_index("year")["value"]
        exposure = exposure_to_gdp(flows, code, partner, gdp_c)
        hhi = indices.partner_concentration(flows, code, "export", economies)
        own = flows[
            (flows["reporter"] == code) & flows["partner"].isin([partner, WORLD]) & (flows["year"] == year)
        ]
        rows.append(
            {
                "country": code,
                "export_share": rng["export_share_reported"].get(year, float("nan")),
                "import_share": rng["import_share_reported"].get(year, float("nan")),
                "import_share_mirror": rng["import_share_mirror"].get(year, float("nan")),
                "export_intensity": intensity.get(year, float("nan")),
                "exports_to_gdp": exposure["exports"].get(year, float("nan")),
                "partner_hhi_exports": hhi["hhi"].get(year, float("nan")),
                "estimated": bool(own["estimate"].any()) if "estimate" in own.columns else False,
            }
        )
    return pd.DataFrame(rows).set_index("country")


def chapter_dependence(comtrade: pd.DataFrame, reporter: str, partner: str, flow: str) -> pd.DataFrame:
    """The partner's share of the reporter's ``flow`` in each HS chapter of a Comtrade extract, by year.

    ``comtrade`` holds chapter rows (``product_level == "chapter"``) for partner
    ``partner`` and for ``WLD``.  Returns one column per chapter (``"79"`` ...),
    one row per year: e.g. with reporter China, partner Kazakhstan and flow
    ``import``, Kazakhstan's share of China's zinc imports.
    """
    rows = comtrade[
        (comtrade["reporter"] == reporter)
        & (comtrade["flow"] == flow)
        & (comtrade["product_level"] == "chapter")
    ]

    def wide(code: str) -> pd.DataFrame:
        sel = rows[rows["partner"] == code]
        return sel.pivot_table(index="year", columns="product", values="value_usd", aggfunc="sum")

    out = wide(partner) / wide(WORLD).where(lambda d: d != 0)
    out.columns = [str(c) for c in out.columns]
    out.columns.name = None
    return out.sort_index()


def product_shares_of_partner(
    from_partner: pd.DataFrame, from_world: pd.DataFrame, year: int, level: str = "chapter"
) -> pd.DataFrame:
    """The partner's share of the country's trade in each product group in ``year`` (HS4 rows in, chapters out).

    ``from_partner`` and ``from_world`` are HS 4-digit rows (``year, product,
    value_usd``) of the same reporter and flow.  Returns ``with_partner``,
    ``with_world`` and ``share`` per HS chapter (``level="chapter"``) or per heading
    (``level="hs4"``), largest trade with the partner first.
    """

    def grouped(table: pd.DataFrame) -> pd.Series:
        rows = table[table["year"] == year]
        key = rows["product"].map(indices.hs_chapter) if level == "chapter" else rows["product"].astype(str)
        return rows.groupby(key)["value_usd"].sum()

    out = pd.DataFrame({"with_partner": grouped(from_partner), "with_world": grouped(from_world)})
    out = out.dropna(subset=["with_partner"])
    out["share"] = share(out["with_partner"], out["with_world"])
    return out.sort_values("with_partner", ascending=False)


def scale_and_share(flows: pd.DataFrame, country: str, partner: str) -> pd.DataFrame:
    """Year-on-year change of exports to the partner split into total exports (scale) and the partner's share.

    ``ln(x_t / x_{t-1}) = ln(X_t / X_{t-1}) + ln(s_t / s_{t-1})`` exactly, with
    ``x`` exports to the partner, ``X`` total exports and ``s = x / X``.  Columns
    ``exports_to_partner``, ``exports_total``, ``d_log_exports_to_partner``,
    ``d_log_total`` (the scale term) and ``d_log_share``.
    """
    import numpy as np

    x = flow_series(flows, country, partner, "export")
    total = flow_series(flows, country, WORLD, "export")
    out = pd.DataFrame({"exports_to_partner": x, "exports_total": total})
    out.index.name = "year"
    logs = np.log(out.where(out > 0))
    out["d_log_exports_to_partner"] = logs["exports_to_partner"].diff()
    out["d_log_total"] = logs["exports_total"].diff()
    out["d_log_share"] = out["d_log_exports_to_partner"] - out["d_log_total"]
    return out


def scale_share_of_variance(table: pd.DataFrame, years: Iterable[int]) -> float:
    """Share of the variance of the yearly log-change of exports to the partner that the scale term covers.

    The covariance split ``cov(dx, dX) / var(dx)`` (the two terms' shares add up to 1).
    """
    sel = table.loc[table.index.isin(list(years))].dropna(subset=["d_log_exports_to_partner", "d_log_total"])
    dx = sel["d_log_exports_to_partner"]
    return float(dx.cov(sel["d_log_total"]) / dx.var())


def customs_union_breaks(flows: pd.DataFrame, country: str, wdi_imports: pd.Series) -> list[int]:
    """:func:`kzcn.beyond.readings.customs_union_break_years` on the DOTS import total of ``country``."""
    return readings.customs_union_break_years(
        country, flow_series(flows, country, WORLD, "import"), wdi_imports
    )
