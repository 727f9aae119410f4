"""The thesis ledger: what the thesis prints, transcribed as data and validated.

The companion checks the thesis, so every number the thesis prints lives here as
data, exactly as printed, with where it was printed.  Nothing in the ledger is
corrected: whether a printed value is right is decided later by computation
(``kzcn.audit``), never while transcribing.

Files (all under ``config.THESIS_DIR`` = ``data/thesis/``, UTF-8 CSV, comma
separated, empty field = not applicable / not stated):

``vocabulary.yml``
    The controlled vocabularies used by the CSV files below: ``quantity`` (with a
    description of what each one measures), ``unit`` (with the factor to the
    base unit), ``measure_kind``, ``flow``, ``qualifier``, ``area`` codes
    (reporter/partner codes that are not ISO3), timeline ``kind``, table
    ``measure``.  A row using a term that is not in the vocabulary fails
    validation.  Read it with :func:`load_vocabulary`.

``tables.csv`` (:func:`load_table`) -- one row per printed cell of Tables 1.1, 1.2, 3.1
    ``table_id`` (``tbl-1-1``, ``tbl-1-2``, ``tbl-3-1``), ``cell_id`` (stable,
    unique), ``line`` (1-based line of ``thesis.txt`` holding the cell),
    ``row_label`` and ``column_label`` (as printed; a two-level header is joined
    with `` / ``), then the structured reading of the cell: ``period`` (``YYYY``
    or ``YYYY-YYYY``), ``year`` (the single year, empty for a period),
    ``reporter``, ``partner``, ``flow``, ``measure`` (``amount``, ``share``,
    ``growth``, ``balance``), ``commodity`` (Table 1.2 row, as printed) and
    ``hs2`` (the HS chapter that commodity label names; a reading, not printed),
    then ``printed`` (the cell's text, oddities kept), ``value``
    (``parse_printed(printed)``), ``printed_unit`` (unit words the table prints
    for the cell, empty if none), ``unit`` (unit the ledger reads the value in,
    ``unstated`` if the thesis gives none) and ``note``.
    Empty cells of the printed grid have no row.

``table_meta.csv`` -- one row per table
    ``table_id``, ``label`` (``Table 1.1``), ``title_printed``, ``section``,
    ``line`` (title line), ``source_printed`` (the source line under the table),
    ``printed_unit``, ``note`` (printed oddities, e.g. Table 1.2's title says
    2010-2020 while its columns are 2010 and 2011; Table 3.1 prints the same
    value for 2012 and 2013).

``claims.csv`` (:func:`load_claims`) -- one row per number in the prose
    ``claim_id`` (``c-<section>-<nnn>``, stable: never renumbered, new claims are
    appended), ``chapter`` (``abstract``, ``intro``, ``1``, ``2``, ``3``,
    ``conclusion``), ``section`` (``1.2.1``; heading numbers normalised, e.g. the
    printed ``1. 2. 2`` is ``1.2.2``), ``line`` (line of ``thesis.txt``),
    ``locator`` (``<section> | <first words of the sentence>``, the words
    verbatim), ``printed`` (verbatim substring of that line: the number with the
    words that qualify it, e.g. ``more than 2,000 kilometers``), ``value``
    (``parse_printed(printed)``), ``unit``, ``quantity``, ``reporter``
    (the economy the number describes: exporter, GDP owner, investor ...),
    ``partner`` (the counterpart; empty if none), ``flow``, ``period``,
    ``measure_kind``, ``qualifier`` (``exact``, ``approx``, ``more_than``,
    ``less_than``, ``at_least``, ``at_most``, taken from the printed words),
    ``footnotes`` (footnote numbers the sentence or its quoted passage cites,
    ``;``-separated, e.g. ``46;48``; empty if none), ``quoted`` (``true`` when
    the number stands inside a passage the thesis puts in quotation marks, i.e.
    quotes a source), ``note``.

``figures.csv`` / ``figure_series.csv`` (:func:`load_figure_specs`)
    ``figures.csv``: ``figure_id`` (``fig-3-1``), ``label_printed``
    (``Рисунок 3.1``), ``caption_printed``, ``section``, ``line``,
    ``image_present`` (``false``: the Word export lost the image), ``note``.
    ``figure_series.csv``: one row per series the caption implies:
    ``figure_id``, ``series_id``, ``quantity``, ``reporter``, ``partner``,
    ``flow``, ``period``, ``measure_kind``, ``unit``, ``note``.

``timeline.csv`` (:func:`load_timeline`) -- dated agreements, visits, events
    ``event_id`` (``t-nnn``, stable), ``date`` (``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``: only as precise as printed), ``date_printed``, ``event``
    (short description in our own words), ``kind`` (``agreement``, ``visit``,
    ``statement``, ``event``), ``parties`` (``;``-separated codes),
    ``footnotes``, ``section``, ``line``, ``note``.

``absent.csv`` (:func:`load_absent`) -- things the thesis refers to but does not contain
    ``item`` (e.g. ``Appendix A``), ``kind``, ``section``, ``line``,
    ``referenced_as`` (short quote), ``note``.

``coverage_exclusions.csv`` -- reviewed digit-bearing tokens that are not claims
    ``line``, ``token``, ``reason`` (from ``exclusion_reason`` in the
    vocabulary), ``note``.  Used by ``tools/ledger_coverage.py``.

``sections.csv`` (:func:`load_sections`) -- the thesis's table of contents
    ``number`` (``introduction``, ``1``, ``1.2.2``, ``conclusion``; heading numbers
    normalised as in ``claims.csv``), ``chapter`` (as in ``claims.csv``),
    ``level`` (0 for the introduction, the chapters and the conclusion, 1 for
    ``1.1``, 2 for ``1.2.1``), ``title_printed`` (the heading as printed, number
    included, oddities kept; empty for the conclusion, which has no heading),
    ``title`` (a cleaned English title, ours), ``line`` (line of ``thesis.txt``
    holding the heading; for the conclusion the line of its first paragraph),
    ``note``.  Each section is the book's heading with the MyST label
    :func:`section_label` (``thesis-1-2-2``).

``footnotes.csv`` (:func:`load_footnotes`) -- footnote number -> BibTeX key(s)
    ``footnote`` (1-127, each once), ``keys`` (``;``-separated BibTeX keys of
    ``references.bib``), ``kind``, ``locator`` (as printed), ``raw_text`` (the
    note as printed, whitespace collapsed), ``note``.

Codes: ``reporter`` / ``partner`` / ``parties`` are ISO 3166 alpha-3 codes or
the group codes of the vocabulary's ``area`` list (``WLD`` world, ``CA5`` the
five Central Asian states, ``CIS``, ``SCO``, ``EU`` ...).

Every loader validates with pandera and raises :class:`LedgerError` naming the
file, the row (1-based data row, header excluded) and the rule broken.  When the
environment variable ``KZCN_INPUT_LOG`` names a file, every loader appends
``ledger:<filename>\\t<sha256>`` lines to it, so the build knows which ledger
files a notebook read.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import yaml

from kzcn import config
from kzcn.fetch import sha256_of

TABLE_IDS = ("tbl-1-1", "tbl-1-2", "tbl-3-1")
FOOTNOTE_RANGE = (1, 127)


class LedgerError(ValueError):
    """A ledger file breaks its schema; the message names file, row and rule."""


# --------------------------------------------------------------------------- parsing

_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_CARDINALS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "half": 0.5,
    "twice": 2,
}
# Words that turn a printed magnitude into a negative change ("a decrease of 22.7%").
_NEGATING = re.compile(
    r"\b(decrease[sd]?|declin(e|ed|es)|drop(ped)?|fell|fall|down|reduc(ed|tion)|shorten(ed)?)\b", re.I
)

# A numeral: optional sign, digits with an optional grouping or decimal part.
# "3, 7" (Table 1.2) is a decimal comma followed by a stray space, hence `,\s?`.
_NUMERAL = re.compile(r"(?P<sign>[+\-−–])?\s?(?P<body>\d+(?:[.,]\s?\d+)*)")

STYLES = ("auto", "decimal_comma", "thousands_comma")


def _numeral_to_float(body: str, style: str) -> float:
    body = body.replace(" ", "")
    if style == "decimal_comma":
        return float(body.replace(".", "").replace(",", "."))
    if style == "thousands_comma":
        return float(body.replace(",", ""))
    # auto: a comma followed by exactly three digits (then end, '.' or another
    # group) groups thousands, as in "1,019.7" or "2,000"; any other comma is a
    # decimal comma, as in "2300,79" or "3, 7".
    if "," in body and re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", body):
        return float(body.replace(",", ""))
    if "," in body:
        if "." in body:
            raise ValueError(f"ambiguous numeral {body!r}: both ',' and '.' but not thousands grouping")
        if body.count(",") > 1:
            raise ValueError(f"ambiguous numeral {body!r}: several decimal commas")
        return float(body.replace(",", "."))
    return float(body)


def parse_printed(printed: str, style: str = "auto") -> float:
    """The one parser of numbers as the thesis prints them.

    Returns the number the string writes, in the units the string writes it:
    scale words (``billion``), currency (``US$``) and ``%`` are *not* applied, the
    ledger's ``unit`` column says what the number counts.  So
    ``"US$40.266 billion"`` -> 40.266, ``"20%"`` -> 20.0, ``"nearly 60 times"``
    -> 60.0, ``"2300,79"`` -> 2300.79, ``"3, 7"`` -> 3.7, ``"+3.9"`` -> 3.9,
    ``"-14.07"`` -> -14.07, ``"1,019.7 billion tenge"`` -> 1019.7.

    Rules: an explicit sign is kept; a magnitude introduced by a word of decrease
    (``"a decrease of 22.7%"``) is negative; ordinal words and ``Nth`` give ranks
    (``"third largest"`` -> 3, ``"75th"`` -> 75); a few number words are read when
    no numeral is printed (``"two"`` -> 2).  ``style`` picks the comma rule:
    ``auto`` (a comma before exactly three digits groups thousands, any other
    comma is decimal), ``decimal_comma`` or ``thousands_comma``.

    Raises ``ValueError`` when the string holds no number or more than one.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
    text = str(printed).strip()
    if not text:
        raise ValueError("empty printed string")
    matches = list(_NUMERAL.finditer(text))
    if len(matches) > 1:
        raise ValueError(f"more than one number in {printed!r}")
    if matches:
        m = matches[0]
        value = _numeral_to_float(m.group("body"), style)
        if m.group("sign") in ("-", "−", "–"):
            value = -value
    else:
        words = re.findall(r"[a-z]+", text.lower())
        found = [_ORDINALS[w] for w in words if w in _ORDINALS] + [
            _CARDINALS[w] for w in words if w in _CARDINALS
        ]
        if not found and re.search(r"\b(largest|biggest)\b", text, re.I):
            found = [1]  # "largest importer" ranks first
        if len(found) != 1:
            raise ValueError(f"no single number in {printed!r}")
        value = float(found[0])
    if value > 0 and _NEGATING.search(text) and not (matches and matches[0].group("sign")):
        value = -value
    return value


