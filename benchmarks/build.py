"""Build-time benchmark of ``python -m kzcn build`` against plain Jupyter Book.

    python benchmarks/build.py [--keep] [--jobs N]      (make bench)

Measures, in one run, on a temporary copy of the book source (the committed
files, the shared mirror and the developer's data caches are never modified):

* clean build          empty build folder (raw and parsed data already cached);
* no-change rebuild    the same command again;
* prose-only edits     a sentence added to a Markdown cell of a chapter notebook, then
                       to a ``book/*.md`` page (no notebook may execute);
* one-notebook edit    one code cell appended to the first notebook;
* one-raw-file change  one raw file rewritten in a temporary fixture mirror and the
                       temporary manifest re-pointed at its new sha256;
* peers                ``jupyter-book build`` of the same notebooks with
                       ``execute_notebooks: force`` and with ``cache`` (clean, then
                       again unchanged, then after the same raw-file change).

Prints a table of wall times with ratios, the peak memory (RSS summed over the
whole process tree: build, papermill, kernels, Sphinx) and the machine's load
average during each step, and checks the targets: clean build <= 0.7 x force
build; no-change rebuild <= 10 % and each prose-only edit <= 20 % of the clean
build; peak RSS <= 1 GB.  Timings are reported, never asserted by the test
suite (speed depends on the machine).  ``benchmarks/parse.py`` measures the
cold parse (``make bench`` runs both).

Data: the benchmark first makes sure the manifest's raw files are fetched and
parsed in the usual caches (``KZCN_DATA_BASE_URL`` applies), then gives every
build a private cache folder made of symbolic links to those files, so that the
raw-file change replaces a link and never a cached file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import nbformat
import psutil
import yaml

from kzcn import config, fetch, loopback, manifest, pipeline, store

#: The raw file the benchmark rewrites: small, and read by only some chapters.
CHANGED_SOURCE = "wdi-ny.gdp.mktp.cd"

CLEAN_VS_FORCE_TARGET = 0.7
NO_CHANGE_TARGET = 0.10
PROSE_TARGET = 0.20
#: "1 GB" of the issue, read strictly: 10**9 bytes (954 MiB), not 1 GiB (1,024 MiB)
PEAK_RSS_TARGET = 10**9  # bytes

#: What the prose-only edits change (a chapter notebook's Markdown, a page of book/).
PROSE_NOTEBOOK = "notebooks/01_chapter1.ipynb"
PROSE_PAGE = "book/methods.md"
PROSE_SENTENCE = "This sentence was added by the benchmark to time a prose-only edit."


def serve(directory: Path) -> tuple[ThreadingHTTPServer, str]:
    server = loopback.start(directory)
    return server, loopback.base_url(server)


def link_tree(source: Path, target: Path) -> None:
    """``target`` mirrors ``source`` with one symbolic link per file."""
    for path in source.rglob("*"):
        if path.is_file():
            link = target / path.relative_to(source)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)


#: What a snapshot of the working tree leaves out: caches, build output, VCS.
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    "_build*",
    "raw",
    "processed",
    "artifacts",
    "__pycache__",
    ".ipynb_checkpoints",
    "*.egg-info",
)


def snapshot_repository(destination: Path) -> None:
    """Copy the working tree (code, book, ledger, manifest), so that edits others make
    to the repository while the benchmark runs cannot change what is measured."""
    shutil.copytree(config.ROOT, destination, ignore=SNAPSHOT_IGNORE, symlinks=True)


def _words(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def role(process: psutil.Process) -> str:
    """What a process of the build's tree is, in a word or two (for the peak-memory breakdown).

    A process forked from another shares its command line: a forked child of the kernel server
    is a kernel, a forked child of the build is one of its workers (parse, verdict warm-up).
    """
    words = _words(process)
    if not words:
        return "gone"
    try:
        parent = process.parent()
        forked = parent is not None and _words(parent) == words
    except psutil.Error:
        forked = False
    if "kzcn.kernels" in words and " serve " in words:
        return "kernel" if forked else "kernel server"
    for needle, name in (
        ("ipykernel", "kernel"),
        ("kzcn.kernels connect", "kernel proxy"),
        ("papermill", "papermill"),
        ("jupyter-book", "sphinx"),
        ("-m kzcn.procs --parent", "guard"),
        ("verdicts.table()", "verdict warm-up"),
        ("kzcn build", "build"),
        (" kzcn ", "build"),
    ):
        if needle in words:
            return f"{name} worker" if forked and name == "build" else name
    return "other"


class TreeSampler:
    """Samples, five times a second, the RSS summed over a process and all its descendants,
    and the machine's one-minute load average; keeps what each kind of process held at the peak."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        #: the same sum with each shared page counted once (PSS, Linux): forked kernels share
        #: the pages of their server, which the RSS sum counts in every one of them
        self.peak_pss = 0
        #: at the RSS peak: (RSS, PSS) of each process, by kind (see :func:`role`)
        self.at_peak: dict[str, list[tuple[int, int]]] = {}
        self.loads: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            total = pss_total = 0
            sizes = []
            for process in processes:
                try:
                    rss = process.memory_info().rss
                    pss = getattr(process.memory_full_info(), "pss", rss)
                except psutil.Error:
                    continue
                total += rss
                pss_total += pss
                sizes.append((process, rss, pss))
            self.peak_pss = max(self.peak_pss, pss_total)
            if total > self.peak:
                self.peak = total
                self.at_peak = {}
                for process, rss, pss in sizes:
                    self.at_peak.setdefault(role(process), []).append((rss, pss))
            self.loads.append(os.getloadavg()[0])
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


