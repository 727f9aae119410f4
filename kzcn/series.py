"""The registry: a ledger row's structured reading -> the values raw data give for it.

Every number the thesis prints is transcribed into the ledger with a structured
reading (``quantity, reporter, partner, flow, period, measure_kind, unit``).
This module turns that reading into :class:`Candidate` values computed from raw
data, each labelled with the role it plays in the audit:

``primary``
    the series the companion treats as the recomputation (for trade: IMF DOTS
    as declared by the row's reporter; for macro numbers: the WDI indicator);
``mirror``
    the same flow as declared by the partner (Kazakhstan's exports are China's
    imports), see :mod:`kzcn.triangulation`;
``vintage``
    the same flow and reporter in another publication or release (WITS of April
    2023, the current WITS/Comtrade totals, WDI merchandise trade).

Each ledger ``quantity`` of ``data/thesis/vocabulary.yml`` is either registered
with a function that computes it, or listed in :data:`NO_RAW_SOURCE` with the
reason nothing in the manifest measures it.  A row whose quantity is in neither
raises :class:`UnknownSeriesError` naming the row, so a new kind of claim cannot
slip through the audit unexamined.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from kzcn import countries, measures

#: ledger table (flow, measure) -> the quantity of the vocabulary it measures.
#: Growth by flow has no quantity of its own in the vocabulary (prose only speaks
#: of total trade growth), so the registry adds ``export_growth``/``import_growth``.
CELL_QUANTITIES = {
    ("export", "amount"): "exports",
    ("import", "amount"): "imports",
    ("total", "amount"): "trade_total",
    ("balance", "balance"): "trade_balance",
    ("balance", "amount"): "trade_balance",
    ("export", "share"): "export_share",
    ("import", "share"): "import_share",
    ("total", "share"): "trade_share",
    ("export", "growth"): "export_growth",
    ("import", "growth"): "import_growth",
    ("total", "growth"): "trade_growth",
}

#: Registered quantity -> column of :func:`kzcn.measures.bilateral_series`.
TRADE_COLUMNS = {
    "exports": "exports",
    "imports": "imports",
    "trade_total": "total",
    "trade_balance": "balance",
    "export_share": "export_share",
    "import_share": "import_share",
    "trade_share": "trade_share",
}
GROWTH_LEVELS = {"export_growth": "exports", "import_growth": "imports", "trade_growth": "total"}

#: The same flow seen from the partner's side.
MIRROR_QUANTITY = {
    "exports": "imports",
    "imports": "exports",
    "trade_total": "trade_total",
    "trade_balance": "trade_balance",
    "export_growth": "import_growth",
    "import_growth": "export_growth",
    "trade_growth": "trade_growth",
    "trade_multiple": "trade_multiple",
}

#: Quantities that add up over the members of a group (shares and growth rates do not).
ADDITIVE = ("exports", "imports", "trade_total", "trade_balance")

#: Quantities no file in the manifest measures, as a reader-facing phrase (shown on the audit page).
NO_RAW_SOURCE = {
    "gnp": "GNP in tenge (there are no national accounts in local currency)",
    "gnp_growth": "real GNP growth (there is no GNP at constant prices)",
    "gnp_relative": "GNP relative to an earlier year (there is no GNP at constant prices)",
    "investment": "investment flows and stocks (the one FDI source, wiiw, is in euro and by the receiving country)",
    "investment_projects": "lists of investment projects",
    "loan": "loans (there are no lending data)",
    "financing": "credit lines and funds (there are no financing data)",
    "contract_value": "contract values",
    "project_value": "project costs",
    "length": "lengths of pipelines, railways and borders",
    "capacity": "design capacities",
    "production_volume": "production volumes",
    "transport_volume": "transport volumes",
    "reserves": "resource reserves",
    "resource_rank": "resource rankings",
    "jobs": "employment counts",
    "share_other": "shares other than trade shares (stakes, road conditions)",
    "investor_rank": "ranks of investor countries (the one FDI source, wiiw, is not read by investing country)",
    "commodity_trade": "trade by HS chapter for 2010–2011 (the product data start later)",
}

#: Quantities that are not statistics at all: spans of years, counts of chapters, stages,
#: documents or flights, plans and orders of events.  They are left out of the checkable total.
NOT_A_STATISTIC = {
    "duration": "a span of years is a reading of history, not a statistic",
    "count": "a count of chapters, stages, documents, routes or the like is a fact of record, not a statistic",
    "other": "a description (the largest project, a study destination), not a statistic",
    "order_rank": "the order in which countries did something is history, not a statistic",
    "area_rank": "a geographic fact (the largest landlocked country), not an economic statistic",
    "trade_target": "a trade goal for a future year is a plan, not an outcome to recompute",
    "target_rank": "a goal for a future world rank is a plan, not a statistic",
}

#: How a unit of the ledger converts to the base unit of a computed series.
MONEY_UNITS = measures.USD_UNITS
UNSTATED = measures.UNSTATED


class UnknownSeriesError(KeyError):
    """A ledger row asks for a quantity that no registered series answers."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