_QUALIFIERS = [
    ("more_than", re.compile(r"\b(more than|over|exceed(ed|s)?|above|upwards of)\b", re.I)),
    ("less_than", re.compile(r"\b(less than|below|fewer than)\b", re.I)),
    ("at_least", re.compile(r"\b(at least|no less than|not less than)\b", re.I)),
    ("at_most", re.compile(r"\b(at most|up to|no more than)\b", re.I)),
    ("approx", re.compile(r"\b(about|nearly|almost|approximately|around|roughly|close to)\b", re.I)),
]


def printed_qualifier(printed: str) -> str:
    """The qualifier the printed words imply (``exact`` when none)."""
    for name, pattern in _QUALIFIERS:
        if pattern.search(printed):
            return name
    return "exact"


# --------------------------------------------------------------------------- vocabulary


@cache
def load_vocabulary() -> dict:
    """The controlled vocabularies (``data/thesis/vocabulary.yml``) as a dict of lists/dicts."""
    path = config.THESIS_DIR / "vocabulary.yml"
    _log_input(path)
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _terms(name: str) -> list[str]:
    vocab = load_vocabulary()[name]
    return list(vocab.keys()) if isinstance(vocab, dict) else list(vocab)


def area_codes() -> list[str]:
    """Allowed reporter/partner codes: the ISO3 codes and groups listed in the vocabulary."""
    vocab = load_vocabulary()
    return list(vocab["iso3"]) + list(vocab["area"].keys())


