"""``python -m kzcn data ...`` as a reader runs it, against the loopback mirror."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kzcn import config
from kzcn.manifest import load_manifest

pytestmark = pytest.mark.integration


def run(args: list[str], tmp_path: Path, **env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "KZCN_RAW_DIR": str(tmp_path / "raw"),
        "KZCN_PROCESSED_DIR": str(tmp_path / "processed"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "kzcn", "data", *args],
        cwd=config.ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_fetch_verify_parse_a_few_ids(tmp_path, mirror_url):
    ids = ["dots-KAZ", "wdi-ny.gdp.mktp.cd", "wits2023-kaz-chn"]
    fetched = run(["fetch", "--only", *ids, "--base-url", mirror_url], tmp_path)
    assert fetched.returncode == 0, fetched.stderr
    assert "3 file(s) present and verified" in fetched.stdout
    verified = run(["verify", "--only", *ids, "--strict"], tmp_path)
    assert verified.returncode == 0 and "0 problem(s)" in verified.stdout
    parsed = run(["parse", "--only", *ids], tmp_path, KZCN_DATA_BASE_URL="http://127.0.0.1:9/")
    assert parsed.returncode == 0, parsed.stderr  # no download needed: the cache has them
    assert len(list((tmp_path / "processed").glob("*.parquet"))) == 3


def test_a_tampered_manifest_hash_fails_with_file_url_and_hashes(tmp_path, mirror_url):
    document = yaml.safe_load(config.MANIFEST_PATH.read_text(encoding="utf-8"))
    real = document["sources"]["dots-KAZ"]["sha256"]
    tampered = "f" * 64
    document["sources"]["dots-KAZ"]["sha256"] = tampered
    manifest = tmp_path / "sources.yml"
    manifest.write_text(yaml.safe_dump(document), encoding="utf-8")
    result = run(
        ["fetch", "--only", "dots-KAZ", "--base-url", mirror_url], tmp_path, KZCN_MANIFEST=str(manifest)
    )
    assert result.returncode == 1
    assert "dots-KAZ" in result.stderr and "DOTS_103.xlsx" in result.stderr
    assert load_manifest()["dots-KAZ"].url_for(mirror_url) in result.stderr
    assert f"expected: sha256 {tampered}" in result.stderr
    assert f"actual:   sha256 {real}" in result.stderr
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]


def test_verify_flags_a_corrupted_cached_file(tmp_path, mirror_url):
    assert run(["fetch", "--only", "wdi-sp.pop.totl", "--base-url", mirror_url], tmp_path).returncode == 0
    path = tmp_path / "raw" / load_manifest()["wdi-sp.pop.totl"].relpath
    path.write_bytes(path.read_bytes()[:-10])
    result = run(["verify", "--only", "wdi-sp.pop.totl"], tmp_path)
    assert result.returncode == 1
    assert "wdi-sp.pop.totl" in result.stderr and "1 problem(s)" in result.stdout
