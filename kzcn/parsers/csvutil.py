"""Shared CSV reading: clear errors for empty files and missing columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kzcn.parsers import ParseError, where


def read_csv(path: Path, required: list[str], **kwargs) -> pd.DataFrame:
    """Read a CSV and insist on the columns ``required`` (a parser's contract with the file)."""
    name = where(path)
    if Path(path).stat().st_size == 0:
        raise ParseError(f"{name}: the file is empty")
    try:
        table = pd.read_csv(path, **kwargs)
    except pd.errors.EmptyDataError:
        raise ParseError(f"{name}: the file is empty (no header row)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ParseError(f"{name}: not a readable CSV ({error})") from error
    missing = [column for column in required if column not in table.columns]
    if missing:
        raise ParseError(f"{name}: missing column(s) {missing}; found {list(table.columns)}")
    return table


def numbers(series: pd.Series, name: str, column: str, missing: tuple[str, ...] = ()) -> pd.Series:
    """Coerce a column to float; text that is not a number (and not a declared missing marker) is an error."""
    text = series.astype("string").str.strip()
    is_missing = series.isna() | text.isin(list(missing)) | text.eq("")
    values = pd.to_numeric(text.where(~is_missing), errors="coerce")
    bad = values.isna() & ~is_missing
    if bad.any():
        first = bad.idxmax()
        raise ParseError(
            f"{name}, column {column!r}, data row {first + 1}: non-numeric value {series[first]!r}"
            f" ({int(bad.sum())} such cell(s))"
        )
    return values.astype(float)
