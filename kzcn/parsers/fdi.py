"""wiiw FDI Database extracts (Kazakhstan): by partner economy and by NACE activity.

Values stay in the published unit: ``EUR m`` (EUR million) or ``in % of total``.
They are never converted to US dollars here.  Flows from 2013 follow the BPM6
directional principle and can be negative, so no sign rule applies.  The
missing-value marker is ``.``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from kzcn.parsers import ParseError, where
from kzcn.parsers.csvutil import numbers, read_csv

VERSION = "1"

YEAR_COLUMN = re.compile(r"^_(\d{4})$")
UNITS = {"EUR m", "in % of total", "in % of total manufacturing"}


def _year_columns(table: pd.DataFrame, name: str) -> list[str]:
    columns = [column for column in table.columns if YEAR_COLUMN.match(column)]
    if not columns:
        raise ParseError(f"{name}: no year columns (expected headers like '_2015')")
    return columns


def _tidy(table: pd.DataFrame, name: str, breakdown: str, code: str, label: str) -> pd.DataFrame:
    units = set(table["Unit"].str.strip())
    if units - UNITS:
        raise ParseError(
            f"{name}, column 'Unit': unknown unit(s) {sorted(units - UNITS)} (expected {sorted(UNITS)})"
        )
    year_columns = _year_columns(table, name)
    long = table.melt(
        id_vars=["Country-Code", "Direction", code, label, "Unit"],
        value_vars=year_columns,
        var_name="column",
        value_name="raw",
    )
    long["value"] = numbers(long["raw"], name, "year columns", missing=(".",))
    long = long.dropna(subset=["value"])
    tidy = pd.DataFrame(
        {
            "reporter": long["Country-Code"].str.strip(),
            "direction": long["Direction"].str.strip(),
            "breakdown": breakdown,
            "code": long[code].str.strip(),
            "label": long[label].str.strip(),
            "unit": long["Unit"].str.strip(),
            "year": long["column"].str[1:].astype(int),
            "value": long["value"].astype(float),
        }
    )
    # The activity file lists manufacturing twice (in the 1-letter and in the
    # 2-letter table); identical repeats are dropped, disagreeing ones are an error.
    tidy = tidy.drop_duplicates()
    key = ["reporter", "direction", "breakdown", "code", "unit", "year"]
    clash = tidy.duplicated(key, keep=False)
    if clash.any():
        first = tidy[clash].iloc[0]
        raise ParseError(
            f"{name}: {first['code']!r} ({first['unit']}, {first['direction']}) {first['year']} appears "
            "more than once with different values"
        )
    return tidy.reset_index(drop=True)


def parse_partners(path: Path, source=None) -> pd.DataFrame:
    """``wiiw_partners.csv`` -> ``reporter, direction, breakdown, code, label, unit, year, value``."""
    required = ["Country-Code", "Direction", "Partner-Code", "Partner", "Unit"]
    table = read_csv(path, required, dtype=str, keep_default_na=False)
    return _tidy(table, where(path), "partner", "Partner-Code", "Partner")


def parse_activities(path: Path, source=None) -> pd.DataFrame:
    """``wiiw-fdi-database.csv`` (FDI by NACE activity) -> the same long form as :func:`parse_partners`."""
    name = where(path)
    required = ["Country-Code", "Direction", "Industry/Product", "Unit"]
    required = [*required, "Classification"]
    table = read_csv(path, required, dtype=str, keep_default_na=False)
    # "B  Mining and quarrying" in the 1-letter table of NACE Rev. 2 -> code
    # "NACE Rev. 2|1-letter|B", label "Mining and quarrying".  Classification and
    # table are part of the code: Rev. 1 and Rev. 2 letters differ, and wiiw's
    # manufacturing total in the 2-letter table does not always equal the
    # 1-letter one (e.g. NACE Rev. 2, C, 2010).
    required = [*required, "Classification", "Digit"]
    table = read_csv(path, required, dtype=str, keep_default_na=False)
    activity = table["Industry/Product"].str.strip()
    parts = activity.str.extract(r"^(?P<letter>[A-Z]{1,2}(?:-[A-Z]{1,2})?)\s{2,}(?P<label>.+)$")
    letter = parts["letter"].mask(activity.str.startswith("Total"), "TOTAL")
    unknown = letter.isna()
    if unknown.any():
        row = int(unknown.idxmax())
        raise ParseError(
            f"{name}, column 'Industry/Product', data row {row + 1}: no activity code in {activity[row]!r}"
        )
    digit = table["Digit"].str.strip().str.extract(r"NACE (\d-letter)")[0].fillna(table["Digit"].str.strip())
    table["code"] = table["Classification"].str.strip() + "|" + digit + "|" + letter
    table["label"] = parts["label"].fillna(activity)
    return _tidy(table, name, "activity", "code", "label")
