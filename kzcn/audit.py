"""The reproducibility audit: every number the thesis prints against the raw data.

For each ledger row (prose claim or table cell) the audit

1. finds the values raw data give for it (:mod:`kzcn.series`: the primary
   recomputation, the partner's mirror statistics, other vintages);
2. applies the project's one tolerance rule (:func:`kzcn.compare.status_qualified`)
   to the thesis's value and the primary recomputation, honouring the printed
   qualifier ("more than 20 billion" holds when the data exceed 20 billion);
3. assigns a **cause class** from the rules below, evaluated in order, the
   first that fires winning;
4. lets a reviewed annotation (``data/thesis/audit_annotations.csv``, every row
   with a reason) settle what no rule can: the annotation's cause replaces the
   rule's, and both are kept.

Rules (the evidence column says which one fired and on what values):

``no raw source``
    the quantity has no series in the manifest, or the data do not cover the
    period (:data:`kzcn.series.NO_RAW_SOURCE`);
``unit or scale``
    the thesis prints no unit and the values only fit a unit other than the one
    the rest of the table is read in; or the printed value matches a recomputed
    value after a shift by a power of ten (x10, x1000, /1000 ...);
``reporter vs mirror statistics``
    the value does not match the reporter's own statistics but matches the
    partner's (mirror) statistics within tolerance;
``data vintage/revision``
    it matches another release of the same statistics (WITS 2023, WITS 2025);
``typo``
    two adjacent digits of the printed value are swapped relative to the
    recomputed value, or a table cell repeats its neighbouring year's value;
``internal inconsistency within the thesis``
    two ledger statements about the same quantity disagree, or a printed cell
    disagrees with what the other printed cells of its table imply (total =
    exports + imports, balance = exports - imports, growth from the printed
    amounts, share of the printed total);
``unexplained``
    none of the above: a reviewer should annotate it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import pandas as pd
import yaml

from kzcn import compare, config, measures, series

# ---------------------------------------------------------------- cause classes

NO_RAW_SOURCE = "no raw source"
UNIT_SCALE = "unit or scale"
REPORTER_MIRROR = "reporter vs mirror statistics"
VINTAGE = "data vintage/revision"
TYPO = "typo"
INTERNAL = "internal inconsistency within the thesis"
DERIVED = "follows from a printed figure"
YEAR = "neighbouring year"
#: Status and cause of a ledger row that is not a statistic (left out of the checkable total).
NOT_A_STATISTIC = compare.NOT_A_STATISTIC
UNEXPLAINED = "unexplained"
NONE = ""

#: Cause classes in the order the summary lists them.
CAUSES = (
    REPORTER_MIRROR,
    VINTAGE,
    DERIVED,
    YEAR,
    UNIT_SCALE,
    TYPO,
    INTERNAL,
    NO_RAW_SOURCE,
    NOT_A_STATISTIC,
    UNEXPLAINED,
)

ANNOTATIONS_FILE = "audit_annotations.csv"
ANNOTATION_COLUMNS = ("row_id", "cause", "reason", "reviewed_by", "reviewed_on")

#: Powers of ten tried by the unit-or-scale rule (x10 ... x1e9 and the inverses).
SCALE_EXPONENTS = (1, 2, 3, 6, 9, -1, -2, -3, -6, -9)

#: A repeated value is taken for a copying slip only when it has at least this many
#: significant digits: equal seven-digit amounts in two years are no coincidence.
REPEAT_MIN_DIGITS = 4

#: Statuses that count as agreement.
AGREES = (compare.REPRODUCED, compare.WITHIN_TOLERANCE)

#: Order in which candidates are preferred when several agree equally well.
ROLE_ORDER = {"primary": 0, "denominator": 1, "mirror": 2, "vintage": 3}
STATUS_ORDER = {compare.REPRODUCED: 0, compare.WITHIN_TOLERANCE: 1, compare.DIFFERS: 2}


class AuditError(ValueError):
    """The ledger or the annotations cannot be audited as they stand."""


# -------------------------------------------------------------------- the rows


def claim_decimals(printed: str) -> int:
    """Decimals of the printed number; a number written in words ("second") has none."""
    try:
        return measures.claim_decimals(printed)
    except ValueError:
        return 0


def qualified_status(value: float, recomputed: float, decimals: int, qualifier: str) -> str:
    """The project's one rule for qualified values (:func:`kzcn.compare.status_qualified`)."""
    return compare.status_qualified(value, recomputed, decimals, qualifier)


