"""The cells of an .xlsx sheet in its plain form, read from the sheet's XML with numpy.

Why: python-calamine spent about 7 ms on each DOTS sheet (a third of the cold
parse), making a Rust and then a Python value of every cell, though most cells
of a DOTS sheet are empty styled cells; the DOTS parser then looked at each of
those Python values.  A sheet written in the plain form that spreadsheet
programs write (below) can be read by finding its tags in the bytes, all at
once, in a few milliseconds, and its values handed on as arrays.

The plain form, checked in full before anything is read (anything else: the
function returns ``None`` and the caller reads the workbook with openpyxl, which
reads every valid form):

* ``<sheetData>`` holds only ``<row ...>`` elements, a row only ``<c ...>``
  elements, and a cell at most one ``<v>``: no formulas, inline strings,
  comments or namespace prefixes, and no text outside ``<v>``;
* a row starts ``<row r="N"``, N increasing; a cell starts ``<c r="``, its
  column's letters, then its row's number; cells come in increasing order of
  column inside their row.  A cell that closes itself is empty, whatever its
  other attributes; a cell with content has only ``s`` (digits) and ``t``
  (``s`` or ``n``) besides, in that order, written ``name="value"``;
* a number's text is one Arrow reads as a finite number (the nearest double, as
  ``float()`` gives); a shared-string index is digits, within the table;
* a number cell's style is a number format, never a date (openpyxl and
  calamine turn those into dates);
* a shared string is plain text or rich-text runs, without the ``_xHHHH_``
  escapes, which readers treat differently.

What it gives is what openpyxl gives for the same cells (tests/data/
test_dots_xml_forms.py compares them on many written forms, and
``benchmarks/parse.py --reference`` on every DOTS workbook of the manifest).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_RELATIONSHIP_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
#: Number formats built into Excel that show a number as a number (the others are dates or times).
_NUMBER_FORMAT_IDS = frozenset({0, 1, 2, 3, 4, 9, 10, 11, 12, 13, 37, 38, 39, 40, 48, 49})
#: A custom number format code that shows a number, not a date: digits, separators, sign, exponent.
_NUMBER_FORMAT_CODE = re.compile(r"^(?:General|[#0?,.%E+\-;() ]+)$")

#: a shared string in its plain form: no carriage return, no _xHHHH_ escape
_PLAIN_STRING = re.compile(r"<si><t>([^<\r_]*)</t></si>")
#: the five entities of XML (any other "&": the XML parser decides)
_ENTITY = re.compile(r"&(lt|gt|quot|apos|amp);")
_ENTITIES = {"lt": "<", "gt": ">", "quot": '"', "apos": "'", "amp": "&"}

# The tags of the sheet data, one code each; a lower-case letter: the element closes itself.
_TAGS = {"r": 1, "R": 2, "E": 3, "c": 4, "C": 5, "V": 6, "W": 7, "D": 8}  # E, W, D: </row>, </v>, </c>
#: which tag may follow which: the grammar (r | R (c | C (V W)? D)* E)*, as pairs
_FOLLOWS = np.zeros((9, 9), dtype=bool)
for _before, _afters in {
    "r": "rR",
    "E": "rR",  # between rows: a row
    "R": "cCE",
    "c": "cCE",
    "D": "cCE",  # inside a row: a cell, or the row's end
    "C": "VD",  # inside a cell: its value, or its end
    "V": "W",
    "W": "D",
}.items():
    for _after in _afters:
        _FOLLOWS[_TAGS[_before], _TAGS[_after]] = True

#: the kind of a tag from the two bytes after its "<" (read as one little-endian number)
_TAG_OF_PAIR = np.zeros(1 << 16, dtype=np.uint8)
for _code, _start in {"C": b"c ", "V": b"v>", "W": b"/v", "D": b"/c", "R": b"ro", "E": b"/r"}.items():
    _TAG_OF_PAIR[int.from_bytes(_start, "little")] = _TAGS[_code]
#: the length of a tag from "<" to ">" where it has only one (0: any)
_TAG_LENGTH = np.zeros(9, dtype=np.int64)
_TAG_LENGTH[[_TAGS["V"], _TAGS["W"], _TAGS["D"], _TAGS["E"]]] = [2, 3, 3, 5]


@dataclass(frozen=True)
class PlainSheet:
    """The cells of a sheet that hold a value, in the sheet's order."""

    rows: np.ndarray  # int64, from 1
    columns: np.ndarray  # int64, from 1 (column A)
    numbers: np.ndarray  # float64: a number cell's value; NaN for a text cell
    texts: np.ndarray  # int64: a text cell's index in ``strings``; -1 for a number cell
    strings: list[str]  # the workbook's shared strings

    def python_rows(self, last_row: int) -> list[tuple]:
        """Rows 1..``last_row`` as openpyxl gives them: tuples from column A, ``None`` for an empty cell."""
        upto = self.rows <= last_row
        width = int(self.columns.max(initial=1))
        grid = [[None] * width for _ in range(last_row)]
        for row, column, number, text in zip(
            self.rows[upto].tolist(),
            self.columns[upto].tolist(),
            self.numbers[upto].tolist(),
            self.texts[upto].tolist(),
            strict=True,
        ):
            value = self.strings[text] if text >= 0 else number
            grid[row - 1][column - 1] = None if value == "" else value
        return [tuple(row) for row in grid]


