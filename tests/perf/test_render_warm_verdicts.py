"""The verdict table is computed ahead, once, only when two notebooks to execute would read it.

Fixture book of tests/pipeline: none of its notebooks reads the verdict table; a
fourth notebook naming ``kzcn.verdicts`` (never run) and the fixture's
``gdp`` notebook given a cached run that read a ledger file make two readers.
The warm-up itself is replaced by a recorder: what it computes is the verdict
module's business (tests/verdicts).
"""

from __future__ import annotations

import json

import nbformat
import yaml

from kzcn import pipeline


def record_warm_ups(monkeypatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(pipeline.Build, "warm_verdicts", lambda self: calls.append(1))
    return calls


def test_no_warm_up_when_no_notebook_reads_the_verdicts(project, monkeypatch):
    calls = record_warm_ups(monkeypatch)
    assert project.build() == 0
    assert set(project.report().values()) == {"execute"}
    assert calls == []


def test_one_warm_up_when_two_notebooks_to_execute_read_the_verdicts(project, monkeypatch):
    calls = record_warm_ups(monkeypatch)
    assert project.build() == 0

    # a new notebook whose code names the verdict module (no run yet)...
    reader = nbformat.v4.new_notebook()
    reader.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    reader.cells = [
        nbformat.v4.new_markdown_cell("# Reader"),
        nbformat.v4.new_code_cell("import kzcn.verdicts"),
    ]
    for index, cell in enumerate(reader.cells):
        cell["id"] = f"cell-{index}"
    nbformat.write(reader, project.source / "notebooks" / "reader.ipynb")
    toc = yaml.safe_load((project.source / "_toc.yml").read_text(encoding="utf-8"))
    toc["chapters"].append({"file": "notebooks/reader"})
    (project.source / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    # ... and gdp, whose last run is recorded as having read a ledger file, edited so it runs again
    state_path = project.out / "cache" / "notebooks__gdp" / "state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    state["inputs"]["ledger:claims.csv"] = "0" * 64
    state_path.write_text(json.dumps(state), encoding="utf-8")
    gdp = project.source / "notebooks" / "gdp.ipynb"
    notebook = nbformat.read(gdp, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell('print("one more")'))
    notebook.cells[-1]["id"] = "cell-extra"
    nbformat.write(notebook, gdp)

    assert project.build() == 0
    report = project.report()
    assert report["notebooks/gdp.ipynb"] == "execute"
    assert report["notebooks/reader.ipynb"] == "execute"
    assert calls == [1]


def test_no_child_when_the_verdict_table_is_already_cached(tmp_path, monkeypatch):
    from kzcn import verdicts

    cached = tmp_path / "verdicts--cached.pickle"
    cached.write_bytes(b"a cached table")
    monkeypatch.setattr(verdicts, "cache_key", lambda: "current inputs")
    monkeypatch.setattr(
        verdicts, "cache_file", lambda key=None: cached if key == "current inputs" else tmp_path / "x"
    )
    lines: list[str] = []
    build = pipeline.Build(tmp_path, tmp_path / "out", {}, log=lines.append)

    def no_child(*args, **kwargs):
        raise AssertionError("a child was started although the table is cached")

    monkeypatch.setattr(build.children, "run", no_child)
    build.warm_verdicts()
    assert lines == ["[build]   verdict table already computed for these inputs"]

    # not cached for the current inputs: the child computes it
    cached.unlink()
    started: list[list[str]] = []
    monkeypatch.setattr(
        build.children,
        "run",
        lambda cmd, **kwargs: started.append(cmd) or pipeline.subprocess.CompletedProcess(cmd, 0, "", ""),
    )
    build.warm_verdicts()
    assert len(started) == 1 and "verdicts.table()" in started[0][-1]
