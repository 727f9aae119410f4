"""The build's memos skip work only when nothing they depend on changed.

* The parse step's memo (``parse-memo.json``) vouches for the processed cache files by
  their stat; a file touched, rewritten or replaced since must be checked again.
* The plan step's memo (``plan-memo.json``) keeps the parameters a notebook declares by the
  hash of its code cells; an edit of the parameters cell must be read again.
"""

from __future__ import annotations

import os
import shutil

import nbformat
import pytest
from pipeline_fixtures import SOURCES

from kzcn import pipeline, store
from kzcn.manifest import load_manifest

GDP, GROWTH = SOURCES

SKIPPED = "unchanged since they were last checked"
CHECKED = "sources validated (0 parsed now, the rest cached)"


def build_log(project, capsys) -> str:
    assert project.build() == 0
    return capsys.readouterr().out


def cache_path(project, source_id: str):
    return store.cache_file(load_manifest(project.manifest_path)[source_id])


def keep_times(path, stat) -> None:
    """Put back the access and modification times a file had (what a careless tool might do)."""
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def test_an_unchanged_cache_is_not_checked_again(project, capsys):
    build_log(project, capsys)
    assert SKIPPED in build_log(project, capsys)


def test_a_cache_file_rewritten_with_its_old_size_and_times_is_checked_again(project, capsys):
    build_log(project, capsys)
    path = cache_path(project, GROWTH)
    before = path.stat()
    data = path.read_bytes()
    with open(path, "r+b") as handle:  # same inode, same size, same bytes
        handle.write(data)
    keep_times(path, before)
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_ino == before.st_ino

    log = build_log(project, capsys)
    assert SKIPPED not in log and CHECKED in log
    # and once checked, the memo vouches for it again
    assert SKIPPED in build_log(project, capsys)


def test_a_cache_file_replaced_by_another_is_caught(project, capsys):
    build_log(project, capsys)
    growth = cache_path(project, GROWTH)
    before = growth.stat()
    # another source's table under this one's name, its times set back as they were
    shutil.copyfile(cache_path(project, GDP), growth)
    keep_times(growth, before)

    log = build_log(project, capsys)
    assert SKIPPED not in log
    assert f"parsing {GROWTH} again" in log and "made for another input" in log
    assert store.check_provenance(load_manifest(project.manifest_path)[GROWTH], growth) is None


def test_a_deleted_cache_file_is_parsed_again(project, capsys):
    build_log(project, capsys)
    cache_path(project, GDP).unlink()
    log = build_log(project, capsys)
    assert SKIPPED not in log and "(1 parsed now, the rest cached)" in log
    assert cache_path(project, GDP).is_file()


def test_a_manifest_edit_voids_the_memo(project, capsys):
    build_log(project, capsys)
    with open(project.manifest_path, "a", encoding="utf-8") as handle:
        handle.write("# a comment: the same sources, other bytes\n")
    log = build_log(project, capsys)
    assert SKIPPED not in log and CHECKED in log


# --------------------------------------------------------------------- plan memo


def parameters_notebook(path, parameters: str) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(parameters)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# A page"), cell, nbformat.v4.new_code_cell("print(country)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_declared_parameters_are_kept_by_code_and_read_again_after_a_parameters_edit(tmp_path, monkeypatch):
    notebook = tmp_path / "a.ipynb"
    memo_path = tmp_path / "plan-memo.json"
    parameters_notebook(notebook, 'country = "KAZ"\nstart_year = 2000')
    asked = []
    ask_papermill = pipeline.declared_parameters
    monkeypatch.setattr(
        pipeline, "declared_parameters", lambda path: asked.append(path) or ask_papermill(path)
    )

    def declared():
        memo = pipeline.DeclaredParametersMemo(memo_path)
        found = memo.get(notebook, pipeline.incremental.code_hash(notebook))
        memo.save()
        return found

    assert declared() == {"country": "KAZ", "start_year": 2000}
    assert len(asked) == 1
    # a prose edit: same code, the memo answers
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source = "# The same page, retitled"
    nbformat.write(nb, notebook)
    assert declared() == {"country": "KAZ", "start_year": 2000}
    assert len(asked) == 1
    # a new default in the parameters cell is code: papermill reads it again
    parameters_notebook(notebook, 'country = "KGZ"\nstart_year = 2000')
    assert declared() == {"country": "KGZ", "start_year": 2000}
    assert len(asked) == 2


@pytest.mark.parametrize("stored", ["not json", '{"papermill": "0.0.0-another", "declared": {}}'])
def test_a_plan_memo_of_another_papermill_or_unreadable_is_not_used(tmp_path, monkeypatch, stored):
    notebook = tmp_path / "a.ipynb"
    parameters_notebook(notebook, 'country = "KAZ"')
    code_key = pipeline.incremental.code_hash(notebook)
    memo_path = tmp_path / "plan-memo.json"
    if stored.startswith("{"):
        # a wrong answer filed under the right key: only the version tells it apart
        stored = stored.replace('"declared": {}', f'"declared": {{"{code_key}": {{"country": "UZB"}}}}')
    memo_path.write_text(stored, encoding="utf-8")
    assert pipeline.DeclaredParametersMemo(memo_path).get(notebook, code_key) == {"country": "KAZ"}