#: Peak RSS (bytes) and mean load average of every timed step, by log name.
MEASURED: dict[str, tuple[int, float]] = {}
#: At each step's peak: (RSS, PSS) of each process, grouped by kind (build, papermill, kernel, ...).
PEAK_PARTS: dict[str, dict[str, list[tuple[int, int]]]] = {}
#: Peak PSS (bytes) of every timed step's process tree, by log name.
PEAK_PSS: dict[str, int] = {}
#: CPU seconds (user + system) of the step's whole process tree, by log name: on a busy
#: machine, a fairer comparison than wall time.
CPU: dict[str, float] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str], log: Path, cwd: Path) -> float:
    started = time.perf_counter()
    cpu_before = _children_cpu()
    with open(log, "w") as handle:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        returncode = proc.wait()
        sampler.stop()
    elapsed = time.perf_counter() - started
    loads = sampler.loads or [os.getloadavg()[0]]
    MEASURED[log.name] = (sampler.peak, sum(loads) / len(loads))
    PEAK_PSS[log.name] = sampler.peak_pss
    PEAK_PARTS[log.name] = sampler.at_peak
    CPU[log.name] = _children_cpu() - cpu_before
    if returncode != 0:
        raise SystemExit(f"benchmark step failed ({' '.join(cmd)}); see {log}:\n" + log.read_text()[-3000:])
    return elapsed


def measured(log: Path) -> str:
    peak, load = MEASURED[log.name]
    # each kind: the RSS of its processes, then their PSS summed (a forked kernel's RSS counts
    # the pages it shares with the kernel server; its PSS a share of them)
    parts = "; ".join(
        f"{kind} {' + '.join(f'{rss / 2**20:,.0f}' for rss, _ in sorted(sizes, reverse=True))}"
        f" (PSS {sum(pss for _, pss in sizes) / 2**20:,.0f})"
        for kind, sizes in sorted(
            PEAK_PARTS.get(log.name, {}).items(), key=lambda item: -sum(r for r, _ in item[1])
        )
    )
    return (
        f"CPU {CPU[log.name]:.0f} s; peak RSS {peak / 2**20:,.0f} MiB"
        + (f" ({parts} MiB)" if parts else "")
        + f", PSS {PEAK_PSS[log.name] / 2**20:,.0f} MiB"
        + f"; load {load:.1f}"
    )


