"""IMF Direction of Trade Statistics workbooks -> bilateral flows.

Layout of one workbook (one per reporting economy): sheet "Exports, FOB" and
sheet "Imports, CIF"; in each, row 4 names the reporter, row 5 the unit, row
7 holds the years (column C onwards) and every later row one partner, name in
column B.  The parser checks that layout instead of guessing around it, so a
shifted header or a missing sheet is an error, not a silently wrong table.

Reading: a sheet in the plain form that spreadsheet programs write (every DOTS
workbook of the manifest) is read from its XML with numpy by
:mod:`kzcn.parsers.xlsxgrid`, and its values converted as arrays, without a Python
object per cell.  A workbook in any other form is read twice, by openpyxl and by
python-calamine (the reader this parser used before), and taken only if the two
tables agree: each of them reads some valid forms wrongly without a word
(tests/data/test_dots_xml_forms.py documents them), and a refusal that says what
differs is better than a wrong table.  A sheet with anything unusual (an unknown
partner, a negative or malformed value, a boolean, ...) goes through the
cell-by-cell reading, which names the offending cell.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kzcn import config
from kzcn.parsers import ParseError, where, xlsxgrid


def _mapping_fingerprint() -> str:
    # The output depends on the reviewed tables as much as on this code.
    digest = hashlib.sha256()
    for name in ("imf_partner_iso3.csv", "dots_dropped_cells.csv"):
        digest.update((config.DATA_DIR / name).read_bytes())
    return digest.hexdigest()[:8]


# 3: read with python-calamine (same tables as version 2; the bump refreshes the caches)
# 4: built as Arrow (same tables; the bump refreshes the caches)
# 5: plain sheets read by kzcn.parsers.xlsxgrid, others by openpyxl and python-calamine if they
#    agree (same tables for every manifest workbook; the bump refreshes the caches)
VERSION = "5." + _mapping_fingerprint()

SHEETS = {"Exports, FOB": "export", "Imports, CIF": "import"}
UNIT = "US Dollars, Millions"
MILLION = 1e6
REPORTER_ROW, UNIT_ROW, YEAR_ROW = 4, 5, 7
NAME_COLUMN = 2  # column B
# "12.3 e" or, for large values, "1,247.27 e" (thousands separators in the text)
NUMBER_TEXT = re.compile(r"^\s*(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*(e?)\s*$")
#: one sheet's records (the reporter and the source's columns are added to the two sheets together)
PART_SCHEMA = pa.schema(
    [
        ("partner", pa.string()),
        ("flow", pa.string()),
        ("year", pa.int64()),
        ("value_usd", pa.float64()),
        ("estimate", pa.bool_()),
    ]
)
#: NUMBER_TEXT for Arrow's RE2 (named groups), with its character classes spelled out in ASCII
NUMBER_TEXT_RE2 = r"^[ \t\n\r\f]*(?P<number>-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?)[ \t\n\r\f]*(?P<estimate>e?)[ \t\n\r\f]*$"
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


def _column_letter(column: int) -> str:
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _cell(row: int, column: int) -> str:
    return f"{_column_letter(column)}{row}"


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


# ------------------------------------------------------------------ reading


def read_sheets(path: Path, name: str, engine: str = "calamine") -> dict[str, list]:
    """The two sheets as lists of rows from A1 (empty cells: ``""`` from calamine, ``None`` from openpyxl).

    ``engine="calamine"`` (the default) falls back to openpyxl when calamine
    cannot open the file; ``engine="openpyxl"`` forces openpyxl (the tests
    compare the two through :func:`normalized`).
    """
    if engine == "calamine":
        try:
            return _read_calamine(path, name)
        except ParseError:
            raise
        except Exception:  # noqa: BLE001 - let openpyxl try, and word the error if it fails too
            pass
    return _read_openpyxl(path, name)


def normalized(rows: list) -> list[tuple]:
    """Rows as openpyxl gives them: tuples, an empty cell as ``None``."""
    return [tuple(None if cell == "" else cell for cell in row) for row in rows]


def _read_calamine(path: Path, name: str) -> dict[str, list]:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as workbook:
        missing = [sheet for sheet in SHEETS if sheet not in workbook.sheet_names]
        if missing:
            raise ParseError(f"{name}: missing sheet(s) {missing}; found {workbook.sheet_names}")
        return {sheet: workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False) for sheet in SHEETS}


def _read_openpyxl(path: Path, name: str) -> dict[str, list]:
    import openpyxl

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
        return {sheet: list(workbook[sheet].iter_rows(values_only=True)) for sheet in SHEETS}
    finally:
        workbook.close()


# ------------------------------------------------- the block-wise fast path


def _plain_estimate(text: str) -> float | None:
    """The value of ``"<digits>[.<digits>] e"`` without a regular expression (None: any other text).

    What :data:`NUMBER_TEXT` reads from such a text, for the common case only.
    """
    if not text.endswith(" e"):
        return None
    whole, dot, fraction = text[:-2].partition(".")
    if not whole.isdecimal() or (dot and not fraction.isdecimal()):
        return None
    return float(text[:-2])


#: the kinds of cell the block-wise path handles (any other type: the cell-by-cell reading)
_NONE, _NUMBER, _TEXT = 0, 1, 2
_KINDS = {type(None): _NONE, float: _NUMBER, int: _NUMBER, str: _TEXT}


def _is_empty(cell) -> bool:
    return cell is None or (isinstance(cell, str) and cell == "")


def _head_years(head: list[tuple], name: str, sheet: str, reporter: str) -> list[int] | None:
    """The years of a sheet whose head rows (1..YEAR_ROW) are as expected; ``None`` for anything
    else (the cell-by-cell reading then names it)."""
    if len(head[UNIT_ROW - 1]) < 2 or head[UNIT_ROW - 1][1] != UNIT or head[REPORTER_ROW - 1][1] != reporter:
        return None
    try:
        return _years(head, name, sheet)
    except ParseError:
        return None


def _sheet_table(
    rows: list, name: str, sheet: str, flow: str, reporter: str, reporter_code: str
) -> pd.DataFrame | None:
    """The records of one sheet as a table, converted block-wise; ``None`` when anything is unusual.

    Gives exactly what :func:`_sheet_records` gives for a well-formed sheet (same
    rows, same order); on anything it would reject or treat specially it steps
    aside, so that the cell-by-cell reading raises its precise message.  ``rows``
    may hold ``""`` for empty cells (calamine) or ``None`` (openpyxl).
    """
    if len(rows) <= YEAR_ROW:
        return None
    years = _head_years(normalized(rows[:YEAR_ROW]), name, sheet, reporter)
    if years is None:
        return None
    codes = partner_codes()
    width = len(years)
    seen: dict[str, tuple] = {}
    kept_codes, kept_names, blocks = [], [], []
    for row in rows[YEAR_ROW:]:
        partner_name = row[1] if len(row) > 1 and not _is_empty(row[1]) else None
        cells = tuple(row[NAME_COLUMN : NAME_COLUMN + width])
        if len(cells) < width:
            cells = (*cells, *([None] * (width - len(cells))))
        if partner_name is None or partner_name not in codes or codes[partner_name][1] == "heading":
            if partner_name is not None and partner_name not in codes:
                return None
            if all(_is_empty(cell) for cell in cells):
                continue  # an empty line, or a heading without values
            return None
        if partner_name in seen:
            if seen[partner_name] != cells:
                return None
            continue  # the verbatim repeat (every workbook repeats 'Australia')
        seen[partner_name] = cells
        kept_codes.append(codes[partner_name][0])
        kept_names.append(partner_name)
        blocks.append(cells)
    flat = list(itertools.chain.from_iterable(blocks))
    shape = (len(blocks), width)
    # one pass in Python (the kind of every cell, as a small integer); the rest is numpy
    try:
        kinds = np.fromiter(map(_KINDS.__getitem__, map(type, flat)), dtype=np.int8, count=len(flat))
    except KeyError:
        return None  # booleans, dates, error cells: cell by cell
    kinds = kinds.reshape(shape)
    cells = np.array(flat, dtype=object).reshape(shape)
    numeric = kinds == _NUMBER
    present = numeric.copy()
    values = np.full(shape, np.nan)
    values[numeric] = cells[numeric].astype(float)
    estimate = np.zeros(shape, dtype=bool)
    text_rows, text_columns = np.nonzero(kinds == _TEXT)
    texts = cells[text_rows, text_columns]
    filled = np.flatnonzero(texts != "")  # calamine's empty cell is ""
    text_rows, text_columns = text_rows[filled], text_columns[filled]
    found, numbers, estimated = [], [], []
    for position, raw in enumerate(texts[filled].tolist()):
        read = _text_value(raw)
        if read is None:
            return None
        if read[0] is not None:  # a blank text is missing
            found.append(position)
            numbers.append(read[0])
            estimated.append(read[1])
    at = (text_rows[found], text_columns[found])
    present[at] = True
    values[at] = numbers
    estimate[at] = estimated
    return _block_table(
        _Block(kept_names, kept_codes, years, numeric, present, values, estimate), flow, sheet, reporter_code
    )


def _plain_sheet_table(
    sheet: xlsxgrid.PlainSheet,
    string_values: _StringValues,
    name: str,
    sheet_name: str,
    flow: str,
    reporter: str,
    reporter_code: str,
) -> pa.Table | None:
    """What :func:`_sheet_table` gives for the same sheet, from its cells as numpy arrays.

    No Python object per cell: the partner names are read one per row, the texts (the
    "12.3 e" estimates) once per workbook (:class:`_StringValues`), every value through
    arrays.  ``None`` wherever :func:`_sheet_table` would step aside.
    """
    last_row = int(sheet.rows.max(initial=0))
    if last_row <= YEAR_ROW:
        return None
    years = _head_years(sheet.python_rows(YEAR_ROW), name, sheet_name, reporter)
    if years is None:
        return None
    width = len(years)
    strings = sheet.strings
    # the data rows (YEAR_ROW + 1 ..): the partner's name in column B, the values in C onwards
    below = sheet.rows > YEAR_ROW
    row_index = sheet.rows[below] - (YEAR_ROW + 1)
    column, numbers, texts = sheet.columns[below], sheet.numbers[below], sheet.texts[below]
    height = last_row - YEAR_ROW
    names = np.full(height, -1, dtype=np.int64)
    is_name = column == NAME_COLUMN
    if (texts[is_name] < 0).any():
        return None  # a number where a partner's name belongs
    names[row_index[is_name]] = texts[is_name]
    in_block = (column > NAME_COLUMN) & (column <= NAME_COLUMN + width)
    block_rows, block_columns = row_index[in_block], column[in_block] - (NAME_COLUMN + 1)
    kind = np.zeros((height, width), dtype=np.int8)  # 0 empty, 1 number, 2 text
    kind[block_rows, block_columns] = np.where(texts[in_block] >= 0, 2, 1)
    number = np.full((height, width), np.nan)
    number[block_rows, block_columns] = numbers[in_block]
    text = np.full((height, width), -1, dtype=np.int64)
    text[block_rows, block_columns] = texts[in_block]
    has_values = kind.any(axis=1)
    codes = partner_codes()
    seen: dict[str, int] = {}
    kept, kept_codes, kept_names = [], [], []
    for index, string in enumerate(names.tolist()):
        partner_name = strings[string] if string >= 0 else None
        if partner_name is None or partner_name not in codes or codes[partner_name][1] == "heading":
            if partner_name is not None and partner_name not in codes:
                return None
            if not has_values[index]:
                continue  # an empty line, or a heading without values
            return None
        if partner_name in seen:
            first = seen[partner_name]
            if _row_values(kind, number, text, strings, first) != _row_values(
                kind, number, text, strings, index
            ):
                return None
            continue  # the verbatim repeat (every workbook repeats 'Australia')
        seen[partner_name] = index
        kept.append(index)
        kept_codes.append(codes[partner_name][0])
        kept_names.append(partner_name)
    kind, number, text = kind[kept], number[kept], text[kept]
    numeric = kind == 1
    present = numeric.copy()
    values = np.where(numeric, number, np.nan)
    estimate = np.zeros(kind.shape, dtype=bool)
    # the texts: "12.3 e" (an estimate), blank (missing), anything else: unusual
    is_text = kind == 2
    read = string_values.of(text[is_text])
    if read is None:
        return None
    present[is_text], values[is_text], estimate[is_text] = read
    return _block_table(
        _Block(kept_names, kept_codes, years, numeric, present, values, estimate),
        flow,
        sheet_name,
        reporter_code,
    )


class _Block(NamedTuple):
    """A sheet's values, one row per kept partner and one column per year, as read."""

    partners: list[str]  # the IMF names
    codes: list[str]  # their codes
    years: list[int]
    numeric: np.ndarray  # the cell held a number
    present: np.ndarray  # the cell holds a value
    values: np.ndarray  # in millions
    estimate: np.ndarray


