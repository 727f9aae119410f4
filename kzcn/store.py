"""Parsed, validated tables of the manifest's raw files, with a parquet cache.

``load(source_id)`` is the one door through which analysis code reads data:

1. it notes the read in the file named by ``KZCN_INPUT_LOG`` (if set), so the
   build pipeline knows which raw inputs each notebook depends on;
2. it returns the cached parquet table if one exists for the pair (raw file's
   sha256 as declared in the manifest, parser version) and passes its checks;
3. otherwise it makes sure the verified raw file is in the raw cache
   (downloading it from ``config.base_url()`` if needed), parses it, checks it
   against the rules of its schema (:mod:`kzcn.schemas`: a vectorised check of
   the Arrow table, pandera to word a refusal) and writes the parquet atomically.

A refreshed raw file has a new sha256 in the manifest, and a changed parser a
new version, so either gives a new cache key and a fresh parse.

The processed cache is never trusted blindly.  Each parquet carries in its
metadata (key ``kzcn``) the source id, the raw file's sha256, the parser and its
version, the store's format, the row count and a sha256 of the table's content
(:func:`content_hash`, of the Arrow table: column names and types, and each
column's values and gaps in a canonical byte form); its pages carry CRC
checksums of their bytes.  :func:`read_verified` checks all of them; a file
that fails (unreadable, made for another source, altered) is parsed again from
the verified raw file, with one line in the log (stderr, or the build's event
log ``KZCN_EVENT_LOG`` when a build runs the notebook).
"""

from __future__ import annotations

import collections
import hashlib
import json
import multiprocessing
import os
import sys
import tempfile
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from kzcn import config, procs, schemas
from kzcn.fetch import display_path, fetch_one
from kzcn.manifest import Manifest, Source, load_manifest
from kzcn.parsers import ParseError, get_parser

INPUT_LOG_ENV = "KZCN_INPUT_LOG"
#: A build points this at a file; the store's log lines go there instead of the notebook's output.
EVENT_LOG_ENV = "KZCN_EVENT_LOG"
#: Key of the provenance record in each parquet file's metadata.
METADATA_KEY = b"kzcn"


class CacheProblem(Exception):
    """A processed-cache file that must not be used (the message says why)."""


