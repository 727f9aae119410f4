"""Words of the companion's narrative, per thesis section and per chapter page.

The narrative of a thesis section is everything between its heading (the MyST
label ``thesis-<number>``, data/thesis/sections.csv) and the next thesis
heading: the Markdown cells' words, and the words of the sentences that code
cells display with ``figures.prose`` (their string literals).  Citation roles,
labels, HTML and code identifiers are not counted.

Usage::

    python tools/narrative_words.py            # a table: section, words; then chapter totals
    python tools/narrative_words.py --check    # exit 1 if a target is missed

Targets (issue 12): at least ``TOTAL_TARGET`` words for the introduction,
chapters 1-3 and the conclusion together, and at least ``SECTION_TARGET`` words
(one full paragraph) under every thesis section.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = {
    "intro": "00_introduction.ipynb",
    "1": "01_chapter1.ipynb",
    "2": "02_chapter2.ipynb",
    "3": "03_chapter3.ipynb",
    "conclusion": "04_conclusion.ipynb",
}
TOTAL_TARGET = 6000
SECTION_TARGET = 80
LABEL = re.compile(r"^\(thesis-([a-z0-9-]+)\)=\s*$", re.M)


def _strip_markup(text: str) -> str:
    text = re.sub(r"\{[a-z:]+\}`[^`]*`", " ", text)  # roles: citations, doc links
    text = re.sub(r"^\([^)]*\)=\s*$", " ", text, flags=re.M)  # labels
    text = re.sub(r"<[^>]+>", " ", text)  # HTML
    text = re.sub(r"^#+ .*$", " ", text, flags=re.M)  # headings are titles, not narrative
    text = re.sub(r"^\|.*\|$", " ", text, flags=re.M)  # Markdown tables
    return text


def words(text: str) -> int:
    """Words of a text: runs of letters (an apostrophe or hyphen may join them)."""
    return len(re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", _strip_markup(text)))


def _prose_strings(source: str) -> str:
    """The string literals of ``figures.prose(...)`` calls of a code cell (f-string text only)."""
    if "figures.prose" not in source:
        return ""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    parts: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "prose":
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    parts.append(sub.value)
    return " ".join(parts)


def section_words(notebook: Path) -> dict[str, int]:
    """Words under each thesis heading of a notebook (label number -> words)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    counts: dict[str, int] = {}
    current = None
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            pieces = re.split(r"(?m)^(?=\(thesis-[a-z0-9-]+\)=\s*$)", source)
            for piece in pieces:
                match = LABEL.search(piece)
                if match:
                    current = match.group(1)
                    counts.setdefault(current, 0)
                if current is not None:
                    counts[current] += words(piece)
        elif current is not None:
            counts[current] += words(_prose_strings(source))
    return counts


def report(root: Path = REPO_ROOT) -> tuple[dict[str, int], dict[str, int]]:
    """(words per section number, words per chapter page)."""
    with open(root / "data" / "thesis" / "sections.csv", encoding="utf-8", newline="") as handle:
        numbers = [row["number"] for row in csv.DictReader(handle)]
    per_label: dict[str, int] = {}
    per_chapter: dict[str, int] = {}
    for chapter, name in NOTEBOOKS.items():
        counts = section_words(root / "notebooks" / name)
        per_label.update(counts)
        per_chapter[chapter] = sum(counts.values())
    per_section = {number: per_label.get(number.replace(".", "-"), 0) for number in numbers}
    return per_section, per_chapter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    per_section, per_chapter = report()
    print("section\twords")
    for number, count in per_section.items():
        flag = "" if count >= SECTION_TARGET else f"\t< {SECTION_TARGET}"
        print(f"{number}\t{count}{flag}")
    print()
    print("chapter\twords")
    for chapter, count in per_chapter.items():
        print(f"{chapter}\t{count}")
    total = sum(per_chapter.values())
    print(f"total\t{total}\t(target {TOTAL_TARGET})")
    missed = [n for n, c in per_section.items() if c < SECTION_TARGET]
    if args.check and (missed or total < TOTAL_TARGET):
        print(f"targets missed: total {total}, short sections {missed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