@dataclass(frozen=True)
class Measure:
    """The structured reading of one ledger row (a prose claim or a table cell)."""

    row_id: str
    quantity: str
    reporter: str
    partner: str
    flow: str
    period: str
    measure_kind: str
    unit: str
    commodity: str = ""

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(int(y) for y in str(self.period).split("-")) if self.period else ()


def measure_of_claim(row: pd.Series | dict) -> Measure:
    """The measure a prose claim (a row of :func:`kzcn.ledger.load_claims`) refers to."""
    return Measure(
        row_id=str(row["claim_id"]),
        quantity=str(row["quantity"]),
        reporter=str(row["reporter"]),
        partner=str(row["partner"]),
        flow=str(row["flow"]),
        period=str(row["period"]),
        measure_kind=str(row["measure_kind"]),
        unit=str(row["unit"]),
    )


def measure_of_cell(row: pd.Series | dict) -> Measure:
    """The measure a printed table cell (a row of :func:`kzcn.ledger.load_table`) refers to."""
    flow, table_measure = str(row["flow"]), str(row["measure"])
    commodity = str(row.get("commodity", "") or "")
    if commodity:
        quantity = "commodity_trade"
    else:
        quantity = CELL_QUANTITIES.get((flow, table_measure), f"{flow}_{table_measure}")
    period = str(row["period"])
    year = row.get("year")
    if table_measure == "growth" and period and "-" not in period:
        # A growth cell in a yearly row is the change from the previous year.
        period = f"{int(period) - 1}-{period}"
    elif year is not None and not pd.isna(year) and not period:
        period = str(int(year))
    kind = {"amount": "level", "balance": "level"}.get(table_measure, table_measure)
    return Measure(
        row_id=str(row["cell_id"]),
        quantity=quantity,
        reporter=str(row["reporter"]),
        partner=str(row["partner"]),
        flow=flow,
        period=period,
        measure_kind=kind,
        unit=str(row["unit"]),
        commodity=commodity,
    )


@dataclass(frozen=True)
class Candidate:
    """One value raw data give for a measure, in the measure's unit."""

    role: str  # "primary" | "mirror" | "vintage"
    label: str  # what a reader sees, e.g. "IMF DOTS 2022-01, China-reported"
    value: float
    inputs: tuple[str, ...]  # manifest ids read to compute it (filled from the read log by the audit)
    reading: str = ""  # which reading of the printed words this value follows ("cumulative growth")
    reporter: str = ""  # whose records, in words ("China's records")


# ------------------------------------------------------------------ data access


def _default_loader(source_id: str) -> pd.DataFrame:
    from kzcn import store

    return store.load(source_id)


@dataclass
class DataContext:
    """Loads (once) the tidy tables the registry needs; tests pass a fake ``loader``."""

    loader: Callable[[str], pd.DataFrame] = _default_loader
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)
    _series: dict[tuple, pd.DataFrame] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    #: manifest ids read since :meth:`start_reading` (what one ledger row's values came from)
    reads: set[str] = field(default_factory=set)

    def start_reading(self) -> None:
        self.reads = set()

    def table(self, source_id: str, *, optional: bool = False) -> pd.DataFrame | None:
        """The tidy table of a manifest entry; None (with the reason kept) for an
        optional source whose parser or manifest entry does not exist."""
        if source_id not in self._tables:
            try:
                self._tables[source_id] = self.loader(source_id)
            except (ImportError, LookupError) as error:
                # LookupError covers an id missing from the manifest (ManifestError is a
                # ValueError, so it is caught below only for optional sources).
                if not optional:
                    raise
                self.unavailable[source_id] = f"{type(error).__name__}: {error}"
                self._tables[source_id] = None
            except ValueError as error:
                if not optional or "unknown source id" not in str(error):
                    raise
                self.unavailable[source_id] = str(error)
                self._tables[source_id] = None
        if self._tables[source_id] is not None:
            self.reads.add(source_id)
        return self._tables[source_id]

    def bilateral(self, source_id: str, reporter: str, partner: str) -> pd.DataFrame | None:
        """:func:`kzcn.measures.bilateral_series` of one source (None if unavailable)."""
        key = (source_id, reporter, partner)
        if key in self._series:
            self.reads.add(source_id)
        else:
            flows = self.table(source_id, optional=not source_id.startswith("dots-"))
            if flows is None:
                return None
            if flows[flows["reporter"] == reporter].empty:
                return None
            self._series[key] = measures.bilateral_series(flows, reporter, partner)
        return self._series[key]

    def wdi(self, indicator: str) -> pd.DataFrame:
        return self.table(f"wdi-{indicator}")


