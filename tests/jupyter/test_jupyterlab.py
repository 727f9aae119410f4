"""The notebooks as a reader runs them: JupyterLab on 127.0.0.1, Run All Cells.

A JupyterLab server (the pinned one, from this environment) serves a copy of
the notebooks; headless Debian chromium opens chapter 1 and chapter 3, runs
every cell and checks what a reader sees: each figure is an image, each table
a table, no error, and no glue role, glue key or MyST directive as text.
Screenshots go to ``tests/artifacts/jupyter/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, sync_playwright

from kzcn import config

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
ARTIFACTS = config.ROOT / "tests" / "artifacts" / "jupyter"
NOTEBOOKS = ("01_chapter1", "03_chapter3")

#: Generous limits for a loaded 2-core machine (these are not speed checks).
SERVER_START_S = 120
RUN_ALL_S = 6 * 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, mirror_env) -> Iterator[tuple[str, str, Path]]:
    """``(base URL, token, root)``: JupyterLab on 127.0.0.1 serving a copy of notebooks/."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(config.NOTEBOOKS_DIR, root / "notebooks")
    settings = root / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # every cell in the DOM (no windowing), so the checks see the whole notebook
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # no "get Jupyter news?" pop-up over the screenshots, no update check (no network)
    news = root / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    token = secrets.token_hex(16)
    port = _free_port()
    env = dict(
        os.environ,
        KZCN_BUILD_DIR=str(root / "_build"),
        KZCN_DATA_BASE_URL=mirror_env,
        MPLBACKEND="module://matplotlib_inline.backend_inline",
        JUPYTER_CONFIG_DIR=str(root / "config"),
        JUPYTER_RUNTIME_DIR=str(root / "runtime"),
    )
    log = (root / "lab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            *(["--allow-root"] if os.geteuid() == 0 else []),  # CI runs as root
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            f"--LabApp.user_settings_dir={root / 'settings'}",
            f"--LabApp.workspaces_dir={root / 'workspaces'}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start: {(root / 'lab.log').read_text()[-2000:]}")
                time.sleep(1)
        yield base, token, root
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def chromium():
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `apt-get install chromium` (or `make browser`)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _published_calls(name: str) -> tuple[int, int]:
    """How many publish_figure / publish_table calls the notebook's code makes."""
    notebook = nbformat.read(config.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    return code.count("publish_figure("), code.count("publish_table(")


def _glue_keys(name: str) -> set[str]:
    """Names a notebook glues (if any still does), which must never show as text."""
    notebook = nbformat.read(config.NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    keys = set()
    for cell in notebook.cells:
        keys |= set(re.findall(r"glue\(\s*[\"']([A-Za-z0-9_]+)[\"']", cell.source))
        keys |= set(re.findall(r"\{glue(?::[a-z]+)?\}`([A-Za-z0-9_]+)", cell.source))
    return keys


def _run_all(page: Page) -> None:
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    # done: no cell is running ([*]) and every code cell has run, or a cell failed
    # (Run All stops there; the error is reported by the checks below)
    page.wait_for_function(
        """() => {
            // only the notebook in front: a notebook restored from an earlier
            // session may sit in a hidden tab with cells that never ran here
            const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
            if (!nb) return false;
            const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
            const running = prompts.some(p => p.textContent.includes('*'));
            const failed = nb.querySelector('[data-mime-type="application/vnd.jupyter.stderr"] pre')
                && [...nb.querySelectorAll('.jp-OutputArea-output')]
                    .some(o => /Traceback|Error:/.test(o.textContent));
            const done = prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            return !running && (done || failed);
        }""",
        timeout=RUN_ALL_S * 1000,
        polling=2000,
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab_and_shows_images_tables_and_values(lab, chromium, name):
    base, token, _ = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        # ?reset: a fresh workspace, so the notebook of the previous test is not
        # reopened beside this one (one notebook, one kernel, as a reader starts)
        page.goto(
            f"{base}/lab/tree/notebooks/{name}.ipynb?reset&token={token}", wait_until="domcontentloaded"
        )
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.wait_for(
            timeout=120_000
        )
        # the kernel is connected: the status bar says "Python 3 (ipykernel) | Idle"
        page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for(timeout=120_000)
        _run_all(page)
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
        images = notebook.locator(".jp-OutputArea-output figure.kzcn-figure img")
        tables = notebook.locator(".jp-OutputArea-output table.kzcn-table")
        # screenshots first, so that a failing run can be looked at too
        page.screenshot(path=str(ARTIFACTS / f"{name}-top.png"))
        if images.count():
            images.first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"{name}-figure.png"))
        if tables.count():
            tables.first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"{name}-table.png"))

        stderr = notebook.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        failures = [t for t in stderr.all_inner_texts() if "Traceback" in t or "Error" in t]
        assert not failures, f"{name} failed in JupyterLab: {failures[0][-2000:] if failures else ''}"

        figures_expected, tables_expected = _published_calls(name)
        images = notebook.locator(".jp-OutputArea-output figure.kzcn-figure img")
        tables = notebook.locator(".jp-OutputArea-output table.kzcn-table")
        assert images.count() >= min(figures_expected, 1), name
        assert tables.count() >= min(tables_expected, 1), name
        for index in range(images.count()):
            image = images.nth(index)
            assert image.get_attribute("src").startswith("data:image/png;base64,")
            assert image.evaluate("img => img.complete && img.naturalWidth > 100"), f"{name}: image {index}"
        for index in range(tables.count()):
            assert tables.nth(index).locator("tbody tr").count() >= 1, f"{name}: table {index}"

        # what a reader reads: rendered Markdown cells and outputs (code inputs are code)
        text = "\n".join(notebook.locator(".jp-MarkdownOutput, .jp-OutputArea-output").all_inner_texts())
        assert len(text) > 500, f"{name}: almost nothing rendered"
        for marker in ("{glue", ":::{", "{numref}", "[[number:", "Traceback"):
            assert marker not in text, f"{name}: {marker!r} visible"
        for key in _glue_keys(name):
            assert not re.search(rf"\b{re.escape(key)}\b", text), f"{name}: glue key {key} visible"

    finally:
        context.close()