def read_plain_sheets(path: Path, names) -> dict[str, PlainSheet] | None:
    """The sheets ``names`` of the workbook at ``path``, or ``None`` unless all are in the plain form.

    ``None`` also for a file that is not a readable workbook: the caller's other
    readers word that error.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            return _read(archive, list(names))
    except Exception:  # noqa: BLE001 - a damaged, encrypted or odd file: the full readers decide and word it
        return None


def _read(archive: zipfile.ZipFile, names: list[str]) -> dict[str, PlainSheet] | None:
    members = set(archive.namelist())
    targets = _workbook_parts(archive, members)
    if targets is None or any(name not in targets["sheets"] for name in names):
        return None
    strings = _shared_strings(archive.read(targets["strings"])) if "strings" in targets else []
    if strings is None:
        return None
    number_styles = _number_styles(archive.read(targets["styles"])) if "styles" in targets else None
    empty_string = np.array([text == "" for text in strings], dtype=bool)
    sheets = {}
    style_digits = len(str(len(number_styles) - 1)) if number_styles is not None else 1
    for name in names:
        cells = _plain_cells(archive.read(targets["sheets"][name]), style_digits)
        if cells is None:
            return None
        rows, columns, numbers, texts, styles = cells
        is_text = texts >= 0
        if (texts >= len(strings)).any():
            return None
        number_style = styles[~is_text]
        if number_styles is None:
            if number_style.any():
                return None  # styles named, but no style table to say they are numbers
        elif (number_style >= len(number_styles)).any() or not number_styles[number_style].all():
            return None
        # an empty string is an empty cell, as the DOTS parser reads it from either reader
        keep = np.ones(len(texts), dtype=bool)
        keep[is_text] = ~empty_string[texts[is_text]]
        sheets[name] = PlainSheet(rows[keep], columns[keep], numbers[keep], texts[keep], strings)
    return sheets


def _workbook_parts(archive: zipfile.ZipFile, members: set[str]) -> dict | None:
    """Sheet name -> member, and the shared strings' and styles' members, from the workbook's relations."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    by_id: dict[str, tuple[str, str]] = {}
    for relation in relations:
        kind, target = relation.get("Type", ""), relation.get("Target", "")
        if relation.get("TargetMode") == "External" or "\\" in target:
            continue
        member = str(
            PurePosixPath(target.lstrip("/")) if target.startswith("/") else PurePosixPath("xl", target)
        )
        if ".." in member.split("/"):
            return None
        by_id[relation.get("Id", "")] = (kind.removeprefix(_RELATIONSHIP_TYPES), member)
    parts: dict = {"sheets": {}}
    for kind, member in by_id.values():
        if kind in ("sharedStrings", "styles"):
            if member not in members:
                return None
            parts["strings" if kind == "sharedStrings" else "styles"] = member
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet"):
            continue
        ids = [value for key, value in sheet.attrib.items() if key.endswith("}id")]
        if len(ids) != 1 or ids[0] not in by_id:
            return None
        kind, member = by_id[ids[0]]
        if kind != "worksheet" or member not in members:
            return None
        parts["sheets"][sheet.get("name")] = member
    return parts


def _shared_strings(xml: bytes) -> list[str] | None:
    """The shared strings as openpyxl reads them, or ``None`` for a form left to it."""
    text = xml.decode("utf-8")
    plain = _PLAIN_STRING.findall(text)
    # every item is <si><t>text</t></si> with nothing to unescape or normalise: no XML parser needed
    if "<sst" in text and ":si>" not in text and text.count("<si") == len(plain) == text.count("</si>"):
        unescaped = [_unescaped(string) if "&" in string else string for string in plain]
        if None not in unescaped:
            return unescaped
    table = ElementTree.fromstring(xml)
    strings = []
    for item in table:
        if not item.tag.endswith("}si"):
            return None
        pieces = []
        for child in item:
            if child.tag.endswith("}t"):
                pieces.append(child.text or "")
            elif child.tag.endswith("}r"):  # a rich-text run: its text, without its formatting
                pieces.extend(run.text or "" for run in child if run.tag.endswith("}t"))
            else:
                return None  # phonetic runs and the like: left to the full readers
        text = "".join(pieces)
        if "_x" in text or "x005F_" in text:
            return None
        strings.append(text)
    return strings