def _block_table(block: _Block, flow: str, sheet: str, reporter_code: str) -> pa.Table | None:
    """The records of a sheet's block, in row-major order; ``None`` if a value is negative."""
    present = block.present.copy()
    # reviewed cells to treat as missing (data/dots_dropped_cells.csv)
    column_of = {year: j for j, year in enumerate(block.years)}
    row_of = {partner: i for i, partner in enumerate(block.partners)}
    for (code, listed_sheet, partner, year), value in dropped_cells().items():
        if code == reporter_code and listed_sheet == sheet and partner in row_of and year in column_of:
            i, j = row_of[partner], column_of[year]
            if block.numeric[i, j] and block.values[i, j] == value:
                present[i, j] = False
    if (block.values[present] < 0).any():
        return None
    rows_at, columns_at = np.nonzero(present)
    return pa.table(
        {
            # each row's partner code, taken from the sheet's list of partners (no Python string per row)
            "partner": pc.take(pa.array(block.codes, pa.string()), pa.array(rows_at)),
            "flow": pa.repeat(pa.scalar(flow, pa.string()), len(rows_at)),
            "year": pa.array(np.array(block.years, dtype=np.int64)[columns_at]),
            "value_usd": pa.array(block.values[rows_at, columns_at] * MILLION),
            "estimate": pa.array(block.estimate[rows_at, columns_at]),
        },
        schema=PART_SCHEMA,
    )