def add_prose(tree: Path) -> None:
    """A sentence more in the first Markdown cell of PROSE_NOTEBOOK (no code changes)."""
    path = tree / PROSE_NOTEBOOK
    nb = nbformat.read(path, as_version=4)
    cell = next(cell for cell in nb.cells if cell.cell_type == "markdown")
    cell.source = cell.source.rstrip() + "\n\n" + PROSE_SENTENCE + "\n"
    nbformat.write(nb, path)


def add_page_prose(tree: Path) -> None:
    path = tree / PROSE_PAGE
    path.write_text(
        path.read_text(encoding="utf-8").rstrip() + "\n\n" + PROSE_SENTENCE + "\n", encoding="utf-8"
    )


def executed_count(out: Path) -> tuple[int, int]:
    report = json.loads((out / "last-build.json").read_text(encoding="utf-8"))["notebooks"]
    return sum(entry["action"] == "execute" for entry in report.values()), len(report)


def step_timings(out: Path) -> dict[str, float]:
    """Seconds per pipeline step of the last build (fetch, parse, plan, execute, render, publish)."""
    return json.loads((out / "last-build.json").read_text(encoding="utf-8"))["timings"]


def jupyter_book_config(source: Path, mode: str) -> None:
    path = source / "_config.yml"
    book_config = yaml.safe_load(path.read_text(encoding="utf-8"))
    book_config.setdefault("execute", {})["execute_notebooks"] = mode
    book_config["execute"]["timeout"] = 600
    path.write_text(yaml.safe_dump(book_config, sort_keys=False, allow_unicode=True), encoding="utf-8")


