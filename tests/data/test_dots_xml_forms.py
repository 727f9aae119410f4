"""The DOTS reader on every valid way of writing a workbook's XML: the default path reads as openpyxl does.

The default reading of ``dots.parse`` may read the sheet XML itself for speed; its
danger is an unusual but valid workbook read differently from openpyxl (the
reference).  These tests never look inside the readers: they write one workbook
with ``data_fixtures.write_dots_workbook``, rewrite it into the form the real IMF
files have (shared strings, a style on every cell, empty styled cells), then alter
that XML in one way per case and compare ``dots.parse(path)`` with
``dots.parse(path, engine="openpyxl")``.  Where an alteration keeps every value,
the table must also equal the unaltered workbook's, so an alteration that breaks
the file for both readers alike is caught too.  What each case expects is in
:class:`Case`; forms openpyxl itself reads wrongly, and forms python-calamine reads
otherwise than openpyxl, are marked at their case: the default path must never give
either misreading (it reads a workbook that is not in the plain form with both, and
refuses it when they disagree).  The last test compares the two readings on five
real workbooks from the mirror.
"""

from __future__ import annotations

import random
import re
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import pandas as pd
import pytest

from kzcn.parsers import ParseError, dots

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_PARTS = ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml")
SHARED_STRINGS = "xl/sharedStrings.xml"
HEADER = '<?xml version="1.0" encoding="utf-8"?>'
#: the partner whose name holds an "&" (written "&amp;" in the shared strings, as in the real files)
AMPERSAND_PARTNER = "Countries & Areas not specified"
FIRST_DATA_ROW, FIRST_DATA_COLUMN = dots.YEAR_ROW + 1, dots.NAME_COLUMN + 1

# Cell styles of the rewritten workbook (indices into cellXfs of STYLES below): the real
# files give every cell, empty or not, a style; 3 is their "#,##0.00" number format.
PLAIN, TEXT, NUMBER, DATE, CUSTOM_DATE = 1, 2, 3, 4, 5
STYLES = (
    HEADER + f'<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00" />'
    '<numFmt numFmtId="165" formatCode="yyyy\\-mm\\-dd" /></numFmts>'
    '<fonts count="1"><font><sz val="8.000000" /><name val="Arial" /></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none" /></fill>'
    '<fill><patternFill patternType="gray125" /></fill></fills>'
    '<borders count="1"><border><left /><right /><top /><bottom /><diagonal /></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" /></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" />'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" />'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1" />'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" />'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" />'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" /></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" /></cellStyles></styleSheet>'
)
RELS = (
    HEADER + f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml" />'
    f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet2.xml" />'
    f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/theme" Target="theme/theme1.xml" />'
    f'<Relationship Id="rId4" Type="{RELATIONSHIPS}/styles" Target="styles.xml" />'
    f'<Relationship Id="rId5" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml" />'
    "</Relationships>"
)
SHARED_STRINGS_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
)


# ------------------------------------------------------------------ the data


def sample_rows(seed: int, partners: list[str], width: int) -> list[tuple[str, list]]:
    """Partner rows holding every kind of cell the real files have, each kind in every column.

    The kinds take turns (rather than being drawn at random) so that a small sheet
    is sure to hold each of them, in many columns.
    """
    generator = random.Random(seed)
    kinds = [
        lambda: None,
        lambda: round(generator.uniform(0, 1000), generator.randint(0, 6)),
        lambda: f"{generator.uniform(0, 50):.2f} e",
        lambda: generator.randint(1, 10_000),  # an integer cell
        lambda: f"{generator.randint(1, 9)},{generator.randint(0, 999):03d}.{generator.randint(0, 99):02d} e",
        lambda: "   ",  # blank text: missing
        lambda: 0,
        lambda: generator.uniform(0, 1e-4),  # tiny: the real files write 9.9999999999999995E-007
        lambda: generator.uniform(1e3, 1e6),  # a full 17-digit mantissa
        lambda: round(generator.uniform(0, 1), 3),  # below one: "0.25"
    ]
    return [
        (partner, [kinds[(row * 3 + column) % len(kinds)]() for column in range(width)])
        for row, partner in enumerate(partners)
    ]


def sample_sheets() -> dict:
    """Rows of a DOTS workbook with a heading, the verbatim repeat and an '&' partner."""
    codes = dots.partner_codes()
    names = [name for name, (_, kind) in codes.items() if kind != "heading" and name != AMPERSAND_PARTNER]
    heading = next(name for name, (_, kind) in codes.items() if kind == "heading")
    # China's workbook jumps from 1961 to 1978; 47 columns reach "AU" (two-letter references)
    years = [1960, 1961, *range(1978, 2021)]
    exports = sample_rows(1, [*names[:12], AMPERSAND_PARTNER], len(years))
    exports.insert(4, (heading, [None] * len(years)))
    exports.append(exports[0])  # the verbatim repeat every DOTS workbook has
    imports = sample_rows(2, [AMPERSAND_PARTNER, *names[20:32]], len(years))
    return {"exports": exports, "imports": imports, "years": years}


# ------------------------------------------------------------ zip rewriting


Parts = dict[str, bytes]


def rewrite(source: Path, target: Path, change: Callable[[Parts], Parts], compression=zipfile.ZIP_DEFLATED):
    """Copy a zip, its members (in their order, as a dict name -> bytes) passed through ``change``."""
    with zipfile.ZipFile(source) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(target, "w", compression) as archive:
        for name, data in change(parts).items():
            archive.writestr(name, data)
    return target


def renamed(parts: Parts, old: str, new: str) -> Parts:
    """The parts with one member renamed in place (the member order is kept)."""
    return {(new if name == old else name): data for name, data in parts.items()}


def edit_text(parts: Parts, names, edit: Callable[[str], str]) -> Parts:
    changed = dict(parts)
    for name in names:
        changed[name] = edit(parts[name].decode("utf-8")).encode("utf-8")
    return changed


def on_sheets(edit: Callable[[str], str]) -> Callable[[Parts], Parts]:
    return lambda parts: edit_text(parts, SHEET_PARTS, edit)


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


# ------------------------------------- the form of the real IMF workbooks


def sheet_cells(xml: bytes) -> dict[tuple[int, int], tuple[str, str]]:
    """(row, column) -> ("n", number text) or ("s", string) of a sheet as openpyxl writes it."""
    cells = {}
    for cell in ElementTree.fromstring(xml).iter(f"{{{MAIN}}}c"):
        letters, row = re.fullmatch(r"([A-Z]+)(\d+)", cell.get("r")).groups()
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            cells[int(row), column_number(letters)] = ("s", "".join(cell.itertext()))
        else:
            assert kind == "n", kind  # the generated workbook holds numbers and strings only
            cells[int(row), column_number(letters)] = ("n", cell.findtext(f"{{{MAIN}}}v"))
    return cells


