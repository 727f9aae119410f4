"""The rules of the tidy tables, checked fast, and explained by pandera when one is broken.

Each table's rules are declared once, as plain data (:data:`RULES`).  Two
checks are built from that declaration:

* :func:`passes`, a vectorised check (numpy/pandas only, no pandera): a table
  that passes it is valid, and this is what the parse of 292 raw files runs;
* the pandera schema (:func:`pandera_schema`), run only when :func:`passes`
  refuses a table, so that the error says which rule, column and rows broke.

``tests/perf/test_schema_agreement.py`` checks that the two agree: every fixture
that pandera refuses, :func:`passes` refuses too.

A violation never passes silently: :func:`validate` raises
:class:`DataValidationError` whose message names the raw file, the column,
the rule and the offending rows.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass

import numpy as np

FLOWS = ["export", "import"]
YEAR_MIN, YEAR_MAX = 1948, 2030  # DOTS starts in 1948; nothing here is later than the present


@dataclass(frozen=True)
class Col:
    """One column's rules: kind (``text``, ``int``, ``float``, ``bool``) and the checks on its values.

    Numbers and booleans are never missing; text is missing only where ``nullable``.
    """

    kind: str
    nullable: bool = False
    low: float | None = None  # value >= low (and <= high when high is set: an inclusive range)
    high: float | None = None
    isin: tuple[str, ...] | None = None
    min_length: int | None = None
    exact_length: int | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class Table:
    """A table's rules: its columns in order, the unique key, whether the order is part of the rule."""

    name: str
    columns: dict[str, Col]
    unique: tuple[str, ...]
    ordered: bool = True
    share_at_most_100: bool = False  # rows with measure 'share_pct' have value <= 100


def _text(**rules) -> Col:
    return Col("text", **rules)


def _year(low: int = YEAR_MIN, high: int = YEAR_MAX) -> Col:
    return Col("int", low=low, high=high)


RULES = {
    "bilateral": Table(
        "bilateral flows",
        {
            "reporter": _text(min_length=3),
            "partner": _text(min_length=3),
            "flow": _text(isin=tuple(FLOWS)),
            "year": _year(),
            "value_usd": Col("float", low=0),
            "estimate": Col("bool"),
            "source": _text(),
            "vintage": _text(),
        },
        unique=("reporter", "partner", "flow", "year"),
    ),
    "wdi": Table(
        "WDI indicator",
        {"iso3": _text(exact_length=3), "year": _year(1960), "indicator": _text(), "value": Col("float")},
        unique=("iso3", "year", "indicator"),
    ),
    "wdi_meta": Table(
        "WDI indicator description",
        {
            "indicator": _text(),
            "title": _text(),
            "description": _text(nullable=True),
            "licence": _text(nullable=True),
        },
        unique=("indicator",),
        ordered=False,
    ),
    # Trade by product (HS4 line, HS section, HS chapter, or TOTAL).
    "products": Table(
        "trade by product",
        {
            "reporter": _text(),
            "partner": _text(),
            "flow": _text(isin=tuple(FLOWS)),
            "year": _year(),
            "product_level": _text(isin=("total", "section", "group", "wto_group", "chapter", "hs4")),
            "product": _text(),
            "product_name": _text(nullable=True),
            "value_usd": Col("float", low=0),
            "source": _text(),
            "vintage": _text(),
        },
        unique=("reporter", "partner", "flow", "year", "product_level", "product"),
    ),
    "wits2023": Table(
        "WITS 2023 Kazakhstan-China",
        {
            "reporter": _text(),
            "partner": _text(),
            "flow": _text(isin=tuple(FLOWS)),
            "year": _year(),
            "measure": _text(isin=("value_usd", "share_pct")),
            "value": Col("float", low=0),
        },
        unique=("reporter", "partner", "flow", "year", "measure"),
        share_at_most_100=True,
    ),
    # wiiw FDI: units kept as published (EUR million or percent of total); flows may be negative.
    "fdi": Table(
        "wiiw FDI",
        {
            "reporter": _text(),
            "direction": _text(),
            "breakdown": _text(isin=("partner", "activity")),
            "code": _text(),
            "label": _text(),
            "unit": _text(isin=("EUR m", "in % of total", "in % of total manufacturing")),
            "year": _year(1990),
            "value": Col("float"),
        },
        unique=("reporter", "direction", "breakdown", "code", "unit", "year"),
    ),
    "oec_sections": Table(
        "OEC exports by HS section",
        {
            "oec_id": _text(pattern=r"^[a-z]{2}[a-z]{3}$"),
            "iso3": _text(pattern=r"^[A-Z]{3}$"),
            "country": _text(),
            "section": Col("int", low=1, high=22),
            "section_name": _text(),
            "value_usd": Col("float", low=0),
            "years": _text(),
        },
        unique=("oec_id", "section"),
    ),
}

