"""Does the ledger cover every number the thesis prints?

Lists every digit-bearing token of the thesis body (footnote texts, footnote
markers and Word bookmarks removed) and says what covers it:

* ``claim`` -- inside the ``printed`` string of a claim on that line,
* ``table`` -- a printed table cell, or a table title/source line,
* ``figure`` -- the caption line of a figure,
* ``timeline`` -- inside the ``date_printed`` of a timeline event on that line,
* ``rule:<reason>`` -- a mechanical exclusion (heading numbers, years used as
  dates, day numbers of printed dates, URLs),
* ``reviewed:<reason>`` -- a row of ``data/thesis/coverage_exclusions.csv``,
* ``UNCOVERED`` -- none of these: the ledger is incomplete.

Claims take precedence over the rules, so a year that is part of a claim's
printed string (``"in 2010 it was more than 3 trillion"``) counts as a claim.

Usage::

    python tools/ledger_coverage.py            # counts, then the uncovered tokens
    python tools/ledger_coverage.py --list     # every token with its coverage (TSV)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kzcn import config, ledger  # noqa: E402

_FOOTNOTE_MARKER = re.compile(r"\[footnoteRef:\d+\]")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")
_FOOTNOTE_TEXT_START = re.compile(r"\[(\d{1,3}):")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*")
_URL = re.compile(r"(https?|file)://\S+")
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DAY_BEFORE_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s*-\s*\d{{1,2}})?\s+(?:{_MONTHS})\b")
_DAY_AFTER_MONTH = re.compile(rf"\b(?:{_MONTHS})\s+(\d{{1,2}})(?:\s*-\s*(\d{{1,2}}))?\b")


@dataclass(frozen=True)
class Token:
    line: int
    start: int
    end: int
    text: str


def strip_footnotes(text: str) -> str:
    """The thesis with footnote markers, footnote texts and bookmarks blanked out.

    Footnote texts (``[N: ...]``) may contain brackets (``[J]``) and newlines,
    so they are removed by bracket depth, not by a regular expression.  Removed
    characters become spaces (newlines stay), so line numbers and columns of the
    remaining body text are those of ``thesis.txt``.
    """
    chars = list(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if chars[k] != "\n":
                chars[k] = " "

    for pattern in (_FOOTNOTE_MARKER, _BOOKMARK):
        for m in pattern.finditer(text):
            blank(m.start(), m.end())
    i = 0
    while True:
        m = _FOOTNOTE_TEXT_START.search(text, i)
        if not m:
            break
        depth, k = 0, m.start()
        while k < len(text):
            if text[k] == "[":
                depth += 1
            elif text[k] == "]":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        blank(m.start(), k + 1)
        i = k + 1
    return "".join(chars)


def body_lines(text: str) -> dict[int, str]:
    """Line number (1-based) -> body text of that line."""
    return dict(enumerate(strip_footnotes(text).split("\n"), start=1))


def heading_lines(text: str) -> set[int]:
    return {n for n, raw in enumerate(text.split("\n"), start=1) if "[bookmark: _Toc" in raw}


def digit_tokens(lines: dict[int, str]) -> list[Token]:
    return [
        Token(n, m.start(), m.end(), m.group()) for n, body in lines.items() for m in _TOKEN.finditer(body)
    ]


def _spans(haystack: str, needle: str) -> list[tuple[int, int]]:
    return (
        [(m.start(), m.start() + len(needle)) for m in re.finditer(re.escape(needle), haystack)]
        if needle
        else []
    )


def _inside(token: Token, spans: list[tuple[int, int]]) -> bool:
    return any(a <= token.start and token.end <= b for a, b in spans)


def _date_parts(body: str) -> list[tuple[int, int]]:
    spans = []
    for pattern in (_DAY_BEFORE_MONTH, _DAY_AFTER_MONTH):
        for m in pattern.finditer(body):
            spans += [m.span(g) for g in range(1, (m.lastindex or 0) + 1) if m.group(g)]
    return spans


def classify(text: str | None = None) -> list[tuple[Token, str]]:
    """Every digit-bearing token of the body with what covers it."""
    text = config.thesis_text().read_text(encoding="utf-8") if text is None else text
    lines = body_lines(text)
    headings = heading_lines(text)
    claims = ledger.load_claims()
    cells = ledger.load_tables()
    meta = ledger.load_table_meta()
    figures = ledger.load_figure_specs()
    timeline = ledger.load_timeline()
    reviewed = ledger.load_coverage_exclusions()

    claim_spans: dict[int, list] = {}
    for row in claims.itertuples():
        claim_spans.setdefault(row.line, []).extend(_spans(lines.get(row.line, ""), row.printed))
    cell_spans: dict[int, list] = {}
    for row in cells.itertuples():
        cell_spans.setdefault(row.line, []).extend(_spans(lines.get(row.line, ""), row.printed))
    table_text_lines = set(meta["line"])
    for row in meta.itertuples():
        # The source line sits somewhere below the title; find it by content.
        table_text_lines |= {
            n for n, body in lines.items() if row.source_printed and body.strip() == row.source_printed
        }
    figure_lines = set(figures["figure_line"])
    timeline_spans: dict[int, list] = {}
    for row in timeline.itertuples():
        timeline_spans.setdefault(row.line, []).extend(_spans(lines.get(row.line, ""), row.date_printed))
    reviewed_keys = {(r.line, r.token): r.reason for r in reviewed.itertuples()}

    result = []
    for token in digit_tokens(lines):
        body = lines[token.line]
        if _inside(token, claim_spans.get(token.line, [])):
            status = "claim"
        elif _inside(token, cell_spans.get(token.line, [])) or token.line in table_text_lines:
            status = "table"
        elif token.line in figure_lines:
            status = "figure"
        elif (token.line, token.text) in reviewed_keys:
            status = f"reviewed:{reviewed_keys[(token.line, token.text)]}"
        elif token.line in headings:
            numbering = re.match(r"\s*(Chapter\s+)?[\d.\s]*\d\.?", body)
            status = (
                "rule:section_number" if numbering and token.end <= numbering.end() else "rule:heading_text"
            )
        elif _inside(token, [m.span() for m in _URL.finditer(body)]):
            status = "rule:url"
        elif _inside(token, timeline_spans.get(token.line, [])):
            status = "timeline"
        elif _inside(token, _date_parts(body)):
            status = "rule:date_part"
        elif (
            re.fullmatch(r"(19[4-9]\d|20[0-5]\d)", token.text)
            # "2010" and the decade "1990s" are dates; "2050km" would not be
            and not re.match(r"(?!s\b)[^\W\d_]", body[token.end : token.end + 2])
        ):
            status = "rule:year_as_date"
        else:
            status = "UNCOVERED"
        result.append((token, status))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print every token with its coverage (TSV)")
    args = parser.parse_args(argv)
    classified = classify()
    lines = body_lines(config.thesis_text().read_text(encoding="utf-8"))
    if args.list:
        print("line\tcolumn\ttoken\tcoverage\tcontext")
        for token, status in classified:
            context = lines[token.line][max(0, token.start - 40) : token.end + 40].replace("\t", " ")
            print(f"{token.line}\t{token.start}\t{token.text}\t{status}\t{context}")
        return 0
    counts = Counter(
        status.split(":")[0] if status.startswith(("rule", "reviewed")) else status
        for _, status in classified
    )
    detail = Counter(status for _, status in classified)
    total = len(classified)
    print(f"digit-bearing tokens in the thesis body: {total}")
    for status, n in sorted(detail.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {status:28s} {n:5d}")
    uncovered = [t for t, s in classified if s == "UNCOVERED"]
    considered = total - counts["rule"] - counts["reviewed"]
    print(
        f"non-excluded tokens: {considered}; covered: {considered - len(uncovered)} ({100 * (considered - len(uncovered)) / max(considered, 1):.1f} %)"
    )
    for token in uncovered:
        context = lines[token.line][max(0, token.start - 50) : token.end + 30]
        print(f"UNCOVERED line {token.line}: {token.text!r}: ...{context}...")
    return 0 if not uncovered else 1


if __name__ == "__main__":
    raise SystemExit(main())