# --------------------------------------------------------------------------- schemas

_PERIOD = r"^(\d{4}(-\d{4})?)?$"
_DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
_FOOTNOTES = r"^(\d{1,3}(;\d{1,3})*)?$"
_SECTION = r"^(abstract|intro|conclusion|\d(\.\d){0,3})$"


def _in_vocab(name: str, allow_empty: bool = False) -> pa.Check:
    allowed = _terms(name) + ([""] if allow_empty else [])
    return pa.Check.isin(allowed, error=f"{name} must be in vocabulary.yml:{name}")


def _area(allow_empty: bool) -> pa.Check:
    allowed = area_codes() + ([""] if allow_empty else [])
    return pa.Check.isin(allowed, error="must be an ISO3 or area code of vocabulary.yml")


def _footnotes_in_range(series: pd.Series) -> pd.Series:
    lo, hi = FOOTNOTE_RANGE
    return series.map(lambda s: all(lo <= int(n) <= hi for n in s.split(";")) if s else True)


def _str(*checks: pa.Check, unique: bool = False) -> pa.Column:
    return pa.Column(str, checks=list(checks), unique=unique)


def _printed_parses(df: pd.DataFrame) -> pd.Series:
    """Row-wise: ``value`` equals ``parse_printed(printed)``."""

    def ok(row) -> bool:
        try:
            return abs(parse_printed(row["printed"]) - row["value"]) < 1e-9
        except ValueError:
            return False

    return df.apply(ok, axis=1)