@dataclasses.dataclass
class AuditRow:
    row_id: str
    kind: str  # "claim" | "cell"
    table_id: str
    chapter: str
    section: str
    line: int
    where: str  # locator (claims) or row / column label (cells)
    printed: str
    value: float
    unit: str
    unit_note: str
    qualifier: str
    decimals: int
    measure: series.Measure
    candidates: list[series.Candidate]
    recomputed: float = math.nan
    recomputed_source: str = ""
    difference: float = math.nan
    status: str = ""
    cause: str = NONE
    cause_origin: str = ""  # "rule: <name>" or "annotation"
    rule_cause: str = NONE
    evidence: str = ""
    annotation: str = ""
    page: str = ""
    inputs: tuple[str, ...] = ()
    best: series.Candidate | None = None
    needs: str = ""

    @property
    def rule(self) -> str:
        return compare.qualifier_rule(self.qualifier, self.printed)

    def candidate_status(self, candidate: series.Candidate) -> str:
        if self.unit == "rank":
            return compare.status_rank(self.value, candidate.value)
        return qualified_status(self.value, candidate.value, self.decimals, self.rule)


def _table_chapters() -> dict[str, str]:
    from kzcn import ledger

    meta = ledger.load_table_meta() if hasattr(ledger, "load_table_meta") else None
    if meta is None:
        meta = pd.read_csv(config.THESIS_DIR / "table_meta.csv", keep_default_na=False)
    return {row.table_id: str(row.section).split(".")[0] for row in meta.itertuples()}


def _claim_rows(claims: pd.DataFrame) -> list[AuditRow]:
    rows = []
    for claim in claims.to_dict("records"):
        rows.append(
            AuditRow(
                row_id=claim["claim_id"],
                kind="claim",
                table_id="",
                chapter=str(claim["chapter"]),
                section=str(claim["section"]),
                line=int(claim["line"]),
                where=str(claim["locator"]),
                printed=str(claim["printed"]),
                value=float(claim["value"]),
                unit=str(claim["unit"]),
                unit_note="",
                qualifier=str(claim["qualifier"]),
                decimals=claim_decimals(claim["printed"]),
                measure=series.measure_of_claim(claim),
                candidates=[],
            )
        )
    return rows


def _cell_rows(cells: pd.DataFrame) -> list[AuditRow]:
    chapters = _table_chapters()
    rows = []
    for cell in cells.to_dict("records"):
        rows.append(
            AuditRow(
                row_id=cell["cell_id"],
                kind="cell",
                table_id=str(cell["table_id"]),
                chapter=chapters.get(cell["table_id"], ""),
                section="",
                line=int(cell["line"]),
                where=f"{cell['row_label']} / {cell['column_label']}",
                printed=str(cell["printed"]),
                value=float(cell["value"]),
                unit=str(cell["unit"]),
                unit_note="",
                qualifier="exact",
                decimals=claim_decimals(cell["printed"]),
                measure=series.measure_of_cell(cell),
                candidates=[],
            )
        )
    return rows


# ------------------------------------------------------------- unit inference


def _infer_unstated_units(rows: list[AuditRow], data: series.DataContext) -> None:
    """Give unit-less money cells the unit their values fit, group by group.

    A table column printed without a unit is read in the power-of-ten money unit
    under which its values sit closest to the primary recomputation
    (:func:`kzcn.measures.plausible_money_unit`), the same reading the chapter
    tables use.  The row keeps a note saying so.
    """
    groups: dict[tuple, list[AuditRow]] = {}
    for row in rows:
        if row.unit == series.UNSTATED and row.measure.quantity in series.TRADE_COLUMNS:
            key = (row.table_id, row.measure.quantity, row.measure.reporter, row.measure.partner)
            groups.setdefault(key, []).append(row)
    for members in groups.values():
        probe = [dataclasses.replace(r.measure, unit="USD") for r in members]
        base = []
        for measure in probe:
            found = series.primary(series.candidates(measure, data))
            base.append(found.value if found else math.nan)
        printed = pd.Series([r.value for r in members])
        try:
            unit = measures.plausible_money_unit(printed, pd.Series(base))
        except ValueError:
            continue
        siblings = {
            r.unit
            for r in rows
            if r.table_id == members[0].table_id and r.unit in series.MONEY_UNITS and r is not members[0]
        }
        for row in members:
            row.unit = unit
            row.measure = dataclasses.replace(row.measure, unit=unit)
            row.unit_note = f"no unit printed; read as {unit}, the unit its values fit"
            if siblings and unit not in siblings:
                row.unit_note += f" (the table's other amounts read as {', '.join(sorted(siblings))})"


