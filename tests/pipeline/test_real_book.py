"""The pipeline on the real book (built once per session by the ``built_site`` fixture)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from pipeline_fixtures import published_files

from kzcn import config, pipeline

pytestmark = pytest.mark.integration


def run_build(out, env_extra=None):
    env = {**os.environ, **(env_extra or {})}
    result = subprocess.run(
        [sys.executable, "-m", "kzcn", "build", "--out", str(out)],
        cwd=config.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=25 * 60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + "\n" + result.stderr[-3000:]
    return result


def test_every_notebook_page_shows_its_parameters(built_site):
    notebooks = pipeline.book_notebooks(config.ROOT)
    assert notebooks, "the book has no notebooks"
    for rel in notebooks:
        if not pipeline.declared_parameters(config.ROOT / rel):
            continue  # a page without parameters has none to show
        page = (built_site / rel).with_suffix(".html").read_text(encoding="utf-8")
        assert "tag_injected-parameters" in page, f"{rel}: the parameters papermill passed are not shown"


def test_no_change_rebuild_of_the_real_book_executes_and_renders_nothing(built_site, tmp_path):
    # a copy of the session's build folder, so the browser tests keep theirs
    copy = tmp_path / "build"
    shutil.copytree(built_site.parent, copy, symlinks=True, ignore=shutil.ignore_patterns(".lock"))
    # In CI this first rebuild already finds nothing to do.  In a working tree that
    # others edit while the session's build runs, it catches up with their edits,
    # so that the second rebuild below really is "touching nothing".
    run_build(copy)
    before = {p.relative_to(copy / "html"): p.read_bytes() for p in (copy / "html").rglob("*") if p.is_file()}

    result = run_build(copy)

    report = json.loads((copy / "last-build.json").read_text(encoding="utf-8"))["notebooks"]
    assert {entry["action"] for entry in report.values()} == {"cached"}, report
    assert "render, publish: skipped" in result.stdout
    after = {p.relative_to(copy / "html"): p.read_bytes() for p in (copy / "html").rglob("*") if p.is_file()}
    assert after == before


def test_two_clean_builds_of_the_real_book_publish_identical_files(built_site, tmp_path):
    second = tmp_path / "second"
    run_build(second)

    first_files, second_files = published_files(built_site), published_files(second / "html")
    assert any(re.search(r"\.svg$", name) for name in first_files), "the book published no SVG"
    assert {"figures.json", "claims.json"} <= set(first_files)
    differing = sorted(name for name in first_files if first_files[name] != second_files.get(name))
    assert set(first_files) == set(second_files)
    assert differing == [], describe_differences(built_site, second / "html", differing)


def describe_differences(first, second, names) -> str:
    """Which top-level fields of the differing JSON files differ (a build that ran
    while someone edited the code or the ledger differs for that reason alone)."""
    lines = []
    for name in names:
        if name.endswith(".json"):
            a = json.loads((first / name).read_text(encoding="utf-8"))
            b = json.loads((second / name).read_text(encoding="utf-8"))
            keys = sorted(k for k in set(a) | set(b) if k != "build_date" and a.get(k) != b.get(k))
            lines.append(f"{name}: fields {keys} differ")
        else:
            lines.append(f"{name}: bytes differ")
    return "\n".join(lines)
