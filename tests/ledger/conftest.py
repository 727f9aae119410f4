"""Shared fixtures of the ledger tests: the thesis text and the coverage tool."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from kzcn import config


@pytest.fixture(scope="session")
def thesis_text() -> str:
    path = config.thesis_text()
    # CI puts shared/ beside the clone; a missing thesis is a setup error, not a skip.
    assert path.is_file(), f"thesis text not found at {path}; set KZCN_THESIS_TEXT or KZCN_SHARED_DIR"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def coverage_tool():
    spec = importlib.util.spec_from_file_location(
        "ledger_coverage", config.ROOT / "tools" / "ledger_coverage.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def classified(thesis_text, coverage_tool):
    """Every digit-bearing token of the body with its coverage status."""
    return coverage_tool.classify(thesis_text)