def dots_id(reporter: str) -> str:
    return f"dots-{reporter}"


# ------------------------------------------------------------------ computations


def _convert(value: float, measure: Measure, *, money: bool) -> float:
    """A base-unit value (US$ or percent) in the measure's unit (NaN if unconvertible)."""
    if value is None or pd.isna(value):
        return math.nan
    if money:
        if measure.unit in MONEY_UNITS:
            return float(value) / MONEY_UNITS[measure.unit]
        return math.nan
    if measure.unit in measures.PERCENT_UNITS:
        return float(value)
    return math.nan


def _trade_value(series: pd.DataFrame, quantity: str, measure: Measure) -> float:
    """One measure from a bilateral series frame (years as index, US$ and percent)."""
    years = measure.years
    if quantity in TRADE_COLUMNS:
        if len(years) != 1:
            return math.nan
        column = TRADE_COLUMNS[quantity]
        value = series[column].get(years[0], math.nan)
        return _convert(value, measure, money=column in measures.MONEY_COLUMNS)
    if quantity in GROWTH_LEVELS:
        if len(years) != 2:
            return math.nan
        level = series[GROWTH_LEVELS[quantity]]
        first, last = level.get(years[0], math.nan), level.get(years[1], math.nan)
        if pd.isna(first) or pd.isna(last) or first == 0:
            return math.nan
        return _convert(100 * (last / first - 1), measure, money=False)
    if quantity == "trade_multiple":
        if len(years) != 2 or measure.unit != "times":
            return math.nan
        level = series["total"]
        first, last = level.get(years[0], math.nan), level.get(years[1], math.nan)
        return math.nan if pd.isna(first) or pd.isna(last) or first == 0 else float(last / first)
    return math.nan


def _growth_readings(first: float, last: float, span: int, measure: Measure) -> list[tuple[str, float]]:
    """Growth between two levels read both ways (:func:`kzcn.measures.growth_between`)."""
    if measure.unit not in measures.PERCENT_UNITS:
        return []
    readings = measures.growth_between(first, last, span)
    if span == 1:  # a yearly change has one reading
        return [("", value) for value in readings.values()]
    return [(f"{how} growth over the span", value) for how, value in readings.items()]


def trade_readings(series: pd.DataFrame, quantity: str, measure: Measure) -> list[tuple[str, float]]:
    """Every reading of a trade measure the printed words allow, as ``(reading, value)``.

    A level printed for one year has one reading.  A level printed for a span of
    years ("from 1996 to 2000, the trade volume was ...") is read as the span's
    sum, as its last year's value and as its first year's value.  A growth rate
    over a span is read as cumulative and as average annual growth.  A multiple
    ("increased 50 times") is read as last / first and as last / first - 1.
    """
    years = measure.years
    if quantity in TRADE_COLUMNS:
        column = TRADE_COLUMNS[quantity]
        money = column in measures.MONEY_COLUMNS
        if len(years) == 1:
            return [("", _convert(series[column].get(years[0], math.nan), measure, money=money))]
        if len(years) == 2 and money:
            values = series[column].reindex(range(years[0], years[1] + 1))
            readings = []
            if values.notna().all():
                readings.append(
                    (f"sum over {years[0]}–{years[1]}", _convert(values.sum(), measure, money=True))
                )
            readings.append((f"the {years[1]} value", _convert(values.get(years[1]), measure, money=True)))
            readings.append((f"the {years[0]} value", _convert(values.get(years[0]), measure, money=True)))
            return readings
        return []
    if quantity in GROWTH_LEVELS:
        if len(years) != 2:
            return []
        level = series[GROWTH_LEVELS[quantity]]
        return _growth_readings(
            level.get(years[0], math.nan), level.get(years[1], math.nan), years[1] - years[0], measure
        )
    if quantity == "trade_multiple":
        if len(years) != 2 or measure.unit != "times":
            return []
        level = series["total"]
        first, last = level.get(years[0], math.nan), level.get(years[1], math.nan)
        if pd.isna(first) or pd.isna(last) or first == 0:
            return []
        return [
            (f"{years[1]} trade as a multiple of {years[0]} trade", float(last / first)),
            (
                f"the increase from {years[0]} to {years[1]} as a multiple of {years[0]} trade",
                float(last / first - 1),
            ),
        ]
    return []