# --------------------------------------------------------- internal consistency


def _base_value(row: AuditRow) -> float | None:
    """The row's value in base units (US$ or percent), or None if the unit is not numeric."""
    if row.unit in series.MONEY_UNITS:
        return row.value * series.MONEY_UNITS[row.unit]
    if row.unit in measures.PERCENT_UNITS or row.unit in {"rank", "times", "KZT per USD"}:
        return row.value
    return None


def _same_quantity_key(row: AuditRow) -> tuple:
    m = row.measure
    return (m.quantity, m.reporter, m.partner, m.flow, m.period, m.measure_kind, m.commodity)


def _statement_key(m: series.Measure) -> tuple:
    return (m.quantity, m.reporter, m.partner, m.commodity, m.period, m.measure_kind)


#: level quantity each growth quantity is the change of
_LEVEL_OF_GROWTH = {"trade_growth": "trade_total", "export_growth": "exports", "import_growth": "imports"}


def implied_values(rows: list[AuditRow]) -> dict[str, tuple[float, str]]:
    """Values that other printed statements imply for a row, in the row's unit.

    Returns ``row_id -> (implied value, how)`` for the identities the thesis's
    own numbers obey: total = exports + imports and balance = exports - imports
    (same table row), a growth rate from the printed amounts of its two years
    (same table first, else any ledger statement), a commodity's share from the
    printed total, a commodity's change from its printed amounts.
    """
    index: dict[tuple, list[AuditRow]] = {}
    for row in rows:
        index.setdefault(_statement_key(row.measure), []).append(row)

    used: list[str] = []

    def level(row: AuditRow, quantity: str, period: str, commodity: str | None = None) -> float | None:
        """The printed level nearest to ``row``: same table for a cell; for a claim
        the same section first, then the same chapter, then the nearest line."""
        m = row.measure
        key = (
            quantity,
            m.reporter,
            m.partner,
            m.commodity if commodity is None else commodity,
            period,
            "level",
        )
        found = [r for r in index.get(key, []) if _base_value(r) is not None and r is not row]
        if row.kind == "cell":
            found = [r for r in found if r.kind == "cell" and r.table_id == row.table_id]
        found.sort(
            key=lambda r: (
                (r.kind, r.table_id) != (row.kind, row.table_id),
                r.section != row.section,
                r.chapter != row.chapter,
                abs(r.line - row.line),
                r.row_id,
            )
        )
        if not found:
            return None
        used.append(found[0].row_id)
        return _base_value(found[0])

    def how(text: str) -> str:
        named = ", ".join(dict.fromkeys(used))
        used.clear()
        return f"{text} ({named})"

    implied: dict[str, tuple[float, str]] = {}
    for row in rows:
        m = row.measure
        used.clear()
        factor = series.MONEY_UNITS.get(row.unit)
        if m.quantity in {"trade_total", "trade_balance"} and factor and row.kind == "cell":
            exports = level(row, "exports", m.period)
            imports = level(row, "imports", m.period)
            if exports is not None and imports is not None:
                total = m.quantity == "trade_total"
                value = exports + imports if total else exports - imports
                text = "printed exports + imports" if total else "printed exports - imports"
                implied[row.row_id] = (value / factor, how(text))
        elif m.quantity in _LEVEL_OF_GROWTH and len(m.years) == 2 and row.unit in measures.PERCENT_UNITS:
            first = level(row, _LEVEL_OF_GROWTH[m.quantity], str(m.years[0]))
            last = level(row, _LEVEL_OF_GROWTH[m.quantity], str(m.years[1]))
            if first and last is not None:
                implied[row.row_id] = (100 * (last / first - 1), how("growth between the printed amounts"))
        elif m.quantity == "commodity_trade" and m.measure_kind == "share" and len(m.years) == 1:
            own = level(row, m.quantity, m.period)
            total = level(row, m.quantity, m.period, commodity="Total")
            if own is not None and total:
                implied[row.row_id] = (100 * own / total, how("printed amount over printed total"))
        elif m.quantity == "commodity_trade" and m.measure_kind == "growth" and len(m.years) == 2:
            first = level(row, m.quantity, str(m.years[0]))
            last = level(row, m.quantity, str(m.years[1]))
            if first and last is not None:
                implied[row.row_id] = (100 * (last / first - 1), how("change between the printed amounts"))
    return implied