def real_sheet(cells: dict[tuple[int, int], tuple[str, str]], strings: list[str]) -> str:
    """A sheet in the real files' form: every cell of the rectangle from A1 written, each with a style.

    Strings go to ``strings`` (one entry per cell, not deduplicated, as in the real files).
    """
    last_row = max(row for row, _ in cells)
    last_column = max(column for _, column in cells)
    rows = []
    for row in range(1, last_row + 1):
        written = []
        for column in range(1, last_column + 1):
            ref = f"{column_letters(column)}{row}"
            data = row >= FIRST_DATA_ROW and column >= FIRST_DATA_COLUMN
            style = NUMBER if data else TEXT if column == 2 else PLAIN
            if (row, column) not in cells:
                written.append(f'<c r="{ref}" s="{style if (row + column) % 2 else PLAIN}" />')
                continue
            kind, value = cells[row, column]
            if kind == "s":
                strings.append(value)
                written.append(f'<c r="{ref}" s="{style}" t="s"><v>{len(strings) - 1}</v></c>')
            else:
                written.append(f'<c r="{ref}" s="{style}"><v>{value}</v></c>')
        rows.append(f'<row r="{row}" ht="13.500000" customHeight="1">{"".join(written)}</row>')
    return (
        HEADER + f'<worksheet xmlns:r="{RELATIONSHIPS}" xmlns="{MAIN}">'
        f'<dimension ref="A1:{column_letters(last_column)}{last_row}" />'
        '<sheetViews><sheetView workbookViewId="0" showGridLines="0" /></sheetViews>'
        '<sheetFormatPr defaultRowHeight="14.500000" customHeight="1" />'
        f"<sheetData>{''.join(rows)}</sheetData>"
        '<mergeCells count="1"><mergeCell ref="B2:E3" /></mergeCells>'
        '<pageMargins left="0.70" right="0.70" top="0.75" bottom="0.75" header="0.39" footer="0.39" />'
        "</worksheet>"
    )


def shared_strings_xml(strings: list[str]) -> str:
    items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    return HEADER + f'<sst count="{len(strings)}" uniqueCount="{len(strings)}" xmlns="{MAIN}">{items}</sst>'


def real_form(parts: Parts) -> Parts:
    """openpyxl's workbook (inline strings, no styles on cells) rewritten into the real files' form."""
    strings: list[str] = []
    sheets = {name: real_sheet(sheet_cells(parts[name]), strings) for name in SHEET_PARTS}
    changed = {}
    for name, data in parts.items():
        if name in sheets:
            changed[name] = sheets[name].encode("utf-8")
        elif name == "xl/styles.xml":
            changed[name] = STYLES.encode("utf-8")
            changed[SHARED_STRINGS] = shared_strings_xml(strings).encode("utf-8")
        elif name == "xl/_rels/workbook.xml.rels":
            changed[name] = RELS.encode("utf-8")
        elif name == "[Content_Types].xml":
            changed[name] = data.replace(b"</Types>", SHARED_STRINGS_TYPE.encode() + b"</Types>")
        elif name == "xl/workbook.xml":
            changed[name] = HEADER.encode() + data
        else:
            changed[name] = data
    return changed


def shared_strings(parts: Parts) -> list[str]:
    root = ElementTree.fromstring(parts[SHARED_STRINGS])
    return ["".join(item.itertext()) for item in root.iter(f"{{{MAIN}}}si")]


# ---------------------------------------------------- cells of the real form

#: one cell as real_sheet writes it
CELL = re.compile(
    r'<c r="(?P<letters>[A-Z]+)(?P<row>\d+)" s="(?P<style>\d+)"(?: t="(?P<type>\w+)")?'
    r"(?: />|><v>(?P<value>[^<]*)</v></c>)"
)


def edit_cells(edit: Callable[[re.Match], str | None]) -> Callable[[Parts], Parts]:
    """Rewrite cells of both sheets: ``edit`` gets a CELL match, returns its new XML (None: unchanged)."""

    def change(xml: str) -> str:
        return CELL.sub(lambda cell: edit(cell) or cell.group(0), xml)

    return on_sheets(change)


def is_data(cell: re.Match) -> bool:
    return int(cell["row"]) >= FIRST_DATA_ROW and column_number(cell["letters"]) >= FIRST_DATA_COLUMN


def numbered(predicate: Callable[[re.Match], bool]) -> Callable[[re.Match], int | None]:
    """A counter of the cells that satisfy ``predicate`` (None for the others), to pick every n-th one."""
    seen = [0]

    def number(cell: re.Match) -> int | None:
        if not predicate(cell):
            return None
        seen[0] += 1
        return seen[0]

    return number


def data_cell(row: int, column: int, new: str) -> Callable[[Parts], Parts]:
    """Replace the cell at (row, column) of the first sheet by ``new`` (XML)."""
    ref = f"{column_letters(column)}{row}"

    def change(parts: Parts) -> Parts:
        def edit(xml: str) -> str:
            xml, count = re.subn(rf'<c r="{ref}" [^>]*?(?: />|>.*?</c>)', new, xml, count=1)
            assert count == 1, ref
            return xml

        return edit_text(parts, SHEET_PARTS[:1], edit)

    return change


# ------------------------------------------------------------ the alterations


def identity(parts: Parts) -> Parts:
    return parts


def attributes_reordered(cell: re.Match) -> str:
    ref, style, kind, value = f"{cell['letters']}{cell['row']}", cell["style"], cell["type"], cell["value"]
    if value is None:
        return f'<c s="{style}" r="{ref}"/>'
    if kind:  # t first, or t between s and r
        if int(cell["row"]) % 2:
            return f'<c t="{kind}" s="{style}" r="{ref}"><v>{value}</v></c>'
        return f'<c s="{style}" t="{kind}" r="{ref}"><v>{value}</v></c>'
    return f'<c s="{style}" r="{ref}"><v>{value}</v></c>'


def quoted_differently(xml: str) -> str:
    # single quotes, spaces around "=", attributes on new lines: the start tags of rows and cells
    def start_tag(tag: re.Match) -> str:
        return re.sub(r' (\w+)="([^"]*)"', r"\n\t\1 = '\2'", tag.group(0))

    return re.sub(r"<(?:c|row) [^>]*>", start_tag, xml)


def prefixed(xml: str, prefix: str = "x") -> str:
    # every element of the main namespace prefixed, the namespace bound to the prefix only
    xml = xml.replace(f'xmlns="{MAIN}"', f'xmlns:{prefix}="{MAIN}"')
    return re.sub(r"<(/?)(?![?!])(\w+)(?=[ />])", rf"<\1{prefix}:\2", xml)


def without_cell_references(cell: re.Match) -> str | None:
    # every cell of the real form is written, so a cell without r is where it was
    if (column_number(cell["letters"]) + int(cell["row"])) % 2:
        return cell.group(0).replace(f' r="{cell["letters"]}{cell["row"]}"', "", 1)
    return None


def sparse_without_cell_references(xml: str) -> str:
    """Empty cells dropped; r dropped only where the cell directly follows its left neighbour."""

    def row(match: re.Match) -> str:
        kept, previous = [], 0
        for cell in CELL.finditer(match["cells"]):
            if cell["value"] is None:
                continue
            column = column_number(cell["letters"])
            text = cell.group(0)
            if column == previous + 1:
                text = text.replace(f' r="{cell["letters"]}{cell["row"]}"', "", 1)
            kept.append(text)
            previous = column
        return f"{match['start']}{''.join(kept)}</row>"

    return re.sub(r"(?P<start><row [^>]*>)(?P<cells>.*?)</row>", row, xml)


