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


# ------------------------------------------------------------ downloads


def _env_seconds(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number of seconds") from None


def fetch_read_timeout() -> float:
    """Seconds a download may wait for the next bytes (``KZCN_FETCH_TIMEOUT``, default 30)."""
    return _env_seconds("KZCN_FETCH_TIMEOUT", 30.0)


def fetch_deadline() -> float:
    """Seconds one raw file may take to download, retries included (``KZCN_FETCH_DEADLINE``, default 600).

    A server that trickles a byte now and then never trips the read timeout; the
    deadline ends such a download.
    """
    return _env_seconds("KZCN_FETCH_DEADLINE", 600.0)


#: Extra attempts after a transient download error (connection, 5xx, read timeout).
FETCH_RETRIES = 2


# ------------------------------------------------------- user-supplied values


def supported_countries() -> tuple[str, ...]:
    """The Central Asian countries the book can be built for (``kzcn.measures.C5``, the one list)."""
    from kzcn import measures

    return tuple(measures.C5)


def check_country(value: str, option: str = "--country") -> str:
    """``value`` upper-cased if it is a supported country, else ValueError listing them."""
    code = str(value).strip().upper()
    supported = supported_countries()
    if code not in supported:
        raise ValueError(
            f"{option} {value!r} is not a country this book supports; use one of {', '.join(supported)}"
        )
    return code


def check_partner(value: str, country: str, known: set[str] | frozenset[str]) -> str:
    """``value`` upper-cased if it is an ISO3 code with trade data (``known``) other than ``country``."""
    code = str(value).strip().upper()
    if code == country:
        raise ValueError(f"--partner {value!r} is the country itself; choose another partner, e.g. CHN")
    if len(code) != 3 or not code.isascii() or not code.isalpha() or code not in known:
        listed = ", ".join(sorted(known)[:12]) + (", ..." if len(known) > 12 else "")
        raise ValueError(
            f"--partner {value!r} is not an ISO3 code with trade data in the manifest "
            f"(e.g. {listed}); the book is written for CHN"
        )
    return code


def is_inside(path: Path, base: Path) -> bool:
    """Whether ``path`` (symlinks resolved) is ``base`` or below it."""
    return Path(path).resolve().is_relative_to(Path(base).resolve())


def check_inside(path: Path, base: Path, what: str) -> Path:
    """``path`` resolved, or ValueError if it leaves ``base`` (guard for every delete and write)."""
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(Path(base).resolve()):
        raise ValueError(f"{what} {path} is outside {base}; refusing to write or delete it")
    return resolved


# --------------------------------------------------------------------------
# Where the book and its code live on the web (helper "jupyter", issue 13).
# One repository setting and one site URL; every citation, figures.json,
# claims.json, CITATION.cff, the sitemap and the repository/Binder buttons
# read them through these functions.

#: ``owner/name`` of the GitHub repository; the Pages workflow sets
#: ``KZCN_REPOSITORY`` from ``github.repository``.
DEFAULT_REPOSITORY = "kzcn-companion/china-kazakhstan"
#: Branch the edit and Binder buttons point at.
DEFAULT_BRANCH = "main"


def repository() -> str:
    """``owner/name`` of the code repository (``KZCN_REPOSITORY`` overrides)."""
    return (os.environ.get("KZCN_REPOSITORY") or DEFAULT_REPOSITORY).strip().strip("/")


def repository_url() -> str:
    """``https://github.com/owner/name``."""
    return f"https://github.com/{repository()}"


def site_url() -> str:
    """Absolute URL of the published book, ending in ``/``.

    ``KZCN_SITE_URL`` (set by the Pages workflow) wins; otherwise the GitHub
    Pages address of :func:`repository`.
    """
    url = os.environ.get("KZCN_SITE_URL", "").strip()
    if not url:
        owner, _, name = repository().partition("/")
        url = f"https://{owner.lower()}.github.io/{name}/"
    return url if url.endswith("/") else url + "/"


def site_link(path: str = "") -> str:
    """Absolute URL of ``path`` (relative to the site root, may carry ``#anchor``).

    claims.json, figures.json and every cite box call this, so all of them
    change together with ``KZCN_SITE_URL``.
    """
    return site_url() + path.lstrip("/")


def doi() -> str | None:
    """The archive DOI of this release (``KZCN_DOI``, e.g. from Zenodo), if there is one."""
    value = os.environ.get("KZCN_DOI", "").strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "doi:"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    return value or None