def _row_values(kind, number, text, strings, index) -> tuple:
    """One data row's cells as Python values (to compare a repeated partner's rows)."""
    return tuple(
        None if cell_kind == 0 else cell_number if cell_kind == 1 else strings[cell_text]
        for cell_kind, cell_number, cell_text in zip(
            kind[index].tolist(), number[index].tolist(), text[index].tolist(), strict=True
        )
    )


class _StringValues:
    """What each shared string of a workbook is worth as a data cell, as :func:`_value` reads it:
    read once per workbook, for both sheets.

    Arrow reads the strings that :data:`NUMBER_TEXT` matches in its RE2 form (ASCII digits and
    spaces only, so a string it matches, Python's expression matches the same way); any other
    string found in a data cell (a blank one, say) is read by :func:`_text_value`.
    """

    def __init__(self, strings: list[str]):
        self.strings = strings
        parts = pc.extract_regex(pa.array(strings, pa.string()), NUMBER_TEXT_RE2)
        matched = parts.is_valid()
        # a string that did not match holds "" in the parts: "0" and False, never read
        number = pc.if_else(matched, pc.replace_substring(parts.field("number"), ",", ""), "0")
        self.value = pc.cast(number, pa.float64()).to_numpy(zero_copy_only=False)
        self.estimate = pc.and_(matched, pc.equal(parts.field("estimate"), "e")).to_numpy(
            zero_copy_only=False
        )
        self.matched = matched.to_numpy(zero_copy_only=False)

    def of(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(present, value, is_estimate) of the text cells holding strings ``indices``; ``None``
        if one is not a value."""
        present = self.matched[indices]
        value = np.where(present, self.value[indices], np.nan)
        estimate = self.estimate[indices] & present
        for position in np.flatnonzero(~present).tolist():
            read = _text_value(self.strings[indices[position]])
            if read is None:
                return None
            if read[0] is not None:
                present[position], value[position], estimate[position] = True, read[0], read[1]
        return present, value, estimate


def _text_value(raw: str) -> tuple[float | None, bool] | None:
    """A text cell -> (value in millions, or None when blank; is_estimate); ``None``: not a value."""
    number = _plain_estimate(raw)
    if number is not None:
        return number, True
    if not raw.strip():
        return None, False
    match = NUMBER_TEXT.match(raw)
    if not match:
        return None
    return float(match.group(1).replace(",", "")), match.group(2) == "e"


def parse(path: Path, source=None, engine: str = "auto") -> pd.DataFrame:
    """One DOTS workbook -> bilateral flows, as pandas (see :func:`parse_arrow`)."""
    return parse_arrow(path, source, engine).to_pandas()


def parse_arrow(path: Path, source=None, engine: str = "auto") -> pa.Table:
    """One DOTS workbook -> bilateral flows (reporter, partner, flow, year, value_usd, estimate, ...).

    Built as Arrow, the form the store checks and writes: 235 workbooks never become pandas
    tables of Python strings on the way.  ``engine``: ``"auto"`` (the default) reads a workbook
    in the plain form with :mod:`kzcn.parsers.xlsxgrid`, and any other with both openpyxl and
    python-calamine (:func:`_read_twice`); ``"calamine"`` or ``"openpyxl"`` force one reader
    (the tests compare them).
    """
    plain = None
    if engine == "auto":
        plain = xlsxgrid.read_plain_sheets(path, SHEETS)
        if plain is None:
            return _read_twice(path, source)
    return _parsed(path, source, plain, "openpyxl" if engine == "auto" else engine)


def _read_twice(path: Path, source) -> pa.Table:
    """A workbook not in the plain form, read by openpyxl and by python-calamine: their table if
    they agree, a :class:`ParseError` if not.

    Each of them reads some valid forms wrongly without a word (openpyxl drops a row written
    out of order; calamine reads an error cell as empty, or a number split by an XML comment as
    its first part: tests/data/test_dots_xml_forms.py), so one reading alone could be a wrong
    table.  Two readings that agree are taken; otherwise the workbook is refused with what
    differs, and re-saving it from a spreadsheet program (which writes the plain form) mends it.
    """
    name = where(path)
    readings: dict[str, pa.Table | ParseError] = {}
    for reader in ("openpyxl", "calamine"):
        try:
            readings[reader] = _parsed(path, source, None, reader)
        except ParseError as error:
            readings[reader] = error
    by_openpyxl, by_calamine = readings["openpyxl"], readings["calamine"]
    if isinstance(by_openpyxl, ParseError):
        raise by_openpyxl
    advice = "open it in a spreadsheet program, save it again as .xlsx and run the build again"
    if isinstance(by_calamine, ParseError):
        raise ParseError(
            f"{name} is not written in the plain form this parser reads directly, and its two "
            f"readers disagree: openpyxl reads it, python-calamine refuses it ({by_calamine}); {advice}"
        )
    if not by_openpyxl.equals(by_calamine):
        raise ParseError(
            f"{name} is not written in the plain form this parser reads directly, and its two "
            f"readers, openpyxl and python-calamine, read it differently "
            f"({_first_difference(by_openpyxl, by_calamine)}); {advice}"
        )
    return by_openpyxl


def _first_difference(first: pa.Table, second: pa.Table) -> str:
    """Where two readings of a workbook first differ, in words (first: openpyxl's, second: calamine's)."""
    key = ["partner", "flow", "year"]
    merged = (
        first.to_pandas()[[*key, "value_usd", "estimate"]]
        .merge(second.to_pandas()[[*key, "value_usd", "estimate"]], on=key, how="outer", indicator=True)
        .sort_values(key, kind="stable")
    )
    differs = (merged["_merge"] != "both") | (merged["value_usd_x"] != merged["value_usd_y"])
    differs |= merged["estimate_x"] != merged["estimate_y"]
    if not differs.any():
        return f"the same values in another order or form: {first.num_rows} and {second.num_rows} rows"

    def said(value, estimate) -> str:
        if pd.isna(value):
            return "missing"
        return f"{value / MILLION:,.6g} million US dollars" + (" (estimate)" if estimate else "")

    row = merged[differs].iloc[0]
    return (
        f"{int(differs.sum())} value(s); first, partner {row['partner']}, {row['flow']}s, {row['year']}: "
        f"{said(row['value_usd_x'], row['estimate_x'])} by openpyxl, "
        f"{said(row['value_usd_y'], row['estimate_y'])} by python-calamine"
    )


def _parsed(path: Path, source, plain: dict | None, reader: str) -> pa.Table:
    """The table of one workbook: from its plain sheets where given, else (and for what they
    cannot give) from the rows ``reader`` reads ("openpyxl" or "calamine")."""
    name = where(path)
    cells: dict[str, list] = {}

    def rows_of(sheet: str) -> list:  # the cell-by-cell reading, only when needed
        if sheet not in cells:
            cells.update(read_sheets(path, name, reader))
        return cells[sheet]

    if plain is not None:
        first = plain["Exports, FOB"].python_rows(REPORTER_ROW)
        string_values = _StringValues(plain["Exports, FOB"].strings)  # the sheets share them
    else:
        first = normalized(rows_of("Exports, FOB")[:REPORTER_ROW])
    reporter_name = (
        first[REPORTER_ROW - 1][1]
        if len(first) >= REPORTER_ROW and len(first[REPORTER_ROW - 1]) > 1
        else None
    )
    codes = partner_codes()
    if reporter_name not in codes:
        raise ParseError(f"{name}, cell B{REPORTER_ROW}: reporter {reporter_name!r} is not a known IMF name")
    reporter = codes[reporter_name][0]
    if source is not None and source.params.get("reporter") not in (None, reporter):
        raise ParseError(
            f"{name}: the workbook's reporter {reporter_name!r} ({reporter}) is not the manifest's "
            f"{source.params['reporter']!r} for {source.id}"
        )
    parts = []
    for sheet, flow in SHEETS.items():
        part = None
        if plain is not None:
            part = _plain_sheet_table(plain[sheet], string_values, name, sheet, flow, reporter_name, reporter)
        if part is None:
            part = _sheet_table(rows_of(sheet), name, sheet, flow, reporter_name, reporter)
        if part is None:  # something unusual: the cell-by-cell reading names it (or accepts it)
            rows = normalized(rows_of(sheet))
            records = _sheet_records(rows, name, sheet, flow, reporter_name, reporter)
            columns = list(zip(*records, strict=True)) if records else [()] * len(PART_SCHEMA)
            part = pa.table(
                [pa.array(column, field.type) for column, field in zip(columns, PART_SCHEMA, strict=True)],
                schema=PART_SCHEMA,
            )
        parts.append(part)
    table = pa.concat_tables(parts).combine_chunks()
    rows = table.num_rows
    vintage = source.vintage if source is not None else ""
    return (
        table.add_column(0, "reporter", pa.repeat(pa.scalar(reporter, pa.string()), rows))
        .append_column("source", pa.repeat(pa.scalar("IMF DOTS", pa.string()), rows))
        .append_column("vintage", pa.repeat(pa.scalar(vintage, pa.string()), rows))
    )