# --------------------------------------------------------------------- rules


def _format_number(value: float, decimals: int) -> str:
    return f"{value:.{max(decimals, 0)}f}"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def is_transposition(printed: float, recomputed: float, decimals: int) -> bool:
    """True when swapping two adjacent digits of the printed value gives the recomputed one."""
    if pd.isna(recomputed):
        return False
    mine = _digits(_format_number(abs(printed), decimals))
    theirs = _digits(_format_number(abs(recomputed), decimals))
    if len(mine) != len(theirs) or mine == theirs:
        return False
    differ = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and mine[differ[0]] == theirs[differ[1]]
        and mine[differ[1]] == theirs[differ[0]]
    )


def _rule_scale(row: AuditRow) -> str | None:
    for candidate in row.candidates:
        if pd.isna(candidate.value):
            continue
        for exponent in SCALE_EXPONENTS:
            scaled = row.value * 10.0**exponent
            if compare.status(scaled, candidate.value, row.decimals - exponent) in AGREES:
                return f"printed x 10^{exponent} = {scaled:g} matches {candidate.label} ({candidate.value:g} {row.unit})"
    return None


def _year_slip(row: AuditRow, data: series.DataContext | None) -> str | None:
    """A one-year figure that the data give for the year before or after the printed one."""
    if data is None or row.kind != "claim" or len(row.measure.years) != 1 or row.unit == "rank":
        return None
    year = row.measure.years[0]
    for other in (year + 1, year - 1):
        moved = dataclasses.replace(row.measure, period=str(other))
        for candidate in series.candidates(moved, data):
            if candidate.role in ("primary", "mirror") and not pd.isna(candidate.value):
                if row.candidate_status(candidate) == compare.REPRODUCED:
                    who = candidate.reporter or candidate.label
                    return (
                        f"it holds for {other} ({who}: {_format_number(candidate.value, row.decimals + 1)})"
                    )
    return None


def _first_agreeing(row: AuditRow, role: str) -> series.Candidate | None:
    return next(
        (c for c in row.candidates if c.role == role and row.candidate_status(c) in AGREES),
        None,
    )


def _cell_key(row: AuditRow, period: str | None = None) -> tuple:
    return (
        row.table_id,
        *_statement_key(dataclasses.replace(row.measure, period=period or row.measure.period)),
    )


def _relative_gap(row: AuditRow) -> float:
    if pd.isna(row.recomputed) or not row.recomputed:
        return math.inf
    return abs(row.value - row.recomputed) / abs(row.recomputed)


def _neighbour_repeat(row: AuditRow, rows_by_key: Mapping[tuple, AuditRow]) -> str | None:
    """A cell printing exactly its neighbouring year's value, and further from the data of the two."""
    if row.kind != "cell" or len(row.measure.years) != 1:
        return None
    if len(_digits(row.printed).lstrip("0")) < REPEAT_MIN_DIGITS:
        return None  # two short values can coincide honestly (7.6 % in two years)
    year = row.measure.years[0]
    for offset in (-1, 1):
        other = rows_by_key.get(_cell_key(row, str(year + offset)))
        if other is None or other.printed != row.printed:
            continue
        mine, theirs = _relative_gap(row), _relative_gap(other)
        if mine > theirs or (mine == theirs and offset == -1):
            return f"prints the same {row.printed!r} as {year + offset}, which is closer to its own data"
    return None


#: Quantities precise enough for two statements about them to be compared: the
#: catch-alls of the vocabulary ("other", "share_other", "count" ...) are not.
COMPARABLE_QUANTITIES = frozenset(series.REGISTRY) | {"gnp", "gnp_growth", "gnp_relative", "commodity_trade"}


