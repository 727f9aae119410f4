"""The ledger says where each value was printed, and it was printed there."""

from __future__ import annotations

import re

import pytest

from kzcn import ledger


@pytest.fixture(scope="module")
def body(thesis_text, coverage_tool):
    return coverage_tool.body_lines(thesis_text)


@pytest.fixture(scope="module")
def raw_lines(thesis_text):
    return dict(enumerate(thesis_text.split("\n"), start=1))


def test_claims_are_printed_on_their_line(body):
    for claim in ledger.load_claims().itertuples():
        assert claim.printed in body[claim.line], (
            f"{claim.claim_id}: {claim.printed!r} not on line {claim.line}"
        )
        words = claim.locator.split(" | ", 1)[1]
        assert words in body[claim.line], f"{claim.claim_id}: locator words not on line {claim.line}"


def test_cited_footnotes_are_cited_on_that_line(raw_lines):
    for frame, key in ((ledger.load_claims(), "claim_id"), (ledger.load_timeline(), "event_id")):
        for row in frame.itertuples():
            for number in filter(None, row.footnotes.split(";")):
                assert f"[footnoteRef:{number}]" in raw_lines[row.line], (
                    f"{getattr(row, key)}: no footnote {number}"
                )


def test_quoted_claims_sit_inside_quotation_marks(body):
    for claim in ledger.load_claims().itertuples():
        if not claim.quoted:
            continue
        before = body[claim.line][: body[claim.line].index(claim.printed)]
        assert before.count("“") > before.count("”"), (
            f"{claim.claim_id} is marked quoted but no quote is open"
        )


def test_table_cells_are_printed_on_their_line(raw_lines):
    for cell in ledger.load_tables().itertuples():
        assert raw_lines[cell.line].strip() == cell.printed, f"{cell.cell_id}: line {cell.line} differs"


def test_table_titles_and_figure_caption_are_verbatim(raw_lines):
    for table in ledger.load_table_meta().itertuples():
        assert raw_lines[table.line].strip() == table.title_printed
    for figure in ledger.load_figure_specs().drop_duplicates("figure_id").itertuples():
        assert figure.caption_printed in raw_lines[figure.figure_line]
        assert figure.label_printed in raw_lines[figure.figure_line]


def test_timeline_dates_are_printed_and_as_precise_as_printed(body):
    for event in ledger.load_timeline().itertuples():
        assert event.date_printed in body[event.line], f"{event.event_id}: date not on line {event.line}"
        assert event.date[:4] in event.date_printed or event.date[:4] in body[event.line]
        has_day = re.search(
            r"\b\d{1,2}(st|nd|rd|th)?\b(?!\d)", re.sub(r"\b(19|20)\d\d\b", "", event.date_printed)
        )
        assert (len(event.date) == 10) == bool(has_day), f"{event.event_id}: precision differs from print"


def test_absent_items_are_referenced_where_stated(body):
    for item in ledger.load_absent().itertuples():
        assert item.referenced_as in body[item.line]


def test_claim_sections_match_the_headings(thesis_text, coverage_tool):
    headings = sorted(coverage_tool.heading_lines(thesis_text))
    raw = thesis_text.split("\n")

    def section_at(line: int) -> str:
        above = [h for h in headings if h <= line]
        text = re.sub(r"\[bookmark: [^\]]*\]", "", raw[above[-1] - 1]).strip() if above else ""
        number = re.match(r"(Chapter\s+)?(\d(?:\.\s?\d){0,2})", text)
        return number.group(2).replace(" ", "") if number else "intro"

    for claim in ledger.load_claims().itertuples():
        if claim.section in ("abstract", "intro", "conclusion"):
            continue
        assert section_at(claim.line) == claim.section, (
            f"{claim.claim_id}: printed under {section_at(claim.line)}"
        )


def test_printed_units_are_printed_in_the_table(thesis_text):
    lines = thesis_text.split("\n")
    for table in ledger.load_table_meta().itertuples():
        # The table runs from its title to its source line; units are printed in that span.
        end = next(n for n in range(table.line, len(lines)) if lines[n].strip() == table.source_printed)
        span = "\n".join(lines[table.line - 1 : end + 1])
        for unit in {table.printed_unit, *ledger.load_table(table.table_id)["printed_unit"]} - {""}:
            assert unit in span, f"{table.table_id}: unit {unit!r} is not printed in the table"