def _flip_sign(quantity: str, value: float) -> float:
    # the partner's balance with the reporter is the reporter's balance negated
    return -value if quantity == "trade_balance" and not pd.isna(value) else value


VINTAGE_SOURCES = {
    # source id -> label; both carry Kazakhstan-reported trade with China only
    "wits2023-kaz-chn": "WITS (UN Comtrade), April 2023 vintage",
    "wits-total-kaz-chn": "WITS (UN Comtrade), 2025 vintage",
}


def _wits2023_flows(table: pd.DataFrame) -> pd.DataFrame:
    values = table[table["measure"] == "value_usd"].rename(columns={"value": "value_usd"})
    return values.assign(estimate=False)


def _vintage_series(data: DataContext, source_id: str, reporter: str, partner: str) -> pd.DataFrame | None:
    key = (source_id, reporter, partner)
    if key in data._series:
        data.reads.add(source_id)
        return data._series[key]
    table = data.table(source_id, optional=True)
    if table is None:
        return None
    flows = _wits2023_flows(table) if "measure" in table.columns else table
    if flows[(flows["reporter"] == reporter) & (flows["partner"] == partner)].empty:
        return None
    found = measures.bilateral_series(flows, reporter, partner)
    if "measure" in table.columns:
        # WITS 2023 publishes the partner's shares itself (it has no world totals to divide by)
        shares = table[
            (table["measure"] == "share_pct")
            & (table["reporter"] == reporter)
            & (table["partner"] == partner)
        ]
        by_flow = shares.pivot_table(index="year", columns="flow", values="value")
        for flow, column in (("export", "export_share"), ("import", "import_share")):
            if flow in by_flow.columns:
                found[column] = by_flow[flow].reindex(found.index)
    data._series[key] = found
    return data._series[key]


def _country_label(code: str) -> str:
    return measures.name_of(code)


def trade_candidates(measure: Measure, data: DataContext) -> list[Candidate]:
    """Primary (reporter's DOTS), mirror (partner's DOTS) and other vintages, each in every reading."""
    reporter, partner, quantity = measure.reporter, measure.partner, measure.quantity
    if not reporter or not partner:
        return []
    out: list[Candidate] = []
    own = data.bilateral(dots_id(reporter), reporter, partner)
    if own is not None:
        for reading, value in trade_readings(own, quantity, measure) or [("", math.nan)]:
            out.append(
                Candidate(
                    "primary",
                    f"IMF DOTS, {_country_label(reporter)}-reported",
                    value,
                    (dots_id(reporter),),
                    reading=reading,
                    reporter=f"{_country_label(reporter)}'s records",
                )
            )
        if quantity in SHARE_FLOWS:
            out.extend(_share_denominators(measure, data, own))
    flipped = MIRROR_QUANTITY.get(quantity)
    if flipped and partner != measures.WORLD:
        members = measures.C5 if partner == measures.C5_CODE else (partner,)
        if len(members) == 1:
            other = data.bilateral(dots_id(partner), partner, reporter)
            if other is not None:
                for reading, value in trade_readings(other, flipped, measure):
                    out.append(
                        Candidate(
                            "mirror",
                            f"IMF DOTS, {_country_label(partner)}-reported (mirror)",
                            _flip_sign(quantity, value),
                            (dots_id(partner),),
                            reading=reading,
                            reporter=f"{_country_label(partner)}'s records",
                        )
                    )
        elif quantity in ADDITIVE:
            # a group's mirror is the sum of what each member reports; one missing member, no sum
            values = []
            for member in members:
                other = data.bilateral(dots_id(member), member, reporter)
                found = dict(trade_readings(other, flipped, measure)) if other is not None else {}
                values.append(_flip_sign(quantity, found.get("", math.nan)))
            out.append(
                Candidate(
                    "mirror",
                    f"IMF DOTS, sum of what the {len(members)} members report (mirror)",
                    math.nan if any(pd.isna(v) for v in values) else float(sum(values)),
                    tuple(dots_id(member) for member in members),
                    reporter=f"the records of the {len(members)} Central Asian states",
                )
            )
    if (reporter, partner) == ("KAZ", "CHN"):
        for source_id, label in VINTAGE_SOURCES.items():
            found = _vintage_series(data, source_id, reporter, partner)
            if found is not None:
                for reading, value in trade_readings(found, quantity, measure):
                    out.append(
                        Candidate(
                            "vintage",
                            label,
                            value,
                            (source_id,),
                            reading=reading,
                            reporter="Kazakhstan's records as republished by WITS",
                        )
                    )
    return out


