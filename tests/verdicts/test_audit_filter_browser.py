"""The audit page in a browser: the filter shows only the chosen rows; row anchors resolve."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from kzcn import config, loopback

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = config.ROOT / "tests" / "artifacts" / "screenshots"


@pytest.mark.parametrize("width", [1366, 390])
def test_filter_by_status_cause_and_chapter(built_site, width):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with loopback.serve(Path(built_site)) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"], headless=True
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(url + "notebooks/audit.html")
            form = page.locator("form.kzcn-audit-filter")
            assert form.count() == 1
            total = page.locator("tr[data-status]").count()
            assert total > 300
            page.select_option("form.kzcn-audit-filter select[data-key=status]", "differs")
            visible = page.locator("tr[data-status]:visible")
            statuses = set(visible.evaluate_all("rows => rows.map(r => r.dataset.status)"))
            assert statuses == {"differs"}
            assert f"of {total} rows shown" in form.locator("output").inner_text()
            page.select_option("form.kzcn-audit-filter select[data-key=chapter]", "ch1")
            chapters = set(visible.evaluate_all("rows => rows.map(r => r.dataset.chapter)"))
            assert chapters == {"ch1"}
            form.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"audit-filter-{width}.png"))
            form.get_by_role("button", name="Show all rows").click()
            assert page.locator("tr[data-status]:visible").count() == total
            assert form.locator("output").inner_text() == f"{total} of {total} rows shown"
            page.goto(url + "notebooks/audit.html#c-2-2-3-007")
            row = page.locator("tr#c-2-2-3-007")
            assert row.count() == 1 and row.is_visible()
            page.screenshot(path=str(ARTIFACTS / f"audit-anchor-{width}.png"))
            assert not errors, errors
        finally:
            browser.close()
