"""Prose edits do not execute code: the rule behind the pipeline's execute-or-reuse decision.

A notebook is executed again only when what runs changes: its code cells (source
and tags, in order), its kernel, its parameters, the ``kzcn`` package or the
inputs it read (:mod:`kzcn.pipeline` checks the last three).  An edit confined
to Markdown (or raw) cells changes none of these; the new prose is merged into
the cached executed copy instead, the rule jupyter-cache applies (it hashes the
code cells only).

The merged copy is the author's current notebook with, in place of each code
cell, the executed code cell (outputs, execution count, the tags the pipeline
added) and, after it, the cells papermill injected after it (the parameters
the notebook ran with).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import nbformat

#: Tags papermill puts on the cells it adds (kzcn.pipeline.PAPERMILL_TAGS, repeated
#: here to keep this module free of the pipeline's imports).
INJECTED_TAGS = frozenset({"injected-parameters", "papermill-error-cell-tag"})


def _tags(cell: Any) -> list[str]:
    return sorted(cell.get("metadata", {}).get("tags", []))


def code_hash(path: Path) -> str:
    """Hash of what executes: the kernel and the code cells (source and tags), in order."""
    nb = nbformat.read(path, as_version=4)
    cells = [{"source": cell.source, "tags": _tags(cell)} for cell in nb.cells if cell.cell_type == "code"]
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    text = json.dumps({"kernel": kernel, "code": cells}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _injected(cell: Any) -> bool:
    return bool(INJECTED_TAGS & set(cell.get("metadata", {}).get("tags", [])))


def merge_prose(source: Path, executed: Path) -> nbformat.NotebookNode | None:
    """The executed notebook with the prose of ``source``; ``None`` if the code cells differ.

    The code cells of both must be the same sources in the same order (the
    caller compared :func:`code_hash`; this re-checks, so a stale cache entry
    can never lend its outputs to other code).
    """
    new = nbformat.read(source, as_version=4)
    old = nbformat.read(executed, as_version=4)
    # executed code cells of the author, each with the injected cells that follow it
    runs: list[tuple[Any, list[Any]]] = []
    leading: list[Any] = []  # injected before any author code cell
    for cell in old.cells:
        if _injected(cell):
            (runs[-1][1] if runs else leading).append(cell)
        elif cell.cell_type == "code":
            runs.append((cell, []))
    new_code = [cell for cell in new.cells if cell.cell_type == "code"]
    if [cell.source for cell in new_code] != [cell.source for cell, _ in runs]:
        return None
    cells = list(leading)
    position = 0
    for cell in new.cells:
        if cell.cell_type != "code":
            cells.append(cell)
            continue
        ran, after = runs[position]
        position += 1
        cells.extend([ran, *after])
    merged = old
    merged.cells = cells
    return merged


def write_merged(source: Path, executed: Path) -> bool:
    """Merge the prose of ``source`` into ``executed`` in place (atomically); False if it cannot."""
    merged = merge_prose(source, executed)
    if merged is None:
        return False
    tmp = executed.with_name(f".{executed.name}.merge")
    nbformat.write(merged, tmp)
    tmp.replace(executed)
    return True