@cache
def table_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "table_id": _str(pa.Check.isin(TABLE_IDS)),
            "cell_id": _str(pa.Check.str_matches(r"^tbl-\d-\d:[a-z0-9_\-]+:[a-z0-9_\-]+$"), unique=True),
            "line": pa.Column(int, pa.Check.ge(1)),
            "row_label": _str(),
            "column_label": _str(),
            "period": _str(pa.Check.str_matches(_PERIOD)),
            "year": pa.Column("Int64", pa.Check.in_range(1990, 2021), nullable=True),
            "reporter": _str(_area(False)),
            "partner": _str(_area(False)),
            "flow": _str(_in_vocab("flow")),
            "measure": _str(_in_vocab("table_measure")),
            "commodity": _str(),
            "hs2": _str(pa.Check.str_matches(r"^(\d{2})?$")),
            "printed": _str(pa.Check.str_length(min_value=1)),
            "value": pa.Column(float),
            "printed_unit": _str(),
            "unit": _str(_in_vocab("unit")),
            "note": _str(),
        },
        checks=[pa.Check(_printed_parses, error="value must equal parse_printed(printed)")],
        strict=True,
        ordered=True,
    )


@cache
def table_meta_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "table_id": _str(pa.Check.isin(TABLE_IDS), unique=True),
            "label": _str(pa.Check.str_matches(r"^Table \d\.\d$")),
            "title_printed": _str(pa.Check.str_length(min_value=1)),
            "section": _str(pa.Check.str_matches(_SECTION)),
            "line": pa.Column(int, pa.Check.ge(1)),
            "source_printed": _str(),
            "printed_unit": _str(),
            "note": _str(),
        },
        strict=True,
        ordered=True,
    )