def log_event(message: str) -> None:
    """One line for the person running the build (not for the notebook's readers)."""
    target = os.environ.get(EVENT_LOG_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(message + "\n")
    else:
        print(message, file=sys.stderr, flush=True)


def _record_input(source: Source) -> None:
    log = os.environ.get(INPUT_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{source.id}\t{source.sha256}\n")


#: Version of the processed files' layout and of their content hash (part of the cache key).
#: 2: the content hash is taken of the Arrow table (was: of pandas' row hashes).
FORMAT = "2"


def cache_file(source: Source) -> Path:
    """The parquet file holding the parsed table of ``source`` for the current parser version."""
    parser = get_parser(source.parser)
    return config.processed_dir() / (
        f"{source.id}--{source.sha256[:16]}--{parser.name}-v{parser.version}--f{FORMAT}.parquet"
    )


def parse_source(source: Source, path: Path | None = None) -> pd.DataFrame:
    """Parse and validate the raw file of ``source`` (fetched and verified unless ``path`` is given).

    The table as every later :func:`load` gives it (through Arrow, as the cache holds it).
    """
    return parse_arrow(source, path).to_pandas()


def parse_arrow(source: Source, path: Path | None = None) -> pa.Table:
    """The parsed, validated table of ``source`` as Arrow, with the types the cache stores."""
    parser = get_parser(source.parser)
    raw = path if path is not None else fetch_one(source, progressbar=False)
    try:
        table = parser.function(Path(raw), source)
    except ParseError as error:
        if source.id in str(error):
            raise
        raise ParseError(f"{source.id} ({Path(raw).name}, {source.url}): {error}") from error
    except Exception as error:
        # A parser that trips over an unexpected layout raises whatever pandas
        # raises; name the manifest entry, since many raw files share a name
        # (every WDI indicator is a data.csv).
        raise ParseError(
            f"{source.id} ({Path(raw).name}, {source.url}) does not have the layout parser "
            f"{parser.name!r} expects: {type(error).__name__}: {error}"
        ) from error
    arrow = schemas.validated_arrow(table, parser.schema, f"{Path(raw).name} ({source.id})")
    return _with_pandas_metadata(arrow)


def _with_pandas_metadata(arrow: pa.Table) -> pa.Table:
    """``arrow`` with the pandas metadata a conversion from pandas gives (a parser that builds
    Arrow itself has none), so that every reading of the cache gives the same dtypes."""
    metadata = arrow.schema.metadata or {}
    if b"pandas" in metadata or arrow.num_rows == 0:
        return arrow
    schema = arrow.schema.remove_metadata()
    if schema not in _PANDAS_METADATA:  # it depends on the columns' names and types only
        sample = pa.Table.from_pandas(arrow.slice(0, 1).to_pandas(), schema=schema, preserve_index=False)
        _PANDAS_METADATA[schema] = sample.schema.metadata[b"pandas"]
    return arrow.replace_schema_metadata({**metadata, b"pandas": _PANDAS_METADATA[schema]})


#: Arrow schema -> the pandas metadata of its tables (see _with_pandas_metadata)
_PANDAS_METADATA: dict[pa.Schema, bytes] = {}


def content_hash(table: pa.Table) -> str:
    """sha256 of an Arrow table's content: column names and types, then each column's gaps and values.

    The bytes hashed are canonical, so a table and its reading back from parquet
    give one hash whatever their memory layout (chunks, slice offsets, the
    unspecified bytes under a gap): text as its offsets from zero and its
    characters, fixed-width numbers as their bytes, booleans one byte each, a
    column with gaps first its validity (one byte per row) and then its values
    with the gaps filled.  Row order matters; there is no index.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([[field.name, str(field.type)] for field in table.schema]).encode())
    digest.update(str(table.num_rows).encode())
    for column in table.columns:
        array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
        for part in _canonical_bytes(array):
            digest.update(part)
    return digest.hexdigest()


def _canonical_bytes(array: pa.Array):
    import pyarrow.compute as pc

    kind = array.type
    yield f"|{kind}|".encode()
    if pa.types.is_null(kind):
        return
    text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
    fixed = pa.types.is_integer(kind) or pa.types.is_floating(kind)
    if not (text or fixed or pa.types.is_boolean(kind)):
        yield repr(array.to_pylist()).encode()  # any other type (none of the schemas has one)
        return
    if array.null_count:
        yield array.is_valid().to_numpy(zero_copy_only=False).tobytes()
        array = pc.fill_null(array, "" if text else False if pa.types.is_boolean(kind) else 0)
    if len(array) == 0:
        return
    start, end = array.offset, array.offset + len(array)
    if text:
        offsets = np.frombuffer(
            array.buffers()[1], dtype=np.int64 if pa.types.is_large_string(kind) else np.int32
        )
        offsets = offsets[start : end + 1]
        yield (offsets - offsets[0]).tobytes()
        characters = array.buffers()[2]
        if characters is not None:
            yield memoryview(characters)[int(offsets[0]) : int(offsets[-1])]
    elif fixed:
        yield np.frombuffer(array.buffers()[1], dtype=kind.to_pandas_dtype())[start:end].tobytes()
    else:
        yield array.to_numpy(zero_copy_only=False).tobytes()


def provenance(source: Source) -> dict[str, str]:
    parser = get_parser(source.parser)
    return {
        "source_id": source.id,
        "raw_sha256": source.sha256,
        "parser": parser.name,
        "parser_version": str(parser.version),
        "format": FORMAT,
    }


def _write_atomically(arrow: pa.Table, target: Path, source: Source) -> None:
    import pyarrow.parquet as pq

    target.parent.mkdir(parents=True, exist_ok=True)
    record = {**provenance(source), "rows": arrow.num_rows, "content_sha256": content_hash(arrow)}
    arrow = arrow.replace_schema_metadata(
        {**(arrow.schema.metadata or {}), METADATA_KEY: json.dumps(record, sort_keys=True).encode()}
    )
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".parquet.part")
    os.close(handle)
    try:
        # Page CRCs guard the bytes; no statistics (nothing filters on them) and no
        # dictionary pages (slower to write, and these files are small either way).
        pq.write_table(
            arrow, temporary, write_page_checksum=True, write_statistics=False, use_dictionary=False
        )
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OSError(
            error.errno, f"{source.id}: could not write the parsed table {display_path(target)}: {error}"
        ) from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    # older tables of the same source (os.scandir: a glob makes a Path of every file in the folder)
    prefix = target.name.split("--")[0] + "--"
    with os.scandir(target.parent) as entries:
        stale = [e.path for e in entries if e.name.startswith(prefix) and e.name.endswith(".parquet")]
    for path in stale:
        if path != str(target):
            Path(path).unlink(missing_ok=True)


def check_provenance(source: Source, path: Path | None = None) -> str | None:
    """Why the cached file of ``source`` may not be used, from its footer alone (None: looks right).

    Cheap (no data page is read); :func:`read_verified` checks the content too.
    """
    try:
        _provenance_of(source, path or cache_file(source))
    except CacheProblem as problem:
        return str(problem)
    return None


def _provenance_of(source: Source, path: Path) -> dict:
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, ValueError) as error:
        raise CacheProblem(f"unreadable ({type(error).__name__}: {error})") from error
    if METADATA_KEY not in metadata:
        raise CacheProblem("written without provenance metadata (an older cache or another program)")
    try:
        record = json.loads(metadata[METADATA_KEY])
    except ValueError as error:
        raise CacheProblem("provenance metadata unreadable") from error
    expected = provenance(source)
    wrong = [
        f"{key} {record.get(key)!r} (expected {value!r})"
        for key, value in expected.items()
        if record.get(key) != value
    ]
    if wrong:
        raise CacheProblem("made for another input: " + ", ".join(wrong))
    return record


def read_verified(source: Source, path: Path | None = None) -> pd.DataFrame:
    """The cached table of ``source``, or :class:`CacheProblem` if the file may not be used."""
    return _read_verified_arrow(source, path or cache_file(source)).to_pandas()


def _read_verified_arrow(source: Source, path: Path) -> pa.Table:
    import pyarrow.parquet as pq

    record = _provenance_of(source, path)
    try:
        arrow = pq.read_table(path, page_checksum_verification=True)
    except (OSError, ValueError) as error:
        raise CacheProblem(f"unreadable ({type(error).__name__}: {error})") from error
    if arrow.num_rows != record.get("rows") or content_hash(arrow) != record.get("content_sha256"):
        raise CacheProblem("its content does not match the checksum stored in it")
    return arrow


def load(source_id: str, manifest: Manifest | None = None) -> pd.DataFrame:
    """The parsed, validated table of manifest entry ``source_id`` (from the cache when possible)."""
    return _stored((manifest or load_manifest())[source_id]).to_pandas()


def _stored(source: Source) -> pa.Table:
    """The verified Arrow table of ``source``: the cached one, or a fresh parse, written to the cache."""
    _record_input(source)
    target = cache_file(source)
    if target.exists():
        try:
            return _read_verified_arrow(source, target)
        except CacheProblem as problem:
            log_event(
                f"{display_path(target)}: {problem}; parsing {source.id} again from the verified raw file"
            )
            target.unlink(missing_ok=True)
    arrow = parse_arrow(source)
    _write_atomically(arrow, target, source)
    return arrow


def verify_processed(ids: list[str] | None = None, manifest: Manifest | None = None) -> list[str]:
    """Check every cached table of the manifest entries ``ids`` (default all); one message per problem.

    A table not in the cache yet is no problem (the next parse makes it).
    """
    problems = []
    for source in (manifest or load_manifest()).select(ids):
        path = cache_file(source)
        if not path.exists():
            continue
        try:
            read_verified(source, path)
        except CacheProblem as problem:
            problems.append(f"{source.id}: {path}: {problem} (the next load parses it again)")
    return problems


def _row_count(source_id: str, manifest: Manifest) -> int:
    return _stored(manifest[source_id]).num_rows  # no pandas table: nobody reads it


#: The manifest of a parse worker (sent once, when the worker starts).
_WORKER_MANIFEST: Manifest | None = None
#: Files per task sent to a worker (many DOTS workbooks take 30 ms each).
BATCH = 6


def _start_worker(parent_pid: int, manifest: Manifest) -> None:
    global _WORKER_MANIFEST
    _WORKER_MANIFEST = manifest
    # a forked worker starts with the build's signal handlers: a worker just ends
    import signal

    for name in ("SIGTERM", "SIGINT"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    procs.exit_when_orphaned(parent_pid)


def _worker_start_method() -> str:
    """``fork`` on Linux: the worker starts at once with this process's imports (pandas,
    pyarrow, the parsers: 0.7 s of a 5 s parse); filelock closes the build lock's descriptor
    in a forked child, so the lock stays the build's (tests/perf/test_parse_worker_fork.py).
    ``spawn`` elsewhere (macOS libraries are not safe to use after ``fork``)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _row_counts(ids: list[str], manifest: Manifest | None = None) -> list[int]:
    return [_row_count(source_id, manifest or _WORKER_MANIFEST) for source_id in ids]


def parse_all(
    ids: list[str] | None = None, manifest: Manifest | None = None, jobs: int | None = None
) -> dict[str, int]:
    """Load (parse + validate + cache) every entry in ``ids`` (default all); returns row counts.

    Parsing is CPU-bound, so it runs in ``jobs`` processes (default: the number
    of CPUs, at most 4): this one and ``jobs - 1`` workers, each taking batches
    of files from the list (the workers from its front, this process from its
    back).  The first failure is raised once the running parses have finished.
    Workers never outlive this process (see :mod:`kzcn.procs`).
    """
    manifest = manifest or load_manifest()
    selected = [source.id for source in manifest.select(ids)]
    jobs = jobs or min(os.cpu_count() or 1, 4)
    if jobs <= 1 or len(selected) < 2 * jobs:
        return {source_id: _row_count(source_id, manifest) for source_id in selected}
    # The worker ends itself when the build dies (see _start_worker).
    pool = ProcessPoolExecutor(
        max_workers=jobs - 1,
        mp_context=multiprocessing.get_context(_worker_start_method()),
        initializer=_start_worker,
        initargs=(os.getpid(), manifest),
    )
    pending = collections.deque(selected[start : start + BATCH] for start in range(0, len(selected), BATCH))
    running: dict[Future, list[str]] = {}
    counts: dict[str, int] = {}
    try:
        while pending or running:
            while pending and len(running) < 2 * (jobs - 1):  # a batch in hand and one waiting, per worker
                batch = pending.popleft()
                running[pool.submit(_row_counts, batch)] = batch
            if pending:
                batch = pending.pop()
                counts.update(zip(batch, _row_counts(batch, manifest), strict=True))
            else:
                wait(running, return_when=FIRST_COMPLETED)
            for future in [future for future in running if future.done()]:
                counts.update(zip(running.pop(future), future.result(), strict=True))
    except BaseException:
        # SIGTERM, Ctrl-C or a failure: nothing new starts; the running parses finish
        # their atomic writes, and the workers have exited when this returns.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return {source_id: counts[source_id] for source_id in selected}
