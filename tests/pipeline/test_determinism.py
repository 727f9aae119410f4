"""Two clean builds give byte-identical published files (apart from the build date)."""

from __future__ import annotations

import json

from pipeline_fixtures import published_files


def test_two_clean_builds_publish_identical_bytes(project, monkeypatch):
    assert project.build() == 0
    first_out = project.out
    # a second, independent clean build: new build folder, new processed cache
    monkeypatch.setenv("KZCN_PROCESSED_DIR", str(first_out.parent / "processed-2"))
    project.out = first_out.parent / "build-2"
    assert project.build() == 0

    first, second = published_files(first_out / "html"), published_files(project.out / "html")
    assert set(first) == set(second)
    assert {"figures/fig-growth.svg", "figures/fig-growth.csv", "figures.json", "claims.json"} <= set(first)
    assert first == second
    # the build date is the one thing allowed to differ, and it is isolated in one field
    document = json.loads((project.out / "html" / "figures.json").read_text(encoding="utf-8"))
    assert "build_date" in document