#: share quantities -> (numerator flow column, WDI indicator of the reporter's world flow)
SHARE_FLOWS = {
    "export_share": ("exports", ("tx.val.mrch.cd.wt",)),
    "import_share": ("imports", ("tm.val.mrch.cd.wt",)),
    "trade_share": ("total", ("tx.val.mrch.cd.wt", "tm.val.mrch.cd.wt")),
}


def _share_denominators(measure: Measure, data: DataContext, own: pd.DataFrame) -> list[Candidate]:
    """A share over the other denominators the data offer.

    The primary candidate divides by the reporter's own trade with the world in
    DOTS; here the numerator is also divided by the reporter's merchandise trade
    in the World Bank's WDI, and the partner's mirror flow by the reporter's
    world trade (the denominator the thesis may have taken from another table).
    """
    if len(measure.years) != 1 or measure.unit not in measures.PERCENT_UNITS:
        return []
    year = measure.years[0]
    column, indicators = SHARE_FLOWS[measure.quantity]
    numerator = own[column].get(year, math.nan)
    out = []
    tables = [data.table(f"wdi-{indicator}", optional=True) for indicator in indicators]
    if all(table is not None for table in tables):
        world = sum(_wdi_value(data, indicator, measure.reporter, year) for indicator in indicators)
        out.append(
            Candidate(
                "denominator",
                "IMF DOTS over World Bank WDI merchandise trade",
                100 * numerator / world if world else math.nan,
                (dots_id(measure.reporter), *(f"wdi-{i}" for i in indicators)),
                reading=f"share of {_country_label(measure.reporter)}'s merchandise trade as the World Bank records it",
                reporter=f"{_country_label(measure.reporter)}'s records",
            )
        )
    flipped = {"exports": "imports", "imports": "exports", "total": "total"}[column]
    other = data.bilateral(dots_id(measure.partner), measure.partner, measure.reporter)
    world_own = own[{"exports": "world_exports", "imports": "world_imports", "total": "world_total"}[column]]
    if other is not None:
        out.append(
            Candidate(
                "denominator",
                f"IMF DOTS, {_country_label(measure.partner)}-reported flow over {_country_label(measure.reporter)}'s world trade",
                100 * other[flipped].get(year, math.nan) / world_own.get(year, math.nan),
                (dots_id(measure.partner), dots_id(measure.reporter)),
                reading=f"{_country_label(measure.partner)}'s record of the flow over {_country_label(measure.reporter)}'s trade with the world",
                reporter=f"{_country_label(measure.partner)}'s records",
            )
        )
    return out


def world_trade_candidates(measure: Measure, data: DataContext) -> list[Candidate]:
    """A country's total merchandise trade with the world: DOTS, and WDI as a second source."""
    if len(measure.years) != 1 or measure.unit not in MONEY_UNITS:
        return []
    year = measure.years[0]
    out = []
    own = data.bilateral(dots_id(measure.reporter), measure.reporter, measures.WORLD)
    if own is not None:
        out.append(
            Candidate(
                "primary",
                f"IMF DOTS, {_country_label(measure.reporter)}-reported, trade with the world",
                _convert(own["total"].get(year, math.nan), measure, money=True),
                (dots_id(measure.reporter),),
                reporter=f"{_country_label(measure.reporter)}'s records",
            )
        )
    exports = _wdi_value(data, "tx.val.mrch.cd.wt", measure.reporter, year)
    imports = _wdi_value(data, "tm.val.mrch.cd.wt", measure.reporter, year)
    out.append(
        Candidate(
            "vintage",
            "World Bank WDI, merchandise exports plus imports",
            _convert(exports + imports, measure, money=True),
            ("wdi-tx.val.mrch.cd.wt", "wdi-tm.val.mrch.cd.wt"),
            reporter="the World Bank's World Development Indicators",
        )
    )
    return out


