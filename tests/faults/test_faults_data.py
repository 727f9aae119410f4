"""Faulty caches and faulty servers: swapped and corrupted parquet files, a corrupted raw file,
trickling, hanging, failing and oversized downloads, leftovers of interrupted downloads.

Expected values come from the raw CSV files read here with the csv module, not
from the code under test.
"""

from __future__ import annotations

import csv
import shutil

import pytest
from conftest import GDP, GROWTH

from kzcn import config, datacli, fetch, store
from kzcn.manifest import load_manifest


def raw_values(fp, source_id: str, iso3: str) -> dict[int, float]:
    """Year -> value of one country, read from the raw WDI CSV with the csv module."""
    path = load_manifest(fp.manifest_path)[source_id].cache_path()
    with open(path, newline="", encoding="utf-8") as handle:
        return {
            int(row["Year"]): float(row["Value"])
            for row in csv.DictReader(handle)
            if row["Country Code"] == iso3 and row["Value"]
        }


def loaded_values(table, iso3: str) -> dict[int, float]:
    rows = table[table.iso3 == iso3]
    return {int(y): float(v) for y, v in zip(rows.year, rows.value, strict=True) if v == v}


def flip_bytes(path, offsets=(0.5, 0.6, 0.7)) -> None:
    data = bytearray(path.read_bytes())
    for share in offsets:
        data[int(len(data) * share)] ^= 0xFF
    path.write_bytes(bytes(data))


# ---------------------------------------------------------------- processed cache


def test_swapped_parquet_is_detected_and_parsed_again(fp, capfd):
    manifest = load_manifest(fp.manifest_path)
    growth_file = store.cache_file(manifest[GROWTH])
    shutil.copyfile(store.cache_file(manifest[GDP]), growth_file)  # GDP levels under the growth name

    problems = store.verify_processed()
    assert len(problems) == 1 and GROWTH in problems[0] and f"source_id '{GDP}'" in problems[0]
    assert datacli.main(["verify"]) == 1
    assert GROWTH in capfd.readouterr().err

    table = store.load(GROWTH)
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and "made for another input" in err and f"parsing {GROWTH} again" in err
    assert loaded_values(table, "KAZ") == pytest.approx(raw_values(fp, GROWTH, "KAZ"))
    assert store.verify_processed() == []


def test_corrupted_parquet_is_detected_and_parsed_again(fp, capfd):
    path = store.cache_file(load_manifest(fp.manifest_path)[GROWTH])
    flip_bytes(path)
    problems = store.verify_processed()
    assert len(problems) == 1 and GROWTH in problems[0]
    table = store.load(GROWTH)
    assert "parsing wdi-ny.gdp.mktp.kd.zg again" in capfd.readouterr().err
    assert loaded_values(table, "KAZ") == pytest.approx(raw_values(fp, GROWTH, "KAZ"))


