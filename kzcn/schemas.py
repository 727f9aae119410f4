"""The rules of the tidy tables, checked fast, and explained by pandera when one is broken.

Each table's rules are declared once, as plain data (:data:`RULES`).  Two
checks are built from that declaration:

* :func:`passes` (:func:`checked_arrow`), a vectorised check of the Arrow
  table the store writes (pyarrow and numpy, no pandera): a table that passes
  it is valid, and this is what the parse of 292 raw files runs;
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
#: the dtype each kind must have in pandas (what pandera's ``int``, ``float`` and ``bool`` mean)
DTYPES = {"int": np.dtype("int64"), "float": np.dtype("float64"), "bool": np.dtype("bool")}
#: the Arrow type each kind has in the processed cache
ARROW_TYPES = {"text": "string", "int": "int64", "float": "double", "bool": "bool"}


# ------------------------------------------------------------ the fast check
#
# It runs on the Arrow table that the store writes anyway: a parser that returns pandas has
# its table converted once, with the declared types, and a parser that builds Arrow itself
# (the 235 DOTS workbooks) never makes a pandas table at all.  Text is looked at through its
# distinct values (a few hundred codes in 10,000 rows), numbers through their minimum and
# maximum, the unique key through one integer per row.


def arrow_schema(schema_name: str, names: list[str] | None = None):
    """The Arrow schema of ``RULES[schema_name]``, its columns in the order ``names`` (default: declared)."""
    import pyarrow as pa

    rules = RULES[schema_name]
    return pa.schema(
        [(name, pa.type_for_alias(ARROW_TYPES[rules.columns[name].kind])) for name in names or rules.columns]
    )


def _pandas_dtypes_pass(table, rules: Table) -> bool:
    """Numbers and booleans have exactly the declared dtype; text columns hold objects or strings.

    Arrow would convert a float column of whole numbers to int64 without a word; pandera would not.
    """
    import pandas as pd

    for name, rule in rules.columns.items():
        dtype = table[name].dtype
        if rule.kind != "text":
            if dtype != DTYPES[rule.kind]:
                return False
        elif not (pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)):
            return False
    return True


def _text_passes(column, rule: Col) -> bool:
    import pyarrow.compute as pc

    if column.null_count and not rule.nullable:
        return False
    if rule.isin is None and rule.min_length is None and rule.exact_length is None and rule.pattern is None:
        return True  # any text will do: the Arrow type says it is text
    texts = [text for text in pc.unique(column).to_pylist() if text is not None]
    if rule.isin is not None and not set(texts) <= set(rule.isin):
        return False
    lengths = set(map(len, texts))
    if rule.min_length is not None and any(length < rule.min_length for length in lengths):
        return False
    if rule.exact_length is not None and any(length != rule.exact_length for length in lengths):
        return False
    return rule.pattern is None or all(_compiled(rule.pattern).match(text) for text in texts)


def _number_passes(column, rule: Col) -> bool:
    import pyarrow.compute as pc

    if column.null_count:
        return False  # pandas' NaN became a gap in the conversion: missing either way
    if len(column) == 0 or rule.kind == "bool":
        return True
    if rule.kind == "float" and pc.any(pc.is_nan(column)).as_py():
        return False
    extremes = pc.min_max(column).as_py()
    if rule.low is not None and not extremes["min"] >= rule.low:
        return False
    return rule.high is None or extremes["max"] <= rule.high


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def key_is_unique(arrow, key: list[str]) -> bool:
    """No two rows of ``arrow`` share their values in the columns ``key`` (columns without gaps)."""
    import pyarrow.compute as pc

    rows = arrow.num_rows
    if rows < 2 or not key:
        return True
    combined, span = np.zeros(rows, dtype=np.int64), 1
    for name in key:
        encoded = pc.dictionary_encode(arrow.column(name)).combine_chunks()
        size = max(len(encoded.dictionary), 1)
        if span * size > 2**62:  # renumber the combinations seen so far before they overflow
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64)
            span = int(combined.max()) + 1
        combined = combined * size + encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        span *= size
    if span <= 8 * rows:
        return int(np.bincount(combined, minlength=1).max()) <= 1
    return len(np.unique(combined)) == rows


def checked_arrow(table, schema_name: str):
    """``table`` (pandas or Arrow) as an Arrow table with the declared types, if it keeps every
    rule of ``RULES[schema_name]`` (the unique key included); None when a rule may be broken.

    None does not mean invalid: :func:`validate` then asks pandera, which says which rule
    broke (or accepts an unusual but valid table).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    rules = RULES[schema_name]
    names = list(rules.columns)
    arrow_input = isinstance(table, pa.Table)
    found = list(table.column_names if arrow_input else table.columns)
    if found != names if rules.ordered else (len(found) != len(set(found)) or set(found) != set(names)):
        return None
    declared = arrow_schema(schema_name, found)
    if arrow_input:
        if not table.schema.remove_metadata().equals(declared):
            return None
        arrow = table
    else:
        if not _pandas_dtypes_pass(table, rules):
            return None
        try:
            arrow = pa.Table.from_pandas(table, schema=declared, preserve_index=False, nthreads=1)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None  # e.g. a number in a text column
    for name, rule in rules.columns.items():
        column = arrow.column(name)
        if not (_text_passes(column, rule) if rule.kind == "text" else _number_passes(column, rule)):
            return None
    if rules.share_at_most_100 and arrow.num_rows:
        over = pc.and_(pc.equal(arrow.column("measure"), "share_pct"), pc.greater(arrow.column("value"), 100))
        if pc.any(over).as_py():
            return None
    return arrow if key_is_unique(arrow, list(rules.unique)) else None


def passes(table, schema_name: str) -> bool:
    """Whether ``table`` (pandas or Arrow) keeps every rule of ``RULES[schema_name]`` (vectorised).

    True means valid.  False means a rule may be broken: :func:`validate` then
    asks pandera, which says which one (or accepts an unusual but valid table).
    """
    return checked_arrow(table, schema_name) is not None


def _share_within_100(table):
    return (table["measure"] != "share_pct") | (table["value"] <= 100)


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
    """Validate the pandas ``table`` against ``RULES[schema_name]``; ``origin`` names the raw file in errors."""
    if passes(table, schema_name):
        return table
    return _explained(table, schema_name, origin, max_cases)


def validated_arrow(table, schema_name: str, origin: str, max_cases: int = 10):
    """``table`` (pandas or Arrow) as the Arrow table the store writes, or :class:`DataValidationError`.

    The declared types wherever pandera accepts a table the fast check did not.
    """
    import pyarrow as pa

    arrow = checked_arrow(table, schema_name)
    if arrow is not None:
        return arrow
    frame = _explained(
        table.to_pandas() if isinstance(table, pa.Table) else table, schema_name, origin, max_cases
    )
    try:
        return pa.Table.from_pandas(
            frame, schema=arrow_schema(schema_name, list(frame.columns)), preserve_index=False
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.Table.from_pandas(frame, preserve_index=False)


def _explained(table, schema_name: str, origin: str, max_cases: int):
    """The pandas ``table`` if pandera accepts it; otherwise :class:`DataValidationError` saying why."""
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
