"""A tiny book, a fixture data mirror and a fixture manifest for the build pipeline tests.

(Helpers live here, fixtures in conftest.py; the test modules import both names.)

The book has three notebooks, so that "exactly the notebooks that read a file"
is a real distinction:

* ``notebooks/gdp.ipynb`` reads the WDI GDP table through ``kzcn.store.load``
  and prints Kazakhstan's 2010 value;
* ``notebooks/growth.ipynb`` reads the WDI GDP growth table and publishes a
  figure with ``kzcn.figures.publish_figure`` (SVG/PNG/CSV/JSON files);
* ``notebooks/plain.ipynb`` reads no data and declares no parameters.

The two raw files are copied from the shared mirror into a temporary mirror
served on 127.0.0.1, and a fixture manifest names them with their sha256; a
test may rewrite a raw file and re-point the manifest at the new hash, never
touching the shared mirror or the committed manifest.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from kzcn import config, manifest, pipeline

#: The one field allowed to differ between two builds of the same commit.
BUILD_DATE_FIELD = re.compile(rb'"build_date": "[^"]*"')

SOURCES = ("wdi-ny.gdp.mktp.cd", "wdi-ny.gdp.mktp.kd.zg")

CONFIG_YML = """\
title: Pipeline fixture book
author: tests
only_build_toc_files: true
execute:
  execute_notebooks: "off"
sphinx:
  config:
    nb_render_markdown_format: myst
    # publish_figure/publish_table outputs: the book renders their MyST form
    nb_mime_priority_overrides:
      - ["*", "text/markdown", 1]
    numfig: true
"""

TOC_YML = """\
format: jb-book
root: index
chapters:
  - file: notebooks/gdp
  - file: notebooks/growth
  - file: notebooks/plain
"""

PARAMETERS_CELL = 'country = "KAZ"\npartner = "CHN"\nstart_year = 2000\nend_year = 2015'

GDP_CELLS = [
    "from kzcn import store",
    'gdp = store.load("wdi-ny.gdp.mktp.cd")\n'
    "row = gdp[(gdp.iso3 == country) & (gdp.year == 2010)]\n"
    'print(f"GDP-2010-{country}: {row.value.iloc[0]:.1f}")',
]

GROWTH_CELLS = [
    "import matplotlib.pyplot as plt\nfrom kzcn import figures, store",
    'growth = store.load("wdi-ny.gdp.mktp.kd.zg")\n'
    "shown = growth[(growth.iso3 == country) & growth.year.between(start_year, end_year)]\n"
    'shown = shown[["year", "value"]].reset_index(drop=True)\n'
    "fig, ax = plt.subplots(figsize=(4, 2.5))\n"
    'ax.plot(shown.year, shown.value, marker="o")\n'
    'ax.set_ylabel("GDP growth, %")\n'
    "figures.publish_figure(\n"
    '    fig, fig_id="fig-growth", title="GDP growth", alt="A line of yearly GDP growth rates.",\n'
    '    source="World Bank, WDI", data=shown, units="percent", inputs=["wdi-ny.gdp.mktp.kd.zg"],\n'
    ")",
]

PLAIN_CELLS = ['print("a page without data")']


def notebook(cells: list[str], parameters: str | None = None, variant: bool = True) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    if not variant:
        nb.metadata["kzcn"] = {"variant": False}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    title = nbformat.v4.new_markdown_cell("# A fixture chapter")
    code = [nbformat.v4.new_code_cell(source) for source in cells]
    if parameters is not None:
        code.insert(0, nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb.cells = [title, *code]
    # fixed ids: the same source must hash the same in every test run
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    return nb


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class FixtureProject:
    """Paths of one test's book, mirror and build, and helpers to change them."""

    source: Path
    mirror: Path
    out: Path
    manifest_path: Path

    def build(self, *args: str) -> int:
        return pipeline.main(["--source", str(self.source), "--out", str(self.out), *args])

    def report(self, root: Path | None = None) -> dict[str, str]:
        import json

        data = json.loads(((root or self.out) / "last-build.json").read_text(encoding="utf-8"))
        return {rel: entry["action"] for rel, entry in data["notebooks"].items()}

    def raw_path(self, source_id: str) -> Path:
        return self.mirror / manifest.load_manifest(self.manifest_path)[source_id].relpath

    def rewrite_raw(self, source_id: str, old: str, new: str) -> None:
        """Change the bytes of one raw file in the fixture mirror and re-point the manifest."""
        path = self.raw_path(source_id)
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {path}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        document = yaml.safe_load(self.manifest_path.read_text(encoding="utf-8"))
        document["sources"][source_id]["sha256"] = sha256(path)
        document["sources"][source_id]["size"] = path.stat().st_size
        self.manifest_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    def write_notebook(
        self, name: str, cells: list[str], parameters: str | None = None, variant: bool = True
    ) -> None:
        nbformat.write(notebook(cells, parameters, variant), self.source / "notebooks" / f"{name}.ipynb")

    def html_snapshot(self, root: Path | None = None) -> dict[str, str]:
        html = (root or self.out) / "html"
        return {p.relative_to(html).as_posix(): sha256(p) for p in sorted(html.rglob("*")) if p.is_file()}


def write_book(source: Path) -> None:
    (source / "notebooks").mkdir(parents=True)
    (source / "_config.yml").write_text(CONFIG_YML, encoding="utf-8")
    (source / "_toc.yml").write_text(TOC_YML, encoding="utf-8")
    (source / "index.md").write_text("# Fixture book\n\nThree small chapters.\n", encoding="utf-8")
    nbformat.write(notebook(GDP_CELLS, PARAMETERS_CELL), source / "notebooks" / "gdp.ipynb")
    nbformat.write(notebook(GROWTH_CELLS, PARAMETERS_CELL), source / "notebooks" / "growth.ipynb")
    nbformat.write(notebook(PLAIN_CELLS), source / "notebooks" / "plain.ipynb")


def write_manifest(target: Path) -> None:
    """The committed manifest cut down to the fixture's two sources (and their family)."""
    document = yaml.safe_load(config.DATA_DIR.joinpath("sources.yml").read_text(encoding="utf-8"))
    sources = {source_id: document["sources"][source_id] for source_id in SOURCES}
    families = {name: document["families"][name] for name in {entry["family"] for entry in sources.values()}}
    target.write_text(
        yaml.safe_dump({"families": families, "sources": sources}, sort_keys=False), encoding="utf-8"
    )


def copy_mirror(manifest_path: Path, shared_mirror: Path, target: Path) -> None:
    for source in manifest.load_manifest(manifest_path):
        destination = target / source.relpath
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_mirror / source.relpath, destination)
        destination.chmod(0o644)  # the shared copy is read-only; this one may be edited


def published_files(html: Path) -> dict[str, str]:
    """sha256 of every file a build promises to publish byte-identically.

    Figure and table files (SVG, PNG, CSV) as they are; the JSON files
    (``figures.json``, ``claims.json``, per-object metadata) byte for byte too,
    except for the value of their ``build_date`` field, the one thing that may differ.
    """
    digests = {}
    paths = sorted((html / "figures").glob("*")) + [html / "figures.json", html / "claims.json"]
    for path in paths:
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            data = BUILD_DATE_FIELD.sub(b'"build_date": "<isolated>"', data)
        digests[path.relative_to(html).as_posix()] = hashlib.sha256(data).hexdigest()
    return digests
