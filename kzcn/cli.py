"""``python -m kzcn <command> ...``: a thin dispatcher.

Each command group parses its own arguments in the module that owns it, so the
data layer and the build pipeline evolve independently.

    python -m kzcn data fetch|verify|parse ...   (kzcn.datacli)
    python -m kzcn build ...                     (kzcn.pipeline)
    python -m kzcn figure ID ...                 (kzcn.figurecli)
"""

from __future__ import annotations

import sys

COMMANDS = {
    "data": ("kzcn.datacli", "fetch, verify and parse the raw files declared in data/sources.yml"),
    "build": ("kzcn.pipeline", "execute the notebooks and assemble the book"),
    "figure": ("kzcn.figurecli", "rebuild one figure or table from the raw data, without the book"),
    "pdf": ("kzcn.pdf", "typeset the staged book as one PDF (_build/pdf/), linked from the site"),
}


def _usage() -> str:
    lines = ["usage: python -m kzcn <command> [options]", "", "commands:"]
    lines += [f"  {name:<8} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"unknown command {command!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    import importlib

    module = importlib.import_module(COMMANDS[command][0])
    return int(module.main(rest) or 0)