def _other_statements(row: AuditRow, by_quantity: Mapping[tuple, list[AuditRow]]) -> str | None:
    """Another ledger statement about the same quantity, period and parties that disagrees.

    Statements without a period are not compared: "became the largest partner"
    and "was the third largest partner" may both be true at different times.
    """
    if row.measure.quantity not in COMPARABLE_QUANTITIES or not row.measure.period:
        return None
    base = _base_value(row)
    if base is None:
        return None
    for other in by_quantity.get(_same_quantity_key(row), []):
        if other is row:
            continue
        other_base = _base_value(other)
        if other_base is None:
            continue
        factor = series.MONEY_UNITS.get(row.unit, 1.0)
        if compare.status(row.value, other_base / factor, row.decimals) not in AGREES:
            return f"{other.row_id} prints {other.printed!r} for the same quantity"
    return None


def classify(
    row: AuditRow,
    implied: Mapping[str, tuple[float, str]],
    by_quantity: Mapping[tuple, list[AuditRow]],
    rows_by_key: Mapping[tuple, AuditRow],
    data: series.DataContext | None = None,
) -> tuple[str, str, str]:
    """``(cause, rule name, evidence)`` for one row whose status is already set."""

    def internal() -> tuple[str, str, str] | None:
        if row.row_id in implied:
            value, how = implied[row.row_id]
            if compare.status(row.value, value, row.decimals) not in AGREES:
                return (
                    INTERNAL,
                    "disagrees with other printed numbers",
                    f"{how}: {value:.{row.decimals + 1}f}",
                )
        found = _other_statements(row, by_quantity)
        if found:
            return (INTERNAL, "two statements disagree", found)
        return None

    if row.status == NOT_A_STATISTIC:
        return (NOT_A_STATISTIC, "not a statistic", row.evidence)
    if row.status == compare.NO_RAW_SOURCE:
        return internal() or (
            NO_RAW_SOURCE,
            "no series",
            series.NO_RAW_SOURCE.get(
                row.measure.quantity, "the raw data do not cover this period or reading"
            ),
        )
    if row.status in AGREES:
        if "no unit printed" in row.unit_note and "other amounts read as" in row.unit_note:
            return (UNIT_SCALE, "unstated unit differs from the table's", row.unit_note)
        return (NONE, "", "")
    if row.row_id in implied:
        value, how = implied[row.row_id]
        if compare.status(row.value, value, row.decimals) in AGREES:
            return (
                DERIVED,
                "follows from a printed figure",
                f"it follows from the thesis's own {how}, which gives {value:.{row.decimals + 1}f}",
            )
    mirror = _first_agreeing(row, "mirror")
    if mirror:
        return (
            REPORTER_MIRROR,
            "matches the mirror series",
            f"{mirror.label}: {mirror.value:.{row.decimals + 1}f}",
        )
    vintage = _first_agreeing(row, "vintage")
    if vintage:
        return (VINTAGE, "matches another vintage", f"{vintage.label}: {vintage.value:.{row.decimals + 1}f}")
    slip = _year_slip(row, data)
    if slip:
        return (YEAR, "holds for the neighbouring year", slip)
    scale = _rule_scale(row) if row.unit != "rank" else None
    if scale:
        return (UNIT_SCALE, "matches after a power-of-ten shift", scale)
    if row.unit != "rank" and is_transposition(row.value, row.recomputed, row.decimals):
        return (
            TYPO,
            "adjacent digits transposed",
            f"{row.printed} vs recomputed {_format_number(row.recomputed, row.decimals)}",
        )
    repeat = _neighbour_repeat(row, rows_by_key)
    if repeat:
        return (TYPO, "repeats the neighbouring year", repeat)
    return internal() or (UNEXPLAINED, "no rule fired", "")


# ----------------------------------------------------------------- annotations