def _unescaped(text: str) -> str | None:
    """``text`` with its XML entities replaced, or ``None`` if it has another kind of "&"."""
    replaced, count = _ENTITY.subn(lambda entity: _ENTITIES[entity.group(1)], text)
    return replaced if count == text.count("&") else None


def _number_styles(xml: bytes) -> np.ndarray | None:
    """For each cell style (``s``), whether it shows a number as a number (not as a date)."""
    styles = ElementTree.fromstring(xml)
    codes = {}
    formats = [element for element in styles if element.tag.endswith("}numFmts")]
    for element in formats[0] if formats else []:
        codes[int(element.get("numFmtId", "-1"))] = element.get("formatCode", "")
    cell_formats = [element for element in styles if element.tag.endswith("}cellXfs")]
    plain = []
    for element in cell_formats[0] if cell_formats else []:
        number_format = int(element.get("numFmtId", "0"))
        if number_format in codes:
            plain.append(bool(_NUMBER_FORMAT_CODE.match(codes[number_format])))
        else:
            plain.append(number_format in _NUMBER_FORMAT_IDS)
    return np.array(plain or [True], dtype=bool)


def _leading(found: list[np.ndarray]) -> np.ndarray:
    """How many of the conditions ``found`` hold in a row from the first (per element)."""
    holding = found[0].copy()
    count = holding.astype(np.int64)
    for condition in found[1:]:
        holding &= condition
        count += holding
    return count