def inline_strings(parts: Parts, every: int = 2) -> Parts:
    """Every ``every``-th shared-string cell written as an inline string."""
    strings = shared_strings(parts)
    number = numbered(lambda cell: cell["type"] == "s")

    def edit(cell: re.Match) -> str | None:
        count = number(cell)
        if count is None or count % every:
            return None
        text = escape(strings[int(cell["value"])])
        return f'<c r="{cell["letters"]}{cell["row"]}" s="{cell["style"]}" t="inlineStr"><is><t>{text}</t></is></c>'

    return edit_cells(edit)(parts)


def formula_results(parts: Parts) -> Parts:
    """Texts as formula results (t="str") and numbers with a formula: the cached value is what counts."""
    strings = shared_strings(parts)
    number = numbered(lambda cell: is_data(cell) and cell["value"] is not None)

    def edit(cell: re.Match) -> str | None:
        count = number(cell)
        if count is None or count % 3:
            return None
        ref, style = f"{cell['letters']}{cell['row']}", cell["style"]
        if cell["type"] == "s":
            text = escape(strings[int(cell["value"])])
            if not text.strip():
                return None  # blank texts: see the case "blank text written two ways"
            return f'<c r="{ref}" s="{style}" t="str"><f>TRIM(A1)</f><v>{text}</v></c>'
        return f'<c r="{ref}" s="{style}"><f>ROUND(A1,2)</f><v>{cell["value"]}</v></c>'

    return edit_cells(edit)(parts)


def no_shared_strings(parts: Parts) -> Parts:
    """All strings inline; the shared-strings part, its relationship and content type removed."""
    changed = inline_strings(parts, every=1)
    del changed[SHARED_STRINGS]
    changed["xl/_rels/workbook.xml.rels"] = re.sub(
        rb"<Relationship [^>]*sharedStrings[^>]*/>", b"", changed["xl/_rels/workbook.xml.rels"]
    )
    changed["[Content_Types].xml"] = changed["[Content_Types].xml"].replace(SHARED_STRINGS_TYPE.encode(), b"")
    return changed


def number_spellings(value: float | int) -> list[str]:
    """Other ways to write a number in <v> (each one reads back as exactly ``value``)."""
    if value == 0:
        return ["-0", "-0.0", "0E+00", "0.0"]
    spellings = [
        f"{value:.16E}",  # 17 digits and an upper-case exponent: 2.7985306300000002E+02
        f"{value:.17g}",  # the long mantissa the real files carry: 279.85306300000002
        f"{value:.16e}".replace("e-0", "E-00").replace("e+0", "E+00"),  # Excel's 9.9999999999999995E-007
        f"+{value!r}",  # xsd:double allows a plus sign
    ]
    if float(value).is_integer():
        spellings += [
            str(int(value)),
            f"{int(value)}.0",
            f"{float(value):E}".replace("E+0", "E+"),
            f"{int(value)}.",
        ]
    elif repr(value).startswith("0."):
        spellings.append(repr(value)[1:])  # ".25": xsd:double needs no digit before the point
    return spellings


def numbers_respelled(cell: re.Match) -> str | None:
    if cell["type"] or cell["value"] is None:
        return None
    text = cell["value"]
    value = int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    spellings = number_spellings(value)
    chosen = spellings[(column_number(cell["letters"]) + int(cell["row"])) % len(spellings)]
    assert float(chosen) == value, (chosen, value)
    return cell.group(0).replace(f"<v>{text}</v>", f"<v>{chosen}</v>")


def blanks_around_numbers(cell: re.Match) -> str | None:
    # xsd:double allows white space around the number (its whiteSpace facet is "collapse")
    if cell["type"] or cell["value"] is None or not is_data(cell):
        return None
    return cell.group(0).replace(f"<v>{cell['value']}</v>", f"<v>  {cell['value']}\n</v>")


def blank_text_two_ways(parts: Parts) -> Parts:
    """The blank texts of the verbatim repeat (last row of the first sheet) with xml:space="preserve".

    Its first occurrence keeps the plain spelling, so the repeat is the same row written otherwise.
    """
    strings = shared_strings(parts)
    sheet = parts[SHEET_PARTS[0]].decode("utf-8")
    last_row = re.findall(r"<row .*?</row>", sheet)[-1]
    indices = {int(cell["value"]) for cell in CELL.finditer(last_row) if cell["type"] == "s"}
    blank = [index for index in sorted(indices) if not strings[index].strip()]
    assert blank, "the repeated row holds no blank text"
    xml = parts[SHARED_STRINGS].decode("utf-8")
    items = re.findall(r"<si>.*?</si>", xml)
    for index in blank:
        items[index] = '<si><t xml:space="preserve">   </t></si>'
    head, tail = xml[: xml.index("<si>")], xml[xml.rindex("</si>") + len("</si>") :]
    return {**parts, SHARED_STRINGS: (head + "".join(items) + tail).encode("utf-8")}


def shared_string_spellings(text: str, number: int) -> str:
    """One valid way (chosen by ``number``) to write ``text`` as a shared-string item."""
    plain = escape(text)
    spellings = [
        # character references for digits, the comma and the "e"
        lambda: (
            "<si><t>"
            + re.sub(r"[1,e]", lambda c: {"1": "&#49;", ",": "&#x2C;", "e": "&#x65;"}[c.group(0)], plain)
            + "</t></si>"
        ),
        lambda: f'<si><t xml:space="preserve">{plain}</t></si>',
        # rich text: the string cut into formatted runs
        lambda: (
            "<si>"
            + "".join(
                f'<r><rPr><b /><sz val="8" /></rPr><t xml:space="preserve">{escape(text[i : i + 3])}</t></r>'
                for i in range(0, len(text), 3)
            )
            + "</si>"
        ),
        # a phonetic reading (rPh) is not part of the value
        lambda: (
            f'<si><t>{plain}</t><rPh sb="0" eb="1"><t>ZZ 9</t></rPh><phoneticPr fontId="0" type="noConversion" /></si>'
        ),
        lambda: f"<si><t><![CDATA[{text}]]></t></si>",
        lambda: f"<si><t>{plain}</t></si>",
    ]
    if not text.strip():
        return f"<si><t>{plain}</t></si>"  # blank texts: see the case "blank text written two ways"
    return spellings[number % len(spellings)]()


def shared_strings_respelled(parts: Parts) -> Parts:
    strings = shared_strings(parts)
    items = "".join(shared_string_spellings(text, number) for number, text in enumerate(strings))
    changed = dict(parts)
    changed[SHARED_STRINGS] = (
        HEADER + f'<sst count="{len(strings)}" uniqueCount="{len(strings)}" xmlns="{MAIN}">{items}</sst>'
    ).encode("utf-8")
    return changed