@cache
def claim_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "claim_id": _str(
                pa.Check.str_matches(r"^c-(abstract|intro|conclusion|\d(\.\d){0,3})-\d{3}$"), unique=True
            ),
            "chapter": _str(pa.Check.isin(["abstract", "intro", "1", "2", "3", "conclusion"])),
            "section": _str(pa.Check.str_matches(_SECTION)),
            "line": pa.Column(int, pa.Check.ge(1)),
            "locator": _str(pa.Check.str_matches(r"^(abstract|intro|conclusion|\d(\.\d){0,3}) \| \S.*$")),
            "printed": _str(pa.Check.str_length(min_value=1)),
            "value": pa.Column(float),
            "unit": _str(_in_vocab("unit")),
            "quantity": _str(_in_vocab("quantity")),
            "reporter": _str(_area(True)),
            "partner": _str(_area(True)),
            "flow": _str(_in_vocab("flow")),
            "period": _str(pa.Check.str_matches(_PERIOD)),
            "measure_kind": _str(_in_vocab("measure_kind")),
            "qualifier": _str(_in_vocab("qualifier")),
            "footnotes": _str(
                pa.Check.str_matches(_FOOTNOTES),
                pa.Check(_footnotes_in_range, element_wise=False, error="footnote numbers must be 1-127"),
            ),
            "quoted": pa.Column(bool),
            "note": _str(),
        },
        checks=[
            pa.Check(_printed_parses, error="value must equal parse_printed(printed)"),
            pa.Check(
                lambda df: df["claim_id"].str.split("-").str[1] == df["section"],
                error="claim_id must carry the claim's section",
            ),
            pa.Check(
                lambda df: df.apply(lambda r: r["locator"].split(" | ")[0] == r["section"], axis=1),
                error="locator must start with the claim's section",
            ),
        ],
        strict=True,
        ordered=True,
    )


@cache
def figure_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "figure_id": _str(pa.Check.str_matches(r"^fig-\d-\d$"), unique=True),
            "label_printed": _str(),
            "caption_printed": _str(pa.Check.str_length(min_value=1)),
            "section": _str(pa.Check.str_matches(_SECTION)),
            "line": pa.Column(int, pa.Check.ge(1)),
            "image_present": pa.Column(bool),
            "note": _str(),
        },
        strict=True,
        ordered=True,
    )


@cache
def figure_series_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "figure_id": _str(pa.Check.str_matches(r"^fig-\d-\d$")),
            "series_id": _str(pa.Check.str_matches(r"^[a-z0-9_]+$"), unique=True),
            "quantity": _str(_in_vocab("quantity")),
            "reporter": _str(_area(False)),
            "partner": _str(_area(True)),
            "flow": _str(_in_vocab("flow")),
            "period": _str(pa.Check.str_matches(_PERIOD)),
            "measure_kind": _str(_in_vocab("measure_kind")),
            "unit": _str(_in_vocab("unit")),
            "note": _str(),
        },
        strict=True,
        ordered=True,
    )


@cache
def timeline_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "event_id": _str(pa.Check.str_matches(r"^t-\d{3}$"), unique=True),
            "date": _str(pa.Check.str_matches(_DATE)),
            "date_printed": _str(pa.Check.str_length(min_value=1)),
            "event": _str(pa.Check.str_length(min_value=1)),
            "kind": _str(_in_vocab("timeline_kind")),
            "parties": _str(
                pa.Check(
                    lambda s: s.map(lambda v: all(p in area_codes() for p in v.split(";")) if v else True),
                    element_wise=False,
                    error="parties must be ';'-separated ISO3 or area codes",
                )
            ),
            "footnotes": _str(
                pa.Check.str_matches(_FOOTNOTES),
                pa.Check(_footnotes_in_range, element_wise=False, error="footnote numbers must be 1-127"),
            ),
            "section": _str(pa.Check.str_matches(_SECTION)),
            "line": pa.Column(int, pa.Check.ge(1)),
            "note": _str(),
        },
        strict=True,
        ordered=True,
    )


