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


TABLES = [
    # text, whole numbers, floats and booleans without gaps
    pd.DataFrame({"a": ["x", "y", "zz"], "n": [1, 2, 3], "v": [0.5, -0.0, 2.0], "b": [True, False, True]}),
    # gaps (None and NaN in text, NaN in numbers) and a text column of another kind
    pd.DataFrame({"a": ["x", None, "w"], "c": [np.nan, "z", "q"], "v": [np.nan, 1.0, 3.0]}),
    pd.DataFrame({"a": pd.array(["x", "y", None], dtype="string"), "n": [1, 2, 3]}),
    pd.DataFrame({"n": [1, 2, 3]}, index=[5, 7, 9]),
]


def _changed(value, kind):
    """Another value of type ``kind`` (what an edit of the file's values would leave)."""
    import pyarrow as pa

    if value is None:
        # text is string or, under pandas 3, large_string in Arrow
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        return "filled" if text else True if pa.types.is_boolean(kind) else 9
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return value + "!"
    return value + 1


@pytest.mark.parametrize("table", TABLES)
def test_the_stored_content_hash_accepts_the_table_and_refuses_any_changed_value(table, seeded, tmp_path):
    """Rewritten with one value changed, valid page checksums and the original metadata: refused."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    _, manifest = seeded
    source = manifest["wdi-test"]
    target = tmp_path / "processed" / "t.parquet"
    store._write_atomically(pa.Table.from_pandas(table, preserve_index=False), target, source)
    written = pq.read_table(target)  # an independent reading
    pd.testing.assert_frame_equal(store.read_verified(source, target), written.to_pandas(), check_exact=True)
    assert len(written) == len(table)
    for name in written.column_names:
        for row in range(len(written)):
            values = written[name].to_pylist()
            values[row] = _changed(values[row], written.schema.field(name).type)
            altered = written.set_column(
                written.column_names.index(name), name, pa.array(values, type=written.schema.field(name).type)
            )
            forged = tmp_path / "processed" / "forged.parquet"
            pq.write_table(altered, forged, write_page_checksum=True)
            with pytest.raises(store.CacheProblem, match="does not match the checksum"):
                store.read_verified(source, forged)


def test_the_content_hash_does_not_depend_on_the_memory_layout():
    """The same values in one chunk or several, sliced or not, give one hash (as a reading back would)."""
    import pyarrow as pa

    values = {"a": ["x", None, "yy", "z"], "v": [1.5, None, 3.0, 4.0], "b": [True, False, None, True]}
    whole = pa.table(values)
    padded = pa.table({name: [column[0], *column] for name, column in values.items()}).slice(1)
    chunked = pa.concat_tables([whole.slice(0, 1), whole.slice(1)])
    assert store.content_hash(padded) == store.content_hash(whole) == store.content_hash(chunked)
    assert store.content_hash(whole) != store.content_hash(whole.slice(1))


def test_a_table_the_parser_builds_as_arrow_reads_back_from_the_cache_as_it_was_first_given(
    tmp_path, monkeypatch
):
    """The DOTS parser builds Arrow, never pandas: its first load (a fresh parse) and every later
    load (the parquet file) give the same pandas table, dtypes included, and both give what
    openpyxl reads cell by cell."""
    import pyarrow.parquet as pq
    from data_fixtures import write_dots_workbook

    from kzcn.parsers import dots

    monkeypatch.setenv("KZCN_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("KZCN_PROCESSED_DIR", str(tmp_path / "processed"))
    relpath = "owner/repo/0123456789abcdef0123456789abcdef01234567/DOTS/DOTS_1.xlsx"
    raw = tmp_path / "raw" / relpath
    raw.parent.mkdir(parents=True)
    write_dots_workbook(raw)
    manifest = manifest_for({"dots-test": ("dots", relpath, sha256(raw))})
    first = store.load("dots-test", manifest)
    written = store.cache_file(manifest["dots-test"])
    assert b"pandas" in pq.read_schema(written).metadata
    second = store.load("dots-test", manifest)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    by_openpyxl = dots.parse(raw, manifest["dots-test"], engine="openpyxl")
    pd.testing.assert_frame_equal(first, by_openpyxl, check_exact=True)
    assert first["year"].dtype == np.int64 and first["estimate"].dtype == bool
    assert len(first) > 0 and first["estimate"].any()
