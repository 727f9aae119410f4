"""Download the raw files declared in the manifest and prove they are the declared bytes.

Pooch does the work: it downloads into a temporary file beside the target,
checks the sha256 and only then moves the file into place, so a failed or
tampered download never leaves anything in the cache; a file already in the
cache with the right hash is not downloaded again.  Transient errors
(connection refused or reset, HTTP 5xx, a read timeout, a truncated transfer)
are retried ``config.FETCH_RETRIES`` times (pooch's ``retry_if_failed``).

This module adds the manifest (ids -> URL + hash), the switchable base URL (a
loopback mirror in tests and CI), limits that pooch lacks (a total deadline per
file, ``config.fetch_deadline()``, and the manifest's size as a cap on the
bytes accepted), the removal of temporary files left by an interrupted
download, a report of a corrupted cached file, and error messages that name the
file, URL and both hashes.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from kzcn import config
from kzcn.manifest import Manifest, Source, load_manifest

#: Names of pooch's temporary download files (``tempfile`` names: "tmp" + 8 characters).
POOCH_TEMPORARY = re.compile(r"^tmp[a-z0-9_]{8}$")

Log = Callable[[str], None]


class FetchError(RuntimeError):
    """A raw file could not be downloaded or is not the declared bytes.

    ``kind`` is the likely cause: ``"network"`` (unreachable, HTTP error,
    timeout, deadline) or ``"checksum"`` (bytes other than the declared ones).
    """

    def __init__(self, message: str, kind: str = "network") -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self):  # keep ``kind`` across process boundaries
        return (type(self), (str(self), self.kind))


class _Abort(Exception):
    """A download stopped for good (deadline, size cap, 4xx, wrong bytes): pooch must not retry it."""

    def __init__(self, reason: str, kind: str = "network", actual: str | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        self.actual = actual


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file (the project's one file hash: manifest, ledger, figures, build cache).

    The same digest as pooch's ``file_hash``; read here so that a parse, which
    only verifies files, does not import pooch and requests (a tenth of a second
    in each parse process).
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def display_path(path: Path) -> str:
    """``path`` relative to the repository when it is inside it (``data/raw/...``), else as is."""
    try:
        return Path(path).resolve().relative_to(config.ROOT).as_posix()
    except ValueError:
        return str(path)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Downloader:
    """pooch downloader with a read timeout, a total deadline (over all attempts) and a size cap."""

    def __init__(self, source: Source, deadline: float, read_timeout: float) -> None:
        self.source = source
        self.deadline = deadline
        self.read_timeout = read_timeout
        self.started: float | None = None
        self.attempts = 0

    def remaining(self) -> float:
        assert self.started is not None
        return self.deadline - (time.monotonic() - self.started)

    def __call__(self, url: str, output_file: str, pooch_obj: object, check_only: bool = False) -> None:  # noqa: ARG002
        import requests
        import urllib3

        self.started = self.started or time.monotonic()
        self.attempts += 1
        if self.remaining() <= 0:
            raise _Abort(f"no complete download within the deadline of {self.deadline:g} s")
        cap = self.source.size
        timeout = (min(self.read_timeout, max(self.remaining(), 0.1)), self.read_timeout)
        with requests.get(url, stream=True, timeout=timeout) as response:
            if 400 <= response.status_code < 500:
                raise _Abort(f"HTTP error {response.status_code}")
            response.raise_for_status()  # 5xx: transient, retried by pooch
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise _Abort(
                    f"the server announces {declared} bytes, the manifest declares {cap}", kind="checksum"
                )
            received = 0
            digest = hashlib.sha256()
            with open(output_file, "wb") as handle:
                while True:
                    # read1 returns what has arrived (a trickle too), so the deadline is checked
                    # after every read; a silent server trips the read timeout instead.
                    try:
                        chunk = response.raw.read1(65536, decode_content=True)
                    except urllib3.exceptions.HTTPError as error:  # cut or stalled: transient
                        raise requests.ConnectionError(f"{type(error).__name__}: {error}") from error
                    if not chunk:
                        break
                    received += len(chunk)
                    digest.update(chunk)
                    if received > cap:
                        raise _Abort(
                            f"more than the {cap} bytes the manifest declares were sent", kind="checksum"
                        )
                    if self.remaining() <= 0:
                        raise _Abort(
                            f"download too slow: {received} of {cap} bytes after the deadline "
                            f"of {self.deadline:g} s"
                        )
                    handle.write(chunk)
            if digest.hexdigest() != self.source.sha256:
                # a complete transfer of other bytes: retrying would fetch the same bytes again
                raise _Abort(
                    "sha256 mismatch: the downloaded bytes are not the declared file",
                    kind="checksum",
                    actual=digest.hexdigest(),
                )


def _fail(
    source: Source, url: str, reason: str, actual: str | None = None, kind: str = "network"
) -> FetchError:
    # A stale or tampered copy that pooch tried to replace must not outlive the failure.
    target = source.cache_path()
    removed = ""
    if target.exists():
        old = sha256_of(target)
        if old != source.sha256:
            target.unlink()
            removed = (
                f"\n  the cached copy {display_path(target)} was corrupt (sha256 {old}) and has been removed"
            )
    actual_text = actual or "none (nothing usable was downloaded)"
    return FetchError(
        f"{source.id}: {reason}\n"
        f"  file:     {source.relpath}\n"
        f"  url:      {url}\n"
        f"  expected: sha256 {source.sha256}\n"
        f"  actual:   sha256 {actual_text}\n"
        f"  nothing was written to {display_path(target)}" + removed,
        kind=kind,
    )


def remove_temporary_files(directory: Path, recursive: bool = True) -> list[Path]:
    """Delete pooch's temporary files that an interrupted download left in ``directory``."""
    if not directory.is_dir():
        return []
    candidates = directory.rglob("tmp*") if recursive else directory.glob("tmp*")
    removed = []
    for path in candidates:
        if path.is_file() and POOCH_TEMPORARY.match(path.name):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _raw_cache_lock():
    """The lock every download into the raw cache holds (the build, ``data fetch``, a kernel).

    While it is held no other download runs, so every temporary file found is a
    leftover and may be removed.  Taken only when something must be written.
    """
    from filelock import FileLock

    key = str(config.raw_dir())
    if key not in _LOCKS:
        _LOCKS[key] = FileLock(str(fetch_lock_path()), timeout=config.fetch_deadline())
    return _LOCKS[key]


