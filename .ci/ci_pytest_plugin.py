"""Pytest plugin loaded by ``.ci/run`` (``-p ci_pytest_plugin``): records outcome counts.

``.ci/run`` cannot trust the exit status alone: a skipped test exits 0, and the test
command may call pytest more than once.  Each pytest session therefore appends one JSON
line with its counts to the file named by ``KZCN_CI_SUMMARY``; ``.ci/run`` adds them up,
prints them, and fails when nothing ran or anything was skipped.
"""

from __future__ import annotations

import json
import os

import pytest

# pytest's terminal-report categories -> the names printed by .ci/run
_CATEGORIES = {
    "passed": "passed",
    "failed": "failed",
    "error": "errors",
    "skipped": "skipped",
    "xfailed": "xfailed",
    "xpassed": "xpassed",
}


def _count(reports) -> int:
    # A test id can report in setup, call and teardown; count each test once.
    return len({report.nodeid for report in reports if hasattr(report, "nodeid")})


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    summary_path = os.environ.get("KZCN_CI_SUMMARY")
    if not summary_path or hasattr(session.config, "workerinput"):
        return  # not under .ci/run, or an xdist worker (the controller reports for it)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    stats = reporter.stats if reporter is not None else {}
    counts = {name: _count(stats.get(key, [])) for key, name in _CATEGORIES.items()}
    counts["exitstatus"] = int(exitstatus)
    counts["args"] = list(session.config.invocation_params.args)
    with open(summary_path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(counts) + "\n")
