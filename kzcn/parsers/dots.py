"""IMF Direction of Trade Statistics workbooks -> bilateral flows.

Layout of one workbook (one per reporting economy): sheet "Exports, FOB" and
sheet "Imports, CIF"; in each, row 4 names the reporter, row 5 the unit, row
7 holds the years (column C onwards) and every later row one partner, name in
column B.  The parser checks that layout instead of guessing around it, so a
shifted header or a missing sheet is an error, not a silently wrong table.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from kzcn import config
from kzcn.parsers import ParseError, where


def _mapping_fingerprint() -> str:
    # The output depends on the reviewed tables as much as on this code.
    digest = hashlib.sha256()
    for name in ("imf_partner_iso3.csv", "dots_dropped_cells.csv"):
        digest.update((config.DATA_DIR / name).read_bytes())
    return digest.hexdigest()[:8]


VERSION = "2." + _mapping_fingerprint()

SHEETS = {"Exports, FOB": "export", "Imports, CIF": "import"}
UNIT = "US Dollars, Millions"
MILLION = 1e6
REPORTER_ROW, UNIT_ROW, YEAR_ROW = 4, 5, 7
NAME_COLUMN = 2  # column B
# "12.3 e" or, for large values, "1,247.27 e" (thousands separators in the text)
NUMBER_TEXT = re.compile(r"^\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(e?)\s*$")
YEAR = re.compile(r"^\s*(\d{4})(?:\.0)?\s*$")


@functools.cache
def partner_codes() -> dict[str, tuple[str, str]]:
    """Reviewed IMF name -> (code, kind) from ``data/imf_partner_iso3.csv``."""
    table = pd.read_csv(config.DATA_DIR / "imf_partner_iso3.csv", keep_default_na=False)
    return {row.imf_name: (row.code, row.kind) for row in table.itertuples()}


@functools.cache
def dropped_cells() -> dict[tuple[str, str, str, int], float]:
    """Reviewed cells to treat as missing: (reporter, sheet, partner, year) -> the value they hold."""
    table = pd.read_csv(config.DATA_DIR / "dots_dropped_cells.csv", keep_default_na=False)
    return {(r.reporter, r.sheet, r.partner, int(r.year)): float(r.value) for r in table.itertuples()}


def _cell(row: int, column: int) -> str:
    return f"{get_column_letter(column)}{row}"


def _value(raw, name: str, sheet: str, row: int, column: int) -> tuple[float | None, bool]:
    """A cell -> (value in millions or None, is_estimate)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, False
    if isinstance(raw, bool):
        raise ParseError(
            f"{name}, sheet {sheet!r}, cell {_cell(row, column)}: boolean {raw!r} is not a value"
        )
    if isinstance(raw, int | float):
        value, estimate = float(raw), False
    else:
        match = NUMBER_TEXT.match(str(raw))
        if not match:
            raise ParseError(
                f"{name}, sheet {sheet!r}, cell {_cell(row, column)}: "
                f"non-numeric text {raw!r} (expected a number or '<number> e')"
            )
        value, estimate = float(match.group(1).replace(",", "")), match.group(2) == "e"
    if value < 0:
        raise ParseError(f"{name}, sheet {sheet!r}, cell {_cell(row, column)}: negative trade value {raw!r}")
    return value, estimate


def _years(rows: list[tuple], name: str, sheet: str) -> list[int]:
    if len(rows) < YEAR_ROW:
        raise ParseError(f"{name}, sheet {sheet!r}: only {len(rows)} rows, no year header on row {YEAR_ROW}")
    header = rows[YEAR_ROW - 1][NAME_COLUMN:]
    while header and header[-1] is None:
        header = header[:-1]
    years = []
    for offset, raw in enumerate(header):
        match = YEAR.match(str(raw)) if raw is not None else None
        if not match:
            raise ParseError(
                f"{name}, sheet {sheet!r}, cell {_cell(YEAR_ROW, NAME_COLUMN + 1 + offset)}: "
                f"expected a year in the header row {YEAR_ROW}, found {raw!r} (header absent or shifted?)"
            )
        years.append(int(match.group(1)))
    if not years:
        raise ParseError(f"{name}, sheet {sheet!r}: row {YEAR_ROW} has no years (header absent or shifted?)")
    # Gaps are real (China's workbook jumps from 1961 to 1978); disorder or repeats are not.
    if any(later <= earlier for earlier, later in zip(years, years[1:], strict=False)):
        raise ParseError(f"{name}, sheet {sheet!r}, row {YEAR_ROW}: years are not increasing: {years}")
    return years