def _wdi_value(data: DataContext, indicator: str, iso3: str, year: int) -> float:
    table = data.wdi(indicator)
    hit = table[(table["iso3"] == iso3) & (table["year"] == year)]["value"]
    return float(hit.iloc[0]) if len(hit) else math.nan


def _wdi_candidate(indicator: str, label: str, money: bool = False):
    def compute(measure: Measure, data: DataContext) -> list[Candidate]:
        years = measure.years
        if not measure.reporter:
            return []
        who = "the World Bank's World Development Indicators"
        if len(years) == 1:
            value = _wdi_value(data, indicator, measure.reporter, years[0])
            if money:
                value = _convert(value, measure, money=True)
            elif measure.unit not in measures.PERCENT_UNITS and measure.unit != "KZT per USD":
                value = math.nan
            return [Candidate("primary", label, value, (f"wdi-{indicator}",), reporter=who)]
        if len(years) == 2 and measure.measure_kind == "growth" and not money:
            # growth over a span from yearly rates: cumulative, and the geometric average
            rates = pd.Series(
                {y: _wdi_value(data, indicator, measure.reporter, y) for y in range(years[0], years[1] + 1)}
            )
            if measure.unit not in measures.PERCENT_UNITS:
                return [Candidate("primary", label, math.nan, (f"wdi-{indicator}",), reporter=who)]
            return [
                Candidate(
                    "primary",
                    label,
                    measures.span_growth(rates, years[0], years[1], average=average),
                    (f"wdi-{indicator}",),
                    reading=f"{how} growth over {years[0]}–{years[1]}",
                    reporter=who,
                )
                for how, average in (("cumulative", False), ("average annual", True))
            ]
        return []

    return compute


def _country_codes() -> frozenset[str]:
    """ISO3 codes of single economies (WDI also lists aggregates such as WLD or HIC)."""
    return countries.single_economy_codes()


def _rank_candidate(numerator: str, label: str, denominator: str | None = None):
    def compute(measure: Measure, data: DataContext) -> list[Candidate]:
        if measure.unit != "rank":
            return []
        years, how = _rank_years(measure)
        table = data.wdi(numerator)
        inputs = (f"wdi-{numerator}",)
        people = None
        if denominator:
            people = data.wdi(denominator)
            inputs += (f"wdi-{denominator}",)
        out = []
        for year in years:
            values = table[(table["year"] == year) & table["iso3"].isin(_country_codes())].set_index("iso3")[
                "value"
            ]
            if people is not None:
                values = (values / people[people["year"] == year].set_index("iso3")["value"]).dropna()
            out.append(
                Candidate(
                    "primary",
                    f"{label} ({len(values)} economies)",
                    _rank_of(values, measure.reporter),
                    inputs,
                    reading="" if not how else f"the rank in {year}",
                    reporter="the World Bank's World Development Indicators",
                )
            )
        return out

    return compute


def _gnp_per_capita(measure: Measure, data: DataContext) -> list[Candidate]:
    if len(measure.years) != 1 or measure.unit not in MONEY_UNITS:
        return []
    year = measure.years[0]
    gni = _wdi_value(data, "ny.gnp.atls.cd", measure.reporter, year)
    people = _wdi_value(data, "sp.pop.totl", measure.reporter, year)
    value = gni / people if people else math.nan
    return [
        Candidate(
            "primary",
            "World Bank WDI, GNI (Atlas method) divided by population",
            _convert(value, measure, money=True),
            ("wdi-ny.gnp.atls.cd", "wdi-sp.pop.totl"),
            reporter="the World Bank's World Development Indicators",
        )
    ]


#: Years a rank printed without a year is looked for in.
UNDATED_YEARS = range(1992, 2021)


def _rank_years(measure: Measure) -> tuple[list[int], str]:
    """The years a rank claim is checked in, and how they were chosen."""
    years = measure.years
    if len(years) == 1:
        return [years[0]], ""
    if len(years) == 2:
        return list(range(years[0], years[1] + 1)), "span"
    return list(UNDATED_YEARS), "undated"


def _by_partner(flows: pd.DataFrame, year: int, flow: str, countries: set[str]) -> tuple[pd.Series, float]:
    """A reporter's flow with each partner country in ``year``, and the share of its world flow they cover."""
    rows = flows[flows["year"] == year]
    if flow != "total":
        rows = rows[rows["flow"] == flow]
    world = float(rows.loc[rows["partner"] == measures.WORLD, "value_usd"].sum())
    named = rows[rows["partner"].isin(countries)].groupby("partner")["value_usd"].sum()
    return named, (float(named.sum()) / world if world else math.nan)