def line_breaks_in_strings(parts: Parts) -> Parts:
    """A CRLF (raw, read as a line feed) or an escaped CR LF before the 'e' of estimate texts; blank texts too.

    ``NUMBER_TEXT`` allows any white space between the number and the 'e', so the values stay.
    """

    def edit(xml: str) -> str:
        def estimate(match: re.Match) -> str:
            # chosen by the text itself: the verbatim repeat must stay a verbatim repeat
            return match["number"] + ("\r\n e" if int(match["number"][-1]) % 2 else "&#13;&#10;e")

        xml = re.sub(r"(?<=<t>)(?P<number>[\d.,]+) e(?=</t>)", estimate, xml)
        return xml.replace("<t>   </t>", '<t xml:space="preserve"> \r\n </t>')

    return edit_text(parts, [SHARED_STRINGS], edit)


def space_escape(parts: Parts) -> Parts:
    # OOXML escapes characters in strings as _xHHHH_: "12.50_x0020_e" is the text "12.50 e"
    return edit_text(parts, [SHARED_STRINGS], lambda xml: re.sub(r"(?<=\d) e</t>", "_x0020_e</t>", xml))


def ampersand_as_reference(parts: Parts) -> Parts:
    assert b"Countries &amp; Areas" in parts[SHARED_STRINGS]
    return edit_text(parts, [SHARED_STRINGS], lambda xml: xml.replace("&amp;", "&#x26;"))


def shared_strings_prefixed(parts: Parts) -> Parts:
    return edit_text(parts, [SHARED_STRINGS], lambda xml: prefixed(xml, "ss"))


def reversed_cells(xml: str) -> str:
    # cells addressed by r, written right to left
    return re.sub(
        r"(<row [^>]*>)(.*?)</row>",
        lambda row: row[1] + "".join(reversed([c.group(0) for c in CELL.finditer(row[2])])) + "</row>",
        xml,
    )


def duplicated_cell(different: bool) -> Callable[[Parts], Parts]:
    """A data cell written twice in its row (Excel's own writer never does; a hand edit may)."""

    def change(parts: Parts) -> Parts:
        def edit(xml: str) -> str:
            # the first number of the second partner row (a partner without a repeat)
            match = re.search(rf'<c r="[C-Z]{FIRST_DATA_ROW + 1}" s="\d+"><v>[^<]*</v></c>', xml)
            assert match, "no number in the second partner row"
            copy = re.sub(r"<v>[^<]*</v>", "<v>4321.5</v>", match[0]) if different else match[0]
            return xml[: match.end()] + copy + xml[match.end() :]

        return edit_text(parts, SHEET_PARTS[:1], edit)

    return change


def rows_out_of_order(xml: str) -> str:
    # the first two partner rows swapped in the file (each keeps its r)
    rows = re.findall(r"<row .*?</row>", xml)
    first, second = rows[FIRST_DATA_ROW - 1], rows[FIRST_DATA_ROW]
    return xml.replace(first + second, second + first, 1)


def comments_and_instructions(xml: str) -> str:
    # a comment between rows, between cells, inside a cell; a processing instruction
    xml = xml.replace("</row><row ", "</row><!-- a row follows --><row ")
    xml = xml.replace("</c><c ", "</c><!----><c ", 40)
    xml = re.sub(r"(<c [^>]*>)(<v>)", r"\1<!-- value: -->\2", xml, count=25)
    return xml.replace("<sheetData>", "<sheetData><?kzcn-test ignored?>")


def comments_inside_numbers(cell: re.Match) -> str | None:
    # "244.4" written "24<!-- -->4.4": the text around a comment is one value
    if cell["type"] or cell["value"] is None or len(cell["value"]) < 2:
        return None
    value = cell["value"]
    return cell.group(0).replace(f"<v>{value}</v>", f"<v>{value[:2]}<!-- split -->{value[2:]}</v>")


def cdata_numbers(cell: re.Match) -> str | None:
    if cell["type"] or cell["value"] is None:
        return None
    return cell.group(0).replace(f"<v>{cell['value']}</v>", f"<v><![CDATA[{cell['value']}]]></v>")


def cdata_string_indices(cell: re.Match) -> str | None:
    if cell["type"] != "s":
        return None
    return cell.group(0).replace(f"<v>{cell['value']}</v>", f"<v><![CDATA[{cell['value']}]]></v>")


def empty_value_elements(xml: str) -> str:
    # an empty cell written with an empty value element, as some writers do
    count = [0]

    def edit(match: re.Match) -> str:
        count[0] += 1
        return f"{match[1]}><v></v></c>" if count[0] % 2 else f"{match[1]}><v /></c>"

    return re.sub(r'(<c r="[A-Z]+\d+" s="\d+") />', edit, xml)


def dimension(ref: str | None) -> Callable[[str], str]:
    replacement = f'<dimension ref="{ref}" />' if ref else ""
    return lambda xml: re.sub(r"<dimension [^>]*/>", replacement, xml)


def sheet_files_renamed(parts: Parts) -> Parts:
    changed = renamed(
        renamed(parts, SHEET_PARTS[0], "xl/worksheets/data1.xml"), SHEET_PARTS[1], "xl/data/b.xml"
    )
    for name, new in (
        ("worksheets/sheet1.xml", "worksheets/data1.xml"),
        ("worksheets/sheet2.xml", "data/b.xml"),
    ):
        changed["xl/_rels/workbook.xml.rels"] = changed["xl/_rels/workbook.xml.rels"].replace(
            f'"{name}"'.encode(), f'"{new}"'.encode()
        )
        changed["[Content_Types].xml"] = changed["[Content_Types].xml"].replace(
            f'"/xl/{name}"'.encode(), f'"/xl/{new}"'.encode()
        )
    return changed


def sheets_listed_in_other_order(parts: Parts) -> Parts:
    def edit(xml: str) -> str:
        exports, imports = re.findall(r"<sheet [^>]*/>", xml)
        return xml.replace(exports + imports, imports + exports)

    return edit_text(parts, ["xl/workbook.xml"], edit)


def sheet_files_swapped(parts: Parts) -> Parts:
    # sheet1.xml holds the second sheet listed: the relationships, not the file names, decide
    changed = dict(parts)
    changed[SHEET_PARTS[0]], changed[SHEET_PARTS[1]] = parts[SHEET_PARTS[1]], parts[SHEET_PARTS[0]]
    changed["xl/_rels/workbook.xml.rels"] = (
        parts["xl/_rels/workbook.xml.rels"]
        .replace(b'"worksheets/sheet1.xml"', b'"worksheets/TWO"')
        .replace(b'"worksheets/sheet2.xml"', b'"worksheets/sheet1.xml"')
        .replace(b'"worksheets/TWO"', b'"worksheets/sheet2.xml"')
    )
    return changed


def absolute_targets(parts: Parts) -> Parts:
    return edit_text(
        parts, ["xl/_rels/workbook.xml.rels"], lambda xml: xml.replace('Target="', 'Target="/xl/')
    )


def excel_form(parts: Parts) -> Parts:
    """As Excel writes: a byte-order mark, standalone="yes", spans and x14ac attributes on rows."""

    def edit(xml: str) -> str:
        xml = xml.replace(HEADER, '\ufeff<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n')
        xml = xml.replace(
            f'xmlns="{MAIN}">',
            f'xmlns="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'mc:Ignorable="x14ac" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">',
            1,
        )
        return re.sub(r'(<row r="\d+")', r'\1 spans="1:47" x14ac:dyDescent="0.25"', xml)

    return edit_text(parts, [*SHEET_PARTS, SHARED_STRINGS], edit)


