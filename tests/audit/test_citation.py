"""CITATION.cff is valid, and the version it states is the one the book shows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

import kzcn
from kzcn import config, figures

CFF = config.ROOT / "CITATION.cff"


def test_citation_cff_validates_against_the_schema():
    cffconvert = Path(sys.executable).parent / "cffconvert"
    result = subprocess.run(
        [str(cffconvert), "--validate", "-i", str(CFF)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_versions_agree_everywhere():
    cff = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    book = yaml.safe_load((config.ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert cff["version"] == kzcn.__version__
    assert book["parse"]["myst_substitutions"]["kzcn_version"] == kzcn.__version__
    assert f"version {kzcn.__version__}." in book["html"]["extra_footer"]


def test_cite_boxes_take_title_and_authors_from_citation_cff():
    cff = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    meta = figures.citation_metadata()
    assert meta["book_title"] == cff["title"]
    assert meta["authors"] == [person["name"] for person in cff["authors"]]
    assert meta["version"] == kzcn.__version__


def test_how_to_cite_page_is_in_the_table_of_contents():
    toc = (config.ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert "book/cite" in toc
    assert (config.BOOK_DIR / "cite.md").is_file()