def load_annotations() -> pd.DataFrame:
    """Reviewed judgements (``data/thesis/audit_annotations.csv``), validated."""
    path = config.THESIS_DIR / ANNOTATIONS_FILE
    if not path.is_file():
        return pd.DataFrame(columns=list(ANNOTATION_COLUMNS))
    log = os.environ.get("KZCN_INPUT_LOG")
    if log:  # like kzcn.ledger's loaders, so the build knows the page depends on this file
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"ledger:{ANNOTATIONS_FILE}\t{hashlib.sha256(path.read_bytes()).hexdigest()}\n")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if tuple(table.columns) != ANNOTATION_COLUMNS:
        raise AuditError(f"{path.name}: columns must be {', '.join(ANNOTATION_COLUMNS)}")
    for number, row in enumerate(table.itertuples(index=False), start=2):
        # "unexplained" is allowed: the annotation then records what was tried
        if row.cause not in CAUSES:
            raise AuditError(f"{path.name} line {number}: cause {row.cause!r} is not a cause class")
        if not row.reason.strip() or not row.reviewed_by.strip():
            raise AuditError(f"{path.name} line {number}: every annotation needs a reason and a reviewer")
    duplicated = table["row_id"][table["row_id"].duplicated()]
    if len(duplicated):
        raise AuditError(f"{path.name}: {duplicated.iloc[0]} is annotated twice")
    return table


# ------------------------------------------------------------------- judging


def _relative(row: AuditRow, candidate: series.Candidate) -> float:
    if not row.value:
        return abs(candidate.value)
    return abs(candidate.value - row.value) / abs(row.value)


def judge(row: AuditRow) -> None:
    """Set the row's status from its candidates (see the methods page for the rules).

    * a quantity that is not a statistic gets *not a statistic*;
    * no candidate with a value: *no raw source*, with what data would settle it;
    * otherwise the best status any candidate reaches wins: a value one
      reporter's statistics reproduce is reproduced, and the verdict names that
      reporter and the reading (cumulative or average growth, the sum over a
      span or its last year ...).  At equal status the reporter's own records
      come first, then other denominators, the mirror, other vintages;
    * when no candidate agrees, the primary reading closest to the printed
      value is shown.
    """
    quantity = row.measure.quantity
    if quantity in series.NOT_A_STATISTIC:
        row.status = NOT_A_STATISTIC
        row.evidence = series.NOT_A_STATISTIC[quantity]
        return
    valued = [c for c in row.candidates if not pd.isna(c.value)]
    if not valued:
        row.status = compare.NO_RAW_SOURCE
        row.recomputed_source = row.candidates[0].label if row.candidates else ""
        row.needs = series.NEEDS.get(quantity) or _needs_for_period(row)
        return
    ranked = sorted(
        enumerate(valued),
        key=lambda item: (
            STATUS_ORDER[row.candidate_status(item[1])],
            ROLE_ORDER.get(item[1].role, 9),
            item[0],
        ),
    )
    best = ranked[0][1]
    if row.candidate_status(best) == compare.DIFFERS:
        primaries = [c for c in valued if c.role == "primary"] or valued
        best = min(primaries, key=lambda c: _relative(row, c))
    row.best = best
    row.recomputed = best.value
    row.recomputed_source = best.label
    row.difference = best.value - row.value
    row.status = row.candidate_status(best)


def _needs_for_period(row: AuditRow) -> str:
    m = row.measure
    if m.quantity in series.REGISTRY and not m.period:
        return "a year: the thesis prints none, and the data give a different value each year"
    return "raw data for this period and reading (the manifest's series do not cover it)"


# ---------------------------------------------------------------- page links


@cache
def chapter_pages() -> dict[str, str]:
    """Ledger chapter -> page of the book (site-relative ``.html``) that discusses it."""
    path = config.ROOT / "_toc.yml"
    files: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    files.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if path.is_file():
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    patterns = {
        "abstract": r"introduction|intro",
        "intro": r"introduction|intro",
        "1": r"chapter_?1\b|chapter1",
        "2": r"chapter_?2\b|chapter2",
        "3": r"chapter_?3\b|chapter3",
        "conclusion": r"conclusion",
    }
    pages = {}
    for chapter, pattern in patterns.items():
        match = next((f for f in files if re.search(pattern, f.rsplit("/", 1)[-1])), None)
        if match:
            pages[chapter] = re.sub(r"\.(ipynb|md)$", "", match) + ".html"
    return pages


def _link(row: AuditRow) -> str:
    page = chapter_pages().get(row.chapter, "")
    if page and row.kind == "cell":
        return f"{page}#{row.table_id}"
    return page


