"""Fixtures of the browser tests: the built site served on 127.0.0.1, and headless
Debian chromium driven by playwright, which may reach that address and no other.

The site comes from the session fixture ``built_site`` (the real ``python -m kzcn
build`` against the loopback data mirror, run once per test session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from kzcn import config, loopback

#: Debian's chromium; `playwright install` is never used (it downloads a browser build).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
LOOPBACK = "127.0.0.1"
SCREENSHOTS_DIR = config.ROOT / "tests" / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def site_root(built_site) -> Path:
    """The folder of the built HTML site."""
    return Path(built_site)


@pytest.fixture(scope="session")
def site_url(site_root: Path) -> Iterator[str]:
    """Base URL (ending in '/') of the built site, served on 127.0.0.1 at a free port."""
    with loopback.serve(site_root) as url:
        yield url


# One browser per test module, not per session: tests elsewhere (tests/verdicts,
# tests/narrative, tests/jupyter) start their own sync playwright, which refuses to
# run while this one's event loop is still open.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `apt-get install chromium` (or `make browser`)"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class Visit:
    """One page opened in the browser, with every problem it reported."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [f"console error: {text}" for text in self.console_errors] + [
            f"failed request: {text}" for text in self.failed_requests
        ]


def _watch(page: Page, visit: Visit) -> None:
    page.on("console", lambda msg: msg.type == "error" and visit.console_errors.append(msg.text))
    page.on("pageerror", lambda error: visit.console_errors.append(f"uncaught {error}"))
    page.on(
        "requestfailed",
        lambda request: visit.failed_requests.append(f"{request.url} ({request.failure})"),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and visit.failed_requests.append(f"{response.url} (HTTP {response.status})")
        ),
    )


def _block_other_hosts(context: BrowserContext, visit_log: list[str]) -> None:
    # No test may reach any address but 127.0.0.1: refuse the request and report it.
    def route(route_, request):
        host = urlsplit(request.url).hostname
        if urlsplit(request.url).scheme in {"http", "https", "ws", "wss"} and host != LOOPBACK:
            visit_log.append(f"{request.url} (blocked: not {LOOPBACK})")
            route_.abort("blockedbyclient")
        else:
            route_.continue_()

    context.route("**/*", route)


def _visit(context: BrowserContext, url: str, wait_for_idle: bool, responses: list | None = None) -> Visit:
    """Open ``url`` in a new page of ``context``, watching for errors and stray hosts."""
    # a loaded 2-core CI machine can take longer than playwright's 30 s to reach
    # "network idle" on the largest page (the audit); these are not speed checks
    context.set_default_timeout(120_000)
    page = context.new_page()
    visit = Visit(page)
    _block_other_hosts(context, visit.failed_requests)
    _watch(page, visit)
    if responses is not None:
        page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="load")
    if wait_for_idle:
        page.wait_for_load_state("networkidle")
    return visit


@pytest.fixture
def open_page(browser: Browser, site_url: str) -> Iterator[Callable[[str], Visit]]:
    """``open_page("notebooks/ch1.html")`` loads a page of the site in a fresh context."""
    contexts: list[BrowserContext] = []

    def _open(path: str, wait_for_idle: bool = True) -> Visit:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return _visit(context, site_url + path, wait_for_idle)

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Page, str], Path]:
    """``screenshot(page, name)``: full-page PNG under tests/artifacts/screenshots/ (git-ignored)."""

    def _take(page: Page, name: str) -> Path:
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS_DIR / (name.replace("/", "__") + ".png")
        page.screenshot(path=str(path), full_page=True)
        return path

    return _take


#: The reader's screens of the issue: a laptop and a phone (CSS pixels).
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_as(browser: Browser, site_url: str) -> Iterator[Callable[..., Visit]]:
    """``open_as(path, width=..., height=..., mode="light"|"dark", zoom=1)``: a page in a
    fresh context (empty cache, as on a first visit) at that viewport and colour mode.

    ``zoom=2`` shows the page as at 200 % browser zoom: the viewport in CSS pixels is
    halved and every CSS pixel is drawn as two device pixels.
    """
    contexts: list[BrowserContext] = []

    def _open(
        path: str,
        *,
        width: int = DESKTOP["width"],
        height: int = DESKTOP["height"],
        mode: str = "light",
        zoom: int = 1,
        wait_for_idle: bool = True,
        responses: list | None = None,
    ) -> Visit:
        context = browser.new_context(
            viewport={"width": width // zoom, "height": height // zoom},
            device_scale_factor=zoom,
            color_scheme=mode,
            is_mobile=width < 600,
            has_touch=width < 600,
        )
        # the theme reads the reader's choice of mode from localStorage
        context.add_init_script(f"try {{ localStorage.setItem('mode', '{mode}'); }} catch (e) {{}}")
        contexts.append(context)
        return _visit(context, site_url + path, wait_for_idle, responses)

    yield _open
    for context in contexts:
        context.close()
