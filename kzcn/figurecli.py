"""``python -m kzcn figure ID [--country ISO3] [--out DIR]``: one figure or table, alone.

Rebuilds one published object from the raw data without building the book:
finds the notebook that publishes ``ID``, runs it with papermill into a
temporary folder (with the country asked for), and copies that object's files
(``ID.svg``, ``ID.png``, ``ID.csv``, ``ID.json`` for a figure; ``ID.csv`` and
``ID.json`` for a table) into ``--out`` (default ``_build/figure``).  Raw files
are downloaded and verified on the way if they are not in the cache yet.

The provenance panel under every figure and table prints the command that
rebuilds it (:func:`kzcn.figures.rebuild_command`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from kzcn import config, figures

#: Files of one object, by kind.
OBJECT_FILES = {"fig": ("svg", "png", "csv", "json"), "tbl": ("csv", "json")}

#: An id written in a notebook's code: "fig-3-1" or 'tbl-1-1'.
QUOTED_ID = re.compile(r"""["']((?:fig|tbl)-[a-z0-9]+(?:-[a-z0-9]+)*)["']""")

#: Seconds one notebook run may take (a chapter takes seconds; a cold data cache longer).
RUN_TIMEOUT_S = 30 * 60


class FigureError(RuntimeError):
    """The object cannot be rebuilt; the message says what to do."""


def notebooks_dir() -> Path:
    return config.NOTEBOOKS_DIR


def ids_by_notebook(folder: Path | None = None) -> dict[str, Path]:
    """``object id -> notebook`` for every id written literally in a notebook's code cells."""
    found: dict[str, Path] = {}
    for path in sorted((folder or notebooks_dir()).glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                for object_id in QUOTED_ID.findall(cell.source):
                    found.setdefault(object_id, path)
    return found


def _last_build_notebook(object_id: str) -> Path | None:
    """The notebook that published ``object_id`` in the last full build (figures.json)."""
    index = config.build_dir() / "html" / "figures.json"
    if not index.is_file():
        return None
    for item in json.loads(index.read_text(encoding="utf-8")).get("objects", []):
        if item.get("id") == object_id and item.get("notebook"):
            path = config.ROOT / item["notebook"]
            return path if path.is_file() else None
    return None


def find_notebook(object_id: str) -> Path:
    known = ids_by_notebook()
    path = known.get(object_id) or _last_build_notebook(object_id)
    if path is None:
        listed = ", ".join(sorted(known))
        raise FigureError(
            f"no notebook publishes {object_id!r}. Ids the notebooks publish: {listed}. "
            "Check the id under the figure (the part after # in its link)."
        )
    return path


def _check_country(value: str) -> str:
    try:
        return config.check_country(value)
    except ValueError as error:
        raise FigureError(str(error)) from None


def _declared_parameters(path: Path) -> set[str]:
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            return set(re.findall(r"^(\w+)\s*=", cell.source, flags=re.M))
    return set()


def _failure(stderr: str, notebook: Path) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    cell = next((line for line in lines if "Executing cell" in line or "cell" in line.lower()), "")
    last = lines[-1] if lines else "no error output"
    return (
        f"running {notebook.relative_to(config.ROOT)} failed: {last}"
        + (f" ({cell.strip()})" if cell and cell != last else "")
        + ". Rebuild the whole book with `python -m kzcn build` to see the notebook and cell."
    )


def rebuild(object_id: str, country: str | None = None, out: Path | None = None) -> list[Path]:
    """Run the notebook that publishes ``object_id`` and copy its files to ``out``; returns them."""
    if not figures.ID_PATTERN.match(object_id or ""):
        raise FigureError(f"{object_id!r} is not a figure or table id (they look like fig-3-1 or tbl-1-1)")
    notebook = find_notebook(object_id)
    relative = notebook.relative_to(config.ROOT).as_posix()
    parameters: dict[str, str] = {}
    if country is not None:
        country = _check_country(country)
        if "country" not in _declared_parameters(notebook):
            raise FigureError(f"{relative} has no country parameter: {object_id} exists for Kazakhstan only")
        parameters["country"] = country
    out = Path(out) if out is not None else config.build_dir() / "figure"
    with tempfile.TemporaryDirectory(prefix="kzcn-figure-") as tmp:
        run = Path(tmp)
        executed = run / relative
        executed.parent.mkdir(parents=True)
        figures_out = run / "figures"
        figures_out.mkdir()
        env = dict(os.environ)
        env.update(
            KZCN_FIGURES_DIR=str(figures_out),
            KZCN_INPUT_LOG=str(run / "inputs.log"),
            KZCN_NOTEBOOK=relative,
            KZCN_PARAMETERS=json.dumps(parameters, sort_keys=True),
            MPLBACKEND="Agg",
            PYTHONPATH=os.pathsep.join(p for p in (str(config.ROOT), env.get("PYTHONPATH")) if p),
        )
        command = [sys.executable, "-m", "papermill", str(notebook), str(executed)]
        command += ["--cwd", str(executed.parent), "--kernel", "python3", "--no-progress-bar"]
        command += ["--log-level", "WARNING"]
        for name, value in parameters.items():
            command += ["-p", name, value]
        try:
            result = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise FigureError(f"running {relative} took more than {RUN_TIMEOUT_S} s; try again") from None
        if result.returncode != 0:
            raise FigureError(_failure(result.stderr, notebook))
        names = [f"{object_id}.{suffix}" for suffix in OBJECT_FILES[object_id[:3]]]
        missing = [name for name in names if not (figures_out / name).is_file()]
        if missing:
            raise FigureError(
                f"{relative} ran but did not publish {', '.join(missing)}"
                + (f" for {country}" if country else "")
                + " (the object may exist only for some countries)"
            )
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in names:
            shutil.copyfile(figures_out / name, out / name)
            written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kzcn figure",
        description="Rebuild one figure or table (SVG, PNG, CSV, JSON) from the raw data, without the book.",
    )
    parser.add_argument("id", help="the figure or table id, e.g. fig-3-1 or tbl-1-1")
    parser.add_argument("--country", help="ISO3 code of the Central Asian country (default: the notebook's)")
    parser.add_argument("--out", type=Path, help="folder for the files (default _build/figure)")
    args = parser.parse_args(argv)
    try:
        written = rebuild(args.id, args.country, args.out)
    except FigureError as error:
        print(f"FIGURE FAILED: {error}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
