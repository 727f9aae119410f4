"""Bad input gets a clear error, never a wrong table (issue 2's list, on generated fixtures)."""

from __future__ import annotations

import re

import pytest
from data_fixtures import (
    EXPORTS,
    IMPORTS,
    Server,
    manifest_for,
    sha256,
    write_dots_workbook,
    write_wdi_csv,
)

from kzcn import fetch, store
from kzcn.parsers import ParseError, dots, wdi
from kzcn.schemas import DataValidationError, validate

RELPATH = "owner/repo/0123456789abcdef0123456789abcdef01234567/data/DOTS_1.xlsx"


@pytest.fixture
def caches(tmp_path, monkeypatch):
    """Empty raw and processed caches in a temporary folder."""
    monkeypatch.setenv("KZCN_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("KZCN_PROCESSED_DIR", str(tmp_path / "processed"))
    return tmp_path


@pytest.fixture
def served(tmp_path):
    """A loopback server of ``tmp_path/www``; yields (base_url, www folder)."""
    www = tmp_path / "www"
    (www / RELPATH).parent.mkdir(parents=True)
    with Server(www) as base_url:
        yield base_url, www


def _cache_is_empty(root) -> bool:
    raw = root / "raw"
    return not raw.exists() or not [p for p in raw.rglob("*") if p.is_file()]


# --- download --------------------------------------------------------------------


def test_wrong_checksum_names_file_url_and_both_hashes(caches, served):
    base_url, www = served
    good = write_dots_workbook(www / RELPATH)
    wrong = "0" * 64
    source = manifest_for({"dots-KAZ": ("dots", RELPATH, wrong)})["dots-KAZ"]
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_one(source, base_url, progressbar=False)
    message = str(error.value)
    assert "dots-KAZ" in message and "DOTS_1.xlsx" in message
    assert base_url + RELPATH in message
    assert f"expected: sha256 {wrong}" in message
    assert f"actual:   sha256 {sha256(good)}" in message
    assert _cache_is_empty(caches)


def test_http_404_is_an_error_and_leaves_nothing(caches, served):
    base_url, _ = served
    source = manifest_for({"x": ("dots", RELPATH.replace("DOTS_1", "DOTS_404"), "1" * 64)})["x"]
    with pytest.raises(fetch.FetchError, match=r"HTTP error 404") as error:
        fetch.fetch_one(source, base_url, progressbar=False)
    assert "DOTS_404.xlsx" in str(error.value)
    assert _cache_is_empty(caches)


def test_html_page_saved_as_xlsx_fails_the_hash_and_the_parser(caches, served, tmp_path):
    base_url, www = served
    real = write_dots_workbook(tmp_path / "real.xlsx")
    (www / RELPATH).write_text("<!DOCTYPE html><html><body>404: Not Found</body></html>")
    source = manifest_for({"dots-KAZ": ("dots", RELPATH, sha256(real))})["dots-KAZ"]
    with pytest.raises(fetch.FetchError, match="sha256 mismatch"):
        fetch.fetch_one(source, base_url, progressbar=False)
    assert _cache_is_empty(caches)
    with pytest.raises(ParseError, match=r"DOTS_1.xlsx: not a readable .xlsx workbook"):
        dots.parse(www / RELPATH)


def test_truncated_workbook_fails_the_hash_and_the_parser(caches, served):
    base_url, www = served
    full = write_dots_workbook(www.parent / "full.xlsx")
    data = full.read_bytes()
    (www / RELPATH).write_bytes(data[: len(data) // 2])
    source = manifest_for({"dots-KAZ": ("dots", RELPATH, sha256(full))})["dots-KAZ"]
    with pytest.raises(fetch.FetchError, match="sha256 mismatch"):
        fetch.fetch_one(source, base_url, progressbar=False)
    assert _cache_is_empty(caches)
    with pytest.raises(ParseError, match="not a readable .xlsx workbook"):
        dots.parse(www / RELPATH)


def test_a_corrupted_cache_file_is_reported_by_verify_and_replaced_by_fetch(caches, served):
    base_url, www = served
    good = write_dots_workbook(www / RELPATH)
    manifest = manifest_for({"dots-KAZ": ("dots", RELPATH, sha256(good))})
    path = fetch.fetch(base_url=base_url, progressbar=False, manifest=manifest)["dots-KAZ"]
    assert fetch.verify(manifest=manifest) == []
    path.write_bytes(b"tampered")
    problems = fetch.verify(manifest=manifest)
    assert len(problems) == 1 and "dots-KAZ" in problems[0] and sha256(good) in problems[0]
    fetch.fetch(base_url=base_url, progressbar=False, manifest=manifest)
    assert sha256(path) == sha256(good)


def test_a_raw_cache_of_symbolic_links_to_verified_files_is_used_as_is(caches, served, tmp_path):
    """A cache entry may be a link to the file kept elsewhere (the benchmark builds one):
    it is verified by its bytes, not refused as a path outside the cache."""
    base_url, www = served
    good = write_dots_workbook(www / RELPATH)
    manifest = manifest_for({"dots-KAZ": ("dots", RELPATH, sha256(good))})
    link = caches / "raw" / RELPATH
    link.parent.mkdir(parents=True)
    link.symlink_to(good)
    assert manifest["dots-KAZ"].cache_path() == link
    assert fetch.verify(manifest=manifest) == []
    assert fetch.fetch(base_url=base_url, progressbar=False, manifest=manifest)["dots-KAZ"] == link


# --- DOTS layout -------------------------------------------------------------------


def test_a_good_fixture_parses_with_estimates_and_missing_cells(tmp_path):
    table = dots.parse(write_dots_workbook(tmp_path / "DOTS_1.xlsx"))
    table = validate(table, "bilateral", "fixture")
    china = table[(table.partner == "CHN") & (table.flow == "export")].set_index("year")
    assert china.loc[1993, "value_usd"] == pytest.approx(1247.27e6)
    assert china.loc[1992, "estimate"] and not china.loc[1994, "estimate"]
    # an empty cell is absent, not zero
    assert not ((table.partner == "CHN") & (table.flow == "import") & (table.year == 1992)).any()
    # the verbatim repeat of Australia is kept once
    assert ((table.partner == "AUS") & (table.flow == "export")).sum() == 2


def test_missing_sheet(tmp_path):
    path = write_dots_workbook(tmp_path / "DOTS_1.xlsx", sheets=("Exports, FOB",))
    with pytest.raises(ParseError, match=r"DOTS_1.xlsx: missing sheet\(s\) \['Imports, CIF'\]"):
        dots.parse(path)


@pytest.mark.parametrize("year_row", [6, 8])
def test_year_header_shifted(tmp_path, year_row):
    path = write_dots_workbook(tmp_path / "DOTS_1.xlsx", year_row=year_row)
    with pytest.raises(ParseError, match=r"row 7.*(header absent or shifted|no years)"):
        dots.parse(path)


def test_year_header_absent(tmp_path):
    path = write_dots_workbook(tmp_path / "DOTS_1.xlsx", years=[])
    with pytest.raises(ParseError, match=r"header absent or shifted"):
        dots.parse(path)


def test_non_numeric_text_in_a_value_cell_names_the_cell(tmp_path):
    exports = [*EXPORTS[:2], ("China, P.R.: Mainland", ["12.50 e", "n/a", 171.8])]
    path = write_dots_workbook(tmp_path / "DOTS_1.xlsx", exports=exports)
    with pytest.raises(ParseError, match=r"sheet 'Exports, FOB', cell D10: non-numeric text 'n/a'"):
        dots.parse(path)


def test_negative_value_names_the_cell(tmp_path):
    imports = [*IMPORTS[:2], ("China, P.R.: Mainland", [None, -30.1, 44.2])]
    path = write_dots_workbook(tmp_path / "DOTS_1.xlsx", imports=imports)
    with pytest.raises(ParseError, match=r"sheet 'Imports, CIF', cell D10: negative trade value"):
        dots.parse(path)


def test_duplicate_partner_rows_that_disagree(tmp_path):
    exports = [*EXPORTS[:3], ("World", [244.4, 1106.7, 9999.0])]
    path = write_dots_workbook(tmp_path / "DOTS_1.xlsx", exports=exports)
    with pytest.raises(ParseError, match=r"partner 'World' appears on rows 9 and 11 with different values"):
        dots.parse(path)


def test_unknown_partner_name_is_not_silently_dropped(tmp_path):
    exports = [*EXPORTS[:2], ("Atlantis", [1.0, 2.0, 3.0])]
    path = write_dots_workbook(tmp_path / "DOTS_1.xlsx", exports=exports)
    with pytest.raises(ParseError, match=r"cell B10: partner 'Atlantis' is not in data/imf_partner_iso3.csv"):
        dots.parse(path)


def test_year_outside_range_fails_validation_naming_file_column_and_rule(tmp_path, caches):
    path = write_dots_workbook(tmp_path / "DOTS_1.xlsx", years=[1992, 1993, 2999])
    source = manifest_for({"dots-KAZ": ("dots", RELPATH, sha256(path))})["dots-KAZ"]
    with pytest.raises(DataValidationError) as error:
        store.parse_source(source, path)
    message = str(error.value)
    assert "DOTS_1.xlsx (dots-KAZ)" in message
    assert re.search(r"column 'year', row \d+: rule 'in_range\(1948, 2030\)' failed by 2999", message)


def test_empty_workbook_file(tmp_path):
    path = tmp_path / "DOTS_1.xlsx"
    path.write_bytes(b"")
    with pytest.raises(ParseError, match="not a readable .xlsx workbook"):
        dots.parse(path)


# --- CSV ---------------------------------------------------------------------------


def test_wdi_fixture_parses(tmp_path):
    table = validate(wdi.parse(write_wdi_csv(tmp_path / "data.csv")), "wdi", "fixture")
    assert table.set_index(["iso3", "year"]).loc[("KAZ", 2011), "value"] == pytest.approx(120.25)


def test_csv_with_a_missing_column(tmp_path):
    path = write_wdi_csv(
        tmp_path / "data.csv", rows=["Kazakhstan,KAZ,100.5"], header="Country Name,Country Code,Value"
    )
    with pytest.raises(ParseError, match=r"data.csv: missing column\(s\) \['Year'\]"):
        wdi.parse(path)


def test_empty_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("")
    with pytest.raises(ParseError, match="data.csv: the file is empty"):
        wdi.parse(path)


def test_non_numeric_csv_value_names_the_row(tmp_path):
    path = write_wdi_csv(
        tmp_path / "data.csv", rows=["Kazakhstan,KAZ,2010,100.5", "Kazakhstan,KAZ,2011,lots"]
    )
    with pytest.raises(ParseError, match=r"column 'Value', data row 2: non-numeric value 'lots'"):
        wdi.parse(path)


def test_duplicate_key_in_a_csv_is_a_validation_error(tmp_path):
    path = write_wdi_csv(tmp_path / "data.csv", rows=["Kazakhstan,KAZ,2010,100.5", "Kazakhstan,KAZ,2010,101"])
    with pytest.raises(DataValidationError, match=r"unique key \(iso3, year, indicator\).*rows \[0, 1\]"):
        validate(wdi.parse(path), "wdi", "data.csv")


def test_a_failed_refresh_does_not_leave_the_tampered_copy(caches, served):
    base_url, www = served
    good = write_dots_workbook(www / RELPATH)
    manifest = manifest_for({"dots-KAZ": ("dots", RELPATH, sha256(good))})
    path = fetch.fetch(base_url=base_url, progressbar=False, manifest=manifest)["dots-KAZ"]
    path.write_bytes(b"tampered")
    (www / RELPATH).unlink()  # the host now answers 404
    with pytest.raises(fetch.FetchError, match="HTTP error 404"):
        fetch.fetch(base_url=base_url, progressbar=False, manifest=manifest)
    assert _cache_is_empty(caches)