def _rank_of(values: pd.Series, code: str) -> float:
    if code not in values.index or pd.isna(values[code]):
        return math.nan
    return float(int((values > values[code]).sum()) + 1)


def _mirror_frame(data: DataContext, reporter: str, countries: set[str]) -> pd.DataFrame:
    """Every partner country's own record of its trade with ``reporter`` (all years), read once."""
    key = ("mirror-frame", reporter, "")
    if key in data._series:
        data.reads.update(data._series[key].attrs.get("sources", ()))
        return data._series[key]
    parts, sources = [], []
    for code in sorted(countries - {reporter}):
        table = data.table(dots_id(code), optional=True)
        if table is None:
            continue
        rows = table[table["partner"] == reporter]
        if len(rows):
            parts.append(rows[["reporter", "flow", "year", "value_usd"]])
            sources.append(dots_id(code))
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["reporter", "flow", "year", "value_usd"])
    )
    frame.attrs["sources"] = tuple(sources)
    data._series[key] = frame
    return frame


def _mirror_values(data: DataContext, reporter: str, year: int, flow: str, countries: set[str]) -> pd.Series:
    """What every partner country records of its trade with ``reporter`` in ``year`` (the mirror view)."""
    flipped = {"export": "import", "import": "export", "total": "total"}[flow]
    frame = _mirror_frame(data, reporter, countries)
    rows = frame[frame["year"] == year]
    if flipped != "total":
        rows = rows[rows["flow"] == flipped]
    return rows.groupby("reporter")["value_usd"].sum().astype(float)


def _complete(values: pd.Series, mirror: pd.Series, top: int = 5) -> tuple[bool, str]:
    """Does the reporter's file hold its main partners?  The partners that rank in the top
    ``top`` by their own records must each appear with at least half of what they record."""
    missing = [
        code
        for code in mirror.sort_values(ascending=False).index[:top]
        if values.get(code, 0.0) < 0.5 * mirror[code]
    ]
    return (not missing, ", ".join(measures.name_of(code) for code in missing))


def _partner_rank(measure: Measure, data: DataContext) -> list[Candidate]:
    """Partner's rank among the reporter's partner countries, by the row's flow.

    Ranks are integers; a year is ranked from the reporter's own file only when
    its partner coverage is complete: each of the five largest partners (by
    their own records) appears in it with at least half of what that partner
    records (early 1990s files lack CIS partners; the 2010-2012 Customs Union
    break removed most of Russia from Kazakhstan's imports).  The mirror ranking
    (what each partner country records of its trade with the reporter) is
    always a second candidate.  A rank printed without a
    year, or for a span, is looked up in every year (each year its own reading).
    """
    if measure.unit != "rank" or measure.flow not in {"export", "import", "total"}:
        return []
    from kzcn import data as kzcn_data

    countries = set(kzcn_data.imf_names().query("kind == 'country'")["code"])
    flows = data.table(dots_id(measure.reporter))
    years, how = _rank_years(measure)
    who = f"{_country_label(measure.reporter)}'s records"
    out = []
    for year in years:
        values, _ = _by_partner(flows, year, measure.flow, countries)
        mirror = _mirror_values(data, measure.reporter, year, measure.flow, countries)
        prefix = "" if not how else f"the rank in {year}"
        complete, missing = _complete(values, mirror)
        if complete:
            out.append(
                Candidate(
                    "primary",
                    "IMF DOTS partner ranking",
                    _rank_of(values, measure.partner),
                    (dots_id(measure.reporter),),
                    reading=prefix,
                    reporter=who,
                )
            )
        else:
            out.append(
                Candidate(
                    "primary",
                    "IMF DOTS partner ranking (incomplete partner coverage)",
                    math.nan,
                    (dots_id(measure.reporter),),
                    reading=(prefix + "; " if prefix else "")
                    + f"{_country_label(measure.reporter)}'s file for {year} lacks most of its trade with {missing}",
                    reporter=who,
                )
            )
        out.append(
            Candidate(
                "mirror",
                "IMF DOTS partner ranking from the partners' own records (mirror)",
                _rank_of(mirror, measure.partner),
                (),
                reading=prefix,
                reporter="the partner countries' own records",
            )
        )
    return out