#: what pandas' ``infer_dtype`` may say of a text column (key: may it have missing values?);
#: "empty": every value is missing
TEXT_KINDS = {False: {"string"}, True: {"string", "empty"}}
#: the dtype each kind must have (what pandera's ``int``, ``float`` and ``bool`` mean)
DTYPES = {"int": np.dtype("int64"), "float": np.dtype("float64"), "bool": np.dtype("bool")}


# ------------------------------------------------------------ the fast check


def _share_within_100(table):
    return (table["measure"] != "share_pct") | (table["value"] <= 100)


def _column_passes(series, rule: Col) -> bool:
    import pandas as pd

    if rule.kind != "text":
        if series.dtype != DTYPES[rule.kind]:
            return False
        values = series.to_numpy()
        if rule.kind == "float" and np.isnan(values).any():
            return False
        if rule.low is not None and not (values >= rule.low).all():
            return False
        return rule.high is None or bool((values <= rule.high).all())
    checked = rule.isin is not None or rule.min_length is not None or rule.exact_length is not None
    if not checked and rule.pattern is None:
        return pd.api.types.infer_dtype(series, skipna=rule.nullable) in TEXT_KINDS[rule.nullable]
    # The checks look at the distinct values only (a few hundred codes in 10,000 rows); so does the
    # look at their types (every value is among them, a gap as None or NaN).
    distinct = series.unique()
    if pd.api.types.infer_dtype(distinct, skipna=rule.nullable) not in TEXT_KINDS[rule.nullable]:
        return False  # not all text (or missing where it may not be): pandera decides
    texts = [value for value in distinct.tolist() if isinstance(value, str)]  # gaps aside
    if rule.isin is not None and not set(texts) <= set(rule.isin):
        return False
    lengths = set(map(len, texts))
    if rule.min_length is not None and any(length < rule.min_length for length in lengths):
        return False
    if rule.exact_length is not None and any(length != rule.exact_length for length in lengths):
        return False
    return rule.pattern is None or all(_compiled(rule.pattern).match(text) for text in texts)


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def passes(table, schema_name: str) -> bool:
    """Whether ``table`` keeps every rule of ``RULES[schema_name]`` but the unique key (vectorised).

    True means valid.  False means a rule may be broken: :func:`validate` then
    asks pandera, which says which one (or accepts an unusual but valid table).
    """
    rules = RULES[schema_name]
    names = list(rules.columns)
    found = list(table.columns)
    if found != names if rules.ordered else (len(found) != len(set(found)) or set(found) != set(names)):
        return False
    if not all(_column_passes(table[name], rule) for name, rule in rules.columns.items()):
        return False
    return not rules.share_at_most_100 or bool(_share_within_100(table).all())


# ------------------------------------------------ pandera, for the messages


def _all_text(series, skipna: bool):
    """Every value is a Python/pandas string: one vectorised look when it holds, row by row when not.

    Stands in for pandera's ``dtype=str`` (which checks row by row in Python) and,
    for a column that may not be empty (``skipna=False``), for its null check too.
    """
    import pandas as pd

    if pd.api.types.infer_dtype(series, skipna=skipna) in TEXT_KINDS[skipna]:
        return True
    return series.map(lambda value: isinstance(value, str))  # names the offending rows


