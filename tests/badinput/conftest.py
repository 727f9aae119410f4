"""A small but complete project for the bad-input cases: a book (front page with a
citation, one chapter notebook that reads raw data and the thesis ledger and
publishes a figure), a cut-down manifest, a copy of its raw files served on
127.0.0.1, and private caches.

The good site is built once per session (``good_template``); every case copies that
whole project, breaks one input, rebuilds with ``python -m kzcn build`` exactly as a
reader would, and checks that the build fails, that its message names the culprit,
and that the previous site is byte-for-byte the same.  Nothing committed and nothing
in the shared mirror is modified.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import yaml

from kzcn import config, loopback

#: The raw files the fixture chapter reads (two small World Bank WDI tables).
SOURCE_IDS = ("wdi-ny.gdp.mktp.cd", "wdi-ny.gdp.mktp.kd.zg")
#: Ledger files the fixture copies (claims are cut down to their first rows).
LEDGER_FILES = ("claims.csv", "vocabulary.yml", "footnotes.csv")
LEDGER_ROWS_KEPT = 3
BUILD_TIMEOUT_S = 600

CONFIG_YML = """\
title: Bad-input fixture book
author: tests
only_build_toc_files: true
execute:
  execute_notebooks: "off"
bibtex_bibfiles:
  - references.bib
sphinx:
  config:
    nb_render_markdown_format: myst
    # publish_figure/publish_table outputs: the book renders their MyST form
    nb_mime_priority_overrides:
      - ["*", "text/markdown", 1]
    numfig: true
    html_context:
      default_mode: light
"""

TOC_YML = """\
format: jb-book
root: index
chapters:
  - file: notebooks/chapter
  - file: bibliography
"""

REFERENCES_BIB = """\
@book{fixture2010,
  author = {Fixture, Ann},
  title = {A Book Cited by the Fixture},
  year = {2010},
  publisher = {Nobody}
}
"""

INDEX_MD = "# Fixture book\n\nA page that cites one work {cite:p}`fixture2010`.\n"
BIBLIOGRAPHY_MD = "# Bibliography\n\n```{bibliography}\n```\n"

PARAMETERS = 'country = "KAZ"\npartner = "CHN"\nstart_year = 2000\nend_year = 2015'

#: The fixture chapter, cell by cell; cases replace one cell to break it.
CHAPTER_CELLS = {
    "imports": "import os\nfrom pathlib import Path\n\nimport matplotlib.pyplot as plt\n\n"
    "from kzcn import config, figures, ledger, store",
    # The ledger folder has no environment override, so the fixture points the
    # module-level constant at its own copy (the real ledger is never read).
    "ledger": 'config.THESIS_DIR = Path(os.environ["KZCN_FIXTURE_THESIS_DIR"])\n'
    "claims = ledger.load_claims()\nprint(len(claims), 'claims')",
    "data": 'gdp = store.load("wdi-ny.gdp.mktp.cd")\n'
    'growth = store.load("wdi-ny.gdp.mktp.kd.zg")\n'
    "shown = growth[(growth.iso3 == country) & growth.year.between(start_year, end_year)]\n"
    'shown = shown[["year", "value"]].reset_index(drop=True)',
    "figure": "fig, ax = plt.subplots(figsize=(4, 2.5))\n"
    "ax.plot(shown.year, shown.value)\n"
    "figures.publish_figure(\n"
    '    fig, fig_id="fig-growth", title="GDP growth", alt="A line of yearly GDP growth rates.",\n'
    '    source="World Bank, WDI", data=shown, units="percent", inputs=["wdi-ny.gdp.mktp.kd.zg"],\n'
    ")",
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shared_mirror() -> Path:
    """The shared raw-data mirror (``KZCN_MIRROR_DIR`` overrides, as in tests/conftest.py)."""
    return Path(os.environ.get("KZCN_MIRROR_DIR") or config.ROOT.parent / "shared" / "data" / "github")


def chapter_notebook(cells: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Fixture chapter"),
        nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        *(nbformat.v4.new_code_cell(source) for source in cells.values()),
    ]
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    return nb


class MirrorHandler(loopback.QuietHandler):
    """Serves the shared mirror (read-only) with a per-project overlay on top."""

    overlay: Path

    def translate_path(self, path: str) -> str:
        shared = Path(super().translate_path(path))
        relative = shared.relative_to(Path(self.directory))
        replaced = self.overlay / relative
        if replaced.with_name(replaced.name + ".missing").exists():
            return str(self.overlay / ".missing" / relative)
        return str(replaced if replaced.is_file() else shared)


@dataclass
class Project:
    """One copy of the fixture project; ``build()`` runs the real CLI on it."""

    root: Path
    base_url: str = ""

    @property
    def source(self) -> Path:
        return self.root / "book"

    @property
    def overlay(self) -> Path:
        """Files here replace the shared mirror's; ``<name>.missing`` hides one."""
        return self.root / "mirror-overlay"

    @property
    def manifest_path(self) -> Path:
        return self.root / "sources.yml"

    @property
    def thesis_dir(self) -> Path:
        return self.root / "thesis"

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def html(self) -> Path:
        return self.root / "build" / "html"

    def manifest(self) -> dict:
        return yaml.safe_load(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, document: dict) -> None:
        self.manifest_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    def relpath(self, source_id: str) -> str:
        """Path of a raw file below the base URL (= in the mirror and in the raw cache)."""
        document = self.manifest()
        entry = {
            **document["families"][document["sources"][source_id]["family"]],
            **document["sources"][source_id],
        }
        return entry["url"].removeprefix(config.DEFAULT_BASE_URL)

    def replace_raw(self, source_id: str, content: bytes) -> Path:
        """Serve ``content`` instead of the mirror's file for ``source_id``."""
        target = self.overlay / self.relpath(source_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        return target

    def shared_raw(self, source_id: str) -> bytes:
        return (shared_mirror() / self.relpath(source_id)).read_bytes()

    def hide_raw(self, source_id: str) -> None:
        """Make the mirror answer 404 for ``source_id``'s file."""
        marker = self.overlay / (self.relpath(source_id) + ".missing")
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()

    def write_chapter(self, **replaced_cells: str) -> None:
        cells = {**CHAPTER_CELLS, **replaced_cells}
        nbformat.write(chapter_notebook(cells), self.source / "notebooks" / "chapter.ipynb")

    #: False for the template: its build fills the project's ordinary data caches.
    private_caches: bool = True

    @property
    def processed_dir(self) -> Path:
        return self.root / "processed"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("KZCN_") and key not in {"PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"}
        }
        env.update(
            KZCN_MANIFEST=str(self.manifest_path),
            KZCN_DATA_BASE_URL=self.base_url,
            KZCN_FIXTURE_THESIS_DIR=str(self.thesis_dir),
            MPLBACKEND="Agg",
        )
        if self.private_caches:
            env.update(KZCN_RAW_DIR=str(self.raw_dir), KZCN_PROCESSED_DIR=str(self.processed_dir))
        return env

    def build(self) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "kzcn", "build", "--source", str(self.source)]
        command += ["--out", str(self.root / "build"), "--jobs", "1"]
        return subprocess.run(
            command,
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )

    def site_snapshot(self) -> dict[str, str]:
        return {
            p.relative_to(self.html).as_posix(): sha256(p)
            for p in sorted(self.html.rglob("*"))
            if p.is_file()
        }