# ------------------------------------------------------------------- the audit


def audit_rows(
    claims: pd.DataFrame | None = None,
    cells: pd.DataFrame | None = None,
    data: series.DataContext | None = None,
    annotations: pd.DataFrame | None = None,
) -> list[AuditRow]:
    """Audit every ledger row; defaults read the ledger, the data and the annotations."""
    from kzcn import ledger

    if claims is None:
        claims = ledger.load_claims()
    if cells is None:
        cells = pd.concat([ledger.load_table(t) for t in ledger.TABLE_IDS], ignore_index=True)
    data = data or series.DataContext()
    annotations = load_annotations() if annotations is None else annotations

    rows = _claim_rows(claims) + _cell_rows(cells)
    _infer_unstated_units(rows, data)
    for row in rows:
        data.start_reading()
        row.candidates = series.candidates(row.measure, data)
        judge(row)
        # what was actually read while computing this row, not what the registry declares
        row.inputs = tuple(sorted(data.reads))
        row.page = _link(row)

    implied = implied_values(rows)
    by_quantity: dict[tuple, list[AuditRow]] = {}
    for row in rows:
        by_quantity.setdefault(_same_quantity_key(row), []).append(row)
    rows_by_key = {_cell_key(r): r for r in rows if r.kind == "cell"}
    for row in rows:
        cause, rule, evidence = classify(row, implied, by_quantity, rows_by_key, data)
        row.cause, row.rule_cause, row.evidence = cause, cause, evidence
        row.cause_origin = f"rule: {rule}" if rule else ""

    known = {row.row_id for row in rows}
    for note in annotations.itertuples(index=False):
        if note.row_id not in known:
            raise AuditError(f"{ANNOTATIONS_FILE}: {note.row_id} is not a ledger row")
        row = next(r for r in rows if r.row_id == note.row_id)
        row.cause, row.cause_origin, row.annotation = note.cause, "annotation", note.reason
    return rows


def audit_table(rows: list[AuditRow] | None = None) -> pd.DataFrame:
    """The audit as a flat table, one row per ledger row (claims first, then cells)."""
    rows = audit_rows() if rows is None else rows
    records = []
    for row in rows:
        mirror = next((c for c in row.candidates if c.role == "mirror"), None)
        records.append(
            {
                "row_id": row.row_id,
                "kind": row.kind,
                "table_id": row.table_id,
                "chapter": row.chapter,
                "section": row.section,
                "line": row.line,
                "where": row.where,
                "printed": row.printed,
                "thesis_value": row.value,
                "unit": row.unit,
                "unit_note": row.unit_note,
                "qualifier": row.qualifier,
                "decimals": row.decimals,
                "recomputed": row.recomputed,
                "recomputed_source": row.recomputed_source,
                "mirror": mirror.value if mirror else math.nan,
                "difference": row.difference,
                "status": row.status,
                "cause": row.cause,
                "cause_origin": row.cause_origin,
                "rule_cause": row.rule_cause,
                "evidence": row.evidence,
                "annotation": row.annotation,
                "page": row.page,
                "inputs": ";".join(row.inputs),
            }
        )
    return pd.DataFrame.from_records(records)


# ------------------------------------------------------------ for the audit page


def status_cause_crosstab(table: pd.DataFrame) -> pd.DataFrame:
    """Rows: statuses; columns: cause classes ("none" for agreeing rows); with totals."""
    causes = table["cause"].replace("", "none")
    cross = pd.crosstab(table["status"], causes)
    cross = cross.reindex(index=[s for s in (*compare.STATUSES, NOT_A_STATISTIC) if s in cross.index])
    cross = cross.reindex(columns=[c for c in ("none", *CAUSES) if c in cross.columns])
    cross["total"] = cross.sum(axis=1)
    cross.loc["total"] = cross.sum(axis=0)
    cross.index.name = "status"
    cross.columns.name = None
    return cross.astype(int)


