"""Citations: CITATION.cff is valid; version, URL and repository come from one place;
every format parses and names the corporate author as one name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_string

import kzcn
from kzcn import cite, config, figures, site

CFF = config.ROOT / "CITATION.cff"
SITE_URL = "https://example.org/kzcn/"


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("KZCN_SITE_URL", "KZCN_REPOSITORY", "KZCN_DOI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KZCN_BUILD_DATE", "2026-03-04T05:06:07Z")
    monkeypatch.setenv("KZCN_GIT_COMMIT", "0123456789abcdef0123")
    return monkeypatch


def _cff() -> dict:
    return yaml.safe_load(CFF.read_text(encoding="utf-8"))


def test_citation_cff_validates_against_the_schema():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.citation-file-format", str(CFF)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_metadata_agrees_with_the_one_source_of_each_fact(clean_env):
    cff = _cff()
    assert cff["version"] == kzcn.__version__
    assert cff["url"] == config.site_url()
    assert cff["repository-code"] == config.repository_url()
    zenodo = json.loads((config.ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert zenodo["title"] == cff["title"]
    assert [c["name"] for c in zenodo["creators"]] == [a["name"] for a in cff["authors"]]
    assert [r["identifier"] for r in zenodo["related_identifiers"]] == [config.site_url()]
    book = yaml.safe_load((config.ROOT / "_config.yml").read_text(encoding="utf-8"))
    # nothing in _config.yml repeats the version: kzcn.site fills footer and substitution
    assert kzcn.__version__ not in json.dumps(book)
    assert f"version {kzcn.__version__}." in site.footer()
    assert site.substitutions()["kzcn_version"] == kzcn.__version__


def test_cite_boxes_take_title_and_authors_from_citation_cff(clean_env):
    cff = _cff()
    meta = figures.citation_metadata()
    assert meta["book_title"] == cff["title"]
    assert meta["authors"] == [person["name"] for person in cff["authors"]]
    assert meta["version"] == kzcn.__version__


def test_site_url_setting_feeds_every_url(clean_env):
    clean_env.setenv("KZCN_SITE_URL", SITE_URL.rstrip("/"))
    assert config.site_url() == SITE_URL
    assert config.site_link("notebooks/x.html#fig-1-1") == SITE_URL + "notebooks/x.html#fig-1-1"
    assert figures.page_url("fig-1-1").startswith(SITE_URL)
    assert cite.citation_cff()["url"] == SITE_URL
    assert site.theme_options()["repository_url"] == config.repository_url()


def test_repository_setting_feeds_buttons_binder_and_default_site(clean_env):
    clean_env.setenv("KZCN_REPOSITORY", "Someone/some-book")
    assert config.repository_url() == "https://github.com/Someone/some-book"
    assert config.site_url() == "https://someone.github.io/some-book/"
    options = site.theme_options()
    assert options["repository_url"] == "https://github.com/Someone/some-book"
    assert (
        options["use_repository_button"] and options["use_issues_button"] and options["use_edit_page_button"]
    )
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert site.binder_url().startswith("https://mybinder.org/v2/gh/Someone/some-book/")


def _all_formats(item: cite.Citable) -> dict[str, str]:
    return {suffix: cite.render(item, suffix) for suffix in cite.FORMATS}


@pytest.mark.parametrize("kind", ["book", "figure", "table"])
def test_bibtex_parses_with_one_corporate_author(clean_env, kind):
    item = (
        cite.book() if kind == "book" else cite.for_object("fig-3-1", kind, "Figure 3.1", "A & B", SITE_URL)
    )
    (entry,) = parse_string(cite.bibtex(item), "bibtex").entries.values()
    (author,) = entry.persons["author"]
    name = _cff()["authors"][0]["name"]
    # braces make it one name: no first name, and the whole name as the last name
    assert author.first_names == [] and author.middle_names == []
    assert author.last_names == ["{" + name + "}"]
    assert entry.fields["version"] == kzcn.__version__
    assert entry.fields["urldate"] == "2026-03-04"
    assert "0123456789ab" in entry.fields["note"]


def test_every_format_names_version_url_access_date_and_commit(clean_env):
    clean_env.setenv("KZCN_SITE_URL", SITE_URL)
    item = cite.for_object("tbl-1-1", "table", "Table 1.1", "Trade", SITE_URL + "notebooks/a.html#tbl-1-1")
    texts = _all_formats(item)
    for suffix, text in texts.items():
        assert SITE_URL + "notebooks/a.html#tbl-1-1" in text, suffix
        assert "0123456789ab" in text, suffix
        if suffix != "csl.json":  # CSL-JSON holds dates as date-parts (checked below)
            assert "2026-03-04" in text, suffix
    (csl,) = json.loads(texts["csl.json"])
    assert csl["type"] == "dataset" and csl["accessed"] == {"date-parts": [[2026, 3, 4]]}
    assert csl["author"] == [{"literal": _cff()["authors"][0]["name"]}]
    ris = dict(line.split("  - ", 1) for line in texts["ris"].splitlines() if "  - " in line)
    assert ris["TY"] == "DATA" and ris["Y2"] == "2026-03-04" and ris["ET"] == kzcn.__version__


def test_doi_replaces_the_permalink_when_set(clean_env):
    item = cite.book()
    assert cite.identifier(item) == item.url and "doi" not in cite.bibtex(item)
    clean_env.setenv("KZCN_DOI", "https://doi.org/10.5281/zenodo.1234567")
    assert config.doi() == "10.5281/zenodo.1234567"
    assert cite.identifier(item) == "https://doi.org/10.5281/zenodo.1234567"
    texts = _all_formats(item)
    assert "doi = {10.5281/zenodo.1234567}" in texts["bib"]
    assert "DO  - 10.5281/zenodo.1234567" in texts["ris"]
    assert json.loads(texts["csl.json"])[0]["DOI"] == "10.5281/zenodo.1234567"
    assert texts["txt"].rstrip().endswith("https://doi.org/10.5281/zenodo.1234567")
    assert cite.citation_cff()["doi"] == "10.5281/zenodo.1234567"


def test_how_to_cite_page_is_in_the_table_of_contents_and_has_its_markers():
    toc = (config.ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert "book/cite" in toc
    text = (config.BOOK_DIR / "cite.md").read_text(encoding="utf-8")
    assert site.BOOK_CITATION_MARKER in text and site.DATA_TERMS_MARKER in text
    assert "<the version" not in text  # no placeholder left for a reader to fill
    for name in ("LICENSE", "LICENSE-CC-BY-4.0"):
        assert f'href="../{name}"' in text and (config.ROOT / name).is_file()
    assert "MIT License" in (config.ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Attribution 4.0 International" in (config.ROOT / "LICENSE-CC-BY-4.0").read_text(encoding="utf-8")


def test_data_terms_name_every_publisher_of_the_manifest():
    from kzcn.manifest import load_manifest

    terms = site.data_terms_markdown()
    for source in load_manifest():
        assert source.publisher.split(",")[0].replace("$", "\\$") in terms, source.id
