"""Chapter 2 and the References page in a browser, at desktop and phone width.

Screenshots go to ``tests/artifacts/narrative/`` (look at them).  The checks are
what a reader meets: the page fits its width (no sideways scrolling), the
thesis's section headings are there, a verdict mark explains itself on keyboard
focus, and the bibliography shows original titles with their translations.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from kzcn import loopback

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts" / "narrative"
CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"desktop": 1366, "phone": 390}

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pages(built_site):
    with loopback.serve(built_site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            yield url, browser
        finally:
            browser.close()


def _open(pages, path: str, width_name: str, shot: str):
    """A page of the site at one width, with a screenshot of its top."""
    url, browser = pages
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": WIDTHS[width_name], "height": 900})
    page.goto(url + path)
    page.screenshot(path=ARTIFACTS / f"{shot}-{width_name}-top.png")
    return page


def _fits_its_width(page, what: str, width_name: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{what} scrolls sideways by {overflow} px at {WIDTHS[width_name]} px"


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_chapter_2_reads_section_by_section(pages, width_name):
    page = _open(pages, "notebooks/02_chapter2.html", width_name, "chapter2")
    with open(REPO / "data" / "thesis" / "sections.csv", encoding="utf-8", newline="") as handle:
        numbers = [r["number"] for r in csv.DictReader(handle) if r["chapter"] == "2" and "." in r["number"]]
    for number in numbers:
        heading = page.locator(
            f"#thesis-{number.replace('.', '-')} + h2, #thesis-{number.replace('.', '-')} + h3"
        )
        assert heading.count() == 1, number
        assert heading.inner_text().startswith(number)
    # the growth Nurly Zhol is credited with (section 2.2.3), a printed number with its verdict
    mark = page.locator('.kzcn-verdict[href$="#c-2-2-3-007"]')
    mark.scroll_into_view_if_needed()
    mark.focus()
    assert mark.get_attribute("aria-label").startswith("printed ")
    page.screenshot(path=ARTIFACTS / f"chapter2-{width_name}-nurly-zhol.png")
    _fits_its_width(page, "chapter 2", width_name)
    page.close()


@pytest.mark.parametrize("width_name", list(WIDTHS))
def test_references_list_every_footnote_and_work_readably(pages, width_name):
    page = _open(pages, "book/references.html", width_name, "references")
    page.locator("#thesis-fn-41").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / f"references-{width_name}-footnotes.png")
    page.locator('div.citation span[lang="zh"]').first.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / f"references-{width_name}-works.png")
    text = page.locator("main").inner_text()
    assert "file:///" not in text
    _fits_its_width(page, "References", width_name)
    page.close()
