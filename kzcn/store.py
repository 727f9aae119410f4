"""Parsed, validated tables of the manifest's raw files, with a parquet cache.

``load(source_id)`` is the one door through which analysis code reads data:

1. it notes the read in the file named by ``KZCN_INPUT_LOG`` (if set), so the
   build pipeline knows which raw inputs each notebook depends on;
2. it returns the cached parquet table if one exists for the pair (raw file's
   sha256 as declared in the manifest, parser version);
3. otherwise it makes sure the verified raw file is in the raw cache
   (downloading it from ``config.base_url()`` if needed), parses it, validates
   it with pandera and writes the parquet atomically.

A refreshed raw file has a new sha256 in the manifest, and a changed parser a
new version, so either gives a new cache key and a fresh parse.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from kzcn import config, schemas
from kzcn.fetch import fetch_one
from kzcn.manifest import Manifest, Source, load_manifest
from kzcn.parsers import ParseError, get_parser

INPUT_LOG_ENV = "KZCN_INPUT_LOG"


def _record_input(source: Source) -> None:
    log = os.environ.get(INPUT_LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{source.id}\t{source.sha256}\n")


def cache_file(source: Source) -> Path:
    """The parquet file holding the parsed table of ``source`` for the current parser version."""
    parser = get_parser(source.parser)
    return (
        config.processed_dir() / f"{source.id}--{source.sha256[:16]}--{parser.name}-v{parser.version}.parquet"
    )


def parse_source(source: Source, path: Path | None = None) -> pd.DataFrame:
    """Parse and validate the raw file of ``source`` (fetched and verified unless ``path`` is given)."""
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
    return schemas.validate(table, parser.schema, f"{Path(raw).name} ({source.id})")


def _write_atomically(table: pd.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".parquet.part")
    os.close(handle)
    try:
        table.to_parquet(temporary, index=False)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for stale in target.parent.glob(f"{target.name.split('--')[0]}--*.parquet"):
        if stale != target:
            stale.unlink(missing_ok=True)


def load(source_id: str, manifest: Manifest | None = None) -> pd.DataFrame:
    """The parsed, validated table of manifest entry ``source_id`` (from the cache when possible)."""
    source = (manifest or load_manifest())[source_id]
    _record_input(source)
    target = cache_file(source)
    if target.exists():
        return pd.read_parquet(target)
    table = parse_source(source)
    _write_atomically(table, target)
    return table


def _row_count(source_id: str, manifest: Manifest) -> int:
    return len(load(source_id, manifest))


def parse_all(
    ids: list[str] | None = None, manifest: Manifest | None = None, jobs: int | None = None
) -> dict[str, int]:
    """Load (parse + validate + cache) every entry in ``ids`` (default all); returns row counts.

    Parsing is CPU-bound (235 DOTS workbooks take most of a minute), so it runs
    in ``jobs`` processes (default: the number of CPUs, at most 4).  The first
    failure is raised once the running parses have finished.
    """
    manifest = manifest or load_manifest()
    selected = [source.id for source in manifest.select(ids)]
    jobs = jobs or min(os.cpu_count() or 1, 4)
    if jobs <= 1 or len(selected) < 2 * jobs:
        return {source_id: _row_count(source_id, manifest) for source_id in selected}
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        counts = pool.map(_row_count, selected, itertools.repeat(manifest), chunksize=4)
        return dict(zip(selected, counts, strict=True))
