"""The pages printed on A4 (issue 14, point 5): what the print stylesheet promises."""

from __future__ import annotations

import pytest

from kzcn import config
from tests.browser.test_browser_site import toc_pages

pytestmark = pytest.mark.browser

#: A4 at 96 CSS px per inch, less the 14 mm side margins of the print stylesheet.
A4_TEXT_WIDTH_PX = round((210 - 2 * 14) / 25.4 * 96)

PRINT_STATE = """(limit) => {
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const wide = [...document.querySelectorAll('.bd-article table')]
    .filter(t => shown(t) && t.getBoundingClientRect().width > limit + 1)
    .map(t => (t.id || t.querySelector('caption')?.textContent || 'table').trim().slice(0, 60)
              + ' ' + Math.round(t.getBoundingClientRect().width) + ' px');
  const code = [...document.querySelectorAll('.cell_input')].filter(shown).length;
  const closed = [...document.querySelectorAll('details.kzcn-cite .sd-summary-content, details.kzcn-provenance .sd-summary-content')]
    .filter(el => !shown(el)).length;
  const numbers = [...document.querySelectorAll('.caption-number')].filter(el => !shown(el)).length;
  return {wide, code, closed, numbers};
}"""


@pytest.mark.parametrize("page_path", [p for p in toc_pages() if p.startswith("notebooks/")])
def test_printed_tables_fit_a4_code_is_hidden_and_boxes_are_open(open_as, page_path):
    page = open_as(page_path, width=A4_TEXT_WIDTH_PX, height=1100, wait_for_idle=False).page
    page.emulate_media(media="print")
    state = page.evaluate(PRINT_STATE, A4_TEXT_WIDTH_PX)
    assert not state["wide"], f"{page_path}: tables wider than A4 in print: {state['wide']}"
    assert state["code"] == 0, f"{page_path}: {state['code']} code cells print"
    assert state["closed"] == 0, f"{page_path}: {state['closed']} cite or provenance boxes print closed"
    assert state["numbers"] == 0, f"{page_path}: figure or table numbers vanish in print"


def test_chapter_one_prints_to_a4_pdf(open_as):
    """A PDF of chapter 1 as the browser prints it, for a person to look at."""
    path = next(p for p in toc_pages() if "chapter1" in p.replace("_", ""))
    page = open_as(path).page
    target = config.ROOT / "tests" / "artifacts" / "print-chapter1.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(target), format="A4", print_background=True, prefer_css_page_size=True)
    assert target.read_bytes().startswith(b"%PDF")
