"""Every tracked Python file and notebook passes ruff's lint rules and its formatter.

Only files git tracks are checked: that is what a clean clone (and so CI) contains,
and it keeps someone's half-written, uncommitted file from failing everyone's run.
"""

from __future__ import annotations

import subprocess
import sys

from kzcn import config


def tracked_python_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--", "*.py", "*.ipynb"],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [name for name in listing.split("\0") if name]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    # --force-exclude: files named explicitly still obey pyproject's exclusions
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--force-exclude", *tracked_python_files()],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_there_are_python_files_to_lint():
    assert "kzcn/config.py" in tracked_python_files()


def test_ruff_check_passes_on_the_repository():
    result = _ruff("check", "--no-cache")
    assert result.returncode == 0, f"ruff check found problems:\n{result.stdout}{result.stderr}"


def test_ruff_format_leaves_the_repository_unchanged():
    result = _ruff("format", "--check", "--no-cache")
    assert result.returncode == 0, f"files need `ruff format`:\n{result.stdout}{result.stderr}"