def _min_length(length: int):
    """``str_length(min_value=length)``, decided on the distinct values (a few hundred codes)."""
    import pandera.pandas as pa

    def check(series):
        if series.drop_duplicates().str.len().ge(length).all():
            return True
        return series.str.len().ge(length)  # names the offending rows

    return pa.Check(check, name="str_length", error=f"at least {length} characters")


def _pandera_column(rule: Col):
    import pandera.pandas as pa

    if rule.kind != "text":
        checks = []
        if rule.low is not None:
            checks.append(
                pa.Check.ge(rule.low) if rule.high is None else pa.Check.in_range(rule.low, rule.high)
            )
        return pa.Column({"int": int, "float": float, "bool": bool}[rule.kind], checks, nullable=False)
    checks = [
        pa.Check(functools.partial(_all_text, skipna=True), name="text", error="text or missing")
        if rule.nullable
        # ignore_na=False: a missing value is a failure of this check
        else pa.Check(
            functools.partial(_all_text, skipna=False),
            name="text",
            error="every value is text",
            ignore_na=False,
        )
    ]
    if rule.min_length is not None:
        checks.append(_min_length(rule.min_length))
    if rule.exact_length is not None:
        checks.append(pa.Check.str_length(rule.exact_length, rule.exact_length))
    if rule.isin is not None:
        checks.append(pa.Check.isin(list(rule.isin)))
    if rule.pattern is not None:
        checks.append(pa.Check.str_matches(rule.pattern))
    # nullable=True for pandera either way: the text check itself refuses a missing value, faster
    return pa.Column(checks=checks, nullable=True)


@functools.cache
def pandera_schema(schema_name: str, with_unique: bool = True):
    """The pandera schema of ``RULES[schema_name]`` (``with_unique=False``: without the unique key)."""
    import pandera.pandas as pa

    rules = RULES[schema_name]
    checks = None
    if rules.share_at_most_100:
        checks = pa.Check(_share_within_100, name="share_at_most_100", element_wise=False)
    schema = pa.DataFrameSchema(
        {name: _pandera_column(rule) for name, rule in rules.columns.items()},
        checks=checks,
        unique=list(rules.unique),
        strict=True,
        ordered=rules.ordered,
        name=rules.name,
    )
    if not with_unique:
        schema = copy.deepcopy(schema)
        schema.unique = None
    return schema


class DataValidationError(ValueError):
    """A parsed table breaks a rule of its schema; the message names file, column, rule and rows."""


def validate(table, schema_name: str, origin: str, max_cases: int = 10):
    """Validate ``table`` against ``RULES[schema_name]``; ``origin`` names the raw file in errors."""
    rules = RULES[schema_name]
    key = list(rules.unique)
    if key and set(key) <= set(table.columns):
        repeated = table[table.duplicated(key, keep=False)]
        if len(repeated):
            first = repeated.iloc[0]
            rows = repeated.index[(repeated[key] == first[key]).all(axis=1)].tolist()
            raise DataValidationError(
                f"{origin}: {len(repeated)} row(s) break the rule 'unique key ({', '.join(key)})' "
                f"of the {rules.name!r} schema; e.g. {dict(first[key])} on rows {rows}"
            )
    if passes(table, schema_name):
        return table
    import pandera.errors

    try:
        # the unique key was checked just above, with a clearer message; pandera need not repeat it
        return pandera_schema(schema_name, with_unique=False).validate(table, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        lines = [f"{origin}: {len(cases)} violation(s) of the {rules.name!r} schema:"]
        for case in cases.head(max_cases).itertuples():
            column = case.column if isinstance(case.column, str) else "(table)"
            row = "" if case.index is None or case.index != case.index else f", row {int(case.index)}"
            lines.append(f"  column {column!r}{row}: rule {case.check!r} failed by {case.failure_case!r}")
        if len(cases) > max_cases:
            lines.append(f"  ... and {len(cases) - max_cases} more")
        raise DataValidationError("\n".join(lines)) from None