def rewrite_raw_file(manifest_path: Path, mirror: Path) -> str:
    """Put a changed copy of one raw file into the fixture mirror; re-point the manifest."""
    source = manifest.load_manifest(manifest_path)[CHANGED_SOURCE]
    original = config.raw_dir() / source.relpath
    text = original.read_text(encoding="utf-8")
    # nudge the last digit of the first numeric value: same schema, new bytes
    match = re.search(r",(\d+)(\.\d+)?\n", text)
    changed = text[: match.start(1)] + str(int(match.group(1)) + 1) + text[match.end(1) :]
    target = mirror / source.relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(changed, encoding="utf-8")
    document = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    document["sources"][CHANGED_SOURCE]["sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    document["sources"][CHANGED_SOURCE]["size"] = target.stat().st_size
    manifest_path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return f"{CHANGED_SOURCE} ({source.relpath.rsplit('/', 2)[-2]})"


def restore_raw_link(raw: Path) -> None:
    """Point the private raw cache at the original CHANGED_SOURCE file again."""
    source = manifest.load_manifest(config.MANIFEST_PATH)[CHANGED_SOURCE]
    link = raw / source.relpath
    link.unlink(missing_ok=True)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(config.raw_dir() / source.relpath)


#: What Jupyter Book (MyST-NB) logs when a notebook stops on an error; the build goes on.
PEER_FAILURE = re.compile(r"(\S+\.ipynb): WARNING: Executing notebook failed")


def peer_failures(log: Path) -> list[str]:
    """The notebooks a peer build failed to execute (its log names them)."""
    return sorted({Path(name).name for name in PEER_FAILURE.findall(log.read_text(errors="replace"))})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)

    print("priming the data caches (fetch + parse, not timed) ...", flush=True)
    fetch.fetch(progressbar=False)
    store.parse_all()

    work = Path(tempfile.mkdtemp(prefix="kzcn-bench-"))
    print(f"working folder: {work}", flush=True)
    try:
        mirror = work / "mirror"
        mirror.mkdir()
        server, url = serve(mirror)
        manifest_path = work / "sources.yml"
        shutil.copyfile(config.MANIFEST_PATH, manifest_path)
        link_tree(config.raw_dir(), work / "raw")
        link_tree(config.processed_dir(), work / "processed")
        base_env = {
            **os.environ,
            "KZCN_MANIFEST": str(manifest_path),
            "KZCN_RAW_DIR": str(work / "raw"),
            "KZCN_PROCESSED_DIR": str(work / "processed"),
            "KZCN_DATA_BASE_URL": url,
        }
        base_env.pop("KZCN_INPUT_LOG", None)
        base_env.pop("KZCN_FIGURES_DIR", None)
        logs = work / "logs"
        logs.mkdir()

        def snapshot(name: str) -> tuple[Path, dict[str, str]]:
            # each contender imports kzcn from its own snapshot
            tree = work / name
            snapshot_repository(tree)
            return tree, {
                **base_env,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(tree), os.environ.get("PYTHONPATH")])),
            }

        ours, env = snapshot("ours")
        out = work / "ours-build"
        build = [sys.executable, "-m", "kzcn", "build", "--out", str(out), "--jobs", str(args.jobs)]
        rows: list[tuple[str, float, str]] = []

        def ours_step(label: str) -> float:
            print(f"kzcn build: {label} ...", flush=True)
            log = logs / f"ours-{label.replace(' ', '-')}.log"
            seconds = timed(build, env, log, cwd=ours)
            executed, total = executed_count(out)
            steps = ", ".join(
                f"{name} {value:.1f}" for name, value in step_timings(out).items() if value >= 0.5
            )
            rows.append(
                (
                    f"kzcn build: {label}",
                    seconds,
                    f"{executed}/{total} notebooks executed; {steps}; {measured(log)}",
                )
            )
            return seconds

        clean = ours_step("clean build")
        no_change = ours_step("no-change rebuild")
        add_prose(ours)
        prose_notebook = ours_step("prose-only notebook edit")
        prose_notebook_executed = executed_count(out)[0]
        add_page_prose(ours)
        prose_page = ours_step("prose-only page edit")
        prose_page_executed = executed_count(out)[0]
        first = pipeline.book_notebooks(ours)[0]
        nb = nbformat.read(ours / first, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("# benchmark: an edit that changes the source"))
        nbformat.write(nb, ours / first)
        ours_step("one-notebook edit")
        changed = rewrite_raw_file(manifest_path, mirror)
        ours_step("one-raw-file change")
        # The peers start from the original data: the original manifest, and the raw cache's
        # link to the original file (the build above replaced it with the changed download).
        # Without this every peer notebook that reads the file fails its sha256 check, and a
        # peer that fails early is no comparison (it made the peers look fast before).
        shutil.copyfile(config.MANIFEST_PATH, manifest_path)
        restore_raw_link(work / "raw")

        peers = {}
        for mode in ("force", "cache"):
            peer, peer_env = snapshot(f"peer-{mode}")
            jupyter_book_config(peer, mode)
            (peer / "figures").mkdir()
            peer_env["KZCN_FIGURES_DIR"] = str(peer / "figures")
            peer_out = work / f"{mode}-out"
            cmd = [pipeline.jupyter_book_executable(), "build", str(peer), "--path-output", str(peer_out)]
            print(f"jupyter-book ({mode}): clean build ...", flush=True)
            peers[mode] = timed(cmd, peer_env, logs / f"peer-{mode}-clean.log", cwd=peer)
            failed = peer_failures(logs / f"peer-{mode}-clean.log")
            if failed:
                raise SystemExit(
                    f"jupyter-book ({mode}) could not execute {', '.join(failed)}: a build that stops "
                    f"early is no comparison; see {logs / f'peer-{mode}-clean.log'}"
                )
            rows.append(
                (
                    f"jupyter-book {mode}: clean build",
                    peers[mode],
                    f"all notebooks executed; {measured(logs / f'peer-{mode}-clean.log')}",
                )
            )
            if mode == "cache":
                print("jupyter-book (cache): no-change rebuild ...", flush=True)
                seconds = timed(cmd, peer_env, logs / "peer-cache-nochange.log", cwd=peer)
                reused = len(
                    re.findall(r"Using cached notebook", (logs / "peer-cache-nochange.log").read_text())
                )
                rows.append(
                    (
                        "jupyter-book cache: no-change rebuild",
                        seconds,
                        f"{reused} notebooks taken from its cache",
                    )
                )
                rewrite_raw_file(manifest_path, mirror)
                print("jupyter-book (cache): one-raw-file change ...", flush=True)
                seconds = timed(cmd, peer_env, logs / "peer-cache-rawchange.log", cwd=peer)
                log_text = (logs / "peer-cache-rawchange.log").read_text()
                executed = len(re.findall(r"Cached executed notebook", log_text))
                reused = len(re.findall(r"Using cached notebook", log_text))
                note = f"{executed} notebooks executed, {reused} taken from its cache"
                if executed == 0:
                    note += ": the data change is missed"
                rows.append(("jupyter-book cache: one-raw-file change", seconds, note))
        loopback.stop(server)

        print(f"\nload average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        width = max(len(label) for label, _, _ in rows)
        # every Python process (build, papermill, kernels, Sphinx) compiles what it imports when no
        # bytecode is cached: seconds of CPU each, part of every figure below
        bytecode = "off (PYTHONDONTWRITEBYTECODE)" if sys.dont_write_bytecode else "on"
        print(
            f"\nchanged raw file: {changed}; jobs: {args.jobs}; cpu count: {os.cpu_count()}; "
            f"bytecode cache: {bytecode}\n"
        )
        print(f"| {'build':<{width}} | seconds | x clean | x force | notes |")
        print(f"|{'-' * (width + 2)}|--------:|--------:|--------:|-------|")
        for label, seconds, note in rows:
            print(
                f"| {label:<{width}} | {seconds:7.1f} | {seconds / clean:7.2f} | {seconds / peers['force']:7.2f} | {note} |"
            )
        ours_peak = max(peak for name, (peak, _) in MEASURED.items() if name.startswith("ours-"))
        loads = [load for _, load in MEASURED.values()]

        def verdict(ok: bool) -> str:
            return "met" if ok else "MISSED"

        print()
        print(
            f"target clean <= {CLEAN_VS_FORCE_TARGET} x force: {clean / peers['force']:.2f} "
            f"{verdict(clean <= CLEAN_VS_FORCE_TARGET * peers['force'])}"
        )
        print(
            f"target no-change <= {NO_CHANGE_TARGET:.0%} of clean: {no_change / clean:.1%} "
            f"{verdict(no_change <= NO_CHANGE_TARGET * clean)}"
        )
        clean_cpu = CPU["ours-clean-build.log"]
        print(
            f"  by CPU time: clean {clean_cpu:.0f} s = {clean_cpu / CPU['peer-force-clean.log']:.2f} x force "
            f"({CPU['peer-force-clean.log']:.0f} s)"
        )
        for label, seconds, executed, log_name in (
            ("notebook", prose_notebook, prose_notebook_executed, "ours-prose-only-notebook-edit.log"),
            ("book page", prose_page, prose_page_executed, "ours-prose-only-page-edit.log"),
        ):
            print(
                f"target prose-only {label} edit <= {PROSE_TARGET:.0%} of clean: {seconds / clean:.1%} "
                f"{verdict(seconds <= PROSE_TARGET * clean)} ({executed} notebooks executed; by CPU time "
                f"{CPU[log_name] / clean_cpu:.1%})"
            )
        ours_pss = max(pss for name, pss in PEAK_PSS.items() if name.startswith("ours-"))
        print(
            f"target peak RSS of the build's process tree <= 1 GB ({PEAK_RSS_TARGET / 2**20:,.0f} MiB): "
            f"{ours_peak / 2**20:,.0f} MiB = {ours_peak / 1e9:.2f} GB {verdict(ours_peak <= PEAK_RSS_TARGET)}"
        )
        # the RSS sum counts a page shared by several processes (libraries, and the kernel
        # server's pages in every kernel it forks) once per process; PSS divides it among them
        print(
            f"  the same as PSS (shared pages counted once): {ours_pss / 2**20:,.0f} MiB "
            f"{verdict(ours_pss <= PEAK_RSS_TARGET)}"
        )
        print(
            f"machine load (1-minute average) during the steps: min {min(loads):.1f}, "
            f"mean {sum(loads) / len(loads):.1f}, max {max(loads):.1f} on {os.cpu_count()} CPUs"
            + (
                "  (a busy machine: the times above are slower than on a quiet one)"
                if max(loads) > 1.5
                else ""
            )
        )
        return 0
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
