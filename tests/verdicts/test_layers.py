"""The package's import graph is acyclic and layered: measures below the verdicts, pages on top."""

from __future__ import annotations

import ast
from pathlib import Path

import kzcn

PACKAGE = Path(kzcn.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """kzcn modules ``path`` imports (at top level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kzcn"):
            if node.module == "kzcn":
                found.update(f"kzcn.{alias.name}" for alias in node.names)
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("kzcn."))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_import_graph_is_acyclic():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            assert state.get(nxt) != 1, "import cycle: " + " -> ".join([*trail, node, nxt])
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


def test_measures_and_verdicts_do_not_import_pages():
    graph = _graph()
    pages = {name for name in graph if name.startswith("kzcn.chapters")}
    for low in ("kzcn.measures", "kzcn.series", "kzcn.audit", "kzcn.verdicts", "kzcn.compare"):
        assert not graph[low] & pages, (low, graph[low] & pages)
