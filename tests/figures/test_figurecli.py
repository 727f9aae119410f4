"""`python -m kzcn figure ID`: one figure or table rebuilt from raw data, without the book."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from kzcn import config, figurecli

pytestmark = pytest.mark.integration


def _run(*args, env_extra=None, cwd=None):
    env = dict(os.environ)
    env.pop("KZCN_FIGURES_DIR", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "kzcn", "figure", *args],
        cwd=cwd or config.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=30 * 60,
    )


def test_figure_3_1_for_uzbekistan_writes_its_four_files(tmp_path, mirror_env):
    out = tmp_path / "tmp"
    result = _run(
        "fig-3-1", "--country", "UZB", "--out", str(out), env_extra={"KZCN_DATA_BASE_URL": mirror_env}
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == [f"fig-3-1.{s}" for s in ("csv", "json", "png", "svg")]
    assert (out / "fig-3-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "fig-3-1.svg").read_bytes()[:2000]
    frame = pd.read_csv(out / "fig-3-1.csv")
    assert len(frame) > 0
    meta = json.loads((out / "fig-3-1.json").read_text())
    assert meta["id"] == "fig-3-1" and meta["parameters"]["country"] == "UZB"
    assert meta["rebuild"] == "python -m kzcn figure fig-3-1 --country UZB"
    assert meta["notebook"] == "notebooks/03_chapter3.ipynb"
    assert meta["inputs"] and all(item["sha256"] for item in meta["inputs"])


def test_unknown_id_gets_one_clear_message():
    result = _run("fig-99-9")
    assert result.returncode == 1
    assert "no notebook publishes 'fig-99-9'" in result.stderr and "fig-3-1" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("country", ["XXX", "../../etc", "CHN"])
def test_unsupported_country_is_refused_before_anything_runs(country, tmp_path):
    result = _run("fig-3-1", "--country", country, "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "KAZ" in result.stderr and "UZB" in result.stderr
    assert not (tmp_path / "out").exists()


def test_every_literal_id_maps_to_one_notebook():
    found = figurecli.ids_by_notebook()
    assert found["fig-3-1"].name == "03_chapter3.ipynb"
    assert found["tbl-1-1"].name == "01_chapter1.ipynb"
