"""``python tests/faults/fault_boot.py BUILD-ARGS``: the real ``python -m kzcn build``, for the fixture book.

Two stubs, the same as the pipeline tests' ``project`` fixture (tests/pipeline/conftest.py):
``claims.json`` (the audit of the real thesis ledger, which the three-page
fixture book does not have) is reduced to its build date, and the package hash
may be pinned (``KZCN_TEST_PACKAGE_HASH``) because other people edit ``kzcn/``
while the suite runs.  Everything else, locks, children, signals included, is
the code a reader runs.
"""

from __future__ import annotations

import os
import sys

from kzcn import pipeline, publish


def main() -> int:
    pinned = os.environ.get("KZCN_TEST_PACKAGE_HASH")
    if pinned:
        pipeline.package_hash = lambda package_dir=None: pinned
    publish.claims_document = lambda build_info: {"build_date": build_info["build_date"]}
    return pipeline.main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
