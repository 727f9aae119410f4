"""Pandera schemas of the tidy tables, and one helper that turns violations into a readable error.

A violation never passes silently: :func:`validate` raises
:class:`DataValidationError` whose message names the raw file, the column,
the rule and the offending rows.
"""

from __future__ import annotations

import copy
import functools

import pandera.pandas as pa

FLOWS = ["export", "import"]
YEAR_MIN, YEAR_MAX = 1948, 2030  # DOTS starts in 1948; nothing here is later than the present


def _all_text(series, skipna: bool):
    """Every value is a Python/pandas string: one vectorised look when it holds, row by row when not.

    Stands in for pandera's ``dtype=str`` (which checks row by row in Python) and,
    for a column that may not be empty (``skipna=False``), for its null check
    too: this was most of the time spent validating the 235 DOTS tables.
    """
    import pandas as pd

    if pd.api.types.infer_dtype(series, skipna=skipna) in ({"string", "empty"} if skipna else {"string"}):
        return True
    return series.map(lambda value: isinstance(value, str))  # names the offending rows


#: text, never missing (ignore_na=False: a missing value is a failure of this check)
TEXT = pa.Check(
    functools.partial(_all_text, skipna=False), name="text", error="every value is text", ignore_na=False
)
#: text or missing
TEXT_OR_MISSING = pa.Check(functools.partial(_all_text, skipna=True), name="text", error="text or missing")


def _text_column(*checks: pa.Check, nullable: bool = False) -> pa.Column:
    # nullable=True for pandera either way: TEXT itself refuses a missing value, faster
    return pa.Column(checks=[TEXT_OR_MISSING if nullable else TEXT, *checks], nullable=True)


def _min_length(length: int) -> pa.Check:
    """``str_length(min_value=length)``, decided on the distinct values (a few hundred codes)."""

    def check(series):
        if series.drop_duplicates().str.len().ge(length).all():
            return True
        return series.str.len().ge(length)  # names the offending rows

    return pa.Check(check, name="str_length", error=f"at least {length} characters")


def _year(low: int = YEAR_MIN, high: int = YEAR_MAX) -> pa.Column:
    return pa.Column(int, pa.Check.in_range(low, high), nullable=False)


BILATERAL = pa.DataFrameSchema(
    {
        "reporter": _text_column(_min_length(3)),
        "partner": _text_column(_min_length(3)),
        "flow": _text_column(pa.Check.isin(FLOWS)),
        "year": _year(),
        "value_usd": pa.Column(float, pa.Check.ge(0), nullable=False),
        "estimate": pa.Column(bool, nullable=False),
        "source": _text_column(),
        "vintage": _text_column(),
    },
    unique=["reporter", "partner", "flow", "year"],
    strict=True,
    ordered=True,
    name="bilateral flows",
)

WDI = pa.DataFrameSchema(
    {
        "iso3": _text_column(pa.Check.str_length(3, 3)),
        "year": _year(1960),
        "indicator": _text_column(),
        "value": pa.Column(float, nullable=False),
    },
    unique=["iso3", "year", "indicator"],
    strict=True,
    ordered=True,
    name="WDI indicator",
)

WDI_META = pa.DataFrameSchema(
    {
        "indicator": _text_column(),
        "title": _text_column(),
        "description": _text_column(nullable=True),
        "licence": _text_column(nullable=True),
    },
    unique=["indicator"],
    strict=True,
    name="WDI indicator description",
)

#: Trade by product (HS4 line, HS section, HS chapter, or TOTAL).
PRODUCTS = pa.DataFrameSchema(
    {
        "reporter": _text_column(),
        "partner": _text_column(),
        "flow": _text_column(pa.Check.isin(FLOWS)),
        "year": _year(),
        "product_level": _text_column(
            pa.Check.isin(["total", "section", "group", "wto_group", "chapter", "hs4"])
        ),
        "product": _text_column(),
        "product_name": _text_column(nullable=True),
        "value_usd": pa.Column(float, pa.Check.ge(0), nullable=False),
        "source": _text_column(),
        "vintage": _text_column(),
    },
    unique=["reporter", "partner", "flow", "year", "product_level", "product"],
    strict=True,
    ordered=True,
    name="trade by product",
)