@cache
def absent_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "item": _str(pa.Check.str_length(min_value=1), unique=True),
            "kind": _str(pa.Check.isin(["appendix", "figure_image", "other"])),
            "section": _str(pa.Check.str_matches(_SECTION)),
            "line": pa.Column(int, pa.Check.ge(1)),
            "referenced_as": _str(pa.Check.str_length(min_value=1)),
            "note": _str(),
        },
        strict=True,
        ordered=True,
    )


@cache
def exclusion_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "line": pa.Column(int, pa.Check.ge(1)),
            "token": _str(pa.Check.str_contains(r"\d")),
            "reason": _str(_in_vocab("exclusion_reason")),
            "note": _str(),
        },
        unique=["line", "token"],
        strict=True,
        ordered=True,
    )


_SECTION_NUMBER = r"^(introduction|conclusion|[1-3](\.[1-9]){0,2})$"


def _level_matches_number(df: pd.DataFrame) -> pd.Series:
    return df.apply(
        lambda r: (
            r["level"] == (0 if r["number"] in ("introduction", "conclusion") else r["number"].count("."))
        ),
        axis=1,
    )


@cache
def section_schema() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "number": _str(pa.Check.str_matches(_SECTION_NUMBER), unique=True),
            "chapter": _str(pa.Check.isin(["intro", "1", "2", "3", "conclusion"])),
            "level": pa.Column(int, pa.Check.isin([0, 1, 2])),
            "title_printed": _str(),
            "title": _str(pa.Check.str_length(min_value=1)),
            "line": pa.Column(int, pa.Check.ge(1), unique=True),
            "note": _str(),
        },
        checks=[
            pa.Check(_level_matches_number, error="level must be the number of dots of the number"),
            pa.Check(lambda df: df["line"].is_monotonic_increasing, error="sections must be in thesis order"),
        ],
        strict=True,
        ordered=True,
    )


@cache
def footnote_schema() -> pa.DataFrameSchema:
    lo, hi = FOOTNOTE_RANGE
    return pa.DataFrameSchema(
        {
            "footnote": pa.Column(int, pa.Check.in_range(lo, hi), unique=True),
            "keys": _str(pa.Check.str_matches(r"^[A-Za-z0-9_:-]+(;[A-Za-z0-9_:-]+)*$")),
            "kind": _str(pa.Check.isin(["source"])),
            "locator": _str(),
            "raw_text": _str(pa.Check.str_length(min_value=1)),
            "note": _str(),
        },
        checks=[pa.Check(lambda df: len(df) == hi - lo + 1, error=f"one row for each footnote {lo}-{hi}")],
        strict=True,
        ordered=True,
    )


# --------------------------------------------------------------------------- reading

_INT_COLUMNS = {"line", "level", "footnote"}
_FLOAT_COLUMNS = {"value"}
_BOOL_COLUMNS = {"quoted", "image_present"}
_NULLABLE_INT_COLUMNS = {"year"}


