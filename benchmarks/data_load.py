"""Benchmark: cold parse and warm load of the Kazakhstan-China bilateral table (target: warm < 0.2 s).

    python benchmarks/data_load.py [--base-url URL] [--repeat N]

Cold = parse the DOTS workbook of Kazakhstan and validate it, with an empty
processed cache (the raw file is fetched first and not timed).  Warm = the
same ``kzcn.data.bilateral("KAZ", "CHN")`` call once the parquet exists.
The processed cache is a temporary folder, so the project's cache is untouched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WARM_TARGET_S = 0.2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="raw-data host (default: KZCN_DATA_BASE_URL or GitHub)")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    if args.base_url:
        os.environ["KZCN_DATA_BASE_URL"] = args.base_url
    with tempfile.TemporaryDirectory() as processed:
        os.environ["KZCN_PROCESSED_DIR"] = processed
        from kzcn import data, fetch

        fetch.fetch(["dots-KAZ"], progressbar=False)
        started = time.perf_counter()
        data.bilateral("KAZ", "CHN")
        cold = time.perf_counter() - started
        warm = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            data.bilateral("KAZ", "CHN")
            warm.append(time.perf_counter() - started)
    median = statistics.median(warm)
    print(f"cold parse + validate + cache: {cold:.3f} s")
    print(f"warm load (median of {args.repeat}): {median:.4f} s (max {max(warm):.4f} s)")
    print(f"target warm < {WARM_TARGET_S} s: {'met' if median < WARM_TARGET_S else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