def utf16_sheets(parts: Parts) -> Parts:
    changed = dict(parts)
    for name in SHEET_PARTS:
        xml = parts[name].decode("utf-8").replace('encoding="utf-8"', 'encoding="UTF-16"')
        changed[name] = xml.encode("utf-16")  # with its byte-order mark
    return changed


def styled(style: int, which: Callable[[re.Match], bool]) -> Callable[[Parts], Parts]:
    def edit(cell: re.Match) -> str | None:
        if not which(cell):
            return None
        return cell.group(0).replace(f' s="{cell["style"]}"', f' s="{style}"', 1)

    return edit_cells(edit)


def self_closing_rows(xml: str) -> str:
    # rows without cells written <row .../> (after the empty cells are left out)
    xml = re.sub(r'<c r="[A-Z]+\d+" s="\d+" />', "", xml)
    return re.sub(r"(<row [^>]*)></row>", r"\1/>", xml)


def inline_rich_text(parts: Parts) -> Parts:
    """Strings inline, cut into formatted runs, with a phonetic reading that is not part of the value."""
    strings = shared_strings(parts)

    def edit(cell: re.Match) -> str | None:
        if cell["type"] != "s":
            return None
        text = strings[int(cell["value"])]
        runs = "".join(
            f'<r><rPr><i /></rPr><t xml:space="preserve">{escape(text[i : i + 4])}</t></r>'
            for i in range(0, len(text), 4)
        )
        return (
            f'<c r="{cell["letters"]}{cell["row"]}" s="{cell["style"]}" t="inlineStr">'
            f'<is>{runs}<rPh sb="0" eb="1"><t>ZZ</t></rPh></is></c>'
        )

    return edit_cells(edit)(parts)


def explicit_number_type(cell: re.Match) -> str | None:
    # t="n" is the default type, written out as openpyxl writes it
    if cell["type"] or cell["value"] is None:
        return None
    return cell.group(0).replace(f' s="{cell["style"]}"', f' s="{cell["style"]}" t="n"', 1)


def without_string_counts(parts: Parts) -> Parts:
    return edit_text(parts, [SHARED_STRINGS], lambda xml: re.sub(r' (?:count|uniqueCount)="\d+"', "", xml))


def more_elements_around_sheet_data(xml: str) -> str:
    # optional parts of a worksheet before and after sheetData; none of them holds values
    xml = xml.replace(
        "<dimension ",
        '<sheetPr codeName="Sheet1"><tabColor rgb="FF00B050" /><pageSetUpPr fitToPage="1" /></sheetPr><dimension ',
    )
    xml = xml.replace(
        "<sheetData>",
        '<cols><col min="1" max="1" width="3.57" customWidth="1" /><col min="2" max="2" width="63" /></cols><sheetData>',
    )
    return xml.replace(
        "</sheetData>",
        '</sheetData><sheetProtection sheet="1" objects="1" /><autoFilter ref="B7:C7" />'
        '<conditionalFormatting sqref="C8:C9"><cfRule type="cellIs" priority="1" operator="lessThan">'
        "<formula>0</formula></cfRule></conditionalFormatting>"
        '<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}"><c r="C8"><v>999</v></c></ext></extLst>',
    )


def note_in_the_last_column(xml: str) -> str:
    # a note in XFD2, the last column a sheet can have (three-letter reference); dimension updated
    xml = re.sub(
        r'(<row r="2" [^>]*>.*?)</row>',
        r'\1<c r="XFD2" s="2" t="inlineStr"><is><t>note</t></is></c></row>',
        xml,
        count=1,
    )
    return re.sub(r'<dimension ref="A1:[A-Z]+(\d+)" />', r'<dimension ref="A1:XFD\1" />', xml)


def date_cell(xml: str) -> str:
    # t="d": an ISO 8601 date as the value
    cell = re.search(rf'<c r="C{FIRST_DATA_ROW + 1}" [^>]*?(?: />|>.*?</c>)', xml)
    return xml.replace(
        cell[0], f'<c r="C{FIRST_DATA_ROW + 1}" s="{NUMBER}" t="d"><v>2001-02-03T00:00:00</v></c>', 1
    )


