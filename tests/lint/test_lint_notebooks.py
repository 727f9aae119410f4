"""Notebooks are committed without outputs: the book shows what the pipeline ran, not
what happened to be in someone's editor."""

from __future__ import annotations

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