WITS2023 = pa.DataFrameSchema(
    {
        "reporter": _text_column(),
        "partner": _text_column(),
        "flow": _text_column(pa.Check.isin(FLOWS)),
        "year": _year(),
        "measure": _text_column(pa.Check.isin(["value_usd", "share_pct"])),
        "value": pa.Column(float, pa.Check.ge(0), nullable=False),
    },
    checks=pa.Check(
        lambda df: (df["measure"] != "share_pct") | (df["value"] <= 100),
        name="share_at_most_100",
        element_wise=False,
    ),
    unique=["reporter", "partner", "flow", "year", "measure"],
    strict=True,
    ordered=True,
    name="WITS 2023 Kazakhstan-China",
)

#: wiiw FDI: units kept as published (EUR million or percent of total); flows may be negative.
FDI = pa.DataFrameSchema(
    {
        "reporter": _text_column(),
        "direction": _text_column(),
        "breakdown": _text_column(pa.Check.isin(["partner", "activity"])),
        "code": _text_column(),
        "label": _text_column(),
        "unit": _text_column(pa.Check.isin(["EUR m", "in % of total", "in % of total manufacturing"])),
        "year": _year(1990),
        "value": pa.Column(float, nullable=False),
    },
    unique=["reporter", "direction", "breakdown", "code", "unit", "year"],
    strict=True,
    ordered=True,
    name="wiiw FDI",
)

OEC_SECTIONS = pa.DataFrameSchema(
    {
        "oec_id": _text_column(pa.Check.str_matches(r"^[a-z]{2}[a-z]{3}$")),
        "iso3": _text_column(pa.Check.str_matches(r"^[A-Z]{3}$")),
        "country": _text_column(),
        "section": pa.Column(int, pa.Check.in_range(1, 22)),
        "section_name": _text_column(),
        "value_usd": pa.Column(float, pa.Check.ge(0), nullable=False),
        "years": _text_column(),
    },
    unique=["oec_id", "section"],
    strict=True,
    ordered=True,
    name="OEC exports by HS section",
)

SCHEMAS = {
    "bilateral": BILATERAL,
    "wdi": WDI,
    "wdi_meta": WDI_META,
    "products": PRODUCTS,
    "wits2023": WITS2023,
    "fdi": FDI,
    "oec_sections": OEC_SECTIONS,
}


@functools.cache
def _without_unique(schema_name: str) -> pa.DataFrameSchema:
    schema = copy.deepcopy(SCHEMAS[schema_name])
    schema.unique = None
    return schema


class DataValidationError(ValueError):
    """A parsed table breaks a rule of its schema; the message names file, column, rule and rows."""


def validate(table, schema_name: str, origin: str, max_cases: int = 10):
    """Validate ``table`` against ``SCHEMAS[schema_name]``; ``origin`` names the raw file in errors."""
    schema = SCHEMAS[schema_name]
    key = list(schema.unique or [])
    if key and set(key) <= set(table.columns):
        repeated = table[table.duplicated(key, keep=False)]
        if len(repeated):
            first = repeated.iloc[0]
            rows = repeated.index[(repeated[key] == first[key]).all(axis=1)].tolist()
            raise DataValidationError(
                f"{origin}: {len(repeated)} row(s) break the rule 'unique key ({', '.join(key)})' "
                f"of the {schema.name!r} schema; e.g. {dict(first[key])} on rows {rows}"
            )
    try:
        # the unique key was checked just above, with a clearer message; pandera need not repeat it
        return _without_unique(schema_name).validate(table, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        lines = [f"{origin}: {len(cases)} violation(s) of the {schema.name!r} schema:"]
        for case in cases.head(max_cases).itertuples():
            column = case.column if isinstance(case.column, str) else "(table)"
            row = "" if case.index is None or case.index != case.index else f", row {int(case.index)}"
            lines.append(f"  column {column!r}{row}: rule {case.check!r} failed by {case.failure_case!r}")
        if len(cases) > max_cases:
            lines.append(f"  ... and {len(cases) - max_cases} more")
        raise DataValidationError("\n".join(lines)) from None
