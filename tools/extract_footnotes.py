"""Pull the footnotes out of the thesis's Word export and compare them with the ledger.

In ``thesis.txt`` a citation is written ``[footnoteRef:N]`` and the note's own text
follows inline as ``[N: ...]``.  Note texts may contain bracketed parts of their own
(Chinese journal tags such as ``[J]``), so a note ends at the bracket that balances
its opening one, not at the first ``]``.

Usage::

    python tools/extract_footnotes.py             # print number <TAB> text, one note a line
    python tools/extract_footnotes.py --check     # compare data/thesis/footnotes.csv with the thesis
    python tools/extract_footnotes.py --context 17  # the prose just before marker 17

The thesis lives outside the repository (``config.thesis_text()``, by default
``../shared/thesis/thesis.txt``); ``--thesis`` points elsewhere.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from kzcn import config  # noqa: E402  (the repository root must be importable first)

MARKER = re.compile(r"\[footnoteRef:(\d+)\]")
NOTE_START = re.compile(r"\[(\d+):")
FOOTNOTES_CSV = config.THESIS_DIR / "footnotes.csv"


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace (the export breaks some notes over lines)."""
    return " ".join(text.split())


def footnote_markers(text: str) -> list[int]:
    """Footnote numbers in the order their ``[footnoteRef:N]`` markers appear."""
    return [int(number) for number in MARKER.findall(text)]


def footnote_texts(text: str) -> dict[int, str]:
    """Map footnote number -> the note's text, whitespace-normalised.

    Raises ``ValueError`` when a note's brackets never balance or a number repeats,
    because either means the export was not parsed the way we think.
    """
    notes: dict[int, str] = {}
    for match in NOTE_START.finditer(text):
        number = int(match.group(1))
        depth, position = 1, match.end()
        while depth and position < len(text):
            if text[position] == "[":
                depth += 1
            elif text[position] == "]":
                depth -= 1
            position += 1
        if depth:
            raise ValueError(f"footnote {number}: no closing bracket")
        if number in notes:
            raise ValueError(f"footnote {number} appears twice")
        notes[number] = normalise_space(text[match.end() : position - 1])
    return notes


def prose_before(text: str, number: int, width: int = 300) -> str:
    """The thesis prose just before marker ``number``, with inline note texts removed."""
    end = text.index(f"[footnoteRef:{number}]")
    window = text[max(0, end - 4 * width) : end]
    window = re.sub(r"\[\d+:[^\]]*\]", "", window)
    return normalise_space(window)[-width:]


def check_ledger(text: str, csv_path: Path = FOOTNOTES_CSV) -> list[str]:
    """Differences between ``footnotes.csv`` and the thesis (empty list = consistent)."""
    notes = footnote_texts(text)
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    problems = []
    seen = [int(row["footnote"]) for row in rows]
    if sorted(seen) != sorted(set(footnote_markers(text))):
        problems.append("footnote numbers in the CSV differ from the thesis's markers")
    for row in rows:
        number = int(row["footnote"])
        if normalise_space(row["raw_text"]) != notes.get(number):
            problems.append(f"footnote {number}: raw_text differs from the thesis")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thesis", type=Path, default=config.thesis_text())
    parser.add_argument("--check", action="store_true", help="compare footnotes.csv with the thesis")
    parser.add_argument("--context", type=int, metavar="N", help="show the prose before marker N")
    args = parser.parse_args(argv)
    text = args.thesis.read_text(encoding="utf-8")
    if args.context is not None:
        print(prose_before(text, args.context))
        return 0
    if args.check:
        problems = check_ledger(text)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    for number, note in sorted(footnote_texts(text).items()):
        print(f"{number}\t{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
