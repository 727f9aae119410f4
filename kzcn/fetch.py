"""Download the raw files declared in the manifest and prove they are the declared bytes.

Pooch does the work: it downloads into a temporary file beside the target,
checks the sha256 and only then moves the file into place, so a failed or
tampered download never leaves anything in the cache; a file already in the
cache with the right hash is not downloaded again.  This module adds the
manifest (ids -> URL + hash), the switchable base URL (a loopback mirror in
tests and CI) and error messages that name the file, URL and both hashes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pooch
import requests

from kzcn.manifest import Manifest, Source, load_manifest


class FetchError(RuntimeError):
    """A raw file could not be downloaded or is not the declared bytes."""


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file (the project's one file hash: manifest, ledger, figures, build cache)."""
    return pooch.file_hash(str(path), alg="sha256")


def _fail(source: Source, url: str, reason: str, actual: str | None = None) -> FetchError:
    # A stale or tampered copy that pooch tried to replace must not outlive the failure.
    target = source.cache_path()
    if target.exists() and sha256_of(target) != source.sha256:
        target.unlink()
    actual_text = actual or "none (nothing usable was downloaded)"
    return FetchError(
        f"{source.id}: {reason}\n"
        f"  file:     {source.relpath}\n"
        f"  url:      {url}\n"
        f"  expected: sha256 {source.sha256}\n"
        f"  actual:   sha256 {actual_text}\n"
        f"  nothing was written to {source.cache_path()}"
    )


def fetch_one(source: Source, base_url: str | None = None, progressbar: bool = True) -> Path:
    """Make sure the verified bytes of ``source`` are in the raw cache; return their path."""
    # pooch announces every download at INFO level; the progress bar already says it.
    pooch.get_logger().setLevel(logging.WARNING)
    url = source.url_for(base_url)
    target = source.cache_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        path = pooch.retrieve(
            url,
            known_hash=f"sha256:{source.sha256}",
            fname=target.name,
            path=target.parent,
            progressbar=progressbar,
        )
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise _fail(source, url, f"HTTP error {status}") from error
    except requests.RequestException as error:
        raise _fail(source, url, f"download failed ({type(error).__name__}: {error})") from error
    except ValueError as error:
        # pooch's message is "... expected <hash> but got <hash>. Deleted download ..."
        text = str(error)
        if "hash" not in text:
            raise  # not a verification failure (e.g. pooch missing tqdm for the progress bar)
        actual = text.split(" but got ", 1)[1].split(".", 1)[0] if " but got " in text else None
        raise _fail(
            source, url, "sha256 mismatch: the downloaded bytes are not the declared file", actual
        ) from error
    return Path(path)


def fetch(
    ids: list[str] | None = None,
    base_url: str | None = None,
    progressbar: bool = True,
    manifest: Manifest | None = None,
) -> dict[str, Path]:
    """Download (or find already verified in the cache) the manifest entries ``ids`` (default: all).

    ``base_url`` replaces ``https://raw.githubusercontent.com/`` (default
    ``config.base_url()``, i.e. ``KZCN_DATA_BASE_URL`` when set).  Raises
    :class:`FetchError` on the first file that fails; files fetched before it stay.
    """
    manifest = manifest or load_manifest()
    return {source.id: fetch_one(source, base_url, progressbar) for source in manifest.select(ids)}


def verify(
    ids: list[str] | None = None, include_missing: bool = False, manifest: Manifest | None = None
) -> list[str]:
    """Re-hash the cached raw files; return one message per problem (empty list: all good).

    A file missing from the cache is a problem only with ``include_missing``
    (a partial cache is normal: ``load`` fetches on demand).
    """
    problems = []
    for source in (manifest or load_manifest()).select(ids):
        path = source.cache_path()
        if not path.exists():
            if include_missing:
                problems.append(f"{source.id}: missing from the cache ({path})")
            continue
        actual = sha256_of(path)
        if actual != source.sha256:
            problems.append(
                f"{source.id}: {path} has sha256 {actual}, the manifest declares {source.sha256} ({source.url})"
            )
    return problems
