"""The one place that knows where things live.

Every other module asks this one for paths and settings; nothing else builds a
path from a string literal.  Environment variables let tests and CI point the
project at temporary folders and at a loopback data mirror.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DATA_DIR = ROOT / "data"
#: ``KZCN_MANIFEST`` lets tests point the data layer and the build at a fixture
#: manifest (read once, at import; child processes inherit it).
MANIFEST_PATH = Path(os.environ.get("KZCN_MANIFEST") or DATA_DIR / "sources.yml").resolve()
THESIS_DIR = DATA_DIR / "thesis"
REFERENCES_BIB = ROOT / "references.bib"
NOTEBOOKS_DIR = ROOT / "notebooks"
BOOK_DIR = ROOT / "book"

#: Where raw files published by statistical agencies are published on the web.
DEFAULT_BASE_URL = "https://raw.githubusercontent.com/"


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).resolve() if value else default


def raw_dir() -> Path:
    """Git-ignored download cache of raw files (``KZCN_RAW_DIR`` overrides)."""
    return _env_path("KZCN_RAW_DIR", DATA_DIR / "raw")


def processed_dir() -> Path:
    """Git-ignored cache of parsed tables (``KZCN_PROCESSED_DIR`` overrides)."""
    return _env_path("KZCN_PROCESSED_DIR", DATA_DIR / "processed")


def build_dir() -> Path:
    """Everything the build generates (``KZCN_BUILD_DIR`` overrides)."""
    return _env_path("KZCN_BUILD_DIR", ROOT / "_build")


def figures_dir() -> Path:
    """Where a notebook run writes its published figure/table files.

    The pipeline sets ``KZCN_FIGURES_DIR`` for each notebook it executes; a
    reader running a notebook by hand gets ``_build/figures``.
    """
    return _env_path("KZCN_FIGURES_DIR", build_dir() / "figures")


def thesis_text() -> Path:
    """The thesis as exported from Word, read by the ledger's checks.

    ``KZCN_THESIS_TEXT`` names the file; otherwise it is ``thesis/thesis.txt`` in the
    shared folder beside the clone (``KZCN_SHARED_DIR`` overrides, as in ``.ci/run``).
    """
    shared = _env_path("KZCN_SHARED_DIR", ROOT.parent / "shared")
    return _env_path("KZCN_THESIS_TEXT", shared / "thesis" / "thesis.txt")


def base_url() -> str:
    """Base URL of the raw-data host; ``KZCN_DATA_BASE_URL`` points it at a mirror."""
    url = os.environ.get("KZCN_DATA_BASE_URL") or DEFAULT_BASE_URL
    return url if url.endswith("/") else url + "/"
