"""A failed or interrupted build leaves the last good site untouched and says why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from pipeline_fixtures import PLAIN_CELLS

from kzcn import config


def test_failing_notebook_names_notebook_and_cell_and_keeps_the_site(project, capsys):
    assert project.build() == 0
    before = project.html_snapshot()
    capsys.readouterr()
    project.write_notebook("plain", ["x = 1", 'raise ValueError("fixture failure")'])

    assert project.build() == 1

    err = capsys.readouterr().err.strip().splitlines()
    # papermill's one-line error first, not a long traceback
    assert (
        err[0]
        == 'BUILD FAILED: notebook notebooks/plain.ipynb failed at cell 3 (In [2], id cell-2): raise ValueError("fixture failure")'
    )
    assert err[1].strip() == "ValueError: fixture failure"
    assert project.html_snapshot() == before
    assert not list(project.out.glob("html.new-*"))


def test_sphinx_warning_fails_the_build_and_keeps_the_site(project, capsys):
    assert project.build() == 0
    before = project.html_snapshot()
    capsys.readouterr()
    (project.source / "index.md").write_text(
        "# Fixture book\n\nSee {ref}`no-such-label`.\n", encoding="utf-8"
    )

    assert project.build() == 1

    err = capsys.readouterr().err
    assert "jupyter-book build failed" in err and "no-such-label" in err
    assert project.html_snapshot() == before
    # notebooks were not touched: the failure was in rendering, their cache stands
    assert project.build() == 1
    assert "nothing to execute" in capsys.readouterr().out


def test_sigterm_midway_keeps_the_site_and_a_rerun_completes(project):
    assert project.build() == 0
    before = project.html_snapshot()
    # plain.ipynb now announces that it runs, then takes long enough to be interrupted
    marker = project.out / "run" / "notebooks__plain" / "notebooks" / "started.marker"
    project.write_notebook(
        "plain", ['import pathlib, time\npathlib.Path("started.marker").touch()', "time.sleep(120)"]
    )

    build = subprocess.Popen(
        [sys.executable, "-m", "kzcn", "build", "--source", str(project.source), "--out", str(project.out)],
        cwd=config.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert build.poll() is None, build.communicate()
            assert time.monotonic() < deadline, "the slow notebook never started"
            time.sleep(0.2)
        build.send_signal(signal.SIGTERM)
        out, err = build.communicate(timeout=60)
    finally:
        if build.poll() is None:
            build.kill()
            build.communicate()

    assert build.returncode == 130, (out, err)
    assert "interrupted by signal SIGTERM" in err
    assert project.html_snapshot() == before
    assert not list(project.out.glob("html.new-*"))

    project.write_notebook("plain", PLAIN_CELLS)
    assert project.build() == 0
    assert (project.out / "html" / "notebooks" / "plain.html").is_file()
