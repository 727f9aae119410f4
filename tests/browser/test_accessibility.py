"""WCAG 2.2 AA checks with axe-core 4 in chromium (issue 16).

axe-core comes from the PyPI package ``axe-playwright-python`` (pinned in
requirements.txt), which ships ``axe.min.js``; the test injects that file into every
page, so nothing is fetched from a CDN and CI needs nothing beyond ``make venv``.

Every page of the table of contents (plus search and index), at 1366 and 390 px,
in light and dark mode.  A serious or critical violation always fails; a moderate
or minor one fails unless it is listed in :data:`ACCEPTED` with the reason.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from axe_playwright_python.base import AXE_FILE_PATH

from kzcn import config
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_reader_pages import PAGES

pytestmark = pytest.mark.browser

#: Moderate or minor rules that may still report, each with the reason (none today).
ACCEPTED: dict[str, str] = {}

#: Where each run's findings are written (for the counts in a report;
#: ``KZCN_AXE_REPORTS`` names another folder).
REPORTS = Path(os.environ.get("KZCN_AXE_REPORTS") or config.ROOT / "tests" / "artifacts" / "axe")

#: Every WCAG 2.0-2.2 A/AA rule, axe's best practices and its experimental rules
#: (``label-content-name-mismatch`` is one of those).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "experimental"]

AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    resultTypes: ['violations'], runOnly: {type: 'tag', values: tags}});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))
  }));
}"""


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now."""
    page.add_script_tag(path=str(Path(AXE_FILE_PATH)))
    return page.evaluate(AXE_RUN, AXE_TAGS)


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1366px", "390px"])
@pytest.mark.parametrize("page_path", PAGES)
def test_no_accessibility_violations(open_as, page_path, screen, mode):
    page = open_as(page_path, width=screen["width"], height=screen["height"], mode=mode).page
    assert page.evaluate("document.documentElement.dataset.theme") == mode
    violations = run_axe(page)
    REPORTS.mkdir(parents=True, exist_ok=True)
    name = f"{page_path.replace('/', '__')}-{screen['width']}-{mode}.json"
    (REPORTS / name).write_text(json.dumps(violations, indent=1), encoding="utf-8")
    failing = [v for v in violations if v["impact"] in {"serious", "critical"} or v["id"] not in ACCEPTED]
    lines = [
        f"{v['impact']} {v['id']} ({v['help']}) on {page_path} at {screen['width']} px, {mode}:\n"
        + "\n".join(f"    {node['target']}: {node['summary']}" for node in v["nodes"][:8])
        for v in failing
    ]
    assert not failing, "\n".join(lines)


def test_the_document_language_is_declared(open_page):
    page = open_page(PAGES[0], wait_for_idle=False).page
    assert page.evaluate("document.documentElement.lang").startswith("en")