def _sheet_records(
    rows: list[tuple], name: str, sheet: str, flow: str, reporter: str, reporter_code: str
) -> list[tuple]:
    if len(rows) >= UNIT_ROW and (rows[UNIT_ROW - 1][1:2] or [None])[0] != UNIT:
        found = rows[UNIT_ROW - 1][1] if len(rows[UNIT_ROW - 1]) > 1 else None
        raise ParseError(f"{name}, sheet {sheet!r}, cell B{UNIT_ROW}: unit {found!r}, expected {UNIT!r}")
    sheet_reporter = rows[REPORTER_ROW - 1][1] if len(rows) >= REPORTER_ROW else None
    if sheet_reporter != reporter:
        raise ParseError(
            f"{name}, sheet {sheet!r}, cell B{REPORTER_ROW}: reporter {sheet_reporter!r} differs from "
            f"the first sheet's {reporter!r}"
        )
    years = _years(rows, name, sheet)
    codes = partner_codes()
    seen: dict[str, tuple[int, list]] = {}
    records = []
    for row_number, row in enumerate(rows[YEAR_ROW:], start=YEAR_ROW + 1):
        partner_name = row[1] if len(row) > 1 else None
        cells = list(row[NAME_COLUMN : NAME_COLUMN + len(years)])
        cells += [None] * (len(years) - len(cells))
        if partner_name is None:
            if any(c is not None for c in cells):
                raise ParseError(f"{name}, sheet {sheet!r}, row {row_number}: values without a partner name")
            continue
        if partner_name not in codes:
            raise ParseError(
                f"{name}, sheet {sheet!r}, cell B{row_number}: partner {partner_name!r} is not in "
                "data/imf_partner_iso3.csv (review it and add a code)"
            )
        code, kind = codes[partner_name]
        if kind == "heading":
            if any(c is not None for c in cells):
                raise ParseError(
                    f"{name}, sheet {sheet!r}, row {row_number}: heading {partner_name!r} has values"
                )
            continue
        if partner_name in seen:
            first_row, first_cells = seen[partner_name]
            if first_cells != cells:
                raise ParseError(
                    f"{name}, sheet {sheet!r}: partner {partner_name!r} appears on rows {first_row} and "
                    f"{row_number} with different values"
                )
            continue  # the verbatim repeat (every workbook repeats 'Australia')
        seen[partner_name] = (row_number, cells)
        for offset, (year, raw) in enumerate(zip(years, cells, strict=True)):
            listed = dropped_cells().get((reporter_code, sheet, partner_name, year))
            if listed is not None and isinstance(raw, int | float) and float(raw) == listed:
                continue
            value, estimate = _value(raw, name, sheet, row_number, NAME_COLUMN + 1 + offset)
            if value is not None:
                records.append((code, flow, year, value * MILLION, estimate))
    return records


def parse(path: Path, source=None) -> pd.DataFrame:
    """One DOTS workbook -> bilateral flows (reporter, partner, flow, year, value_usd, estimate, ...)."""
    name = where(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # zip/XML errors: HTML page saved as .xlsx, truncated file
        raise ParseError(
            f"{name}: not a readable .xlsx workbook ({type(error).__name__}: {error})"
        ) from error
    try:
        missing = [sheet for sheet in SHEETS if sheet not in workbook.sheetnames]
        if missing:
            raise ParseError(f"{name}: missing sheet(s) {missing}; found {workbook.sheetnames}")
        sheets = {sheet: list(workbook[sheet].iter_rows(values_only=True)) for sheet in SHEETS}
    finally:
        workbook.close()
    first = sheets["Exports, FOB"]
    reporter_name = first[REPORTER_ROW - 1][1] if len(first) >= REPORTER_ROW else None
    codes = partner_codes()
    if reporter_name not in codes:
        raise ParseError(f"{name}, cell B{REPORTER_ROW}: reporter {reporter_name!r} is not a known IMF name")
    reporter = codes[reporter_name][0]
    if source is not None and source.params.get("reporter") not in (None, reporter):
        raise ParseError(
            f"{name}: the workbook's reporter {reporter_name!r} ({reporter}) is not the manifest's "
            f"{source.params['reporter']!r} for {source.id}"
        )
    records = []
    for sheet, flow in SHEETS.items():
        records += _sheet_records(sheets[sheet], name, sheet, flow, reporter_name, reporter)
    table = pd.DataFrame.from_records(records, columns=["partner", "flow", "year", "value_usd", "estimate"])
    table.insert(0, "reporter", reporter)
    table["source"] = "IMF DOTS"
    table["vintage"] = source.vintage if source is not None else ""
    return table
