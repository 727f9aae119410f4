"""Shared pytest fixtures (keep this file small and stable: every test suite uses it).

``mirror_url`` (session): a loopback HTTP server (127.0.0.1, a free port,
``ThreadingHTTPServer`` in a daemon thread, shut down at teardown) that serves
the raw-data mirror laid out like raw.githubusercontent.com; yields its base
URL, e.g. ``http://127.0.0.1:40123/``.  The mirror directory is
``KZCN_MIRROR_DIR`` if set, else ``<repo>/../shared/data/github``.  If it is
absent the fixture fails loudly (CI forbids skipped tests).

``mirror_env`` (session): sets ``KZCN_DATA_BASE_URL`` to ``mirror_url`` for
the whole session and restores the previous value afterwards, so code under
test downloads through the real HTTP path from the loopback mirror.
"""

from __future__ import annotations

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def mirror_dir() -> Path:
    """The local copy of the raw files (``KZCN_MIRROR_DIR`` or ``../shared/data/github``)."""
    return Path(os.environ.get("KZCN_MIRROR_DIR") or REPO.parent / "shared" / "data" / "github")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - keep test output readable
        pass


@pytest.fixture(scope="session")
def mirror_url():
    directory = mirror_dir()
    if not directory.is_dir():
        pytest.fail(f"raw-data mirror not found at {directory} (set KZCN_MIRROR_DIR)", pytrace=False)
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="mirror-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


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
