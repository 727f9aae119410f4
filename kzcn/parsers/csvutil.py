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
    """Coerce a column to float; text that is not a number (and not a declared missing marker) is an error.

    Plain numbers take one vectorised conversion; only the cells it cannot read
    (gaps, missing markers, padded or malformed text) are looked at as text.
    """
    if series.dtype.kind in "iuf":
        return series.astype(float)  # already numbers (a Stata file); a gap is NaN either way
    if series.dtype != object or any(_is_number(marker) for marker in missing):
        return _numbers_from_text(series, name, column, missing)
    values = pd.to_numeric(series, errors="coerce").astype(float)
    unread = values.isna()
    if unread.any():
        values[unread] = _numbers_from_text(series[unread], name, column, missing)
    return values


def _is_number(text: str) -> bool:
    return not pd.isna(pd.to_numeric(pd.Series([text], dtype=object), errors="coerce").iloc[0])


def _numbers_from_text(series: pd.Series, name: str, column: str, missing: tuple[str, ...]) -> pd.Series:
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