def _decimal(data: np.ndarray, at: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """The number written in decimal digits from each position ``at``, and how many digits it
    has, up to ``most`` (the caller checks what follows: a longer number fails that check)."""
    byte = [data[at + offset].astype(np.int64) - ord("0") for offset in range(most)]
    count = _leading([(digit >= 0) & (digit <= 9) for digit in byte])
    value = np.zeros(len(at), dtype=np.int64)
    for offset in range(int(count.max(initial=0))):
        value += (offset < count) * (value * 9 + byte[offset])  # value * 10 + digit, where a digit is
    return value, count


def _spells(data: np.ndarray, at: np.ndarray, text: bytes) -> np.ndarray:
    """Whether the bytes from each position ``at`` are ``text``."""
    found = data[at] == text[0]
    for offset, byte in enumerate(text[1:], start=1):
        found &= data[at + offset] == byte
    return found


def _plain_cells(xml: bytes, style_digits: int):
    """(rows, columns, numbers, texts, styles) of the cells that hold a value, or ``None``.

    Works on the positions of the tags: each check is one numpy operation over all the
    tags, cells or values of the sheet.  ``style_digits``: the most digits a style index
    may have (more: not a style of this workbook).
    """
    start, end = xml.find(b"<sheetData>"), xml.rfind(b"</sheetData>")
    if start < 0 or end < start:
        return None
    text = xml[start + len(b"<sheetData>") : end]
    if not text or not text.isascii():
        return None  # no cells, or text that is not ASCII: not numbers and indices
    # padded, so that reading a few bytes past the last tag stays inside the buffer
    padded = text + bytes(16)
    data = np.frombuffer(padded, dtype=np.uint8)
    opening = np.flatnonzero(data == ord("<"))  # every tag ("<" may not stand in a value or an attribute)
    # Where each tag ends: right before the next one (the only text allowed between tags
    # is a value, checked below); a <v> ends after its 3 bytes.
    closing = np.empty_like(opening)
    closing[:-1] = opening[1:] - 1
    closing[-1] = len(text) - 1
    # the tag's kind from the two bytes after "<", then the bytes each kind must go on with
    codes = _TAG_OF_PAIR[data[opening + 1] | (data[opening + 2].astype(np.uint16) << 8)]
    if not codes.all():
        return None  # another kind of tag: a formula, an inline string, a comment, a prefix, ...
    row_tag, cell_tag = np.flatnonzero(codes == _TAGS["R"]), np.flatnonzero(codes == _TAGS["C"])
    end_tag = np.flatnonzero(codes == _TAGS["E"])
    for tags, rest in ((cell_tag, b'r="'), (row_tag, b'w r="'), (end_tag, b"ow")):
        if not _spells(data, opening[tags] + 3, rest).all():
            return None
    value_tag = np.flatnonzero(codes == _TAGS["V"])
    closing[value_tag] = opening[value_tag] + 2  # <v>, then the value up to the next tag
    # <v>, </v>, </c> and </row> are that long (each ends with ">", checked below)
    length = _TAG_LENGTH[codes]
    if not ((length == 0) | (closing - opening == length)).all():
        return None
    closes_itself = data[closing - 1] == ord("/")
    codes[row_tag[closes_itself[row_tag]]] = _TAGS["r"]
    codes[cell_tag[closes_itself[cell_tag]]] = _TAGS["c"]
    if codes[0] not in (_TAGS["r"], _TAGS["R"]) or codes[-1] not in (_TAGS["r"], _TAGS["E"]):
        return None
    if not _FOLLOWS.ravel()[codes[:-1].astype(np.intp) * 9 + codes[1:]].all():
        return None
    value_start, value_end = opening[value_tag] + 3, opening[value_tag + 1]
    lengths = value_end - value_start
    # every other tag ends with ">" right before the next one: no text outside a value
    # (not even whitespace), and no value that is empty or holds a ">"
    if not (data[closing] == ord(">")).all() or (lengths == 0).any():
        return None
    # rows: <row r="N" ...>, N increasing
    row_at = opening[row_tag] + len(b'<row r="')
    row_numbers, row_digits = _decimal(data, row_at, 7)
    if not ((row_digits >= 1) & (data[row_at + row_digits] == ord('"'))).all():
        return None
    if not ((row_numbers >= 1).all() and (row_numbers[1:] > row_numbers[:-1]).all()):
        return None
    # cells: <c r="LETTERS DIGITS" [s="DIGITS"] [t="s|n"]> or ... />, the digits those of the row
    cell_start, cell_end = opening[cell_tag], closing[cell_tag]
    at = cell_start + len(b'<c r="')
    letter = [data[at + k].astype(np.int64) - (ord("A") - 1) for k in range(4)]  # A = 1
    letters = _leading([(byte >= 1) & (byte <= 26) for byte in letter])
    if not ((letters >= 1) & (letters <= 3)).all():
        return None
    columns = letter[0]
    for k in (1, 2):
        columns += (k < letters) * (columns * 25 + letter[k])  # columns * 26 + letter, where a letter is
    row_of_cell = np.searchsorted(row_tag, cell_tag) - 1
    rows = row_numbers[row_of_cell]
    order = rows * 16_384 + columns
    if not (order[1:] > order[:-1]).all():
        return None
    # The rest matters for a cell with content only: a cell that closes itself is empty
    # whatever its attributes say (so openpyxl reads it), and only its column counted above.
    content = codes[cell_tag] == _TAGS["C"]
    at, cell_end, row_of_cell = (at + letters)[content], cell_end[content], row_of_cell[content]
    # the reference's digits and closing quote are, byte for byte, those of its row's r="..."
    width = row_digits[row_of_cell]
    for k in range(int(row_digits.max())):
        if not ((data[at + k] == data[row_at + k][row_of_cell]) | (k >= width)).all():
            return None
    at = at + width
    if not (data[at] == ord('"')).all():
        return None
    at = at + 1
    has_style = _spells(data, at, b' s="')
    styles, digits = _decimal(data, at + 4, style_digits)
    if not (~has_style | ((digits >= 1) & (data[at + 4 + digits] == ord('"')))).all():
        return None
    at = at + has_style * (5 + digits)
    has_type = _spells(data, at, b' t="')
    kind = data[at + 4]
    if not (~has_type | (((kind == ord("s")) | (kind == ord("n"))) & (data[at + 5] == ord('"')))).all():
        return None
    shared = has_type & (kind == ord("s"))
    at = at + has_type * 6
    # what is left of the tag: ">", "/>" or " />"
    rest = cell_end - at
    plain_end = (
        (rest == 0) | ((rest == 1) & _spells(data, at, b"/")) | ((rest == 2) & _spells(data, at, b" /"))
    )
    if not plain_end.all():
        return None
    # the values, each read by Arrow (a decimal text becomes the nearest double, as with float())
    valued = np.searchsorted(cell_tag[content], value_tag - 1)  # a <v> follows its cell's opening tag
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    shift = (value_start - offsets[:-1]).astype(np.int32)
    characters = data[np.repeat(shift, lengths) + np.arange(offsets[-1], dtype=np.int32)]
    values = pa.StringArray.from_buffers(len(lengths), pa.py_buffer(offsets), pa.py_buffer(characters))
    # one reading of every value as a number; a shared-string index is a whole number below 2**53
    read = pc.cast(values, pa.float64()).to_numpy()
    text_cell = shared[valued]
    index = read[text_cell]
    if not np.isfinite(read).all():
        return None  # "inf", "nan": left to the full readers
    if not ((characters - ord("0") < 10) | ~np.repeat(text_cell, lengths)).all():
        return None  # a shared-string index written otherwise than in digits
    numbers = np.where(text_cell, np.nan, read)
    texts = np.full(len(valued), -1, dtype=np.int64)
    texts[text_cell] = index
    rows, columns = rows[content][valued], columns[content][valued]
    return rows, columns, numbers, texts, styles[valued] * has_style[valued] * ~text_cell