def test_bad_parquet_never_reaches_the_published_book(fp, capsys):
    """The probes' cases in one build: GDP levels under the growth file's name (swapped) and a
    corrupted GDP file, with both chapters changed so that both are read again."""
    manifest = load_manifest(fp.manifest_path)
    shutil.copyfile(store.cache_file(manifest[GDP]), store.cache_file(manifest[GROWTH]))
    for name, old, new in (("growth", "GDP growth", "Real GDP growth"), ("gdp", "GDP-2010", "GDP 2010")):
        notebook = fp.source / "notebooks" / f"{name}.ipynb"
        notebook.write_text(notebook.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    flip_bytes(store.cache_file(manifest[GDP]), offsets=(0.3, 0.35))  # data pages, not the footer
    assert fp.build() == 0
    out = capsys.readouterr().out
    # the swapped file is caught by the parse step (its provenance), the corrupted one when
    # the chapter reads it (its checksums); each with one line in the build's log
    assert out.count(f"parsing {GROWTH} again") == 1 and "made for another input" in out
    assert out.count(f"parsing {GDP} again") == 1 and "notebooks/gdp.ipynb: " in out
    with open(fp.html / "figures" / "fig-growth.csv", newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        published = {int(row["year"]): float(row["value"]) for row in rows}
    expected = {y: v for y, v in raw_values(fp, GROWTH, "KAZ").items() if 2000 <= y <= 2015}
    assert published == pytest.approx(expected)
    page = (fp.html / "notebooks" / "gdp.html").read_text(encoding="utf-8")
    assert f"GDP 2010-KAZ: {raw_values(fp, GDP, 'KAZ')[2010]:.1f}" in page
    assert "parsing" not in page  # the log line is for the author, not on the reader's page
    assert store.verify_processed() == []


# --------------------------------------------------------------------- raw cache


def test_corrupted_raw_file_is_reported_and_fetched_again(fp):
    source = load_manifest(fp.manifest_path)[GDP]
    path = source.cache_path()
    flip_bytes(path)
    lines: list[str] = []
    fetch.fetch(progressbar=False, log=lines.append)
    rel = fetch.display_path(path)
    assert lines == [f"{rel}: sha256 mismatch, downloading again"]
    assert fetch.sha256_of(path) == source.sha256


def test_corrupted_raw_file_offline_is_refused_with_the_right_message(fp, capsys, monkeypatch):
    monkeypatch.setattr(config, "FETCH_RETRIES", 0)
    monkeypatch.setenv("KZCN_DATA_BASE_URL", "http://127.0.0.1:9/")
    path = load_manifest(fp.manifest_path)[GDP].cache_path()
    flip_bytes(path)
    before = fp.snapshot()
    assert fp.build() == 1
    captured = capsys.readouterr()
    assert "sha256 mismatch, downloading again" in captured.out
    err = captured.err
    assert "likely cause: network" in err and GDP in err
    assert "was corrupt" in err and "has been removed" in err
    assert "Traceback" not in err
    assert fp.snapshot() == before


# ----------------------------------------------------------------- faulty servers


def fetch_growth(fp):
    source = load_manifest(fp.manifest_path)[GROWTH]
    source.cache_path().unlink()
    return source


def test_trickling_server_hits_the_total_deadline(fp, monkeypatch):
    monkeypatch.setenv("KZCN_FETCH_DEADLINE", "2")
    monkeypatch.setenv("KZCN_FETCH_TIMEOUT", "5")
    source = fetch_growth(fp)
    fp.server.set("trickle")
    with pytest.raises(fetch.FetchError, match="deadline of 2 s") as error:
        fetch.fetch_one(source, progressbar=False)
    assert error.value.kind == "network"
    assert not source.cache_path().exists()
    assert not [p for p in fp.raw.rglob("tmp*") if p.is_file()]


@pytest.mark.parametrize("mode", ["hang", "stall"])
def test_silent_server_is_a_network_failure_and_leaves_nothing(fp, monkeypatch, mode):
    """``hang``: no answer at all; ``stall``: half the file, then silence (retried: may be transient)."""
    monkeypatch.setenv("KZCN_FETCH_DEADLINE", "3")
    monkeypatch.setenv("KZCN_FETCH_TIMEOUT", "1")
    source = fetch_growth(fp)
    fp.server.set(mode)
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_one(source, progressbar=False)
    assert GROWTH in str(error.value) and error.value.kind == "network"
    assert fp.server.requests >= 2
    assert not source.cache_path().exists()
    assert not [p for p in fp.raw.rglob("tmp*") if p.is_file()]


def test_wrong_bytes_are_refused_at_once(fp):
    source = fetch_growth(fp)
    fp.server.set("garbage")
    with pytest.raises(fetch.FetchError, match="sha256 mismatch") as error:
        fetch.fetch_one(source, progressbar=False)
    assert error.value.kind == "checksum" and fp.server.requests == 1
    assert f"expected: sha256 {source.sha256}" in str(error.value)


def test_transient_errors_are_retried(fp):
    source = fetch_growth(fp)
    fp.server.set("fail", failures=2)
    path = fetch.fetch_one(source, progressbar=False)
    assert fp.server.requests == 3
    assert fetch.sha256_of(path) == source.sha256


def test_oversized_download_is_cut_at_the_declared_size(fp):
    source = fetch_growth(fp)
    fp.server.set("oversized")
    with pytest.raises(fetch.FetchError, match=f"more than the {source.size} bytes") as error:
        fetch.fetch_one(source, progressbar=False)
    assert error.value.kind == "checksum"
    assert fp.server.requests == 1  # not retried: the bytes are wrong, not the network
    assert not [p for p in fp.raw.rglob("tmp*") if p.is_file()]


def test_leftover_temporary_files_are_removed_on_start(fp):
    directory = load_manifest(fp.manifest_path)[GDP].cache_path().parent
    leftover = directory / "tmpab12cd_3"
    leftover.write_bytes(b"half a download")
    assert any("temporary file" in p for p in fetch.verify())
    lines: list[str] = []
    fetch.fetch(progressbar=False, log=lines.append)
    assert not leftover.exists()
    assert lines == [f"{fetch.display_path(leftover)}: removed (left by an interrupted download)"]


def test_fetch_failure_in_the_build_is_one_message(fp, capsys, monkeypatch):
    monkeypatch.setattr(config, "FETCH_RETRIES", 0)
    fetch_growth(fp)
    fp.server.set("fail", failures=10)
    before = fp.snapshot()
    assert fp.build() == 1
    err = capsys.readouterr().err
    assert err.strip().startswith("BUILD FAILED: ") and GROWTH in err and "HTTP error 503" in err
    assert "step:         fetch" in err and "likely cause: network" in err
    assert "Traceback" not in err
    assert fp.snapshot() == before
