"""The processed cache: keyed on (raw sha256, parser version); atomic; logs inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from data_fixtures import manifest_for, sha256, write_wdi_csv

from kzcn import store
from kzcn.parsers import wdi

RELPATH = "owner/repo/0123456789abcdef0123456789abcdef01234567/indicators/test/data.csv"


@pytest.fixture
def seeded(tmp_path, monkeypatch):
    """A fixture CSV already in the raw cache (so no download is needed) and its manifest."""
    monkeypatch.setenv("KZCN_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("KZCN_PROCESSED_DIR", str(tmp_path / "processed"))
    raw = tmp_path / "raw" / RELPATH
    raw.parent.mkdir(parents=True)
    write_wdi_csv(raw)
    return raw, manifest_for({"wdi-test": ("wdi", RELPATH, sha256(raw))})


@pytest.fixture
def parse_calls(monkeypatch):
    calls = []
    original = wdi.parse

    def counting(path, source=None):
        calls.append(path)
        return original(path, source)

    monkeypatch.setattr(wdi, "parse", counting)
    return calls


def test_second_load_reads_the_cache(seeded, parse_calls, tmp_path):
    _, manifest = seeded
    first = store.load("wdi-test", manifest)
    second = store.load("wdi-test", manifest)
    assert len(parse_calls) == 1
    assert second.equals(first)
    assert [p.name for p in (tmp_path / "processed").iterdir()] == [
        store.cache_file(manifest["wdi-test"]).name
    ]


def test_a_changed_raw_file_is_parsed_again_and_the_old_table_dropped(seeded, parse_calls, tmp_path):
    raw, manifest = seeded
    store.load("wdi-test", manifest)
    write_wdi_csv(raw, rows=["Kazakhstan,KAZ,2010,999.0"])
    refreshed = manifest_for({"wdi-test": ("wdi", RELPATH, sha256(raw))})
    table = store.load("wdi-test", refreshed)
    assert len(parse_calls) == 2
    assert table["value"].tolist() == [999.0]
    assert len(list((tmp_path / "processed").iterdir())) == 1


def test_a_new_parser_version_is_parsed_again(seeded, parse_calls, monkeypatch):
    _, manifest = seeded
    store.load("wdi-test", manifest)
    monkeypatch.setattr(wdi, "VERSION", wdi.VERSION + "-next")
    store.load("wdi-test", manifest)
    assert len(parse_calls) == 2


def test_raw_bytes_that_do_not_match_the_manifest_are_never_parsed(seeded, parse_calls, monkeypatch):
    raw, manifest = seeded
    monkeypatch.setenv("KZCN_DATA_BASE_URL", "http://127.0.0.1:9/")  # nothing listens: re-download fails
    raw.write_text("Country Name,Country Code,Year,Value\nKazakhstan,KAZ,2010,1\n")
    from kzcn.fetch import FetchError

    with pytest.raises(FetchError):
        store.load("wdi-test", manifest)
    assert parse_calls == []


def test_every_load_is_logged_even_from_the_cache(seeded, tmp_path, monkeypatch):
    _, manifest = seeded
    log = tmp_path / "inputs.tsv"
    monkeypatch.setenv("KZCN_INPUT_LOG", str(log))
    store.load("wdi-test", manifest)
    store.load("wdi-test", manifest)
    digest = manifest["wdi-test"].sha256
    assert log.read_text() == f"wdi-test\t{digest}\nwdi-test\t{digest}\n"


def test_parse_all_in_parallel_caches_everything_and_reports_a_bad_file(tmp_path, monkeypatch):
    from kzcn.parsers import ParseError

    monkeypatch.setenv("KZCN_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("KZCN_PROCESSED_DIR", str(tmp_path / "processed"))
    entries = {}
    for number in range(6):
        relpath = RELPATH.replace("/test/", f"/test{number}/")
        raw = tmp_path / "raw" / relpath
        raw.parent.mkdir(parents=True)
        write_wdi_csv(raw, rows=[f"Kazakhstan,KAZ,2010,{number}"])
        entries[f"wdi-{number}"] = ("wdi", relpath, sha256(raw))
    manifest = manifest_for(entries)
    assert store.parse_all(manifest=manifest, jobs=2) == {f"wdi-{n}": 1 for n in range(6)}
    assert len(list((tmp_path / "processed").glob("*.parquet"))) == 6

    bad = tmp_path / "raw" / RELPATH.replace("/test/", "/bad/")
    bad.parent.mkdir(parents=True)
    bad.write_text("Country Name,Country Code,Value\n")
    entries["wdi-bad"] = ("wdi", RELPATH.replace("/test/", "/bad/"), sha256(bad))
    with pytest.raises(ParseError, match=r"missing column\(s\) \['Year'\]"):
        store.parse_all(manifest=manifest_for(entries), jobs=2)


@pytest.mark.parametrize(
    "table",
    [
        # text, whole numbers, floats and booleans without gaps: hashed without the round trip
        pd.DataFrame({"a": ["x", "y"], "n": [1, 2], "v": [0.5, -0.0], "b": [True, False]}),
        # gaps (None and NaN in text, NaN in numbers) and a text column of another kind: after it
        pd.DataFrame({"a": ["x", None], "c": [np.nan, "z"], "v": [np.nan, 1.0]}),
        pd.DataFrame({"a": pd.array(["x", "y"], dtype="string"), "n": [1, 2]}),
        pd.DataFrame({"n": [1, 2]}, index=[5, 7]),
    ],
)
def test_the_stored_content_hash_is_that_of_the_table_read_back(table, seeded, tmp_path):
    import hashlib
    import json

    import pyarrow.parquet as pq

    _, manifest = seeded
    target = tmp_path / "processed" / "t.parquet"
    store._write_atomically(table, target, manifest["wdi-test"])
    back = pq.read_table(target).to_pandas()  # an independent reading
    digest = hashlib.sha256(json.dumps([[str(c), str(t)] for c, t in back.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(back, index=False).to_numpy().tobytes())
    record = json.loads(pq.read_schema(target).metadata[b"kzcn"])
    assert record["content_sha256"] == digest.hexdigest()
    assert record["rows"] == len(table)
