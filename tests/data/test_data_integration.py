"""The real download path end to end: loopback mirror -> fetch -> parse -> facts.

The expected values are the facts issue 2 names as this test's expectations.
"""

from __future__ import annotations

import pytest

from kzcn import data, fetch, store
from kzcn.manifest import load_manifest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def isolated_cache(tmp_path_factory, mirror_env):
    """Fresh raw and processed caches for this module, downloads from the loopback mirror."""
    patch = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp("cache")
    patch.setenv("KZCN_RAW_DIR", str(root / "raw"))
    patch.setenv("KZCN_PROCESSED_DIR", str(root / "processed"))
    yield root
    patch.undo()


def test_kazakhstan_reported_exports_to_china_2010(isolated_cache):
    table = data.bilateral("KAZ", "CHN")
    assert table.loc[2010, "export"] / 1e6 == pytest.approx(10121.6, abs=0.05)


def test_china_reported_imports_from_kazakhstan_2020(isolated_cache):
    flows = data.dots_flows("CHN")
    row = flows.query("partner == 'KAZ' and flow == 'import' and year == 2020")
    assert len(row) == 1
    assert row["value_usd"].iloc[0] / 1e6 == pytest.approx(9726.3, abs=0.05)


def test_wdi_kazakhstan_gdp_2010(isolated_cache):
    gdp = data.wdi("ny.gdp.mktp.cd", "KAZ").set_index("year")["value"]
    assert gdp[2010] / 1e9 == pytest.approx(148.05, abs=0.01)


def test_kazakhstan_1992_values_are_flagged_as_estimates(isolated_cache):
    table = data.bilateral("KAZ", "CHN", flags=True)
    assert table.loc[1992, "export_estimate"]
    assert not table.loc[2010, "export_estimate"]


def test_fetch_everything_then_verify_is_clean(isolated_cache, mirror_url):
    paths = fetch.fetch(base_url=mirror_url, progressbar=False)
    manifest = load_manifest()
    assert set(paths) == set(manifest.ids())
    assert all(path.stat().st_size == manifest[i].size for i, path in paths.items())
    assert fetch.verify(include_missing=True) == []


def test_load_logs_its_input(isolated_cache, tmp_path, monkeypatch):
    log = tmp_path / "inputs.tsv"
    monkeypatch.setenv("KZCN_INPUT_LOG", str(log))
    store.load("dots-KAZ")
    store.load("wdi-sp.pop.totl")
    manifest = load_manifest()
    assert log.read_text().splitlines() == [
        f"dots-KAZ\t{manifest['dots-KAZ'].sha256}",
        f"wdi-sp.pop.totl\t{manifest['wdi-sp.pop.totl'].sha256}",
    ]


def test_dots_reporter_table_matches_row_4_of_every_workbook(isolated_cache, mirror_url):
    """The reviewed workbook -> reporter table is derived from the workbooks: re-derive and compare."""
    import openpyxl
    import pandas as pd

    from kzcn import config

    manifest = load_manifest()
    reporters = pd.read_csv(config.DATA_DIR / "dots_reporters.csv", keep_default_na=False)
    by_workbook = dict(zip(reporters["workbook"], reporters["imf_name"], strict=True))
    dots_sources = [source for source in manifest if source.parser == "dots"]
    paths = fetch.fetch([s.id for s in dots_sources], base_url=mirror_url, progressbar=False)
    for source in dots_sources:
        workbook = openpyxl.load_workbook(paths[source.id], read_only=True)
        sheet = workbook.worksheets[0]
        name = next(sheet.iter_rows(min_row=4, max_row=4, min_col=2, max_col=2, values_only=True))[0]
        workbook.close()
        assert name == by_workbook[source.params["workbook"]], source.id


def test_wits_2023_and_accessors_agree_with_their_sources(isolated_cache):
    wits = data.bilateral("KAZ", "CHN", source="wits2023")
    dots_table = data.bilateral("KAZ", "CHN")
    # two vintages of the same customs statistic: same order of magnitude in 2010
    assert 0.9 < wits.loc[2010, "export"] / dots_table.loc[2010, "export"] < 1.1
    assert set(data.wits_hs4("export", "CHN")["product_level"]) == {"hs4"}
    fdi = data.wiiw_fdi("partner")
    assert set(fdi["unit"]) == {"EUR m"}
    assert (fdi["value"] < 0).any()  # net flows can be negative and are kept
    assert {"KAZ", "CHN"} <= set(data.oec_sections()["iso3"])
    assert set(data.comtrade("KAZ")["partner"]) == {"WLD", "CHN"}
