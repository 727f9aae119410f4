"""The fast vectorised check of the tidy tables and pandera accept and refuse the same tables.

The parse of every raw file runs ``schemas.passes`` (on the Arrow table the store writes);
pandera runs only when it refuses, to word the error.  So ``passes`` must
never accept a table that pandera refuses.  Each schema gets a small valid
table written by hand, and variants that each break one rule (or change
something harmless); pandera is the judge of every variant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.errors
import pytest

from kzcn import schemas

#: one hand-written valid row per schema (two rows: the second differs in its key)
VALID_ROWS = {
    "bilateral": [
        {
            "reporter": "KAZ",
            "partner": "CHN",
            "flow": "export",
            "year": 1995,
            "value_usd": 1.5e6,
            "estimate": False,
            "source": "IMF DOTS",
            "vintage": "2022",
        },
        {
            "reporter": "KAZ",
            "partner": "W00",
            "flow": "import",
            "year": 2020,
            "value_usd": 0.0,
            "estimate": True,
            "source": "IMF DOTS",
            "vintage": "2022",
        },
    ],
    "wdi": [
        {"iso3": "KAZ", "year": 1990, "indicator": "NY.GDP.MKTP.CD", "value": 2.5e10},
        {"iso3": "CHN", "year": 2020, "indicator": "NY.GDP.MKTP.CD", "value": -1.25},
    ],
    "wdi_meta": [
        {"indicator": "A", "title": "GDP", "description": "words", "licence": None},
        {"indicator": "B", "title": "Population", "description": None, "licence": "CC BY-4.0"},
    ],
    "products": [
        {
            "reporter": "KAZ",
            "partner": "CHN",
            "flow": "export",
            "year": 2001,
            "product_level": "hs4",
            "product": "2709",
            "product_name": "Crude oil",
            "value_usd": 3.0,
            "source": "WITS",
            "vintage": "x",
        },
        {
            "reporter": "KAZ",
            "partner": "CHN",
            "flow": "import",
            "year": 2001,
            "product_level": "total",
            "product": "TOTAL",
            "product_name": None,
            "value_usd": 0.0,
            "source": "WITS",
            "vintage": "x",
        },
    ],
    "wits2023": [
        {
            "reporter": "KAZ",
            "partner": "CHN",
            "flow": "export",
            "year": 2023,
            "measure": "value_usd",
            "value": 250.0,
        },
        {
            "reporter": "KAZ",
            "partner": "CHN",
            "flow": "export",
            "year": 2023,
            "measure": "share_pct",
            "value": 100.0,
        },
    ],
    "fdi": [
        {
            "reporter": "KAZ",
            "direction": "inward",
            "breakdown": "partner",
            "code": "CN",
            "label": "China",
            "unit": "EUR m",
            "year": 1990,
            "value": -4.0,
        },
        {
            "reporter": "KAZ",
            "direction": "inward",
            "breakdown": "activity",
            "code": "B",
            "label": "Mining",
            "unit": "in % of total",
            "year": 2020,
            "value": 12.5,
        },
    ],
    "oec_sections": [
        {
            "oec_id": "askaz",
            "iso3": "KAZ",
            "country": "Kazakhstan",
            "section": 1,
            "section_name": "Animals",
            "value_usd": 1.0,
            "years": "2019-2021",
        },
        {
            "oec_id": "aschn",
            "iso3": "CHN",
            "country": "China",
            "section": 22,
            "section_name": "Arts",
            "value_usd": 0.0,
            "years": "2019-2021",
        },
    ],
}


def valid_table(name: str) -> pd.DataFrame:
    table = pd.DataFrame(VALID_ROWS[name])
    for column in table.columns:  # text columns with a missing value stay object, with None
        if table[column].dtype == object:
            table[column] = table[column].astype(object)
    return table


def _set(table, column, value):
    changed = table.copy()
    changed[column] = changed[column].astype(object)
    changed.loc[0, column] = value
    return changed


def variants(name: str):
    """(label, table) pairs: each breaks one rule of the schema, or changes something harmless."""
    table = valid_table(name)
    yield "as written", table
    yield "columns reversed", table[table.columns[::-1]]
    yield "a column missing", table.drop(columns=table.columns[-1])
    yield "an extra column", table.assign(extra="x")
    yield "no rows", table.iloc[0:0]
    for column in table.columns:
        values = table[column]
        yield f"{column}: a missing value", _set(table, column, None)
        yield f"{column}: NaN", _set(table, column, np.nan)
        if values.dtype == object:
            yield f"{column}: a number", _set(table, column, 7)
            yield f"{column}: empty text", _set(table, column, "")
            yield f"{column}: long text", _set(table, column, "Somewhere else entirely")
            yield f"{column}: lower case", _set(table, column, str(values[0]).lower())
            yield f"{column}: upper case", _set(table, column, str(values[0]).upper())
            yield f"{column}: string dtype", table.assign(**{column: values.astype("string")})
            yield (
                f"{column}: all missing",
                table.assign(**{column: pd.Series([None] * len(table), dtype=object)}),
            )
        elif values.dtype == bool:
            yield f"{column}: as numbers", table.assign(**{column: values.astype(np.int64)})
        else:
            yield f"{column}: as text", table.assign(**{column: values.astype(str)})
            yield f"{column}: negative", _set(table, column, -1).astype({column: values.dtype})
            yield f"{column}: zero", _set(table, column, 0).astype({column: values.dtype})
            yield f"{column}: huge", _set(table, column, 10**6).astype({column: values.dtype})
            yield f"{column}: 101", _set(table, column, 101).astype({column: values.dtype})
            if values.dtype == np.int64:
                yield f"{column}: as float", table.assign(**{column: values.astype(float)})
                yield f"{column}: as int32", table.assign(**{column: values.astype(np.int32)})
            else:
                yield f"{column}: infinite", _set(table, column, np.inf).astype({column: float})
                yield f"{column}: as float32", table.assign(**{column: values.astype(np.float32)})


def pandera_accepts(name: str, table: pd.DataFrame) -> bool:
    try:
        schemas.pandera_schema(name, with_unique=False).validate(table, lazy=True)
    except pandera.errors.SchemaErrors:
        return False
    return True


@pytest.mark.parametrize("name", sorted(schemas.RULES))
def test_the_fast_check_accepts_only_what_pandera_accepts(name):
    accepted_by_both = refused_by_both = 0
    for label, table in variants(name):
        by_pandera = pandera_accepts(name, table)
        fast = schemas.passes(table, name)
        assert not (fast and not by_pandera), f"{name}, {label}: the fast check accepts what pandera refuses"
        if fast == by_pandera:
            accepted_by_both += fast
            refused_by_both += not fast
    assert schemas.passes(valid_table(name), name) and pandera_accepts(name, valid_table(name))
    if name in ("products", "wdi_meta"):  # text that may be missing may be missing everywhere
        missing = valid_table(name).assign(**{"product_name" if name == "products" else "licence": None})
        assert schemas.passes(missing, name) and pandera_accepts(name, missing)
    # both sides are exercised: several variants are refused by both
    assert refused_by_both >= len(VALID_ROWS[name][0])


@pytest.mark.parametrize("name", sorted(schemas.RULES))
def test_a_refused_table_gets_pandera_s_message(name):
    table = _set(valid_table(name), valid_table(name).columns[0], 7)
    with pytest.raises(
        schemas.DataValidationError,
        match=r"(?s)fixture\.csv: .* column .*: rule 'every value is text' failed by 7",
    ):
        schemas.validate(table, name, "fixture.csv")


def test_hand_picked_breaks_are_refused_by_both():
    bilateral = valid_table("bilateral")
    broken = {
        "negative value": _set(bilateral, "value_usd", -1.0).astype({"value_usd": float}),
        "year before DOTS": _set(bilateral, "year", 1900).astype({"year": np.int64}),
        "two-letter partner": _set(bilateral, "partner", "CN"),
        "unknown flow": _set(bilateral, "flow", "re-export"),
    }
    for label, table in broken.items():
        assert not schemas.passes(table, "bilateral"), label
        assert not pandera_accepts("bilateral", table), label
    share = _set(valid_table("wits2023"), "value", 100.5).astype({"value": float})
    share.loc[0, "measure"] = "share_pct"
    assert not schemas.passes(share, "wits2023")
    assert not pandera_accepts("wits2023", share)


@pytest.mark.parametrize("name", sorted(schemas.RULES))
def test_the_fast_check_of_an_arrow_table_accepts_only_what_pandera_accepts(name):
    """A parser may hand the store Arrow (the DOTS parser does): the same agreement holds, with
    pandera judging the pandas table that Arrow gives back."""
    import pyarrow as pa

    checked = accepted = 0
    for label, table in variants(name):
        try:
            arrow = pa.Table.from_pandas(table, preserve_index=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue  # no Arrow form: nothing a parser could hand over
        checked += 1
        if schemas.passes(arrow, name):
            accepted += 1
            assert pandera_accepts(name, arrow.to_pandas()), f"{name}, {label}: accepted as Arrow"
    assert schemas.passes(pa.Table.from_pandas(valid_table(name), preserve_index=False), name)
    assert 0 < accepted < checked


def test_the_unique_key_check_agrees_with_pandas():
    """``key_is_unique`` (one integer per row, renumbered before it could overflow) against
    pandas' own ``duplicated``, on tables with and without a repeated key."""
    import pyarrow as pa

    generator = np.random.default_rng(17)
    for rows, distinct, columns in [(50, 3, 2), (2000, 40, 3), (5000, 5000, 6), (1, 1, 1), (0, 1, 2)]:
        for _ in range(5):
            table = pd.DataFrame(
                {
                    f"k{i}": (
                        generator.integers(0, distinct, rows)
                        if i % 2
                        else generator.integers(0, distinct, rows).astype(str).astype(object)
                    )
                    for i in range(columns)
                }
            )
            key = list(table.columns)
            expected = not table.duplicated(key).any()
            arrow = pa.Table.from_pandas(table, preserve_index=False)
            assert schemas.key_is_unique(arrow, key) == expected, (rows, distinct, columns)
            if rows > 1:  # a repeated row makes any table's key repeat
                doubled = pa.concat_tables([arrow, arrow.slice(rows // 2, 1)])
                assert not schemas.key_is_unique(doubled, key)
