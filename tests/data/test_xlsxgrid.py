"""The plain-form sheet reader (kzcn.parsers.xlsxgrid) against openpyxl, cell by cell.

tests/data/test_dots_xml_forms.py checks the DOTS tables on many written forms; here the
reader's own output: it must give exactly the cells openpyxl gives, and it must be the
reader actually used for the forms the real files and openpyxl write (else the fast path
would be tested by nothing but its absence).
"""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from kzcn.parsers import dots, xlsxgrid


def _openpyxl_cells(path, sheet) -> dict[tuple[int, int], object]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {
            (row_number, column_number): value
            for row_number, row in enumerate(workbook[sheet].iter_rows(values_only=True), start=1)
            for column_number, value in enumerate(row, start=1)
            if value is not None and value != ""
        }
    finally:
        workbook.close()


def _plain_cells(sheet: xlsxgrid.PlainSheet) -> dict[tuple[int, int], object]:
    return {
        (row, column): sheet.strings[text] if text >= 0 else number
        for row, column, number, text in zip(
            sheet.rows.tolist(),
            sheet.columns.tolist(),
            sheet.numbers.tolist(),
            sheet.texts.tolist(),
            strict=True,
        )
    }


def _workbooks(tmp_path) -> dict:
    """The generated workbooks of tests/data/test_data_parsers.py (random values, a heading, the
    repeated partner, reviewed dropped cells), each rewritten into the IMF files' form (shared
    strings, a style on every cell): written by openpyxl, as generated, they hold inline strings,
    a form the plain reader leaves to openpyxl."""
    from test_data_parsers import _dots_cases
    from test_dots_xml_forms import real_form, rewrite

    return {
        case: (written, rewrite(written, tmp_path / f"real-{written.name}", real_form))
        for case, written in _dots_cases(tmp_path).items()
    }


def test_the_cells_are_those_openpyxl_reads(tmp_path):
    for case, (written, path) in _workbooks(tmp_path).items():
        assert xlsxgrid.read_plain_sheets(written, dots.SHEETS) is None, case  # inline strings
        sheets = xlsxgrid.read_plain_sheets(path, dots.SHEETS)
        # the IMF files' form is read by the plain reader, not handed on
        assert sheets is not None, case
        for name, sheet in sheets.items():
            expected = _openpyxl_cells(written, name)
            assert _openpyxl_cells(path, name) == expected, (case, name)  # the rewrite keeps every cell
            assert _plain_cells(sheet) == expected, (case, name)
            # floats compare equal to ints: the types must be numbers or texts as openpyxl's
            for key, value in _plain_cells(sheet).items():
                assert isinstance(value, str) == isinstance(expected[key], str), (case, name, key)


def _with_sheet_edited(path, target, edit):
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            copy.writestr(info, data)
    return target


@pytest.mark.parametrize(
    "edit",
    [
        # a style index one digit longer than any of the workbook's
        lambda xml: xml.replace(b' s="3">', b' s="30000000003">', 1),
        # a row number of eight digits
        lambda xml: xml.replace(b'<row r="9" ', b'<row r="100000009" ', 1),
        # a cell whose digits are not its row's
        lambda xml: xml.replace(b'<c r="C9" ', b'<c r="C10" ', 1),
        # text between two tags
        lambda xml: xml.replace(b"</c><c ", b"</c> <c ", 1),
        # a value holding what no reader takes for a number
        lambda xml: xml.replace(b"<v>0</v>", b"<v>0x10</v>", 1).replace(b's="3"><v>', b's="3"><v>0x', 1),
    ],
    ids=["style index too long", "row number too long", "reference off its row", "text between tags", "hex"],
)
def test_anything_else_is_handed_on(tmp_path, edit):
    """A sheet that departs from the plain form in one byte is not read (openpyxl reads it)."""
    path = _workbooks(tmp_path)["fixture"][1]
    edited = _with_sheet_edited(path, tmp_path / "edited.xlsx", edit)
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(edited) as after:
        assert before.read("xl/worksheets/sheet1.xml") != after.read("xl/worksheets/sheet1.xml")
    assert xlsxgrid.read_plain_sheets(edited, dots.SHEETS) is None


def test_a_shared_string_index_in_digits_only(tmp_path):
    """openpyxl reads an index with int(): "1e0" is no index (it fails), so the reader hands it on."""
    path = _workbooks(tmp_path)["fixture"][1]
    edited = _with_sheet_edited(
        path,
        tmp_path / "index.xlsx",
        lambda xml: re.sub(rb'(t="s"><v>)(\d+)(</v>)', rb"\g<1>\g<2>e0\3", xml, count=1),
    )
    assert b"e0</v>" in zipfile.ZipFile(edited).read("xl/worksheets/sheet1.xml")
    assert xlsxgrid.read_plain_sheets(edited, dots.SHEETS) is None
