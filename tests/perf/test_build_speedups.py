"""What the build does to be fast must not change what it makes (issue 17).

* the tools the build starts (papermill, Jupyter Book) never import the optional grammar
  module jsonschema would load, and still validate notebooks;
* notebooks start longest first, by their last run's time, or by code length when the
  cache has no time for some of them;
* the Sphinx extension keeps, of each notebook output, what some builder renders.
"""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

import nbformat
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from kzcn import pipeline, procs, sphinxext


def test_tools_start_without_the_optional_grammar_and_still_validate_notebooks():
    check = (
        "import json, nbformat; "
        "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')])); "
        "print(json.dumps({name: name in sys.modules and sys.modules[name] is None "
        "for name in ('rfc3987_syntax', 'pyarrow')}))"
    )
    for unused in (procs.UNUSED_BY_NBFORMAT, procs.UNUSED_BY_PAPERMILL):
        result = subprocess.run(procs.python_tool(check, unused), capture_output=True, text=True, check=True)
        blocked = json.loads(result.stdout)
        assert blocked["rfc3987_syntax"] is True
        assert blocked["pyarrow"] is ("pyarrow" in unused)
    # the commands the build runs start the real programs
    for command in (procs.papermill_command(), procs.jupyter_book_command()):
        result = subprocess.run([*command, "--help"], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout


def _notebook(path, code: str) -> None:
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]), path)


def test_notebooks_start_longest_first(tmp_path):
    (tmp_path / "notebooks").mkdir()
    for name, code in (("short", "x = 1"), ("long", "x = 1\n" * 50), ("middle", "x = 1\n" * 10)):
        _notebook(tmp_path / "notebooks" / f"{name}.ipynb", code)
    build = pipeline.Build(tmp_path, tmp_path / "out", {}, log=lambda message: None)
    jobs = [
        pipeline.NotebookJob(rel=f"notebooks/{n}.ipynb", parameters={}, key={})
        for n in ("short", "long", "middle")
    ]

    # a clean build: no time known, the longest code first
    assert [job.rel for job in build.longest_first(jobs)] == [
        "notebooks/long.ipynb",
        "notebooks/middle.ipynb",
        "notebooks/short.ipynb",
    ]

    # every notebook has a cached run: its time decides, whatever the code's length
    for job, seconds in zip(jobs, (9.0, 1.0, 4.0), strict=True):
        cached = build.cache_dir / job.slug
        cached.mkdir(parents=True)
        (cached / "executed.ipynb").write_text("{}", encoding="utf-8")
        (cached / "state.json").write_text(json.dumps({"seconds": seconds}), encoding="utf-8")
    assert [job.rel for job in build.longest_first(jobs)] == [
        "notebooks/short.ipynb",
        "notebooks/middle.ipynb",
        "notebooks/long.ipynb",
    ]

    # one notebook without a time: code length for all (times and lengths do not compare)
    (build.cache_dir / jobs[2].slug / "state.json").write_text("{}", encoding="utf-8")
    assert [job.rel for job in build.longest_first(jobs)][0] == "notebooks/long.ipynb"


def _bundle(*mime_types: str) -> nodes.container:
    bundle = nodes.container(nb_element="mime_bundle")
    for mime_type in mime_types:
        bundle += nodes.container("", nodes.paragraph(text=mime_type), mime_type=mime_type)
    return bundle


def test_doctrees_keep_only_the_formats_a_builder_renders():
    document = new_document("page", get_default_settings(Parser))
    book_block = _bundle("text/markdown", "text/html", "text/plain")
    unknown = _bundle("application/x-nobody-renders-this")
    document += [book_block, unknown]
    app = SimpleNamespace(
        builder=SimpleNamespace(name="html"),
        # the book's setting (_config.yml): Markdown first for every builder
        config={"nb_mime_priority_overrides": [["*", "text/markdown", 1]]},
    )
    sphinxext.drop_unrendered_outputs(app, document)
    assert [child["mime_type"] for child in book_block.children] == ["text/markdown"]
    # nothing any builder picks: left as it was, for MyST-NB to warn about
    assert [child["mime_type"] for child in unknown.children] == ["application/x-nobody-renders-this"]


def test_a_warm_jupyter_book_waits_for_go():
    warm = [*procs.jupyter_book_command(warm=True), "--help"]
    told = subprocess.run(warm, input="go\n", capture_output=True, text=True)
    assert told.returncode == 0 and "Usage" in told.stdout
    # no "go" (the build failed, or there was nothing to render): it ends without running
    dropped = subprocess.run(warm, input="", capture_output=True, text=True)
    assert dropped.returncode == 0 and dropped.stdout == ""
