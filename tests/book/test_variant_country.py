"""Chapter 1 executed by papermill for another Central Asian country (Uzbekistan).

The thesis's printed values belong to Kazakhstan: for another country the page
must run, recompute the same table, compare nothing, and say so.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from kzcn import compare, config

pytestmark = pytest.mark.integration


def test_chapter_1_for_uzbekistan_recomputes_without_comparing(mirror_env, tmp_path):
    figures_dir = tmp_path / "figures"
    env = {
        **os.environ,
        "KZCN_DATA_BASE_URL": mirror_env,
        "KZCN_FIGURES_DIR": str(figures_dir),
        "KZCN_BUILD_DIR": str(tmp_path / "build"),
    }
    executed = tmp_path / "01_chapter1.ipynb"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            "-k",
            "python3",
            "-p",
            "country",
            "UZB",
            str(config.NOTEBOOKS_DIR / "01_chapter1.ipynb"),
            str(executed),
            "--cwd",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [
        line
        for line in (figures_dir / "tbl-1-1.csv").read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    rows = list(csv.DictReader(lines))
    assert rows
    assert [r for r in rows if r["printed_as"] or r["printed"]] == []
    recomputed = [r["recomputed"] for r in rows if r["recomputed"]]
    assert len(recomputed) > 50
    assert {r["status"] for r in rows} == {compare.NOT_PRINTED}
    outputs = "".join(
        str(output.get("data", {}).get("text/markdown", ""))
        for cell in nbformat.read(executed, as_version=4).cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    # the page says whose story its words tell: the thesis's, about Kazakhstan
    assert ":::{note}" in outputs and "built for **Uzbekistan**" in outputs
    assert "the thesis's finding about Kazakhstan" in outputs
    assert Path(figures_dir / "fig-1-1.svg").is_file()