def third_sheet_first(parts: Parts) -> Parts:
    """A notes sheet listed (and stored) before the two sheets the parser reads."""
    notes = (
        HEADER + f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        '<is><t>Notes</t></is></c></row><row r="4"><c r="B4" t="inlineStr"><is><t>World</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    changed = {}
    for name, data in parts.items():
        if name == SHEET_PARTS[0]:
            changed["xl/worksheets/sheet3.xml"] = notes.encode("utf-8")
        changed[name] = data
    changed["xl/workbook.xml"] = changed["xl/workbook.xml"].replace(
        b"<sheets>", b'<sheets><sheet name="Notes" sheetId="3" r:id="rId9" />'
    )
    changed["xl/_rels/workbook.xml.rels"] = changed["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rId9" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet3.xml" />'
        "</Relationships>".encode(),
    )
    changed["[Content_Types].xml"] = changed["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/worksheets/sheet3.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml" /></Types>',
    )
    return changed


def sheet_names_with_references(parts: Parts) -> Parts:
    # "Exports, FOB" written "Exports&#44; FOB" in workbook.xml: the name is the same
    return edit_text(
        parts, ["xl/workbook.xml"], lambda xml: xml.replace('name="Exports, FOB"', 'name="Exports&#44; FOB"')
    )


def relationship_attributes_reordered(parts: Parts) -> Parts:
    # Type, Target, Id (the order openpyxl writes), single quotes
    def edit(xml: str) -> str:
        return re.sub(
            r'<Relationship Id="(\w+)" Type="([^"]+)" Target="([^"]+)" />',
            r"<Relationship Type='\2' Target='\3' Id='\1'/>",
            xml,
        )

    return edit_text(parts, ["xl/_rels/workbook.xml.rels"], edit)


def workbook_part_renamed(parts: Parts) -> Parts:
    """The workbook part stored as xl/book.xml: _rels/.rels and the content types say where it is."""
    changed = renamed(
        renamed(parts, "xl/workbook.xml", "xl/book.xml"),
        "xl/_rels/workbook.xml.rels",
        "xl/_rels/book.xml.rels",
    )
    changed["_rels/.rels"] = changed["_rels/.rels"].replace(b"xl/workbook.xml", b"xl/book.xml")
    changed["[Content_Types].xml"] = changed["[Content_Types].xml"].replace(
        b"/xl/workbook.xml", b"/xl/book.xml"
    )
    assert b"xl/book.xml" in changed["_rels/.rels"]
    return changed


def zip_members_reversed(parts: Parts) -> Parts:
    """The members in the reverse order ([Content_Types].xml first, sheets after the shared strings)."""
    return dict(reversed(parts.items()))


def empty_blank_texts(parts: Parts) -> Parts:
    # every blank text written as an empty string <t/> (both mean a missing value)
    return edit_text(parts, [SHARED_STRINGS], lambda xml: xml.replace("<t>   </t>", "<t/>"))


def strict_namespaces(parts: Parts) -> Parts:
    """Strict Open XML (ISO/IEC 29500 Strict): the same parts under the purl.oclc.org namespaces."""
    strict = {
        MAIN: "http://purl.oclc.org/ooxml/spreadsheetml/main",
        RELATIONSHIPS: "http://purl.oclc.org/ooxml/officeDocument/relationships",
    }
    changed = {}
    for name, data in parts.items():
        for transitional, replacement in strict.items():
            data = data.replace(transitional.encode(), replacement.encode())
        changed[name] = data
    changed["xl/workbook.xml"] = changed["xl/workbook.xml"].replace(
        b"<workbook ", b'<workbook conformance="strict" ', 1
    )
    return changed


class Case(NamedTuple):
    """One alteration of the real form, what both readers must make of it, and its traces.

    ``expectation``:
    "same": both readers give the unaltered workbook's table (no value changed);
    "agree": both readers give the same table, or both refuse it (ParseError);
    "refused": both readers refuse it;
    "openpyxl misreads": openpyxl's reading is wrong (said why at the case); the
    default path must give the unaltered workbook's table, or refuse it;
    "calamine misreads": python-calamine's reading is wrong (see FINDINGS below); the
    default path must give openpyxl's reading, or refuse it.
    ``traces``: patterns the altered workbook must contain, so that an alteration which
    silently matched nothing cannot pass as a form that reads well.
    """

    change: Callable[[Parts], Parts]
    expectation: str
    traces: tuple[str, ...]


#: a number cell of the first data row, and the same cell with a boolean / an error / a date
C9 = f"C{FIRST_DATA_ROW + 1}"
NUMBER_DATA = lambda cell: is_data(cell) and cell["value"] is not None and not cell["type"]  # noqa: E731

CASES: dict[str, Case] = {
    "real form": Case(identity, "same", (r'<c r="A1" s="1" />', r'<c r="D8" s="3"><v>')),
    "attributes in another order": Case(
        edit_cells(attributes_reordered), "same", (r'<c t="s" s="\d+" r="B9">', r'<c s="\d+" t="s" r="B8">')
    ),
    "single quotes, spaces around =, new lines": Case(
        on_sheets(quoted_differently), "same", (r"<c\n\tr = 'B8'\n\ts = '2'\n\tt = 's'>",)
    ),
    "namespace prefix on sheet elements": Case(
        on_sheets(prefixed), "same", (r"<x:worksheet xmlns:r=", r'<x:c r="D8" s="3"><x:v>')
    ),
    "namespace prefix on shared strings": Case(shared_strings_prefixed, "same", (r"<ss:si><ss:t>",)),
    "cells without r": Case(
        edit_cells(without_cell_references), "same", (r'<c s="3" t="s"><v>', r'<c s="1" />')
    ),
    "rows without r": Case(
        on_sheets(lambda xml: re.sub(r'<row r="\d+" ', "<row ", xml)), "same", (r"<row ht=",)
    ),
    "empty cells left out, r only after a gap": Case(
        on_sheets(sparse_without_cell_references), "same", (r'</c><c s="3"><v>',)
    ),
    "rows without cells written <row/>": Case(
        on_sheets(self_closing_rows), "same", (r'<row r="1" ht="13.500000" customHeight="1"/>',)
    ),
    "inline strings": Case(inline_strings, "same", (r't="inlineStr"><is><t>[\d.,]+ e</t></is>',)),
    "inline rich text with a phonetic reading": Case(
        inline_rich_text, "same", (r'<r><rPr><i /></rPr><t xml:space="preserve">', r"<rPh ")
    ),
    "formula results (t=str) and formulas on numbers": Case(
        formula_results, "same", (r't="str"><f>TRIM\(A1\)</f><v>[\d.,]+ e</v>', r"<f>ROUND\(A1,2\)</f><v>")
    ),
    "number cells with t=n": Case(edit_cells(explicit_number_type), "same", (r's="3" t="n"><v>',)),
    "a date cell (t=d)": Case(
        lambda parts: edit_text(parts, SHEET_PARTS[:1], date_cell), "agree", (r't="d"><v>2001-02-03',)
    ),
    "boolean cell": Case(
        data_cell(FIRST_DATA_ROW + 1, FIRST_DATA_COLUMN, f'<c r="{C9}" s="3" t="b"><v>1</v></c>'),
        "refused",
        (r't="b"><v>1</v>',),
    ),
    "number with a built-in date format (14)": Case(styled(DATE, NUMBER_DATA), "agree", (r's="4"><v>',)),
    "number with a custom date format": Case(styled(CUSTOM_DATE, NUMBER_DATA), "agree", (r's="5"><v>',)),
    "date formats on texts and empty cells": Case(
        styled(DATE, lambda cell: cell["type"] == "s" or cell["value"] is None),
        "same",
        (r's="4" t="s"><v>', r's="4" />'),
    ),
    "numbers spelled otherwise (1.5E+3, -0, +, .25, long mantissa, integers)": Case(
        edit_cells(numbers_respelled),
        "same",
        (
            r"<v>-0</v>",
            r"<v>\+\d",
            r"<v>\.\d",
            r"<v>\d+\.</v>",
            r"\d{16}E\+0\d<",
            r"E-00\d<",
            r"<v>\d\.\d+E\+\d<",
        ),
    ),
    "shared strings: references, preserve, runs, rPh, CDATA": Case(
        shared_strings_respelled,
        "same",
        (
            r"&#49;",
            r"&#x2C;",
            r'<t xml:space="preserve">\d',
            r"<r><rPr><b />",
            r"</t><rPh ",
            r"<!\[CDATA\[\d",
        ),
    ),
    "shared strings: line breaks": Case(
        line_breaks_in_strings, "same", ("\\d\r\n e</t>", r"&#13;&#10;e</t>")
    ),
    "partner name with &#x26;": Case(ampersand_as_reference, "same", (r"Countries &#x26; Areas",)),
    "blank texts written <t/>": Case(empty_blank_texts, "same", (r"<si><t/></si>",)),
    "shared strings without counts": Case(without_string_counts, "same", (r"<sst xmlns=",)),
    "cells of a row right to left": Case(
        on_sheets(reversed_cells), "same", (r'<c r="C8"[^>]*>(?:<v>\d+</v></c>)?<c r="B8"',)
    ),
    "a cell written twice with its value": Case(
        duplicated_cell(different=False), "same", (r'(<c r="[C-Z]9" s="3"><v>[^<]*</v></c>)\1',)
    ),
    "a cell written twice with another value": Case(
        duplicated_cell(different=True), "agree", (r'<c r="[C-Z]9" s="3"><v>4321.5</v></c>',)
    ),
    "no shared strings part": Case(
        no_shared_strings, "same", (r"^(?![\s\S]*sharedStrings)", r"<is><t>1960</t>")
    ),
    "comments and a processing instruction in sheetData": Case(
        on_sheets(comments_and_instructions),
        "same",
        (r"</row><!-- a row follows --><row ", r"</c><!----><c ", r"<\?kzcn-test"),
    ),
    "empty value elements": Case(on_sheets(empty_value_elements), "same", (r"><v></v></c>", r"><v /></c>")),
    "dimension absent": Case(on_sheets(dimension(None)), "same", (r"^(?![\s\S]*<dimension)",)),
    "dimension larger than the data": Case(on_sheets(dimension("A1:AZ400")), "same", (r'"A1:AZ400"',)),
    "more elements around sheetData": Case(
        on_sheets(more_elements_around_sheet_data), "same", (r"<tabColor ", r"<cols>", r"<extLst>")
    ),
    "a note in column XFD": Case(
        on_sheets(note_in_the_last_column), "same", (r'<c r="XFD2" ', r'"A1:XFD\d+"')
    ),
    "zip members in the reverse order": Case(zip_members_reversed, "same", (r"^<Types ",)),
    "sheet files named otherwise": Case(
        sheet_files_renamed, "same", (r'Target="worksheets/data1.xml"', r'"/xl/data/b.xml"')
    ),
    "sheets listed in the other order": Case(
        sheets_listed_in_other_order,
        "same",
        (r'<sheet name="Imports, CIF"[^>]*/><sheet name="Exports, FOB"',),
    ),
    "sheet files swapped": Case(
        sheet_files_swapped, "same", (r'Id="rId1" [^>]*Target="worksheets/sheet2.xml"',)
    ),
    "a third sheet listed first": Case(third_sheet_first, "same", (r'<sheets><sheet name="Notes"',)),
    "sheet names with character references": Case(
        sheet_names_with_references, "same", (r"Exports&#44; FOB",)
    ),
    "absolute relationship targets": Case(absolute_targets, "same", (r'Target="/xl/worksheets/sheet1.xml"',)),
    "relationship attributes in another order": Case(
        relationship_attributes_reordered, "same", (r"Id='rId1'/>",)
    ),
    "workbook part named otherwise": Case(
        workbook_part_renamed, "same", (r'xl/book.xml"', r"^(?![\s\S]*xl/workbook.xml)")
    ),
    "as Excel writes (BOM, standalone, spans)": Case(
        excel_form,
        "same",
        ('\ufeff<\\?xml version="1.0" encoding="UTF-8" standalone="yes"', r"x14ac:dyDescent="),
    ),
    # openpyxl (read-only mode) trusts the order of rows: a row numbered below one already
    # read is dropped, silently.  The rows carry their numbers, so the right reading is the
    # unaltered table.
    "rows out of order": Case(
        on_sheets(rows_out_of_order),
        "openpyxl misreads",
        (r'</row><row r="8" [^>]*>(?:(?!</row>).)*</row><row r="10" ',),
    ),
    # openpyxl (read-only mode) stops at the dimension's last row; the dimension is only a
    # summary, the cells are the data.
    "dimension smaller than the data": Case(
        on_sheets(dimension("A1:C5")), "openpyxl misreads", (r'"A1:C5"',)
    ),
    # openpyxl does not decode the _xHHHH_ escape in shared strings (it only drops "x005F_").
    "_x0020_ escape in shared strings": Case(space_escape, "openpyxl misreads", (r"\d_x0020_e</t>",)),
    # openpyxl knows only the transitional namespaces: it finds no sheets in a Strict workbook.
    "Strict Open XML namespaces": Case(strict_namespaces, "openpyxl misreads", (r'conformance="strict"',)),
    # FINDINGS: forms python-calamine 0.9.1 (the DOTS parser's reader before the plain
    # reader) reads otherwise than openpyxl.  The expected behaviour is openpyxl's reading
    # or a refusal, never calamine's reading (and the case checks that calamine still
    # misreads it: when calamine reads one of them right, its case says so).
    # An error cell is read by calamine as an empty cell: the value goes missing, silently,
    # where openpyxl gives "#N/A" and the parser refuses it.
    "error cell": Case(
        data_cell(FIRST_DATA_ROW + 1, FIRST_DATA_COLUMN, f'<c r="{C9}" s="3" t="e"><v>#N/A</v></c>'),
        "calamine misreads",
        (r't="e"><v>#N/A</v>',),
    ),
    # calamine returns "  465\n" as text (the parser then reads "465" from it) and refuses
    # "  7.6e-05\n" (text that is no number by the parser's pattern): a ParseError today.
    "blanks around numbers": Case(
        edit_cells(blanks_around_numbers), "calamine misreads", (r"<v>  \d+\n</v>", r"<v>  [\d.]+e-05\n</v>")
    ),
    # calamine reads a blank text as "" without xml:space="preserve" and as "   " with it; the
    # verbatim repeated partner then seems to differ from its first row: a ParseError today.
    "blank text written two ways": Case(
        blank_text_two_ways, "calamine misreads", (r'<t xml:space="preserve">   </t>', r"<t>   </t>")
    ),
    # calamine reads only the text before a comment: "244.4" written "24<!---->4.4" is read as
    # 24, silently.
    "comments inside numbers": Case(
        edit_cells(comments_inside_numbers), "calamine misreads", (r"<v>\d+<!-- split -->",)
    ),
    # calamine reads a number in CDATA as an empty cell: the value goes missing, silently.
    "CDATA numbers": Case(edit_cells(cdata_numbers), "calamine misreads", (r's="3"><v><!\[CDATA\[',)),
    # the same for the index of a shared string: the text is lost (here the header: ParseError)
    "CDATA shared-string indices": Case(
        edit_cells(cdata_string_indices), "calamine misreads", (r't="s"><v><!\[CDATA\[',)
    ),
    # calamine reads UTF-16 sheets as empty (no error, so no fallback): a ParseError today.
    "sheets in UTF-16": Case(utf16_sheets, "calamine misreads", (r'encoding="UTF-16"',)),
}


# ------------------------------------------------------------------- tests


def workbook_text(path: Path) -> str:
    """All members of a workbook as one text (UTF-16 members decoded as such)."""
    texts = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            texts.append(data.decode("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8"))
    return "\n".join(texts)


def read(path: Path, **engine) -> pd.DataFrame | ParseError:
    try:
        return dots.parse(path, **engine)
    except ParseError as error:
        return error


def same_reading(first: pd.DataFrame | ParseError, second: pd.DataFrame | ParseError) -> bool:
    """Both readings refused, or both the same table."""
    if isinstance(first, ParseError) or isinstance(second, ParseError):
        return isinstance(first, ParseError) and isinstance(second, ParseError)
    try:
        pd.testing.assert_frame_equal(first, second)
    except AssertionError:
        return False
    return True


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> dict:
    from data_fixtures import write_dots_workbook

    folder = tmp_path_factory.mktemp("xml-forms")
    sheets = sample_sheets()
    written = write_dots_workbook(folder / "openpyxl.xlsx", **sheets)
    real = rewrite(written, folder / "real.xlsx", real_form)
    with zipfile.ZipFile(real) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    return {
        **sheets,
        "folder": folder,
        "written": written,
        "real": real,
        "parts": parts,
        "table": dots.parse(written, engine="openpyxl"),
    }


def test_the_real_form_holds_the_generated_values(sample):
    """The rewrite into the real files' form keeps every value (openpyxl reads both alike)."""
    table = sample["table"]
    assert len(table) > 100 and table["estimate"].any() and not table["estimate"].all()
    assert "NSPEC" in set(table["partner"])  # the partner with an "&" in its name
    pd.testing.assert_frame_equal(dots.parse(sample["real"], engine="openpyxl"), table)
    # the rewritten sheets look like the real ones: a style on every cell, empty cells written
    sheet = sample["parts"][SHEET_PARTS[0]].decode()
    assert sheet.startswith(HEADER) and re.search(r'<c r="A1" s="\d+" />', sheet)
    assert not re.search(r"<c (?![^>]* s=)", sheet)


@pytest.mark.parametrize("case", list(CASES))
def test_default_path_reads_like_openpyxl(sample, case):
    change, expectation, traces = CASES[case]
    path = sample["folder"] / f"case-{list(CASES).index(case)}.xlsx"
    rewrite(sample["real"], path, change)
    text = workbook_text(path)
    missing = [trace for trace in traces if not re.search(trace, text)]
    assert not missing, f"{case}: the alteration left no {missing}"
    with warnings.catch_warnings():
        # openpyxl says it drops an extLst (case "more elements around sheetData"), which holds no values,
        warnings.filterwarnings("ignore", "(?:.*) extension is not supported", UserWarning)
        # ... and that a Strict workbook's sheets are "an invalid specification" (case "Strict ...")
        warnings.filterwarnings("ignore", "File contains an invalid specification", UserWarning)
        default, reference = read(path), read(path, engine="openpyxl")
    if expectation == "calamine misreads":
        # openpyxl reads it right (the unaltered table, or for the error cell a refusal) ...
        if case == "error cell":
            assert isinstance(reference, ParseError), case
        else:
            pd.testing.assert_frame_equal(reference, sample["table"], obj=case)
        # ... calamine does not (if it now does, move the case up to "same" / "refused") ...
        calamine = read(path, engine="calamine")
        assert not same_reading(calamine, reference), f"{case}: python-calamine now reads it as openpyxl does"
        # ... and the default path gives openpyxl's reading, or refuses the workbook
        assert same_reading(default, reference) or isinstance(default, ParseError), f"{case}: {default}"
        return
    if expectation == "openpyxl misreads":
        if isinstance(default, pd.DataFrame):
            pd.testing.assert_frame_equal(default, sample["table"], obj=case)
        # the reason the case is here: openpyxl's own reading is not the table (or no table)
        assert isinstance(reference, ParseError) or not reference.equals(sample["table"]), case
        return
    if expectation == "refused":
        assert isinstance(reference, ParseError), f"{case}: openpyxl read a table"
        assert isinstance(default, ParseError), f"{case}: the default path read a table"
        return
    if isinstance(reference, ParseError):
        assert expectation == "agree", f"{case}: openpyxl refuses: {reference}"
        assert isinstance(default, ParseError), (
            f"{case}: openpyxl refuses ({reference}), the default path does not"
        )
        return
    assert isinstance(default, pd.DataFrame), (
        f"{case}: openpyxl reads it, the default path refuses: {default}"
    )
    pd.testing.assert_frame_equal(default, reference, obj=case)
    if expectation == "same":
        pd.testing.assert_frame_equal(default, sample["table"], obj=case)


def test_a_formula_reads_as_its_cached_result(sample):
    """<f>1+1</f><v>2</v> in a data cell: both readers give 2 there and every other value unchanged."""
    row, column = FIRST_DATA_ROW + 1, FIRST_DATA_COLUMN  # a partner without a repeat
    new = f'<c r="{column_letters(column)}{row}" s="{NUMBER}"><f>1+1</f><v>2</v></c>'
    path = rewrite(sample["real"], sample["folder"] / "formula.xlsx", data_cell(row, column, new))
    default = dots.parse(path)
    pd.testing.assert_frame_equal(default, dots.parse(path, engine="openpyxl"))
    # the expectation, from the generated rows: the second exporting partner, first year, 2 million
    partner = dots.partner_codes()[sample["exports"][1][0]][0]
    year = int(sample["years"][0])
    at = (default["partner"] == partner) & (default["flow"] == "export") & (default["year"] == year)
    assert default.loc[at, ["value_usd", "estimate"]].values.tolist() == [[2e6, False]]
    unchanged = sample["table"]
    unchanged = unchanged[
        ~((unchanged["partner"] == partner) & (unchanged["flow"] == "export") & (unchanged["year"] == year))
    ]
    pd.testing.assert_frame_equal(default[~at].reset_index(drop=True), unchanged.reset_index(drop=True))


def test_two_readers_that_disagree_give_one_clear_refusal(sample):
    """A workbook out of the plain form that openpyxl and python-calamine read differently is
    refused, with what differs and what to do, rather than read by either."""
    cases = {
        # openpyxl drops the row written out of order; calamine keeps it
        "rows out of order": "read it differently",
        # calamine reads 24<!-- split -->4.4 as 24
        "comments inside numbers": "read it differently",
        # calamine reads "  465\n" as text, and refuses "  7.6e-05\n"
        "blanks around numbers": "python-calamine refuses it",
    }
    for number, (case, words) in enumerate(cases.items()):
        path = rewrite(sample["real"], sample["folder"] / f"refused-{number}.xlsx", CASES[case].change)
        with pytest.raises(ParseError) as refusal:
            dots.parse(path)
        message = str(refusal.value)
        assert words in message, (case, message)
        assert path.name in message and "not written in the plain form" in message, (case, message)
        assert "save it again as .xlsx" in message, (case, message)
        assert "Traceback" not in message and "\n" not in message, (case, message)
        if words == "read it differently":
            assert "first, partner " in message and "by openpyxl" in message, (case, message)


def test_sheets_stored_uncompressed(sample):
    path = rewrite(sample["real"], sample["folder"] / "stored.xlsx", identity, compression=zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    pd.testing.assert_frame_equal(dots.parse(path), dots.parse(path, engine="openpyxl"))
    pd.testing.assert_frame_equal(dots.parse(path), sample["table"])


# ------------------------------------------------------------- real files


@pytest.fixture(scope="module")
def real_workbooks(tmp_path_factory, mirror_env) -> dict:
    """Five real DOTS workbooks, fetched from the loopback mirror into a fresh raw cache.

    Kazakhstan's and China's (the thesis's two reporters), the advanced economies' (the
    reviewed cells of data/dots_dropped_cells.csv), and the smallest and the largest file.
    """
    from kzcn import fetch
    from kzcn.manifest import load_manifest

    patch = pytest.MonkeyPatch()
    patch.setenv("KZCN_RAW_DIR", str(tmp_path_factory.mktemp("raw")))
    try:
        sources = [source for source in load_manifest() if source.parser == "dots"]
        by_size = sorted(sources, key=lambda source: source.size)
        chosen = [s for s in sources if s.params.get("reporter") in ("KAZ", "CHN", "ADV")]
        chosen += [by_size[0], by_size[-1]]
        yield {source.id: (source, fetch.fetch_one(source, progressbar=False)) for source in chosen}
    finally:
        patch.undo()


@pytest.mark.integration
def test_default_path_reads_real_workbooks_like_openpyxl(real_workbooks):
    assert len(real_workbooks) == 5
    for source_id, (source, path) in real_workbooks.items():
        default = dots.parse(path, source)
        assert len(default) > 0, source_id
        pd.testing.assert_frame_equal(default, dots.parse(path, source, engine="openpyxl"), obj=source_id)