def _log_input(path: Path) -> None:
    log = os.environ.get("KZCN_INPUT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"ledger:{path.name}\t{sha256_of(path)}\n")


def _coerce(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Turn the all-string frame into typed columns, naming the row of a bad cell."""
    for column in df.columns:
        converters = {
            **dict.fromkeys(_INT_COLUMNS, int),
            **dict.fromkeys(_FLOAT_COLUMNS, float),
            **dict.fromkeys(_BOOL_COLUMNS, {"true": True, "false": False}.__getitem__),
        }
        if column in _NULLABLE_INT_COLUMNS:
            converters[column] = lambda s: None if s == "" else int(s)
        if column not in converters:
            continue
        values = []
        for i, raw in enumerate(df[column], start=1):
            try:
                values.append(converters[column](raw))
            except (ValueError, KeyError) as exc:
                raise LedgerError(
                    f"{path.name}: row {i}: column {column!r}: cannot read {raw!r} ({exc.__class__.__name__})"
                ) from None
        dtype = (
            "Int64"
            if column in _NULLABLE_INT_COLUMNS
            else "int64"
            if column in _INT_COLUMNS
            else "bool"
            if column in _BOOL_COLUMNS
            else "float64"
        )
        df[column] = pd.Series(values, index=df.index, dtype=dtype)
    return df


def read_validated(path: Path, schema: pa.DataFrameSchema) -> pd.DataFrame:
    """Read one ledger CSV, type it, validate it; errors name file, row and rule."""
    path = Path(path)
    _log_input(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, pd.errors.ParserError) as exc:
        raise LedgerError(f"{path.name}: cannot be read as CSV: {exc}") from None
    df = _coerce(df, path)
    try:
        return schema.validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise LedgerError(_describe(path, exc.failure_cases)) from None


def _describe(path: Path, failures: pd.DataFrame) -> str:
    lines = [f"{path.name}: {len(failures)} schema violation(s)"]
    for _, failure in failures.head(20).iterrows():
        index = failure.get("index")
        row = "file" if index is None or pd.isna(index) else f"row {int(index) + 1}"
        column = failure.get("column")
        where = f"column {column!r}" if isinstance(column, str) else "row check"
        lines.append(
            f"  {path.name}: {row}: {where}: rule {failure['check']!r} failed (value {failure['failure_case']!r})"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- public loaders


def load_table(table_id: str) -> pd.DataFrame:
    """Cells of one printed table (``tbl-1-1``, ``tbl-1-2``, ``tbl-3-1``), validated, long form."""
    if table_id not in TABLE_IDS:
        raise KeyError(f"unknown table {table_id!r}; the thesis prints {TABLE_IDS}")
    cells = load_tables()
    return cells[cells["table_id"] == table_id].reset_index(drop=True)


def load_tables() -> pd.DataFrame:
    """All printed table cells, validated."""
    return read_validated(config.THESIS_DIR / "tables.csv", table_schema())


def load_table_meta() -> pd.DataFrame:
    """One row per printed table: title and source as printed, printed oddities."""
    return read_validated(config.THESIS_DIR / "table_meta.csv", table_meta_schema())


def load_claims() -> pd.DataFrame:
    """Every numeric claim of the prose, validated."""
    return read_validated(config.THESIS_DIR / "claims.csv", claim_schema())


def load_figure_specs() -> pd.DataFrame:
    """Implied series of the thesis's figures, one row per series, joined with caption data."""
    figures = read_validated(config.THESIS_DIR / "figures.csv", figure_schema())
    series = read_validated(config.THESIS_DIR / "figure_series.csv", figure_series_schema())
    missing = set(series["figure_id"]) - set(figures["figure_id"])
    if missing:
        raise LedgerError(f"figure_series.csv: figure ids not in figures.csv: {sorted(missing)}")
    return series.merge(
        figures.rename(columns={"section": "figure_section", "line": "figure_line", "note": "figure_note"}),
        on="figure_id",
        how="left",
    )


def load_timeline() -> pd.DataFrame:
    """Dated agreements, visits, statements and events, validated."""
    return read_validated(config.THESIS_DIR / "timeline.csv", timeline_schema())


def load_absent() -> pd.DataFrame:
    """Parts the thesis refers to but does not contain (Appendix A, the Figure 3.1 image)."""
    return read_validated(config.THESIS_DIR / "absent.csv", absent_schema())


def load_coverage_exclusions() -> pd.DataFrame:
    """Reviewed digit-bearing tokens of the thesis body that are not numeric claims."""
    return read_validated(config.THESIS_DIR / "coverage_exclusions.csv", exclusion_schema())


def load_sections() -> pd.DataFrame:
    """The thesis's table of contents (introduction, chapters, sections, conclusion), validated."""
    return read_validated(config.THESIS_DIR / "sections.csv", section_schema())


def section_label(number: str) -> str:
    """The MyST label of a thesis section: ``2.2.3`` -> ``thesis-2-2-3``, ``conclusion`` -> ``thesis-conclusion``."""
    return "thesis-" + str(number).replace(".", "-")


def load_footnotes() -> pd.DataFrame:
    """The thesis's footnotes, one row each, with the BibTeX key(s) each one cites, validated."""
    return read_validated(config.THESIS_DIR / "footnotes.csv", footnote_schema())
