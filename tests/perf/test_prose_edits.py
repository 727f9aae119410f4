"""Prose edits do not execute code; code edits still do (fixture book, real pipeline).

What a build did is read from ``last-build.json``, which the pipeline writes;
what the reader sees is read from the published HTML.
"""

from __future__ import annotations

import json

import nbformat
from pipeline_fixtures import GDP_CELLS, PARAMETERS_CELL

from kzcn import incremental


def reasons(project) -> dict[str, dict[str, str]]:
    return json.loads((project.out / "last-build.json").read_text(encoding="utf-8"))["notebooks"]


def edit_markdown(project, name: str, text: str) -> None:
    path = project.source / "notebooks" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    markdown = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    markdown.source += f"\n\n{text}\n"
    nb.cells.append(nbformat.v4.new_markdown_cell(f"A new closing paragraph: {text}"))
    nbformat.write(nb, path)


def page(project, name: str) -> str:
    return (project.out / "html" / "notebooks" / f"{name}.html").read_text(encoding="utf-8")


def test_a_markdown_only_edit_executes_no_notebook_and_shows_the_new_prose(project):
    assert project.build() == 0
    gdp_output = page(project, "gdp").split("GDP-2010-KAZ: ", 1)[1].split("<", 1)[0]

    edit_markdown(project, "gdp", "Sentence added by a prose-only edit.")
    assert project.build() == 0

    report = reasons(project)
    assert [entry["action"] for entry in report.values()] == ["cached"] * 3, report
    assert "prose" in report["notebooks/gdp.ipynb"]["reason"]
    html = page(project, "gdp")
    assert "Sentence added by a prose-only edit." in html
    assert "A new closing paragraph" in html
    # the code's output is the cached run's, still shown
    assert f"GDP-2010-KAZ: {gdp_output}<" in html
    # and a second build after the merge has nothing to do
    assert project.build() == 0
    assert [entry["action"] for entry in reasons(project).values()] == ["cached"] * 3


def test_a_code_edit_still_executes_that_notebook(project):
    assert project.build() == 0
    edit_markdown(project, "gdp", "Prose first.")
    assert project.build() == 0
    project.write_notebook("gdp", [*GDP_CELLS, 'print("code added after the prose edit")'], PARAMETERS_CELL)

    assert project.build() == 0

    report = reasons(project)
    assert report["notebooks/gdp.ipynb"]["action"] == "execute"
    assert "code" in report["notebooks/gdp.ipynb"]["reason"]
    assert report["notebooks/growth.ipynb"]["action"] == "cached"
    assert "code added after the prose edit" in page(project, "gdp")


def test_a_changed_tag_on_a_code_cell_counts_as_code(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title"), nbformat.v4.new_code_cell("x = 1")]
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    before = incremental.code_hash(path)
    nb.cells[0].source = "# Another title"
    nbformat.write(nb, path)
    assert incremental.code_hash(path) == before
    nb.cells[1].metadata["tags"] = ["parameters"]
    nbformat.write(nb, path)
    assert incremental.code_hash(path) != before


def test_merge_keeps_outputs_and_injected_cells_and_refuses_other_code(tmp_path):
    source = nbformat.v4.new_notebook()
    source.cells = [
        nbformat.v4.new_markdown_cell("old prose"),
        nbformat.v4.new_code_cell("country = 'KAZ'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(country)"),
    ]
    executed = nbformat.from_dict(source)
    executed.cells = [nbformat.from_dict(cell) for cell in source.cells]
    executed.cells[1].metadata["tags"] = ["parameters", "remove-cell"]
    injected = nbformat.v4.new_code_cell("country = 'UZB'", metadata={"tags": ["injected-parameters"]})
    executed.cells.insert(2, injected)
    executed.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="UZB\n")]
    source.cells[0].source = "new prose"
    source.cells.append(nbformat.v4.new_markdown_cell("a closing line"))
    nbformat.write(source, tmp_path / "source.ipynb")
    nbformat.write(executed, tmp_path / "executed.ipynb")

    merged = incremental.merge_prose(tmp_path / "source.ipynb", tmp_path / "executed.ipynb")

    assert [cell.source for cell in merged.cells] == [
        "new prose",
        "country = 'KAZ'",
        "country = 'UZB'",
        "print(country)",
        "a closing line",
    ]
    assert merged.cells[1].metadata["tags"] == ["parameters", "remove-cell"]
    assert merged.cells[3].outputs[0]["text"] == "UZB\n"
    source.cells[2].source = "print(country * 2)"
    nbformat.write(source, tmp_path / "source.ipynb")
    assert incremental.merge_prose(tmp_path / "source.ipynb", tmp_path / "executed.ipynb") is None


def test_a_page_edit_executes_no_notebook_and_is_published(project):
    assert project.build() == 0
    index = project.source / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8") + "\nA sentence added to the front page.\n", encoding="utf-8"
    )

    assert project.build() == 0

    assert [entry["action"] for entry in reasons(project).values()] == ["cached"] * 3
    assert "A sentence added to the front page." in (project.out / "html" / "index.html").read_text(
        encoding="utf-8"
    )