def fetch_lock_path() -> Path:
    """The raw cache's download lock: in the temporary folder, so the cache holds only data."""
    import hashlib
    import tempfile

    digest = hashlib.sha256(str(config.raw_dir()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"kzcn-fetch-{digest}.lock"


_LOCKS: dict[str, object] = {}


def _verified(source: Source) -> Path | None:
    target = source.cache_path()
    return target if target.is_file() and sha256_of(target) == source.sha256 else None


def fetch_one(
    source: Source, base_url: str | None = None, progressbar: bool = True, log: Log | None = None
) -> Path:
    """Make sure the verified bytes of ``source`` are in the raw cache; return their path.

    A cached file whose sha256 is wrong is reported through ``log`` (default:
    stderr) and downloaded again; if that fails, the error says it was removed.
    """
    if (path := _verified(source)) is not None:
        return path
    from filelock import Timeout

    url = source.url_for(base_url)
    try:
        with _raw_cache_lock():
            return _download(source, url, progressbar, log or _stderr)
    except Timeout:
        raise _fail(
            source, url, f"another download into {display_path(config.raw_dir())} held its lock too long"
        ) from None


def _download(source: Source, url: str, progressbar: bool, log: Log) -> Path:
    import pooch
    import requests

    # pooch announces every download at INFO level; the progress bar already says it.
    pooch.get_logger().setLevel(logging.WARNING)
    target = source.cache_path()
    if target.is_file():
        if sha256_of(target) == source.sha256:
            return target  # another process downloaded it while this one waited for the lock
        log(f"{display_path(target)}: sha256 mismatch, downloading again")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_temporary_files(target.parent, recursive=False)
    downloader = _Downloader(source, config.fetch_deadline(), config.fetch_read_timeout())
    cache = pooch.create(
        path=config.raw_dir(),
        base_url="",
        registry={source.relpath: f"sha256:{source.sha256}"},
        urls={source.relpath: url},
        retry_if_failed=config.FETCH_RETRIES,
        allow_updates=True,
    )
    try:
        path = cache.fetch(source.relpath, downloader=downloader, progressbar=progressbar)
    except _Abort as error:
        raise _fail(source, url, str(error), error.actual, kind=error.kind) from error
    except requests.HTTPError as error:
        status = error.response.status_code if error.response is not None else "?"
        raise _fail(source, url, f"HTTP error {status} (after {downloader.attempts} attempts)") from error
    except requests.RequestException as error:
        raise _fail(
            source,
            url,
            f"download failed after {downloader.attempts} attempts ({type(error).__name__}: {error})",
        ) from error
    except ValueError as error:
        # pooch's message is "... expected <hash> but got <hash>. Deleted download ..."
        text = str(error)
        if "hash" not in text:
            raise  # not a verification failure (e.g. pooch missing tqdm for the progress bar)
        actual = text.split(" but got ", 1)[1].split(".", 1)[0] if " but got " in text else None
        raise _fail(
            source,
            url,
            "sha256 mismatch: the downloaded bytes are not the declared file",
            actual,
            kind="checksum",
        ) from error
    finally:
        remove_temporary_files(target.parent, recursive=False)
    return Path(path)


def _temporary_files(raw: Path) -> list[Path]:
    if not raw.is_dir():
        return []
    return [p for p in raw.rglob("tmp*") if p.is_file() and POOCH_TEMPORARY.match(p.name)]


def fetch(
    ids: list[str] | None = None,
    base_url: str | None = None,
    progressbar: bool = True,
    manifest: Manifest | None = None,
    log: Log | None = None,
) -> dict[str, Path]:
    """Download (or find already verified in the cache) the manifest entries ``ids`` (default: all).

    ``base_url`` replaces ``https://raw.githubusercontent.com/`` (default
    ``config.base_url()``, i.e. ``KZCN_DATA_BASE_URL`` when set).  Temporary
    files of interrupted downloads are removed first.  Raises
    :class:`FetchError` on the first file that fails; files fetched before it stay.
    Nothing in the raw cache is written when every file is there and verified.
    """
    from filelock import Timeout

    log = log or _stderr
    selected = (manifest or load_manifest()).select(ids)
    paths = {source.id: _verified(source) for source in selected}
    todo = [source for source in selected if paths[source.id] is None]
    if not todo and not _temporary_files(config.raw_dir()):
        return paths
    try:
        with _raw_cache_lock():
            for leftover in _temporary_files(config.raw_dir()):
                leftover.unlink(missing_ok=True)
                log(f"{display_path(leftover)}: removed (left by an interrupted download)")
            for source in todo:
                paths[source.id] = _download(source, source.url_for(base_url), progressbar, log)
    except Timeout:
        raise FetchError(
            f"another download into {display_path(config.raw_dir())} held its lock "
            f"({fetch_lock_path()}) longer than {config.fetch_deadline():g} s"
        ) from None
    return paths


def verify(
    ids: list[str] | None = None, include_missing: bool = False, manifest: Manifest | None = None
) -> list[str]:
    """Re-hash the cached raw files; return one message per problem (empty list: all good).

    A file missing from the cache is a problem only with ``include_missing``
    (a partial cache is normal: ``load`` fetches on demand).  Temporary files of
    interrupted downloads are reported too.
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
    raw = config.raw_dir()
    if ids is None and raw.is_dir():
        for path in sorted(raw.rglob("tmp*")):
            if path.is_file() and POOCH_TEMPORARY.match(path.name):
                problems.append(
                    f"{path}: temporary file of an interrupted download (the next fetch removes it)"
                )
    return problems
