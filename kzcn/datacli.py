"""``python -m kzcn data fetch|verify|parse``: the raw data layer from the command line.

    fetch  [--only ID ...] [--base-url URL]   download + verify sha256 (skips verified files)
    verify [--only ID ...] [--strict]         check both caches: re-hash the raw files and check every
                                              parsed table (provenance + checksum); --strict: a raw
                                              file missing from the cache counts as a problem
    parse  [--only ID ...] [--base-url URL] [--jobs N]   parse + validate into the processed cache
    list                                      the manifest's ids

Exit status is non-zero on any failure; the message (the one format of
:mod:`kzcn.errors`) names the file, URL and hashes, the likely cause and what to
do.  ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from kzcn import config, errors
from kzcn.fetch import fetch, verify
from kzcn.manifest import load_manifest


def _parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="python -m kzcn data", description="raw data layer")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (
        ("fetch", "download the manifest's raw files and verify their sha256"),
        ("verify", "re-hash the raw files and check the parsed tables already in the caches"),
        ("parse", "parse and validate raw files into the processed cache"),
        ("list", "list the manifest's source ids"),
    ):
        command = commands.add_parser(name, help=help_)
        command.add_argument("--only", nargs="+", metavar="ID", help="only these source ids")
        command.add_argument("--debug", action="store_true", help="print the traceback of a failure")
        if name in {"fetch", "parse"}:
            command.add_argument(
                "--base-url", help="replaces https://raw.githubusercontent.com/ (or KZCN_DATA_BASE_URL)"
            )
        if name == "parse":
            command.add_argument(
                "--jobs", type=int, help="parallel parser processes (default: CPUs, at most 4)"
            )
        if name == "verify":
            command.add_argument(
                "--strict", action="store_true", help="a file missing from the cache is a problem"
            )
    return parser


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        exc = ValueError(message)
        exc.cause = "invalid option"  # type: ignore[attr-defined]
        print(errors.format_failure("DATA FAILED", exc), file=sys.stderr)
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except Exception as error:  # noqa: BLE001 - every failure gets the one message
        where = str(config.processed_dir() if args.command == "parse" else config.raw_dir())
        print(errors.format_failure("DATA FAILED", error, where=where, debug=args.debug), file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "list":
        for source in load_manifest().select(args.only):
            print(f"{source.id}\t{source.title}")
        return 0
    if args.command == "fetch":
        started = time.perf_counter()
        paths = fetch(args.only, base_url=args.base_url)
        print(f"{len(paths)} file(s) present and verified in {time.perf_counter() - started:.1f} s")
        return 0
    if args.command == "verify":
        from kzcn.store import verify_processed

        problems = verify(args.only, include_missing=args.strict)
        problems += verify_processed(args.only)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    if args.command == "parse":
        if args.base_url:
            os.environ["KZCN_DATA_BASE_URL"] = args.base_url
        from kzcn.store import parse_all

        started = time.perf_counter()
        counts = parse_all(args.only, jobs=args.jobs)
        print(
            f"{len(counts)} table(s), {sum(counts.values())} rows, in {time.perf_counter() - started:.1f} s"
        )
        return 0
    return 2
