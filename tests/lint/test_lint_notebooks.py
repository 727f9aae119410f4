"""Notebooks are committed without outputs: the book shows what the pipeline ran, not
what happened to be in someone's editor."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from kzcn import config


def tracked_notebooks() -> list[Path]:
    """Every .ipynb that git tracks (the files a clean clone would get)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--", "*.ipynb"],
        cwd=config.ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [config.ROOT / name for name in listing.split("\0") if name]


def output_problems(path: Path) -> list[str]:
    """Say which cells of a notebook carry outputs or execution counts."""
    notebook = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"{path.name}: cell {index} has {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"{path.name}: cell {index} has execution_count {cell.execution_count}")
    return problems


def test_tracked_notebooks_have_no_outputs():
    problems = [problem for path in tracked_notebooks() for problem in output_problems(path)]
    assert not problems, (
        "clear outputs before committing (e.g. `jupyter nbconvert --clear-output`):\n" + "\n".join(problems)
    )


def test_the_check_accepts_a_clean_notebook(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    path = tmp_path / "clean.ipynb"
    nbformat.write(notebook, path)
    assert output_problems(path) == []


@pytest.mark.parametrize("field", ["outputs", "execution_count"])
def test_the_check_names_the_cell_that_carries_output(tmp_path, field):
    cells = [nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell("1 + 1")]
    if field == "outputs":
        cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]
    else:
        cells[1].execution_count = 3
    path = tmp_path / "executed.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    problems = output_problems(path)
    assert len(problems) == 1 and "executed.ipynb: cell 1" in problems[0]


# ---------------------------------------------------------------------------
# Contracts 1 and 2 (TEAM.md): one notebook style for every page, readable in
# JupyterLab and in the book. Written for any notebook, whoever writes it.

#: A glue role or directive ({glue:text}`key`, {glue}`key`, ```{glue:figure}```):
#: JupyterLab cannot render them, so no Markdown cell may hold one.
GLUE_MARKUP = re.compile(r"\{glue(?::[a-z]+)?\}")


def style_problems(path: Path) -> list[str]:
    """Where a notebook breaks contract 1 (numbers in prose) or 2 (code cells in the book).

    - the first cell is Markdown and opens with a level-1 heading (the page title),
      followed by the opening summary; the second cell is the parameters cell;
    - the parameters cell is tagged ``parameters`` and ``remove-cell``; every other
      code cell is tagged ``remove-input`` (a reader opens the notebook for code);
    - no Markdown cell holds a glue role or directive; no code cell glues values or
      shows a chart by itself (figures go through ``figures.publish_figure``).
    """
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    name = path.name
    problems = []
    # MyST targets such as "(thesis-1)=" may stand above the title
    opening = re.sub(r"^(\s*\([^)\n]+\)=\s*\n)+", "", cells[0].source) if cells else ""
    if not cells or cells[0].cell_type != "markdown" or not opening.lstrip().startswith("# "):
        problems.append(f"{name}: the first cell must be Markdown opening with the page title ('# ...')")
    parameter_cells = [
        i for i, c in enumerate(cells) if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])
    ]
    if parameter_cells != [1]:
        problems.append(
            f"{name}: the second cell (and only it) must be the parameters cell, found {parameter_cells}"
        )
    for index, cell in enumerate(cells):
        tags = set(cell.metadata.get("tags", []))
        if cell.cell_type == "markdown":
            if GLUE_MARKUP.search(cell.source):
                problems.append(
                    f"{name}: cell {index} (Markdown) uses a glue role; show the sentence with a "
                    "remove-input code cell returning figures.prose(...) (contract 1)"
                )
            continue
        if cell.cell_type != "code":
            continue
        if "parameters" in tags:
            if "remove-cell" not in tags:
                problems.append(f"{name}: cell {index} (parameters) must also be tagged remove-cell")
            continue
        if "remove-input" not in tags:
            problems.append(
                f"{name}: cell {index} (code) must be tagged remove-input (contract 2), has {sorted(tags)}"
            )
        if re.search(r"\bglue\(", cell.source):
            problems.append(f"{name}: cell {index} glues a value; use figures.prose(...) (contract 1)")
        if re.search(r"\bplt\.show\(", cell.source):
            problems.append(
                f"{name}: cell {index} shows a chart directly; use figures.publish_figure (contract 2)"
            )
    return problems


def test_every_notebook_follows_the_notebook_style():
    problems = [problem for path in tracked_notebooks() for problem in style_problems(path)]
    assert not problems, "\n".join(problems)


def _notebook(tmp_path, cells) -> Path:
    path = tmp_path / "page.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def _good_cells():
    return [
        nbformat.v4.new_markdown_cell("(chapter-9)=\n# Chapter 9\n\nWhat this page shows, in two sentences."),
        nbformat.v4.new_code_cell('country = "KAZ"', metadata={"tags": ["parameters", "remove-cell"]}),
        nbformat.v4.new_code_cell("from kzcn import figures", metadata={"tags": ["remove-input"]}),
        nbformat.v4.new_markdown_cell("## A section\n\nWords and {cite:p}`key`, {numref}`fig-9-1`."),
        nbformat.v4.new_code_cell('figures.prose(f"{x} rose")', metadata={"tags": ["remove-input"]}),
    ]


def test_the_style_check_accepts_a_notebook_that_follows_it(tmp_path):
    assert style_problems(_notebook(tmp_path, _good_cells())) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda cells: cells[3].__setitem__("source", "Exports were {glue:text}`exports`."), "glue role"),
        (lambda cells: cells[3].__setitem__("source", "```{glue:figure} fig\n```"), "glue role"),
        (lambda cells: cells[2].metadata.__setitem__("tags", []), "must be tagged remove-input"),
        (lambda cells: cells[2].metadata.__setitem__("tags", ["hide-input"]), "must be tagged remove-input"),
        (lambda cells: cells[1].metadata.__setitem__("tags", ["parameters"]), "also be tagged remove-cell"),
        (lambda cells: cells.insert(0, nbformat.v4.new_markdown_cell("intro")), "first cell"),
        (lambda cells: cells[4].__setitem__("source", "glue('x', 1)"), "glues a value"),
        (lambda cells: cells[4].__setitem__("source", "plt.show()"), "shows a chart directly"),
    ],
)
def test_the_style_check_names_each_breach(tmp_path, change, expected):
    cells = _good_cells()
    change(cells)
    problems = style_problems(_notebook(tmp_path, cells))
    assert any(expected in problem for problem in problems), problems
