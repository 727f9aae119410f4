"""The fixture book of tests/pipeline (three notebooks, a fixture mirror), reused here.

``project`` and ``served_dir`` are the fixtures of ``tests/pipeline/conftest.py``,
imported under a module name of their own so the two conftest files do not clash.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PIPELINE_TESTS = Path(__file__).resolve().parent.parent / "pipeline"
DATA_TESTS = PIPELINE_TESTS.parent / "data"
for folder in (
    PIPELINE_TESTS,
    DATA_TESTS,
):  # pipeline_fixtures, data_fixtures, as their own tests import them
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

_spec = importlib.util.spec_from_file_location("kzcn_pipeline_test_fixtures", PIPELINE_TESTS / "conftest.py")
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

project = _fixtures.project
served_dir = _fixtures.served_dir
