"""Bad inputs across the pipeline: each case breaks one input of a project whose site
was built successfully, rebuilds with ``python -m kzcn build``, and checks that

* the build fails (non-zero exit),
* its message names the culprit (the source id, file, row, notebook, key or id), and
* the last good site is byte-for-byte untouched.
"""

from __future__ import annotations

import csv
import hashlib

import pytest

pytestmark = pytest.mark.integration

GDP = "wdi-ny.gdp.mktp.cd"
GROWTH = "wdi-ny.gdp.mktp.kd.zg"


def assert_fails_naming(project, *culprits: str) -> str:
    before = project.site_snapshot()
    result = project.build()
    output = result.stdout + "\n" + result.stderr
    assert result.returncode != 0, "the build succeeded on bad input:\n" + output[-3000:]
    missing = [culprit for culprit in culprits if culprit not in output]
    assert not missing, f"the error does not name {missing}:\n" + output[-4000:]
    assert project.site_snapshot() == before, "the failed build changed the last good site"
    return output


def forget_download(project, source_id: str) -> None:
    """As on a clean clone, for one file: not downloaded yet."""
    (project.raw_dir / project.relpath(source_id)).unlink()


# ----------------------------------------------------------------- raw data and manifest


def test_corrupt_raw_file_is_refused(project):
    project.replace_raw(GDP, project.shared_raw(GDP)[:-200] + b"corrupted tail\n")
    forget_download(project, GDP)
    assert_fails_naming(project, GDP)


def test_raw_file_missing_at_the_source(project):
    project.hide_raw(GROWTH)
    forget_download(project, GROWTH)
    assert_fails_naming(project, GROWTH, "404")


def test_wrong_hash_in_the_manifest(project):
    document = project.manifest()
    document["sources"][GDP]["sha256"] = "0" * 64
    project.write_manifest(document)
    assert_fails_naming(project, GDP, "0" * 64)


def test_malformed_hash_in_the_manifest(project):
    document = project.manifest()
    document["sources"][GROWTH]["sha256"] = "not-a-sha256"
    project.write_manifest(document)
    assert_fails_naming(project, GROWTH, "sha256")


def test_manifest_entry_with_an_unknown_family(project):
    document = project.manifest()
    document["sources"][GROWTH]["family"] = "no-such-family"
    project.write_manifest(document)
    assert_fails_naming(project, GROWTH, "no-such-family")


def test_source_read_by_a_notebook_but_missing_from_the_manifest(project):
    document = project.manifest()
    del document["sources"][GROWTH]
    project.write_manifest(document)
    assert_fails_naming(project, GROWTH, "chapter")


def test_notebook_asks_for_an_undeclared_source(project):
    project.write_chapter(data='gdp = store.load("wdi-no.such.indicator")')
    assert_fails_naming(project, "wdi-no.such.indicator", "chapter")


def test_raw_file_that_does_not_parse(project):
    # Valid hash, wrong content: the parser, not the download, must catch it.
    raw = project.replace_raw(GDP, b"this,is,not\nthe,wdi,layout\n")
    document = project.manifest()
    document["sources"][GDP]["sha256"] = _sha256(raw)
    document["sources"][GDP]["size"] = raw.stat().st_size
    project.write_manifest(document)
    assert_fails_naming(project, GDP)


# ------------------------------------------------------------------------- notebooks


def test_notebook_that_raises(project):
    project.write_chapter(figure="share = 1 / 0")
    assert_fails_naming(project, "chapter", "ZeroDivisionError")


def test_notebook_with_a_syntax_error(project):
    project.write_chapter(figure="fig, ax = plt.subplots(")
    assert_fails_naming(project, "chapter", "SyntaxError")


def test_figure_without_alt_text(project, chapter_cells):
    project.write_chapter(
        figure=chapter_cells["figure"].replace('alt="A line of yearly GDP growth rates."', 'alt=""')
    )
    assert_fails_naming(project, "fig-growth", "alt")


def test_figure_with_a_malformed_id(project, chapter_cells):
    project.write_chapter(figure=chapter_cells["figure"].replace('fig_id="fig-growth"', 'fig_id="Figure 1"'))
    assert_fails_naming(project, "Figure 1")


# ----------------------------------------------------------------------------- ledger


def edit_claims(project, row: int, column: str, value: str) -> None:
    """Set one cell of the fixture ledger's claims.csv (``row`` counts data rows from 1)."""
    path = project.thesis_dir / "claims.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[row][rows[0].index(column)] = value
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_ledger_row_that_does_not_parse(project):
    edit_claims(project, row=2, column="value", value="twenty")
    assert_fails_naming(project, "claims.csv", "row 2", "twenty")


def test_claim_referencing_an_unknown_series(project):
    edit_claims(project, row=1, column="quantity", value="no_such_series")
    assert_fails_naming(project, "claims.csv", "no_such_series")


# ------------------------------------------------------------------------ book source


def test_bib_key_cited_but_missing(project):
    index = project.source / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8") + "\nAnd one that is not in the bib {cite:p}`ghost2099`.\n"
    )
    assert_fails_naming(project, "ghost2099")


def test_table_of_contents_lists_a_missing_page(project):
    toc = project.source / "_toc.yml"
    toc.write_text(toc.read_text(encoding="utf-8") + "  - file: notebooks/ghost_chapter\n", encoding="utf-8")
    assert_fails_naming(project, "ghost_chapter")


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
