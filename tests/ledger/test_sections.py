"""The thesis's table of contents as ledger data (``data/thesis/sections.csv``).

Checked against the thesis text itself, read here without ``kzcn``: every heading
bookmark of the Word export is one row, at its line, with its printed title.
"""

from __future__ import annotations

import re
import shutil

import pytest

from kzcn import config, ledger

BOOKMARK = re.compile(r"\[bookmark: _Toc\d+\](.*)")


def test_every_heading_bookmark_of_the_thesis_is_one_row_at_its_line(thesis_text):
    lines = thesis_text.split("\n")
    headings = {i: m.group(1).strip() for i, line in enumerate(lines, 1) if (m := BOOKMARK.search(line))}
    sections = ledger.load_sections()
    headed = sections[sections["number"] != "conclusion"]
    assert dict(zip(headed["line"], headed["title_printed"], strict=True)) == headings


def test_the_conclusion_starts_at_its_first_paragraph(thesis_text):
    sections = ledger.load_sections().set_index("number")
    line = thesis_text.split("\n")[sections.loc["conclusion", "line"] - 1]
    assert line.strip().startswith("Through the simple analysis")
    assert sections.loc["conclusion", "title_printed"] == ""


def test_numbers_are_the_printed_ones_normalised():
    sections = ledger.load_sections()
    for number, printed in zip(sections["number"], sections["title_printed"], strict=True):
        if number in ("introduction", "conclusion"):
            continue
        if "." not in number:
            assert printed.startswith(f"Chapter {number}.")
        else:
            digits = re.match(r"[\d.\s]+", printed).group(0)
            assert re.sub(r"[.\s]", "", digits).startswith(number.replace(".", ""))


def test_labels_follow_the_contract():
    assert ledger.section_label("2.2.3") == "thesis-2-2-3"
    assert ledger.section_label("conclusion") == "thesis-conclusion"
    assert ledger.section_label("introduction") == "thesis-introduction"


def test_a_broken_sections_file_names_file_row_and_rule(tmp_path, monkeypatch):
    copy = tmp_path / "thesis"
    shutil.copytree(config.THESIS_DIR, copy)
    text = (copy / "sections.csv").read_text(encoding="utf-8").replace("\n1.1,1,1,", "\n1.1,1,2,", 1)
    (copy / "sections.csv").write_text(text, encoding="utf-8")
    monkeypatch.setattr(config, "THESIS_DIR", copy)
    with pytest.raises(ledger.LedgerError, match="sections.csv"):
        ledger.load_sections()


def test_footnotes_load_one_row_per_note():
    notes = ledger.load_footnotes()
    assert list(notes["footnote"]) == list(range(1, 128))