#: quantity -> function computing its candidates
REGISTRY: dict[str, Callable[[Measure, DataContext], list[Candidate]]] = {
    **{quantity: trade_candidates for quantity in (*TRADE_COLUMNS, *GROWTH_LEVELS, "trade_multiple")},
    "foreign_trade_total": world_trade_candidates,
    "partner_rank": _partner_rank,
    "gdp": _wdi_candidate("ny.gdp.mktp.cd", "World Bank WDI, GDP (current US$)", money=True),
    "gdp_growth": _wdi_candidate("ny.gdp.mktp.kd.zg", "World Bank WDI, GDP growth (annual %)"),
    "gdp_rank": _rank_candidate("ny.gdp.mktp.cd", "World Bank WDI, rank by GDP (current US$)"),
    "exchange_rate": _wdi_candidate("pa.nus.fcrf", "World Bank WDI, official exchange rate (LCU per US$)"),
    "gnp_per_capita": _gnp_per_capita,
    "gnp_per_capita_rank": _rank_candidate(
        "ny.gnp.atls.cd", "World Bank WDI, rank by GNI (Atlas) per capita", denominator="sp.pop.totl"
    ),
}


def known_quantities() -> set[str]:
    """Every quantity the audit can place: computed ones and those with no raw source."""
    return set(REGISTRY) | set(NO_RAW_SOURCE) | set(NOT_A_STATISTIC)


def has_raw_source(measure: Measure) -> bool:
    return measure.quantity in REGISTRY


def candidates(measure: Measure, data: DataContext) -> list[Candidate]:
    """All values raw data give for ``measure`` (empty when it has no raw source).

    Raises :class:`UnknownSeriesError`, naming the ledger row, when the
    measure's quantity is neither registered nor declared without raw source.
    """
    if measure.quantity in NO_RAW_SOURCE or measure.quantity in NOT_A_STATISTIC:
        return []
    compute = REGISTRY.get(measure.quantity)
    if compute is None:
        raise UnknownSeriesError(
            f"ledger row {measure.row_id}: no series is registered for quantity {measure.quantity!r} "
            f"(reporter {measure.reporter or '-'}, partner {measure.partner or '-'}, period "
            f"{measure.period or '-'}); register it in kzcn/series.py or list it in NO_RAW_SOURCE"
        )
    return [c for c in compute(measure, data) if c is not None]


def primary(found: Iterable[Candidate]) -> Candidate | None:
    return next((c for c in found if c.role == "primary"), None)


#: What data would settle a quantity that has no raw source (shown as "needs" on the audit page).
NEEDS = {
    "gnp": "national accounts of Kazakhstan in tenge (e.g. the national statistics bureau's GNP series)",
    "gnp_growth": "GNP at constant prices from Kazakhstan's national accounts",
    "gnp_relative": "GNP at constant prices from Kazakhstan's national accounts",
    "investment": "bilateral FDI flows and stocks by investing country in US dollars (e.g. the National Bank of Kazakhstan's FDI statistics)",
    "investment_projects": "a documented list of the investment projects",
    "loan": "bilateral lending data (e.g. the China-Africa/Global Development Policy Center loan databases)",
    "financing": "records of the credit lines and funds",
    "contract_value": "the contracts or company reports",
    "project_value": "the project documents or company reports",
    "length": "infrastructure data (pipeline and railway lengths from the operators)",
    "capacity": "operators' design-capacity figures",
    "production_volume": "production statistics (e.g. energy or mining output series)",
    "transport_volume": "transport statistics (freight volumes by route)",
    "reserves": "resource-reserve estimates (e.g. the BP Statistical Review or USGS)",
    "resource_rank": "world resource rankings (e.g. USGS mineral commodity summaries)",
    "jobs": "employment records of the projects",
    "count": "a documented list of the items counted",
    "share_other": "the underlying series for this share (not trade)",
    "order_rank": "historical records, not a statistical series",
    "investor_rank": "FDI by investing country (e.g. the National Bank of Kazakhstan), ranked",
    "duration": "nothing: a span of years is not a statistic",
    "other": "nothing: not a statistic",
    "area_rank": "land areas of all countries (e.g. the World Bank's surface-area indicator AG.SRF.TOTL.K2)",
    "trade_target": "nothing: a target is a plan",
    "target_rank": "nothing: a target is a plan",
    "commodity_trade": "Kazakhstan's imports from China by HS chapter for 2010-2011 (UN Comtrade or WITS at HS2)",
}