def plot_summary(table: pd.DataFrame):
    """Horizontal stacked bars: for each status, how many rows fall in each cause class."""
    import matplotlib.pyplot as plt

    from kzcn import style

    style.apply()
    cross = status_cause_crosstab(table).drop(index="total").drop(columns="total")
    fig, ax = plt.subplots(figsize=(8.0, 3.6), layout="constrained")
    left = pd.Series(0, index=cross.index)
    colours = dict(zip(("none", *CAUSES), ("#BBBBBB", *style.OKABE_ITO), strict=False))
    for cause in cross.columns:
        ax.barh(cross.index, cross[cause], left=left, label=cause, color=colours.get(cause))
        left = left + cross[cause]
    ax.invert_yaxis()
    ax.set_xlabel(style.axis_label("Ledger rows", "count"))
    ax.legend(title="cause class", loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig, cross.reset_index().melt(id_vars="status", var_name="cause", value_name="rows")


# ------------------------------------------------------------ the verdict table


def reporter_words(label: str) -> str:
    """Whose records a candidate's label names, in words ("China's records")."""
    match = re.search(r"([A-Z][A-Za-z() 0-9]+?)-reported", label or "")
    if match:
        return f"{match.group(1)}'s records"
    if "sum of what the" in (label or ""):
        return "the partners' own records (sum)"
    if "WDI" in (label or ""):
        return "the World Bank's World Development Indicators"
    if "WITS" in (label or ""):
        return "Kazakhstan's records as republished by WITS"
    return ""


def needs_text(row: AuditRow) -> str:
    if row.status != compare.NO_RAW_SOURCE:
        return ""
    return row.needs or series.NEEDS.get(
        row.measure.quantity, "a raw series covering this quantity and period"
    )


def _rank_years(row: AuditRow, best: series.Candidate) -> str:
    """For a rank printed without a year or for a span: the years in which the chosen records bear it out."""
    years = [
        int(c.reading.split("the rank in ", 1)[1][:4])
        for c in row.candidates
        if c.role == best.role
        and c.reading.startswith("the rank in ")
        and not pd.isna(c.value)
        and row.candidate_status(c) == compare.REPRODUCED
    ]
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def evidence_sentence(row: AuditRow) -> str:
    """One plain sentence (or two) saying what the verdict rests on."""
    if row.annotation:
        return row.annotation
    if row.status == NOT_A_STATISTIC:
        return f"Not checked: {row.evidence}."
    if row.status == compare.NO_RAW_SOURCE:
        if row.cause == INTERNAL:
            return f"No raw data measure this, but the thesis's own numbers disagree: {row.evidence}."
        reason = series.NO_RAW_SOURCE.get(row.measure.quantity) or row.needs
        return f"No file of the companion's data measures this: {reason}."
    best = row.best
    who = (best.reporter if best else "") or reporter_words(row.recomputed_source) or row.recomputed_source
    decimals = 0 if row.unit == "rank" else row.decimals + 1
    value = compare.shown(row.recomputed, decimals)
    reading = ""
    if best is not None and best.reading:
        if row.unit == "rank" and best.reading.startswith("the rank in ") and row.status in AGREES:
            reading = f", in {_rank_years(row, best)}"
        else:
            reading = f", read as {'' if best.reading.startswith('the ') else 'the '}{best.reading}"
    printed = f"“{row.printed}”"
    if row.status in AGREES:
        verb = "Reproduced" if row.status == compare.REPRODUCED else "Within tolerance"
        text = f"{verb} from {who}{reading}: {value} against the printed {printed}."
        primary = next((c for c in row.candidates if c.role == "primary" and not pd.isna(c.value)), None)
        if best is not None and primary is not None and best.role == "denominator":
            text += (
                " Over the reporter's trade with the world in its own file the share is "
                f"{compare.shown(primary.value, decimals)}."
            )
        elif best is not None and primary is not None and best.role != "primary":
            text += (
                f" The thesis follows {who} here; {primary.reporter or 'the default records'} give "
                f"{compare.shown(primary.value, decimals)}."
            )
        if row.cause == UNIT_SCALE:
            text += f" {row.evidence[:1].upper()}{row.evidence[1:]}."
        return text
    text = f"{who[:1].upper()}{who[1:]} give {value}{reading}, not {printed}"
    if row.evidence:
        text += f"; {row.evidence}"
    return text + "."


def table_sections() -> dict[str, str]:
    meta = pd.read_csv(config.THESIS_DIR / "table_meta.csv", dtype=str, keep_default_na=False)
    return dict(zip(meta["table_id"], meta["section"], strict=True))
