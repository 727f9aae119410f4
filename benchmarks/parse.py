"""Benchmark: cold parse of every manifest file, and a content hash of every parsed table.

    python benchmarks/parse.py [--jobs N] [--reference] [--hashes FILE]

Cold = ``kzcn.store.parse_all()`` in a fresh process with an empty processed
cache (a temporary folder; the raw files must already be in the raw cache,
``KZCN_RAW_DIR`` applies): verify each raw file's sha256, parse, validate (the
vectorised check of ``kzcn.schemas``; pandera only words a refusal), write
parquet with its provenance.  Target: <= 5 s on a quiet 2-core machine.  It then
checks every written table as a later load would (provenance and content
checksums, ``kzcn.store.verify_processed``).

Then it prints one content hash per table (sha256 of pandas' row hashes, the
column names and the dtypes).  ``--reference`` also parses every DOTS workbook
the way the parser did before python-calamine and the plain XML reader
(``kzcn.parsers.xlsxgrid``): openpyxl, cell by cell; it prints that table's hash
beside it: the two columns must agree.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_SECONDS = 5.0
#: CPU seconds of the cold-parse process and its workers (set by cold_parse)
CPU_SECONDS = 0.0

#: Run in a fresh interpreter, so the time includes importing pandas, pandera, ...
COLD_PARSE = """
import json, sys, time
started = time.perf_counter()
from kzcn import store
counts = store.parse_all(jobs=int(sys.argv[1]) or None)
print(json.dumps({"seconds": time.perf_counter() - started, "tables": len(counts)}))
"""


def table_hash(table) -> str:
    import pandas as pd

    digest = hashlib.sha256()
    digest.update(json.dumps([[str(c), str(t)] for c, t in table.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def _reference_dots_hash(source_id: str) -> str:
    """The DOTS table as the parser read it before calamine: openpyxl, cell by cell."""
    from kzcn import schemas, store
    from kzcn.manifest import load_manifest
    from kzcn.parsers import dots

    source = load_manifest()[source_id]
    dots._sheet_table = lambda *args: None  # the cell-by-cell path (this worker process only)
    import io

    import pandas as pd

    table = dots.parse(store.fetch_one(source, progressbar=False), source, engine="openpyxl")
    table = schemas.validate(table, "bilateral", source_id)
    buffer = io.BytesIO()  # the same parquet round trip as the processed cache
    table.to_parquet(buffer, index=False)
    return table_hash(pd.read_parquet(buffer))


def cold_parse(jobs: int) -> tuple[float, float, int, Path]:
    """(seconds inside parse_all, seconds of the whole process, tables, processed folder)."""
    processed = Path(tempfile.mkdtemp(prefix="kzcn-cold-parse-"))
    env = {**os.environ, "KZCN_PROCESSED_DIR": str(processed)}
    env.pop("KZCN_INPUT_LOG", None)
    started = time.perf_counter()
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [sys.executable, "-c", COLD_PARSE, str(jobs)], env=env, capture_output=True, text=True, check=False
    )
    whole = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    global CPU_SECONDS
    CPU_SECONDS = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"cold parse failed:\n{result.stderr[-3000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return report["seconds"], whole, report["tables"], processed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=0, help="parser processes (default: kzcn's choice)")
    parser.add_argument("--reference", action="store_true", help="also hash the openpyxl reading of DOTS")
    parser.add_argument("--hashes", type=Path, help="also write the hashes to this JSON file")
    args = parser.parse_args(argv)

    from kzcn import fetch

    fetch.fetch(progressbar=False)  # raw files present and verified (not timed)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    inside, whole, tables, processed = cold_parse(args.jobs)
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    os.environ["KZCN_PROCESSED_DIR"] = str(processed)
    import pandas as pd

    from kzcn import store
    from kzcn.manifest import load_manifest

    problems = store.verify_processed()
    print(f"processed cache checked as a load would: {len(problems)} problem(s)", *problems, sep="\n  ")
    hashes = {}
    for source in load_manifest():
        hashes[source.id] = {"table": table_hash(pd.read_parquet(store.cache_file(source)))}
    if args.reference:
        dots_ids = [source.id for source in load_manifest() if source.parser == "dots"]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            for source_id, digest in zip(dots_ids, pool.map(_reference_dots_hash, dots_ids), strict=True):
                hashes[source_id]["reference"] = digest
    width = max(len(source_id) for source_id in hashes)
    print(f"\n{'table':<{width}}  content hash      " + ("openpyxl reference" if args.reference else ""))
    for source_id, found in hashes.items():
        reference = found.get("reference")
        mark = "" if reference is None else (reference + ("" if reference == found["table"] else "  DIFFERS"))
        print(f"{source_id:<{width}}  {found['table']}  {mark}")
    differing = [i for i, found in hashes.items() if found.get("reference", found["table"]) != found["table"]]
    if args.hashes:
        args.hashes.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(
        f"\ncold parse of {tables} manifest files: {inside:.1f} s in parse_all, {whole:.1f} s with "
        f"interpreter start and imports (target <= {TARGET_SECONDS:.0f} s on a quiet 2-core machine: "
        f"{'met' if inside <= TARGET_SECONDS else 'MISSED'})"
    )
    cores = os.cpu_count() or 1
    print(
        f"CPU time of the parse (all processes): {CPU_SECONDS:.1f} s, i.e. about {CPU_SECONDS / cores:.1f} s "
        f"of wall time on {cores} idle cores (what a quiet machine would take, start-up aside)"
    )
    if args.reference:
        print(
            f"tables equal to the openpyxl reading: {len(hashes) - len(differing)} of {len(hashes)} "
            f"({len(differing)} differ{': ' + ', '.join(differing) if differing else ''})"
        )
    return 1 if differing or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
