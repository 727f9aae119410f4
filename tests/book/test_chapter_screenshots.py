"""A full-page screenshot of every chapter page in headless Debian chromium.

The images land in ``tests/artifacts/screenshots/`` for a person to look at; the
test checks they show a rendered page (not a blank or an error page).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
PAGES = ("00_introduction", "01_chapter1", "02_chapter2", "03_chapter3", "04_conclusion")
OUT = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
#: Tall enough to include each chapter's first table or figure.
WINDOW = "1400,3200"


@pytest.mark.parametrize("page", PAGES)
def test_chapter_page_screenshot_shows_a_rendered_page(built_site, page, tmp_path):
    assert CHROMIUM.exists(), "apt-get install -y chromium"
    target = OUT / f"chapter-{page}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--window-size={WINDOW}",
            f"--screenshot={shot}",
            (built_site / "notebooks" / f"{page}.html").as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shutil.copyfile(shot, target)
    with Image.open(target) as image:
        assert image.size == tuple(int(n) for n in WINDOW.split(","))
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    # a page of text, tables and charts has many colours; a blank page has one
    assert colours is None or len(colours) > 200, f"{page}: screenshot looks blank"
