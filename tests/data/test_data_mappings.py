"""The reviewed mapping tables under data/ and the manifest agree with each other."""

from __future__ import annotations

import pandas as pd

from kzcn import config
from kzcn.manifest import REQUIRED_FIELDS, load_manifest


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(config.DATA_DIR / name, keep_default_na=False)


def test_imf_names_have_unique_codes_and_a_kind():
    names = _csv("imf_partner_iso3.csv")
    assert names["imf_name"].is_unique
    coded = names[names["kind"] != "heading"]
    assert coded["code"].str.fullmatch(r"[A-Z][A-Z_]{2,}").all()
    assert coded["code"].is_unique  # two IMF names on one code would merge partners silently
    assert set(names["kind"]) <= {"country", "former", "aggregate", "unallocated", "heading"}


def test_every_hand_correction_says_why():
    names = _csv("imf_partner_iso3.csv")
    corrected = names[(names["code"] != names["cc_proposal"]) & (names["kind"] != "heading")]
    assert len(corrected) > 0
    assert (corrected["note"].str.len() > 10).all(), corrected[corrected["note"] == ""]


def test_dots_reporters_cover_235_workbooks_with_unique_primary_codes():
    reporters = _csv("dots_reporters.csv")
    assert sorted(reporters["workbook"]) == list(range(1, 236))
    primary = reporters[reporters["primary"].astype(str) == "True"]
    assert primary["code"].is_unique
    codes = dict(
        zip(_csv("imf_partner_iso3.csv")["imf_name"], _csv("imf_partner_iso3.csv")["code"], strict=True)
    )
    assert (reporters["imf_name"].map(codes) == reporters["code"]).all()
    secondary = reporters[reporters["primary"].astype(str) != "True"]
    assert (secondary["note"] != "").all()


def test_manifest_has_one_dots_entry_per_workbook_and_complete_entries():
    manifest = load_manifest()
    dots = [source for source in manifest if source.parser == "dots"]
    assert sorted(source.params["workbook"] for source in dots) == list(range(1, 236))
    for source in manifest:
        assert all(getattr(source, field) not in ("", None) for field in REQUIRED_FIELDS), source.id
        assert source.url.startswith("https://raw.githubusercontent.com/")
        assert len(source.url.split("/")[5]) == 40, f"{source.id}: URL not pinned to a commit"
        assert " " not in source.url, f"{source.id}: URL not encoded"


def test_wits_partner_codes_map_to_three_letters_or_a_project_code():
    wits = _csv("wits_partner_iso3.csv")
    assert wits["wits_code"].is_unique
    names = set(_csv("imf_partner_iso3.csv")["code"])
    for row in wits.itertuples():
        assert len(row.code) == 3 or row.code in names, row