@functools.cache
def _ledger_copy_text(name: str) -> str:
    text = (config.THESIS_DIR / name).read_text(encoding="utf-8")
    if name == "claims.csv":
        text = "\n".join(text.splitlines()[: 1 + LEDGER_ROWS_KEPT]) + "\n"
    return text


def make_project(root: Path) -> Project:
    project = Project(root)
    root.mkdir(parents=True, exist_ok=True)
    # The whole manifest: the publish step audits every ledger claim, which reads
    # many sources.  Raw files come from the shared mirror through an overlay
    # (see MirrorHandler), so a case can break one file without copying the rest.
    shutil.copyfile(config.MANIFEST_PATH, project.manifest_path)
    project.overlay.mkdir()
    project.thesis_dir.mkdir()
    for name in LEDGER_FILES:
        (project.thesis_dir / name).write_text(_ledger_copy_text(name), encoding="utf-8")
    (project.source / "notebooks").mkdir(parents=True)
    for name, text in {
        "_config.yml": CONFIG_YML,
        "_toc.yml": TOC_YML,
        "references.bib": REFERENCES_BIB,
        "index.md": INDEX_MD,
        "bibliography.md": BIBLIOGRAPHY_MD,
    }.items():
        (project.source / name).write_text(text, encoding="utf-8")
    project.write_chapter()
    return project


@contextlib.contextmanager
def serving(overlay: Path) -> Iterator[str]:
    """A loopback HTTP server of the shared mirror under ``overlay`` (read per request)."""
    handler_class = type("ProjectMirrorHandler", (MirrorHandler,), {"overlay": overlay})
    with loopback.serve(shared_mirror(), handler_class) as url:
        yield url


@pytest.fixture(scope="session")
def good_template(tmp_path_factory) -> Project:
    """The fixture project after one successful build (its site is "the last good site")."""
    # The template downloads and parses into the ordinary (git-ignored) caches, which
    # the whole-book build of the same session reuses: every file is parsed once.
    project = make_project(tmp_path_factory.mktemp("badinput") / "template")
    project.private_caches = False
    with serving(project.overlay) as url:
        project.base_url = url
        result = project.build()
    assert result.returncode == 0, (
        "the fixture book does not build:\n" + result.stdout[-3000:] + result.stderr[-3000:]
    )
    assert (project.html / "index.html").is_file()
    return project


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system
        shutil.copy2(source, target)


@pytest.fixture
def project(good_template: Project, tmp_path) -> Iterator[Project]:
    """A fresh copy of the built fixture project, its mirror served on 127.0.0.1."""
    copy = Project(tmp_path / "project")
    # Hard links for the big caches (every write there replaces a file, never edits
    # one in place); a real copy of everything else, the built site included.
    shutil.copytree(good_template.root, copy.root, symlinks=True)
    shutil.copytree(config.raw_dir(), copy.raw_dir, copy_function=_link_or_copy)
    shutil.copytree(config.processed_dir(), copy.processed_dir, copy_function=_link_or_copy)
    with serving(copy.overlay) as url:
        copy.base_url = url
        yield copy


@pytest.fixture
def chapter_cells() -> dict[str, str]:
    """The fixture chapter's cells by name (a case edits one and passes it to write_chapter)."""
    return dict(CHAPTER_CELLS)
