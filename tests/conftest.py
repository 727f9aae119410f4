"""Shared pytest fixtures (keep this file small and stable: every test suite uses it).

``mirror_url`` (session): a loopback HTTP server (``kzcn.loopback``: 127.0.0.1,
a free port, shut down at teardown) that serves
the raw-data mirror laid out like raw.githubusercontent.com; yields its base
URL, e.g. ``http://127.0.0.1:40123/``.  The mirror directory is
``KZCN_MIRROR_DIR`` if set, else ``<repo>/../shared/data/github``.  If it is
absent the fixture fails loudly (CI forbids skipped tests).

``mirror_env`` (session): sets ``KZCN_DATA_BASE_URL`` to ``mirror_url`` for
the whole session and restores the previous value afterwards, so code under
test downloads through the real HTTP path from the loopback mirror.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kzcn import loopback

REPO = Path(__file__).resolve().parent.parent


def mirror_dir() -> Path:
    """The local copy of the raw files (``KZCN_MIRROR_DIR`` or ``../shared/data/github``)."""
    return Path(os.environ.get("KZCN_MIRROR_DIR") or REPO.parent / "shared" / "data" / "github")


@pytest.fixture(scope="session")
def mirror_url():
    directory = mirror_dir()
    if not directory.is_dir():
        pytest.fail(f"raw-data mirror not found at {directory} (set KZCN_MIRROR_DIR)", pytrace=False)
    with loopback.serve(directory) as url:
        yield url


@pytest.fixture(scope="session")
def mirror_env(mirror_url):
    previous = os.environ.get("KZCN_DATA_BASE_URL")
    os.environ["KZCN_DATA_BASE_URL"] = mirror_url
    try:
        yield mirror_url
    finally:
        if previous is None:
            os.environ.pop("KZCN_DATA_BASE_URL", None)
        else:
            os.environ["KZCN_DATA_BASE_URL"] = previous


# ----------------------------------------------------------------------------
# The whole book, built once per test session (shared by the integration and the
# browser tests, so the full build never runs twice in one `make test`).

#: Point this at an already built ``html`` folder to try the browser tests on it
#: without rebuilding (a developer's shortcut; CI never sets it).
PREBUILT_SITE_ENV = "KZCN_TEST_SITE"

#: Generous: the full build executes every notebook (about a minute or two on 2 cores).
FULL_BUILD_TIMEOUT_S = 25 * 60


@pytest.fixture(scope="session")
def built_site(mirror_env, tmp_path_factory) -> Path:
    """``html`` folder of the whole book, built by ``python -m kzcn build`` from the
    loopback mirror into a temporary build folder (the developer's ``_build`` is left alone).

    The build runs as a subprocess, exactly as a reader runs it; its output goes to
    ``tests/artifacts/full-build.log`` and, on failure, into the assertion message.
    """
    import subprocess
    import sys

    prebuilt = os.environ.get(PREBUILT_SITE_ENV)
    if prebuilt:
        return Path(prebuilt).resolve()
    build_dir = tmp_path_factory.mktemp("full-build")
    env = {**os.environ, "KZCN_DATA_BASE_URL": mirror_env, "KZCN_BUILD_DIR": str(build_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "kzcn", "build"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=FULL_BUILD_TIMEOUT_S,
        check=False,
    )
    log = REPO / "tests" / "artifacts" / "full-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.stdout + "\n--- stderr ---\n" + result.stderr, encoding="utf-8")
    assert result.returncode == 0, (
        f"`python -m kzcn build` failed (exit {result.returncode}); full log: {log}\n"
        + (result.stdout[-3000:] + "\n" + result.stderr[-3000:]).strip()
    )
    html = build_dir / "html"
    assert (html / "index.html").is_file(), f"the build reported success but wrote no {html}/index.html"
    return html
