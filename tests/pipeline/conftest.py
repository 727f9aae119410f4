"""Fixtures of the build pipeline tests: see pipeline_fixtures.py for the fixture book."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pipeline_fixtures import FixtureProject, copy_mirror, write_book, write_manifest

from kzcn import config, loopback, pipeline, publish


def shared_mirror() -> Path:
    """The shared raw-data mirror (as in tests/conftest.py: ``KZCN_MIRROR_DIR`` overrides)."""
    return Path(os.environ.get("KZCN_MIRROR_DIR") or config.ROOT.parent / "shared" / "data" / "github")


@pytest.fixture
def served_dir(tmp_path):
    """A loopback HTTP server of ``tmp_path/mirror`` (files are read at request time)."""
    directory = tmp_path / "mirror"
    directory.mkdir()
    with loopback.serve(directory) as url:
        yield directory, url


@pytest.fixture
def project(tmp_path, served_dir, monkeypatch):
    """A fixture book whose data come from a fixture mirror through the real fetch/store code."""
    mirror, url = served_dir
    manifest_path = tmp_path / "sources.yml"
    write_manifest(manifest_path)
    copy_mirror(manifest_path, shared_mirror(), mirror)
    source = tmp_path / "book"
    write_book(source)
    # This process (fetch, parse, planning) and the notebook kernels it starts
    # must all see the fixture manifest, caches and mirror.
    monkeypatch.setattr(config, "MANIFEST_PATH", manifest_path)
    monkeypatch.setenv("KZCN_MANIFEST", str(manifest_path))
    monkeypatch.setenv("KZCN_DATA_BASE_URL", url)
    monkeypatch.setenv("KZCN_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("KZCN_PROCESSED_DIR", str(tmp_path / "processed"))
    # Others edit kzcn/ while the suite runs; the package hash has its own test.
    pinned = pipeline.package_hash()
    monkeypatch.setattr(pipeline, "package_hash", lambda package_dir=None: pinned)
    # claims.json is the audit of the real thesis ledger against the real data,
    # which this three-page book does not have; the real-book test covers it.
    monkeypatch.setattr(
        publish, "claims_document", lambda build_info: {"build_date": build_info["build_date"]}
    )
    return FixtureProject(source=source, mirror=mirror, out=tmp_path / "build", manifest_path=manifest_path)
