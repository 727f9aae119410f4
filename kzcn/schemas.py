"""Pandera schemas of the tidy tables, and one helper that turns violations into a readable error.

A violation never passes silently: :func:`validate` raises
:class:`DataValidationError` whose message names the raw file, the column,
the rule and the offending rows.
"""

from __future__ import annotations

import pandera.pandas as pa

FLOWS = ["export", "import"]
YEAR_MIN, YEAR_MAX = 1948, 2030  # DOTS starts in 1948; nothing here is later than the present

_text = {"dtype": str, "nullable": False}


def _year(low: int = YEAR_MIN, high: int = YEAR_MAX) -> pa.Column:
    return pa.Column(int, pa.Check.in_range(low, high), nullable=False)


BILATERAL = pa.DataFrameSchema(
    {
        "reporter": pa.Column(checks=pa.Check.str_length(min_value=3), **_text),
        "partner": pa.Column(checks=pa.Check.str_length(min_value=3), **_text),
        "flow": pa.Column(checks=pa.Check.isin(FLOWS), **_text),
        "year": _year(),
        "value_usd": pa.Column(float, pa.Check.ge(0), nullable=False),
        "estimate": pa.Column(bool, nullable=False),
        "source": pa.Column(**_text),
        "vintage": pa.Column(str, nullable=False),
    },
    unique=["reporter", "partner", "flow", "year"],
    strict=True,
    ordered=True,
    name="bilateral flows",
)

WDI = pa.DataFrameSchema(
    {
        "iso3": pa.Column(checks=pa.Check.str_length(3, 3), **_text),
        "year": _year(1960),
        "indicator": pa.Column(**_text),
        "value": pa.Column(float, nullable=False),
    },
    unique=["iso3", "year", "indicator"],
    strict=True,
    ordered=True,
    name="WDI indicator",
)

WDI_META = pa.DataFrameSchema(
    {
        "indicator": pa.Column(**_text),
        "title": pa.Column(**_text),
        "description": pa.Column(str, nullable=True),
        "licence": pa.Column(str, nullable=True),
    },
    unique=["indicator"],
    strict=True,
    name="WDI indicator description",
)

#: Trade by product (HS4 line, HS section, HS chapter, or TOTAL).
PRODUCTS = pa.DataFrameSchema(
    {
        "reporter": pa.Column(**_text),
        "partner": pa.Column(**_text),
        "flow": pa.Column(checks=pa.Check.isin(FLOWS), **_text),
        "year": _year(),
        "product_level": pa.Column(
            checks=pa.Check.isin(["total", "section", "group", "wto_group", "chapter", "hs4"]), **_text
        ),
        "product": pa.Column(**_text),
        "product_name": pa.Column(str, nullable=True),
        "value_usd": pa.Column(float, pa.Check.ge(0), nullable=False),
        "source": pa.Column(**_text),
        "vintage": pa.Column(str, nullable=False),
    },
    unique=["reporter", "partner", "flow", "year", "product_level", "product"],
    strict=True,
    ordered=True,
    name="trade by product",
)

WITS2023 = pa.DataFrameSchema(
    {
        "reporter": pa.Column(**_text),
        "partner": pa.Column(**_text),
        "flow": pa.Column(checks=pa.Check.isin(FLOWS), **_text),
        "year": _year(),
        "measure": pa.Column(checks=pa.Check.isin(["value_usd", "share_pct"]), **_text),
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
        "reporter": pa.Column(**_text),
        "direction": pa.Column(**_text),
        "breakdown": pa.Column(checks=pa.Check.isin(["partner", "activity"]), **_text),
        "code": pa.Column(**_text),
        "label": pa.Column(**_text),
        "unit": pa.Column(
            checks=pa.Check.isin(["EUR m", "in % of total", "in % of total manufacturing"]), **_text
        ),
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
        "oec_id": pa.Column(checks=pa.Check.str_matches(r"^[a-z]{2}[a-z]{3}$"), **_text),
        "iso3": pa.Column(checks=pa.Check.str_matches(r"^[A-Z]{3}$"), **_text),
        "country": pa.Column(**_text),
        "section": pa.Column(int, pa.Check.in_range(1, 22)),
        "section_name": pa.Column(**_text),
        "value_usd": pa.Column(float, pa.Check.ge(0), nullable=False),
        "years": pa.Column(**_text),
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
        return schema.validate(table, lazy=True)
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
