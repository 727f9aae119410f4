"""``python -m kzcn build``: from raw bytes to the published book in one command.

Steps (each timed, summarised at the end):

1. **fetch**   download and sha256-verify the manifest's raw files (:mod:`kzcn.fetch`);
2. **parse**   parse and validate them into the processed cache (:mod:`kzcn.store`),
   once, before notebooks run in parallel and would race to write it;
3. **execute** run every notebook of ``_toc.yml`` with papermill, two at a time;
4. **render**  ``jupyter-book build`` of the stage folder (``execute_notebooks: off``);
5. **publish** :func:`kzcn.publish.finalize`, then swap the new site into place.

Steps 4 and 5 are skipped when the stage, the package, the ledger and the
manifest are all as they were for the published site.

Incremental execution is data-aware.  A notebook is executed again if and only
if one of these changed since its cached run (content hashes, never mtimes):
its source with outputs stripped, its parameters, the ``kzcn`` package source,
or the sha256 of an input it read last time.  Inputs are learnt from the run
itself: :func:`kzcn.store.load` and the ledger loaders append
``source_id<TAB>sha256`` to ``KZCN_INPUT_LOG``.  The current hash of a raw
input is the manifest's (the fetch step has verified the file against it); of a
ledger file, the file's own sha256.

Layout of a build root (``_build/`` or ``_build/variants/<ISO3>/``)::

    cache/<notebook>/      executed copy, figure files and state of the last good run
    run/<notebook>/        scratch tree of a run in progress (mirrors the stage layout)
    stage/                 book source with executed notebooks and figures/
    render/                jupyter-book output (kept for Sphinx's incremental build), and
      publish-memo/        what publishing found in each page (kzcn.publish.PageMemo)
    html/                  the published site, replaced atomically
    state.json             fingerprint of what html/ was built from
    parse-memo.json        stat of each processed cache file when it last passed its check
    plan-memo.json         parameters each notebook declares, by the hash of its code cells
    last-build.json        what the last successful build did with each notebook, and why

The site is replaced only after every step succeeded, by one rename; a failure
or SIGTERM leaves the previous ``html/`` exactly as it was.

Faults (issue 15).  One build per root at a time: ``.lock`` is held with
``filelock`` by this process only (no child inherits it: papermill and
jupyter-book are started with closed descriptors, parse workers are spawned),
so the lock dies with its owner; ``.lock.owner`` names the holder's PID and
start time for the message a second build prints.  Every child runs under
:mod:`kzcn.procs`: it ends when the build ends, ``kill -9`` included, and an
interrupted build ends the whole tree (papermill, kernels, workers) before it
returns.  User values (``--country``, ``--partner``, ``--only``, ``--out``) are
checked before anything is touched, every folder deleted is checked to be inside
the build root, and every failure is printed in the one format of
:mod:`kzcn.errors` (a traceback only with ``--debug``).
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import ctypes
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

import kzcn
from kzcn import config, errors, incremental, procs
from kzcn.fetch import sha256_of

#: Bump when a change to this module changes what an executed notebook contains
#: (this file is left out of the package hash so that tuning the pipeline does
#: not re-execute every notebook).
PIPELINE_CACHE_VERSION = 2

#: Bump when what the parse step's memo records (Build.parse_data) changes meaning.
PARSE_MEMO_VERSION = 1

#: The parameters the build may pass (ARCHITECTURE.md: every notebook declares them).
PARAMETER_NAMES = ("country", "partner", "start_year", "end_year")
DEFAULT_COUNTRY = "KAZ"

#: What the stage copies from the book source besides the notebooks.
BOOK_FILES = ("_config.yml", "_toc.yml", "references.bib", "references_beyond.bib")
BOOK_DIRS = ("book", "notebooks")

#: Tags papermill puts on cells it adds; they are not the author's cells.
PAPERMILL_TAGS = {"injected-parameters", "papermill-error-cell-tag"}

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class BuildError(RuntimeError):
    """The build failed; the message says where and why, the site is untouched.

    ``cause`` (a key of :data:`kzcn.errors.ADVICE`) and ``todo`` override what
    :func:`kzcn.errors.likely_cause` would infer; ``step`` is set by :meth:`Build.step`.
    """

    def __init__(self, message: str, cause: str | None = None, todo: str | None = None) -> None:
        super().__init__(message)
        self.cause = cause
        self.todo = todo
        self.step: str | None = None


class BuildInterrupted(BuildError):
    """SIGTERM or Ctrl-C arrived; the site is untouched."""

    def __init__(self, message: str) -> None:
        super().__init__(message, cause="interrupted")


# --------------------------------------------------------------------- hashing


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def notebook_content_hash(path: Path) -> str:
    """Hash of what the author wrote: cell types, sources and tags, no outputs.

    Execution counts, outputs and editor metadata change when a notebook is
    merely opened and run; they must not trigger a re-execution.
    """
    nb = nbformat.read(path, as_version=4)
    cells = [
        {
            "type": cell.cell_type,
            "source": cell.source,
            "tags": sorted(cell.get("metadata", {}).get("tags", [])),
        }
        for cell in nb.cells
    ]
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    return sha256_bytes(canonical_json({"kernel": kernel, "cells": cells}).encode())


def package_hash(package_dir: Path | None = None) -> str:
    """Hash of the ``kzcn`` source (every ``.py``, by relative path), minus this module."""
    package_dir = package_dir or Path(kzcn.__file__).resolve().parent
    digest = hashlib.sha256(f"pipeline-cache-v{PIPELINE_CACHE_VERSION}\n".encode())
    for path in sorted(package_dir.rglob("*.py")):
        if path.name == "pipeline.py" and path.parent == package_dir:
            continue
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package_dir).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    # The reviewed mapping tables beside the manifest steer the parsers like code
    # does, but no loader logs them as inputs.
    for path in sorted(config.DATA_DIR.glob("*.csv")):
        digest.update(b"data/" + path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_stamp(path: Path) -> list[int] | None:
    """What changes whenever a file's bytes may have: modification and change times (ns),
    size and inode of the file a path leads to (None: it cannot be read)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_mtime_ns, stat.st_ctime_ns, stat.st_size, stat.st_ino]


def read_input_log(path: Path) -> dict[str, str]:
    """``source_id -> sha256`` from a ``KZCN_INPUT_LOG`` file (sorted, last line wins)."""
    found: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            source_id, _, digest = line.partition("\t")
            if source_id.strip() and digest.strip():
                found[source_id.strip()] = digest.strip()
    return dict(sorted(found.items()))


def current_input_hashes(ids: Iterable[str]) -> dict[str, str | None]:
    """What each input would hash to if read now (None: it no longer exists).

    ``ledger:<file>`` is a file of the thesis ledger; any other id is a manifest
    entry, whose bytes the fetch step has verified against the manifest's sha256.
    """
    ids = list(ids)
    hashes: dict[str, str | None] = {}
    manifest = None
    for input_id in ids:
        if input_id.startswith("ledger:"):
            path = config.THESIS_DIR / input_id.split(":", 1)[1]
            hashes[input_id] = sha256_of(path) if path.is_file() else None
            continue
        if manifest is None:
            manifest = _load_manifest_sources()
        hashes[input_id] = manifest.get(input_id)
    return hashes


def _load_manifest_sources() -> dict[str, str]:
    if not manifest_path().is_file():
        return {}
    from kzcn import manifest

    return {source.id: source.sha256 for source in manifest.load_manifest(manifest_path())}


def manifest_path() -> Path:
    """The manifest in use, resolved as :func:`kzcn.manifest.load_manifest` resolves it."""
    return Path(os.environ.get("KZCN_MANIFEST") or config.MANIFEST_PATH).resolve()


# ----------------------------------------------------------------- the book


def toc_files(source_dir: Path) -> list[str]:
    """Every ``file:`` / ``root:`` of ``_toc.yml``, in reading order."""
    toc = yaml.safe_load((source_dir / "_toc.yml").read_text(encoding="utf-8")) or {}
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                if isinstance(value, list | dict):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


def book_notebooks(source_dir: Path) -> list[str]:
    """Notebooks of the book (paths relative to ``source_dir``, POSIX), in TOC order."""
    notebooks = []
    for entry in toc_files(source_dir):
        path = Path(entry)
        candidate = path if path.suffix == ".ipynb" else path.with_suffix(".ipynb")
        if (source_dir / candidate).is_file() and candidate.as_posix() not in notebooks:
            notebooks.append(candidate.as_posix())
    return notebooks


def declared_parameters(path: Path) -> dict[str, Any]:
    """Defaults of the standard parameters that the notebook's ``parameters`` cell declares."""
    import papermill

    try:
        declared = papermill.inspect_notebook(str(path))
    except ValueError:
        # papermill wants a kernel name to pick its parser; these are Python notebooks.
        nb = nbformat.read(path, as_version=4)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / path.name
            nbformat.write(nb, copy)
            declared = papermill.inspect_notebook(str(copy))
    defaults: dict[str, Any] = {}
    for name in PARAMETER_NAMES:
        if name in declared:
            try:
                defaults[name] = ast.literal_eval(declared[name]["default"])
            except (ValueError, SyntaxError):
                defaults[name] = None  # declared, but not a literal: pass only explicit values
    return defaults


class DeclaredParametersMemo:
    """:func:`declared_parameters` of each notebook, kept in the build root by the hash of its
    code cells (:func:`kzcn.incremental.code_hash`, which covers the ``parameters`` cell and
    the kernel) and papermill's version.

    Asking papermill imports it (with nbclient and jupyter_client, about half a second), on
    every build, although an edit of the prose changes no parameter.  Entries of notebooks
    no longer in the book, or of older code, are dropped when the memo is saved.
    """

    def __init__(self, path: Path) -> None:
        from importlib.metadata import PackageNotFoundError, version

        self.path = path
        try:
            self.papermill = version("papermill")
        except PackageNotFoundError:
            self.papermill = None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        valid = isinstance(stored, dict) and stored.get("papermill") == self.papermill
        self.entries: dict[str, dict[str, Any]] = dict(stored.get("declared") or {}) if valid else {}
        self.used: dict[str, dict[str, Any]] = {}

    def get(self, notebook: Path, code_key: str) -> dict[str, Any]:
        declared = self.entries.get(code_key)
        if not isinstance(declared, dict):
            declared = declared_parameters(notebook)
            try:
                kept = json.loads(json.dumps(declared)) == declared
            except (TypeError, ValueError):
                kept = False
            if not kept:
                return declared  # a default JSON would not give back as it is: not memoised
        self.used[code_key] = declared
        return dict(declared)

    def save(self) -> None:
        """Keep the entries this build used (only when they differ from those kept)."""
        if self.used == self.entries:
            return
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        document = {"papermill": self.papermill, "declared": self.used}
        tmp.write_text(json.dumps(document, sort_keys=True, indent=1) + "\n", encoding="utf-8")
        tmp.replace(self.path)


def effective_parameters(declared: Mapping[str, Any], requested: Mapping[str, Any]) -> dict[str, Any]:
    """The values passed to papermill: requested ones the notebook declares, else its defaults.

    Passing the defaults too makes papermill inject a parameters cell into every
    notebook, so each page shows the values it ran with.
    """
    values = {}
    for name in PARAMETER_NAMES:
        if name not in declared:
            continue
        value = requested.get(name)
        value = declared[name] if value is None else value
        if value is not None:
            values[name] = value
    return values


def git_commit(source_dir: Path) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=source_dir, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


# ---------------------------------------------------------------- processes


class Children:
    """Child process groups of this build, so SIGTERM can end them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._procs: set[subprocess.Popen] = set()
        self.stopping = False

    def start(self, cmd: list[str], **kwargs) -> subprocess.Popen:
        """Start ``cmd`` guarded (:func:`kzcn.procs.guarded`): it and what it starts end when this
        build ends."""
        with self._lock:
            if self.stopping:
                raise BuildInterrupted("build interrupted")
            proc = subprocess.Popen(procs.guarded(cmd), start_new_session=True, **kwargs)
            self._procs.add(proc)
        return proc

    def stop(self, proc: subprocess.Popen) -> None:
        """End a child started with :meth:`start` (and everything below it)."""
        try:
            _kill_group(proc)
        finally:
            with self._lock:
                self._procs.discard(proc)

    def run(self, cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
        return self.finish(self.start(cmd, **kwargs), cmd)

    def finish(
        self, proc: subprocess.Popen, cmd: list[str], input: str | None = None
    ) -> subprocess.CompletedProcess:
        """Wait for a child started with :meth:`start` (after sending it ``input``)."""
        try:
            stdout, stderr = proc.communicate(input)
        except BaseException:
            # interrupted (SIGTERM handler, Ctrl-C): end the child before letting go of it
            _kill_group(proc)
            raise
        finally:
            with self._lock:
                self._procs.discard(proc)
        if self.stopping:
            raise BuildInterrupted("build interrupted")
        return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)

    def terminate_all(self) -> None:
        with self._lock:
            self.stopping = True
            procs = list(self._procs)
        for proc in procs:
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """End the child and everything below it (papermill, its kernel), SIGKILL if it lingers."""
    procs.kill_tree(proc.pid, grace)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:  # pragma: no cover - kill_tree has killed it
        proc.kill()
        proc.wait()


# ---------------------------------------------------------------- the lock


class BuildLock:
    """``<root>/.lock``, held by this process alone; ``.lock.owner`` says who holds it.

    The operating system releases the lock when its holder dies, however it dies,
    so a lock can only be held by a live process.  A second build is refused
    with the holder's PID and start time; if the recorded owner has exited while
    the lock is still held, the message names the processes that keep it.
    """

    def __init__(self, root: Path) -> None:
        from filelock import FileLock

        self.path = root / ".lock"
        self.owner_path = root / ".lock.owner"
        self._lock = FileLock(str(self.path), timeout=0)
        self.previous: dict[str, Any] | None = None

    def read_owner(self) -> dict[str, Any]:
        try:
            return json.loads(self.owner_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def acquire(self) -> None:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise BuildError(self._held_message(), cause="another build") from None
        owner = self.read_owner()
        if owner and owner.get("pid") != os.getpid():
            self.previous = owner  # a build that ended without releasing (killed)
        me = psutil_process()
        record = {
            "pid": os.getpid(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(me.create_time())),
            "create_time": me.create_time(),
            "command": " ".join(sys.argv),
        }
        self.owner_path.write_text(json.dumps(record) + "\n", encoding="utf-8")

    def release(self) -> None:
        self.owner_path.unlink(missing_ok=True)
        self._lock.release()

    def __enter__(self) -> BuildLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _held_message(self) -> str:
        owner = self.read_owner()
        root = self.path.parent
        if not owner:
            return f"another build is running in {root} (it holds {self.path})"
        who = f"PID {owner.get('pid')}, started {owner.get('started')}"
        if owner_alive(owner):
            return f"another build is running in {root}: {who} ({owner.get('command', '?')})"
        holders = lock_holders(self.path)
        listed = ", ".join(f"PID {pid} ({cmd})" for pid, cmd in holders) or "unknown processes"
        return (
            f"the build lock {self.path} is stale: its owner ({who}) has exited, "
            f"but {listed} still hold(s) it; stop them, then build again"
        )


def psutil_process(pid: int | None = None):
    import psutil

    return psutil.Process(pid or os.getpid())


def owner_alive(owner: Mapping[str, Any]) -> bool:
    import psutil

    try:
        return abs(psutil_process(int(owner["pid"])).create_time() - float(owner["create_time"])) < 1e-3
    except (KeyError, TypeError, ValueError, psutil.Error):
        return False


def lock_holders(path: Path) -> list[tuple[int, str]]:
    """Processes that have ``path`` open (only asked when a lock is held by a dead owner)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if any(Path(f.path) == path for f in proc.open_files()):
                found.append((proc.pid, " ".join(proc.info["cmdline"] or [])[:80]))
        except psutil.Error:
            continue
    return found


#: The likely cause of a BuildError raised by a step that did not name one.
STEP_CAUSES = {"plan": "invalid option", "execute": "notebook", "stage": "notebook", "render": "book source"}

# ----------------------------------------------------------- build folders

#: What a build root holds (anything else means --out names a folder that is not a build folder).
BUILD_ENTRIES = {
    "cache",
    "run",
    "stage",
    "render",
    "html",
    "variants",
    "figures",
    "state.json",
    "last-build.json",
    ".lock",
    ".lock.owner",
    ".kzcn-build",
}


def check_build_folder(folder: Path) -> None:
    """Refuse a folder that holds other things than a build (``--out ~`` must never be emptied)."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise BuildError(f"--out {folder} is a file, not a folder", cause="invalid option")
    entries = {path.name for path in folder.iterdir()}
    foreign = sorted(name for name in entries if name not in BUILD_ENTRIES and not name.startswith("html."))
    if foreign and ".kzcn-build" not in entries:
        raise BuildError(
            f"--out {folder} already holds files that are not a build of this book "
            f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}); "
            "the build deletes and replaces folders there, so it refuses",
            cause="invalid option",
            todo="choose an empty or new folder for --out (or KZCN_BUILD_DIR), or the previous build folder",
        )


# ------------------------------------------------------------- file helpers


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write only when the bytes differ, so Sphinx's incremental build sees real changes only."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def sync_tree(files: Mapping[str, bytes], target: Path) -> None:
    """Make ``target`` hold exactly ``files`` (relative POSIX path -> bytes)."""
    target.mkdir(parents=True, exist_ok=True)
    for rel, data in files.items():
        write_if_changed(target / rel, data)
    for path in sorted(target.rglob("*"), reverse=True):
        rel = path.relative_to(target).as_posix()
        if path.is_file() or path.is_symlink():
            if rel not in files:
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def tree_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0" + sha256_bytes(files[rel]).encode() + b"\n")
    return digest.hexdigest()


_RENAME_EXCHANGE = 2


def swap_directories(new: Path, current: Path) -> None:
    """Put ``new`` at ``current`` atomically; the old tree ends up at ``new``.

    Linux's ``renameat2(RENAME_EXCHANGE)`` swaps two directories in one step, so
    a reader never sees a missing or half-written site.  Elsewhere, two renames.
    """
    if current.exists() and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            at_fdcwd = -100
            rc = libc.renameat2(at_fdcwd, os.fsencode(new), at_fdcwd, os.fsencode(current), _RENAME_EXCHANGE)
            if rc == 0:
                return
        except (AttributeError, OSError):
            pass
    if current.exists():
        backup = current.with_name(current.name + f".old-{os.getpid()}")
        os.rename(current, backup)
        os.rename(new, current)
        os.rename(backup, new)
    else:
        os.rename(new, current)


# ------------------------------------------------------------------ planning


#: ``python -m papermill``, without pyarrow: papermill imports it (and numpy) only for
#: hdfs:// paths, which the book never uses, and it is 40 MB of every papermill
#: process (two run at a time, beside their kernels); the notebooks' kernels still
#: import what they need.


#: What a build sets for one notebook only: a kernel server shared by all must not carry it.
NOTEBOOK_ONLY_ENV = (
    "KZCN_EVENT_LOG",
    "KZCN_FIGURES_DIR",
    "KZCN_INPUT_LOG",
    "KZCN_NOTEBOOK",
    "KZCN_PARAMETERS",
)


def kernel_environment() -> dict[str, str]:
    """What every notebook kernel of a build runs with (the kernel server too)."""
    return {
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        # the kernel must import this very kzcn, also when it is not installed
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(Path(kzcn.__file__).resolve().parent.parent), os.environ.get("PYTHONPATH")) if p
        ),
    }


@dataclass
class KernelServer:
    """The running :mod:`kzcn.kernels` server of a build."""

    socket: str
    spec_dir: Path
    proc: subprocess.Popen | None = None
    ready: bool = False

    def wait_ready(self, log: Callable[[str], None], timeout: float = 120.0) -> None:
        """Wait for the server's "ready" line (its imports done); without it, kernels start as usual."""
        started = time.perf_counter()
        line = [""]
        reader = threading.Thread(
            target=lambda: line.__setitem__(0, self.proc.stdout.readline()), daemon=True
        )
        reader.start()
        reader.join(timeout)
        self.ready = line[0].strip() == "ready"
        if self.ready:
            log(
                f"[build]   kernel server ready in {time.perf_counter() - started:.1f} s (kernels are forked)"
            )
        else:
            log("[build]   kernel server not ready: notebooks start standard kernels")

    def env(self) -> dict[str, str]:
        """What a papermill process needs to get its kernel from the server."""
        from kzcn import kernels

        path = os.pathsep.join(filter(None, [str(self.spec_dir), os.environ.get("JUPYTER_PATH")]))
        return {kernels.SERVER_ENV: self.socket, "JUPYTER_PATH": path}


@dataclass
class NotebookJob:
    """One notebook of the book and what the build decided to do with it."""

    rel: str  # path relative to the book source, e.g. notebooks/ch3_trade.ipynb
    parameters: dict[str, Any]
    key: dict[str, Any]  # content hash, parameters, package hash
    action: str = "execute"  # "execute" | "cached" | "source" (not executed, --only)
    reason: str = ""
    seconds: float = 0.0
    inputs: dict[str, str] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.rel.replace("/", "__").removesuffix(".ipynb")


class Build:
    """One build of the book source ``source_dir`` into ``root``."""

    def __init__(
        self,
        source_dir: Path,
        root: Path,
        requested: Mapping[str, Any],
        jobs: int = 2,
        only: Iterable[str] | None = None,
        fetch: bool = True,
        variant: str | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        self.source_dir = Path(source_dir).resolve()
        self.root = Path(root).resolve()
        self.requested = dict(requested)
        self.jobs = max(1, jobs)
        self.only = {self._normalise(name) for name in only} if only else None
        self.fetch = fetch
        self.variant = variant
        self.log = log
        self.children = Children()
        self.timings: list[tuple[str, float]] = []
        self.jobs_done: list[NotebookJob] = []
        self.commit = git_commit(self.source_dir)
        #: what papermill needs to get its kernel from the kernel server (empty: standard kernels)
        self.kernel_env: dict[str, str] = {}
        #: Jupyter Book started while the last notebooks run, waiting to render (see render_command)
        self.warm_render: subprocess.Popen | None = None
        #: the thread importing the publish step's modules while Jupyter Book renders
        self.prefetch: threading.Thread | None = None

    # paths
    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def stage_dir(self) -> Path:
        return self.root / "stage"

    @property
    def render_dir(self) -> Path:
        return self.root / "render"

    @property
    def html_dir(self) -> Path:
        return self.root / "html"

    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    def _normalise(self, name: str) -> str:
        """``--only`` value -> notebook path relative to the book (POSIX).

        Accepted: a path relative to the book (``notebooks/x.ipynb``), a bare
        name (``x``), or a path, relative to the current folder or absolute, that
        is inside the book; anything else is refused before the build starts.
        """
        path = Path(name)
        if path.suffix != ".ipynb":
            path = path.with_suffix(".ipynb")
        if path.is_absolute() or (not (self.source_dir / path).exists() and (Path.cwd() / path).exists()):
            resolved = (Path.cwd() / path).resolve()
            if not resolved.is_relative_to(self.source_dir):
                raise BuildError(
                    f"--only {name}: not a notebook inside the book folder {self.source_dir}",
                    cause="invalid option",
                )
            path = resolved.relative_to(self.source_dir)
        elif ".." in path.parts:
            raise BuildError(f"--only {name}: '..' leaves the book folder", cause="invalid option")
        if len(path.parts) == 1:
            path = Path("notebooks") / path
        return path.as_posix()

    def _remove(self, path: Path) -> None:
        """Delete a folder of this build root (never the root itself, never anything outside it)."""
        resolved = Path(os.path.abspath(path))
        if resolved == self.root or not resolved.is_relative_to(self.root):
            raise BuildError(f"refusing to delete {path}: not inside the build folder {self.root}")
        shutil.rmtree(resolved, ignore_errors=True)

    # steps
    def step(self, name: str, func: Callable[[], Any]) -> Any:
        self.log(f"[build] {name} ...")
        started = time.perf_counter()
        try:
            return func()
        except BuildError as exc:
            exc.step = exc.step or name
            exc.cause = exc.cause or STEP_CAUSES.get(name)
            raise
        except Exception as exc:
            raise step_failure(name, exc) from exc
        finally:
            elapsed = time.perf_counter() - started
            self.timings.append((name, elapsed))
            self.log(f"[build] {name} done in {elapsed:.1f} s")

    def run(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        with BuildLock(self.root) as lock:
            if lock.previous:
                self.log(
                    f"[build] the previous build (PID {lock.previous.get('pid')}, started "
                    f"{lock.previous.get('started')}) did not finish; removing what it left"
                )
            (self.root / ".kzcn-build").touch()
            self._remove(self.run_dir)  # leftovers of an interrupted build
            for stale in self.root.glob("html.new-*"):
                self._remove(stale)
            self.check_sources()
            if self.fetch:
                self.step("fetch", self.fetch_data)
                self.step("parse", self.parse_data)
            jobs = self.step("plan", self.plan)
            try:
                self.step("execute", lambda: self.execute(jobs))
                files = self.step("stage", lambda: self.assemble_stage(jobs))
                fingerprint = self.site_fingerprint(files)
                if self._read_state().get("published") == fingerprint and self.html_dir.is_dir():
                    self.log(
                        "[build] render, publish: skipped (the published site was built from the same stage)"
                    )
                else:
                    self.prefetch_publish()
                    built = self.step("render", self.render)
                    self.step("publish", lambda: self.publish(built, fingerprint))
            finally:
                self.drop_warm_render()
            self._remove(self.run_dir)
            self._write_report(jobs)
        return self.html_dir

    def check_sources(self) -> None:
        """Read ``_toc.yml`` and every notebook of the book once, so a broken file is named up front."""
        toc = self.source_dir / "_toc.yml"
        try:
            notebooks = book_notebooks(self.source_dir)
        except (OSError, yaml.YAMLError) as exc:
            raise BuildError(f"{toc} cannot be read: {exc}", cause="book source") from exc
        for rel in notebooks:
            try:
                nbformat.read(self.source_dir / rel, as_version=4)
            except Exception as exc:  # noqa: BLE001 - any reason a notebook cannot be read
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise BuildError(
                    f"notebook {rel} cannot be read: {type(exc).__name__}: {first[:200]}",
                    cause="notebook file",
                ) from exc

    def fetch_data(self) -> None:
        try:
            from kzcn import fetch
        except ImportError:
            self.log("[build]   kzcn.fetch not available yet: skipping the download")
            return
        notes: list[str] = []

        def note(message: str) -> None:
            notes.append(message)
            self.log(f"[build]   {message}")

        paths = fetch.fetch(progressbar=False, log=note)
        repaired = sum("sha256 mismatch" in line for line in notes)
        extra = f" ({repaired} downloaded again after a sha256 mismatch)" if repaired else ""
        self.log(f"[build]   {len(paths)} raw files present and verified{extra}")

    @property
    def parse_memo_path(self) -> Path:
        return self.root / "parse-memo.json"

    def _parse_memo_key(self) -> str:
        """What the provenance check of every cache file depends on besides the file itself:
        the manifest's bytes (ids, sha256s, parsers), the code (parser versions, cache format
        and file names live in kzcn), and which processed folder is in use."""
        path = manifest_path()
        return sha256_bytes(
            canonical_json(
                {
                    "memo": PARSE_MEMO_VERSION,
                    "manifest": str(path),
                    "manifest_sha256": sha256_of(path) if path.is_file() else None,
                    "package": package_hash(),
                    "processed": str(config.processed_dir().resolve()),
                }
            ).encode()
        )

    def _parse_memo_holds(self, key: str) -> int | None:
        """How many cache files the memo vouches for, if every one is as it was when it was
        last checked (same key, same stat); None if anything differs."""
        try:
            memo = json.loads(self.parse_memo_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(memo, dict) or memo.get("key") != key or not isinstance(memo.get("files"), dict):
            return None
        for name, stamp in memo["files"].items():
            if file_stamp(Path(name)) != stamp:
                return None
        return len(memo["files"])

    def parse_data(self) -> None:
        """Fill the processed cache before notebooks run two at a time and race to write it.

        Checking every file's footer costs half a second and imports pandas and pyarrow; a
        memo in the build root (:attr:`parse_memo_path`) records each cache file's stat as it
        was when it passed the check (or was just written), so a build after which nothing in
        the manifest, the code or the processed folder changed skips the check.  The stat
        includes the change time, which every write, rename or replacement moves and no
        program can set back, so any change of a file is caught and checked again.
        """
        key = self._parse_memo_key()
        unchanged = self._parse_memo_holds(key)
        if unchanged is not None:
            self.log(
                f"[build]   {unchanged} sources validated (cache files unchanged since they were last checked)"
            )
            return
        self.parse_memo_path.unlink(missing_ok=True)
        try:
            from kzcn import manifest, store
        except ImportError:
            self.log("[build]   kzcn.store not available yet: skipping")
            return
        # The pipeline's own reads are nobody's inputs.
        os.environ.pop("KZCN_INPUT_LOG", None)
        sources = list(manifest.load_manifest(manifest_path()))
        # Only a missing or unusable cache file costs a parse; a file's provenance is
        # checked here (its footer only: reading every table back would make a
        # no-change rebuild pay for the whole data set); store.load checks content.
        missing = []
        # each file's stat as it was before its check: a change during the check moves it
        checked: dict[str, list[int] | None] = {}
        for source in sources:
            path = store.cache_file(source)
            if not path.exists():
                missing.append(source.id)
                continue
            checked[str(path)] = file_stamp(path)
            problem = store.check_provenance(source, path)
            if problem:
                self.log(f"[build]   {path}: {problem}; parsing {source.id} again from the verified raw file")
                path.unlink(missing_ok=True)
                checked.pop(str(path))
                missing.append(source.id)
        if missing:
            from kzcn.parsers import ParseError
            from kzcn.schemas import DataValidationError

            try:
                store.parse_all(missing)
            except (ParseError, DataValidationError) as error:
                raise BuildError(f"raw data did not parse: {error}") from error
        self.log(f"[build]   {len(sources)} sources validated ({len(missing)} parsed now, the rest cached)")
        # files parsed now were written by this build, after the stamps above
        files = {
            str(path): checked.get(str(path)) or file_stamp(path) for path in map(store.cache_file, sources)
        }
        if None not in files.values():
            tmp = self.parse_memo_path.with_name(f".{self.parse_memo_path.name}.tmp")
            tmp.write_text(json.dumps({"key": key, "files": files}, sort_keys=True) + "\n", encoding="utf-8")
            tmp.replace(self.parse_memo_path)

    def plan(self) -> list[NotebookJob]:
        notebooks = book_notebooks(self.source_dir)
        code = package_hash()
        declared_memo = DeclaredParametersMemo(self.root / "plan-memo.json")
        jobs = []
        for rel in notebooks:
            path = self.source_dir / rel
            code_key = incremental.code_hash(path)  # what executes (kzcn.incremental)
            declared = declared_memo.get(path, code_key)
            if self.variant and not ("country" in declared and is_variant_notebook(path)):
                continue  # cannot be pointed at another country, or opted out
            params = effective_parameters(declared, self.requested)
            key = {"content": notebook_content_hash(path), "parameters": params, "package": code}
            key["code"] = code_key
            job = NotebookJob(rel=rel, parameters=params, key=key)
            job.action, job.reason = self._decide(job)
            jobs.append(job)
            self.log(f"[build]   {rel}: {job.action} ({job.reason})")
        declared_memo.save()
        if self.only:
            unknown = self.only - {job.rel for job in jobs}
            if unknown:
                raise BuildError(f"--only names notebooks that are not in the book: {sorted(unknown)}")
        return jobs

    def _cached_state(self, job: NotebookJob) -> dict[str, Any] | None:
        state_path = self.cache_dir / job.slug / "state.json"
        if not (state_path.is_file() and (self.cache_dir / job.slug / "executed.ipynb").is_file()):
            return None
        try:
            return json.loads(state_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            return None

    def _decide(self, job: NotebookJob) -> tuple[str, str]:
        state = self._cached_state(job)
        if self.only is not None and job.rel not in self.only:
            return ("cached", "kept by --only") if state else ("source", "not executed (--only)")
        if state is None:
            return "execute", "no cached run"
        changed = [
            name for name in ("code", "parameters", "package") if state["key"].get(name) != job.key.get(name)
        ]
        if changed:
            return "execute", " and ".join(changed) + " changed"
        now = current_input_hashes(state["inputs"])
        moved = sorted(i for i, digest in state["inputs"].items() if now.get(i) != digest)
        if moved:
            return "execute", "input changed: " + ", ".join(moved)
        if state["key"].get("content") != job.key["content"]:
            # Only Markdown (or raw) cells changed: merge the prose, run nothing.
            if not self._merge_prose(job, state):
                return "execute", "content changed"
            job.inputs = state["inputs"]
            return "cached", "prose changed: merged into the cached run"
        job.inputs = state["inputs"]
        return "cached", "unchanged"

    def _merge_prose(self, job: NotebookJob, state: dict[str, Any]) -> bool:
        """Put the source's Markdown into the cached executed copy; record the new content hash."""
        cached = self.cache_dir / job.slug
        if not incremental.write_merged(self.source_dir / job.rel, cached / "executed.ipynb"):
            return False
        state = {**state, "key": job.key}
        write_if_changed(cached / "state.json", (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())
        return True

    # execution
    def execute(self, jobs: list[NotebookJob]) -> None:
        todo = [job for job in jobs if job.action == "execute"]
        if not todo:
            self.log("[build]   nothing to execute")
            return
        server = self.start_kernel_server(todo)
        try:
            self._execute(todo, server)
        finally:
            if server is not None:
                self.children.stop(server.proc)
                shutil.rmtree(Path(server.socket).parent, ignore_errors=True)

    def _execute(self, todo: list[NotebookJob], server: KernelServer | None) -> None:
        if self.jobs > 1 and sum(self._reads_verdicts(job) for job in todo) > 1:
            self.warm_verdicts()
        if server is not None:
            server.wait_ready(self.log)
        self.kernel_env = server.env() if server is not None and server.ready else {}
        todo = self.longest_first(todo)
        failures: list[str] = []
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs)
        try:
            futures = {pool.submit(self.execute_one, job): job for job in todo}
            done = 0
            for future in concurrent.futures.as_completed(futures):
                done += 1
                if len(todo) - done < self.jobs and not failures:
                    self.start_warm_render()  # a core is free: no notebook waits for it
                job = futures[future]
                try:
                    future.result()
                    self.log(f"[build]   executed {job.rel} in {job.seconds:.1f} s")
                except BuildInterrupted:
                    raise
                except BuildError as exc:
                    failures.append(str(exc))
                    self.log(f"[build]   FAILED {job.rel}")
        except BaseException:
            # Stop the running notebooks first: the pool would otherwise wait for them.
            self.children.terminate_all()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        if failures:
            raise BuildError("\n\n".join(failures))

    def start_kernel_server(self, todo: list[NotebookJob]) -> KernelServer | None:
        """Start the server that forks the notebooks' kernels (:mod:`kzcn.kernels`), if the
        platform allows it: it imports what the notebooks import while the build goes on."""
        from kzcn import kernels

        if len(todo) < 2 or not kernels.available():
            return None  # one notebook: its kernel starts as fast on its own
        sources = []
        for job in todo:
            notebook = nbformat.read(self.source_dir / job.rel, as_version=4)
            sources += [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        self.run_dir.mkdir(parents=True, exist_ok=True)
        server = KernelServer(
            socket=kernels.socket_path(),
            spec_dir=kernels.kernel_spec_dir(self.run_dir / "jupyter"),
        )
        env = {key: value for key, value in os.environ.items() if key not in NOTEBOOK_ONLY_ENV}
        env.update(kernel_environment())
        log = open(self.run_dir / "kernel-server.log", "w", encoding="utf-8")  # noqa: SIM115 - kept by the child
        try:
            server.proc = self.children.start(
                [
                    sys.executable,
                    "-m",
                    "kzcn.kernels",
                    "serve",
                    server.socket,
                    *kernels.imported_modules(sources),
                ],
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        finally:
            log.close()
        return server

    def longest_first(self, todo: list[NotebookJob]) -> list[NotebookJob]:
        """The notebooks in the order they start: the longest first, so that the build does not
        end with one long notebook running alone while the other core waits.

        The length is the last run's time when the cache has one for every notebook, else the
        length of the notebook's code (a clean build).  A wrong guess costs time only.
        """
        seconds = {job.rel: (self._cached_state(job) or {}).get("seconds") for job in todo}
        if all(isinstance(value, int | float) for value in seconds.values()):
            return sorted(todo, key=lambda job: -seconds[job.rel])

        def code_length(job: NotebookJob) -> int:
            notebook = nbformat.read(self.source_dir / job.rel, as_version=4)
            return sum(len(cell.source) for cell in notebook.cells if cell.cell_type == "code")

        return sorted(todo, key=lambda job: -code_length(job))

    def _reads_verdicts(self, job: NotebookJob) -> bool:
        """Whether the notebook reads the verdict table: its last run read the thesis ledger, or
        (never run) its code names a module that reads the table.  A wrong guess costs time only."""
        state = self._cached_state(job)
        if state is not None:
            return any(str(name).startswith("ledger:") for name in state.get("inputs", {}))
        notebook = nbformat.read(self.source_dir / job.rel, as_version=4)
        code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
        return re.search(r"\b(?:verdicts|narrative|chapters|audit|compare)\b", code) is not None

    def warm_verdicts(self) -> None:
        """Compute the verdict table once, in a child process, before notebooks run two at a time.

        Every chapter reads :func:`kzcn.verdicts.table`, computed once per input
        state and cached.  Two kernels starting together on a stale cache would
        both compute it (twice the time, and the two largest kernels of the build
        at once); this child fills the cache alone, and exits, so that neither
        the kernels nor this process hold its memory.  A failure here is only
        logged: the notebook that needs the table reports it as usual.  When the cache
        already holds the table for the current inputs, there is nothing to do.
        """
        started = time.perf_counter()
        try:
            from kzcn import verdicts

            if verdicts.cache_file(verdicts.cache_key()).is_file():
                self.log("[build]   verdict table already computed for these inputs")
                return
        except Exception:  # noqa: BLE001, S110 - the child below computes it, or says why not
            pass
        env = {
            key: value for key, value in os.environ.items() if key not in ("KZCN_INPUT_LOG", "KZCN_EVENT_LOG")
        }
        env.update(kernel_environment())  # as the notebooks that read the table run
        cmd = [sys.executable, "-c", "from kzcn import verdicts; verdicts.table()"]
        result = self.children.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            self.log(
                f"[build]   verdict table not computed ahead ({seconds:.1f} s): {tail(result.stderr, 1)}"
            )
        else:
            self.log(
                f"[build]   verdict table ready in {seconds:.1f} s (computed or read once for all notebooks)"
            )

    def execute_one(self, job: NotebookJob) -> None:
        started = time.perf_counter()
        run = self.run_dir / job.slug
        shutil.rmtree(run, ignore_errors=True)
        # The run tree mirrors the stage (notebooks/x.ipynb beside figures/), so the
        # relative figure paths the notebook writes into its output stay valid there.
        executed = run / job.rel
        executed.parent.mkdir(parents=True)
        figures_out = run / "figures"
        figures_out.mkdir()
        input_log = run / "inputs.log"
        input_log.touch()
        params_file = run / "parameters.json"
        params_file.write_text(canonical_json(job.parameters), encoding="utf-8")
        events = run / "events.log"
        env = dict(os.environ)
        env.update(
            KZCN_EVENT_LOG=str(events),
            KZCN_FIGURES_DIR=str(figures_out),
            KZCN_INPUT_LOG=str(input_log),
            KZCN_NOTEBOOK=job.rel,
            KZCN_GIT_COMMIT=self.commit,
            KZCN_PARAMETERS=canonical_json(job.parameters),
            **kernel_environment(),
            **self.kernel_env,
        )
        cmd = [
            *procs.papermill_command(),
            str(self.source_dir / job.rel),
            str(executed),
            "--parameters_file",
            str(params_file),
            "--cwd",
            str(executed.parent),
            "--kernel",
            "python3",
            "--no-progress-bar",
            # papermill would otherwise write the whole notebook twice per cell (as it starts and
            # as it ends); it still writes it at the end, with the failing cell marked on error
            "--no-request-save-on-cell-execute",
            "--log-level",
            "WARNING",
        ]
        result = self.children.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        job.seconds = time.perf_counter() - started
        if events.is_file():
            for line in events.read_text(encoding="utf-8").splitlines():
                self.log(f"[build]   {job.rel}: {line}")
        if result.returncode != 0:
            raise BuildError(failure_message(job.rel, executed, result.stderr))
        show_only_injected_parameters(executed)
        job.inputs = read_input_log(input_log)
        self._store_in_cache(job, executed, figures_out)

    def _store_in_cache(self, job: NotebookJob, executed: Path, figures_out: Path) -> None:
        target = self.cache_dir / job.slug
        fresh = self.cache_dir / f".{job.slug}.new"
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        shutil.copyfile(executed, fresh / "executed.ipynb")
        shutil.copytree(figures_out, fresh / "figures")
        state = {"notebook": job.rel, "key": job.key, "inputs": job.inputs, "seconds": round(job.seconds, 2)}
        (fresh / "state.json").write_text(
            json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        # state.json last, inside a folder renamed into place: a half-written cache
        # entry never exists under the real name.
        old = self.cache_dir / f".{job.slug}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.rename(target, old)
        os.rename(fresh, target)
        shutil.rmtree(old, ignore_errors=True)

    # stage
    def assemble_stage(self, jobs: list[NotebookJob]) -> dict[str, bytes]:
        """The stage's files: book source, executed notebooks, every notebook's figures."""
        files: dict[str, bytes] = {}
        for name in BOOK_FILES:
            if (self.source_dir / name).is_file():
                files[name] = (self.source_dir / name).read_bytes()
        for folder in BOOK_DIRS:
            base = self.source_dir / folder
            for path in sorted(base.rglob("*")) if base.is_dir() else []:
                rel = path.relative_to(self.source_dir).as_posix()
                if (
                    path.is_file()
                    and ".ipynb_checkpoints" not in path.parts
                    and "__pycache__" not in path.parts
                ):
                    if path.suffix != ".ipynb":
                        files[rel] = path.read_bytes()
        # pages the TOC names outside those folders (e.g. a root index.md)
        for entry in toc_files(self.source_dir):
            for suffix in ("", ".md", ".rst"):
                path = self.source_dir / (entry + suffix)
                if path.is_file() and path.suffix in {".md", ".rst"}:
                    files[path.relative_to(self.source_dir).as_posix()] = path.read_bytes()
                    break
        figure_owner: dict[str, str] = {}
        for job in jobs:
            if job.action == "source":
                files[job.rel] = (self.source_dir / job.rel).read_bytes()
                continue
            cached = self.cache_dir / job.slug
            files[job.rel] = (cached / "executed.ipynb").read_bytes()
            for figure in sorted((cached / "figures").rglob("*")):
                if figure.is_file():
                    rel = "figures/" + figure.relative_to(cached / "figures").as_posix()
                    if rel in figure_owner:
                        raise BuildError(f"{rel} is written by both {figure_owner[rel]} and {job.rel}")
                    figure_owner[rel] = job.rel
                    files[rel] = figure.read_bytes()
        if self.variant:
            # A variant built with --only (the fast path) shows only what it executed
            # now or before: an unexecuted chapter would render with its glued numbers
            # missing, and Sphinx's warnings about them fail the build.
            built = {job.rel for job in jobs if job.action != "source"}
            files["_toc.yml"] = variant_toc(self.source_dir, built)
            files["_config.yml"] = variant_config(files["_config.yml"], self.variant)
        sync_tree(files, self.stage_dir)
        self.jobs_done = jobs
        return files

    # render + publish
    def site_fingerprint(self, files: Mapping[str, bytes]) -> str:
        """What the published site is made from: the stage, plus what :func:`kzcn.publish.finalize`
        reads besides it (the package, the ledger, the manifest), so that e.g. claims.json
        follows a ledger edit that no notebook reads."""
        digest = hashlib.sha256(tree_hash(files).encode())
        digest.update(package_hash().encode())
        for path in sorted(config.THESIS_DIR.rglob("*")) if config.THESIS_DIR.is_dir() else []:
            if path.is_file():
                digest.update(path.name.encode() + b"\0" + sha256_of(path).encode())
        if manifest_path().is_file():
            digest.update(sha256_of(manifest_path()).encode())
        digest.update(canonical_json(self.requested).encode())
        return digest.hexdigest()

    def render_command(self, warm: bool = False) -> list[str]:
        return [
            *jupyter_book_command(warm=warm),
            "build",
            str(self.stage_dir),
            "--path-output",
            str(self.render_dir),
            "-W",
            "-n",
            "--keep-going",
        ]

    def start_warm_render(self) -> None:
        """Start Jupyter Book now, to import its libraries (2 s of CPU) while the last notebooks
        run on the other core; it reads nothing of the stage before :meth:`render` says go."""
        if self.warm_render is None:
            self.warm_render = self.children.start(
                self.render_command(warm=True),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )

    def drop_warm_render(self) -> None:
        """End a warm Jupyter Book that will not render (no change to render, or a failure)."""
        warm, self.warm_render = self.warm_render, None
        if warm is not None:
            with contextlib.suppress(OSError, ValueError):
                warm.stdin.close()  # it reads no "go" and exits
            self.children.stop(warm)

    def render(self) -> Path:
        """``jupyter-book build`` of the stage; Sphinx's state is kept in render/ for the next build."""
        warm, self.warm_render = self.warm_render, None
        try:
            if warm is not None and warm.poll() is None:
                result = self.children.finish(warm, self.render_command(warm=True), input="go\n")
            else:
                if warm is not None:
                    self.children.stop(warm)
                result = self.children.run(
                    self.render_command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
                )
        except BuildInterrupted:
            shutil.rmtree(self.render_dir, ignore_errors=True)
            raise
        if result.returncode != 0:
            # A failed Sphinx run may leave a half-updated environment: start clean next time.
            shutil.rmtree(self.render_dir, ignore_errors=True)
            raise BuildError("jupyter-book build failed:\n" + sphinx_problems(result.stdout))
        self.log(f"[build]   sphinx: {sphinx_reread(result.stdout)}")
        return self.render_dir / "_build" / "html"

    def prefetch_publish(self) -> None:
        """Import what the publish step needs (kzcn.publish, with matplotlib and pandas behind
        kzcn.figures and kzcn.verdicts: most of a second) in a thread while Jupyter Book renders
        in its own process: this process only waits meanwhile, and the machine has a core free.
        The publish step's own imports then find the modules loaded, or wait for them; an
        import that fails here fails there again, with its message."""

        def load() -> None:
            with contextlib.suppress(Exception):
                import kzcn.publish  # noqa: F401 - imported for its side effect (loaded modules)
                import kzcn.verdicts  # noqa: F401 - claims.json reads the verdict table

        if "kzcn.publish" not in sys.modules:
            self.prefetch = threading.Thread(target=load, name="kzcn-publish-imports", daemon=True)
            self.prefetch.start()

    def publish(self, built: Path, fingerprint: str) -> None:
        """Copy the rendered site, let :func:`kzcn.publish.finalize` complete it, swap it in."""
        if self.prefetch is not None:
            self.prefetch.join()
        new = self.root / f"html.new-{os.getpid()}"
        self._remove(new)
        try:
            shutil.copytree(built, new)
        except BaseException:
            self._remove(new)  # a partial copy must not keep a full disk full
            raise
        build_info = {
            "build_date": build_date(),
            "git_commit": self.commit,
            "country": self.requested.get("country") or DEFAULT_COUNTRY,
            "notebooks": {job.rel: job.action for job in self.jobs_done},
        }
        try:
            from kzcn import publish
        except ImportError:
            publish = None
        if publish is not None and hasattr(publish, "finalize"):
            try:
                publish.finalize(self.stage_dir, new, build_info, memo_dir=self.render_dir / "publish-memo")
            except BaseException as exc:
                self._remove(new)
                if not isinstance(exc, Exception) or isinstance(exc, BuildError):
                    raise
                raise BuildError(f"kzcn.publish.finalize failed: {type(exc).__name__}: {exc}") from exc
        swap_directories(new, self.html_dir)
        self._remove(new)  # the previous site
        self._write_state({"published": fingerprint, "build_info": build_info})

    def _write_report(self, jobs: list[NotebookJob]) -> None:
        """``last-build.json``: what this build did with each notebook, and why (read by tests, benchmarks)."""
        report = {
            "notebooks": {job.rel: {"action": job.action, "reason": job.reason} for job in jobs},
            "timings": {name: round(seconds, 3) for name, seconds in self.timings},
        }
        (self.root / "last-build.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")

    def _read_state(self) -> dict[str, Any]:
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return {}

    def _write_state(self, state: Mapping[str, Any]) -> None:
        write_if_changed(self.state_path, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode())

    def summary(self) -> str:
        lines = ["", "timing summary", "--------------"]
        lines += [f"  {name:<16} {seconds:8.1f} s" for name, seconds in self.timings]
        lines.append(f"  {'total':<16} {sum(s for _, s in self.timings):8.1f} s")
        counts: dict[str, int] = {}
        for job in self.jobs_done:
            counts[job.action] = counts.get(job.action, 0) + 1
        if self.jobs_done:
            lines.append("  notebooks: " + ", ".join(f"{n} {action}" for action, n in sorted(counts.items())))
            for job in self.jobs_done:
                if job.action == "execute":
                    lines.append(f"    {job.rel:<48} {job.seconds:6.1f} s  ({job.reason})")
        return "\n".join(lines)


def build_date() -> str:
    try:
        from kzcn import figures

        return figures.build_date()
    except ImportError:  # pragma: no cover - figures ships with the package
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def jupyter_book_command(warm: bool = False) -> list[str]:
    """How the build runs Jupyter Book (see :data:`kzcn.procs.UNUSED_BY_NBFORMAT`)."""
    return procs.jupyter_book_command(warm=warm)


def jupyter_book_executable() -> str:
    """The ``jupyter-book`` program itself (the benchmark's plain Jupyter Book build runs it)."""
    beside = Path(sys.executable).parent / "jupyter-book"
    return str(beside) if beside.exists() else (shutil.which("jupyter-book") or "jupyter-book")


def tail(text: str, lines: int) -> str:
    return "\n".join(ANSI_ESCAPE.sub("", text or "").rstrip().splitlines()[-lines:])


#: Lines of jupyter-book's output that say why it failed: warnings, errors, exceptions.
SPHINX_PROBLEM = re.compile(
    r"\b(WARNING|ERROR|CRITICAL)\b|^[\w.]*(Error|Exception)\b|No space left on device|\[Errno \d+\]"
)


def without_tracebacks(lines: list[str]) -> list[str]:
    """``lines`` minus Python traceback frames (the exception line itself is kept)."""
    kept, inside = [], False
    for line in lines:
        if line.startswith("Traceback (most recent call last)"):
            inside = True
            continue
        if inside and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        inside = False
        kept.append(line)
    return kept


def sphinx_problems(output: str, limit: int = 30) -> str:
    """Sphinx's warnings, errors and exception lines first (what failed), then the last lines.

    Python tracebacks are left out (``--debug`` is for those); the exception's own
    line, e.g. ``OSError: [Errno 28] No space left on device``, is kept.
    """
    lines = without_tracebacks(ANSI_ESCAPE.sub("", output or "").rstrip().splitlines())
    problems = list(dict.fromkeys(line for line in lines if SPHINX_PROBLEM.search(line)))
    head = "\n".join(problems[:limit]) or "(no WARNING/ERROR lines)"
    return f"{head}\n\n... last lines of jupyter-book's output:\n" + "\n".join(lines[-15:])


def sphinx_reread(output: str) -> str:
    """What Sphinx's incremental build did, from its log: pages re-read, and why if it says."""
    clean = ANSI_ESCAPE.sub("", output or "")
    found = re.search(
        r"updating environment: (?:\[([^\]]*)\] )?(\d+) added, (\d+) changed, (\d+) removed", clean
    )
    if not found:
        return "no environment update reported"
    reason, added, changed, removed = found.groups()
    text = f"{added} pages added, {changed} changed, {removed} removed (re-read)"
    return f"{text}; full re-read: {reason}" if reason else text


def show_only_injected_parameters(executed: Path) -> None:
    """Hide the author's default ``parameters`` cell when papermill injected the values used.

    The page then shows one parameters cell, the one the notebook really ran with,
    instead of the defaults followed by papermill's "# Parameters" cell.
    """
    nb = nbformat.read(executed, as_version=4)
    tags_of = [set(cell.get("metadata", {}).get("tags", [])) for cell in nb.cells]
    if not any("injected-parameters" in tags for tags in tags_of):
        return
    for cell, tags in zip(nb.cells, tags_of, strict=True):
        if "parameters" in tags and "remove-cell" not in tags:
            cell.metadata["tags"] = [*cell.metadata.get("tags", []), "remove-cell"]
    nbformat.write(nb, executed)


def failure_message(rel: str, executed: Path, stderr: str) -> str:
    """Notebook, cell and papermill's one-line error first; the traceback's end after."""
    where, error, traceback_lines = None, None, []
    if executed.is_file():
        try:
            nb = nbformat.read(executed, as_version=4)
        except Exception:  # noqa: BLE001 - a half-written notebook still deserves a message
            nb = None
        author_index = 0
        for cell in nb.cells if nb else []:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & PAPERMILL_TAGS:
                continue
            author_index += 1
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if output.get("output_type") == "error":
                    first_line = next((ln for ln in cell.source.splitlines() if ln.strip()), "")
                    where = (
                        f"cell {author_index} (In [{cell.get('execution_count')}], "
                        f"id {cell.get('id', '?')}): {first_line[:80]}"
                    )
                    error = f"{output.get('ename')}: {output.get('evalue')}"
                    traceback_lines = [ANSI_ESCAPE.sub("", ln) for ln in output.get("traceback", [])]
                    break
            if where:
                break
    if where is None:
        # No error cell: the kernel died or papermill itself failed; its stderr says why.
        return f"notebook {rel} failed before a cell reported an error:\n" + tail(stderr, 25)
    detail = "\n".join("\n".join(traceback_lines).splitlines()[-12:])
    return (
        f"notebook {rel} failed at {where}\n  {error}\n"
        f"  executed copy with the error: {executed}\n\n"
        f"last lines of the traceback:\n{detail}"
    )


# ------------------------------------------------------------------ variants


def is_variant_notebook(path: Path) -> bool:
    """Whether a notebook that takes a ``country`` parameter belongs in another country's book.

    Every such notebook does (the thesis chapters blank the thesis's printed
    values and say that the commentary concerns Kazakhstan), unless its metadata
    opts out with ``"kzcn": {"variant": false}``.
    """
    declared = nbformat.read(path, as_version=4).metadata.get("kzcn", {}).get("variant")
    return declared if isinstance(declared, bool) else True


def variant_toc(source_dir: Path, notebooks: set[str]) -> bytes:
    """``_toc.yml`` without the notebooks that a variant does not build."""
    toc = yaml.safe_load((source_dir / "_toc.yml").read_text(encoding="utf-8"))

    def keep(entry: Any) -> bool:
        if not isinstance(entry, dict) or "file" not in entry:
            return True
        path = Path(entry["file"])
        candidate = (path if path.suffix == ".ipynb" else path.with_suffix(".ipynb")).as_posix()
        return not (source_dir / candidate).is_file() or candidate in notebooks

    def prune(node: Any) -> Any:
        if isinstance(node, list):
            return [prune(item) for item in node if keep(item)]
        if isinstance(node, dict):
            pruned = {key: prune(value) for key, value in node.items()}
            for key in ("sections", "chapters", "parts"):
                if key in pruned and pruned[key] == []:
                    del pruned[key]
            return pruned
        return node

    pruned = prune(toc)
    if isinstance(pruned, dict) and "parts" in pruned:
        pruned["parts"] = [part for part in pruned["parts"] if part.get("chapters")]
    return yaml.safe_dump(pruned, sort_keys=False, allow_unicode=True).encode()


def variant_config(config_bytes: bytes, country: str) -> bytes:
    book_config = yaml.safe_load(config_bytes.decode("utf-8")) or {}
    title = book_config.get("title", "")
    book_config["title"] = f"{title} (variant: {country})".strip()
    return yaml.safe_dump(book_config, sort_keys=False, allow_unicode=True).encode()


# ----------------------------------------------------------------------- CLI


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, with its complaints in the one failure format."""

    def error(self, message: str) -> None:  # type: ignore[override]
        exc = BuildError(message, cause="invalid option")
        print(errors.format_failure("BUILD FAILED", exc, step="options"), file=sys.stderr)
        raise SystemExit(2)


def step_failure(step: str, exc: BaseException) -> BuildError:
    """A BuildError for an exception that escaped a step: what failed, in one line."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and str(exc.filename) not in text:
        text += f" ({exc.filename})"
    error = BuildError(f"{step} step failed: {type(exc).__name__}: {text}")
    error.step = step
    return error


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = _ArgumentParser(
        prog="python -m kzcn build",
        description="Fetch the data, execute the notebooks (incrementally) and publish the book.",
    )
    parser.add_argument("--country", help="ISO3 code of the Central Asian country (default KAZ)")
    parser.add_argument("--partner", help="ISO3 code of the partner (default: each notebook's, CHN)")
    parser.add_argument("--start-year", type=int)
    parser.add_argument("--end-year", type=int)
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="notebooks run at once")
    parser.add_argument("--only", nargs="+", metavar="NOTEBOOK", help="execute only these notebooks")
    parser.add_argument("--out", type=Path, help="build folder (default: _build, KZCN_BUILD_DIR)")
    parser.add_argument(
        "--source", type=Path, default=config.ROOT, help="book source (default: the repository)"
    )
    parser.add_argument("--no-fetch", action="store_true", help="skip the fetch and parse steps")
    parser.add_argument("--debug", action="store_true", help="print the traceback of a failure")
    return parser.parse_args(argv)


def build_root(out: Path, country: str | None) -> Path:
    """``<out>`` for the Kazakhstan book, ``<out>/variants/<ISO3>`` for any other country.

    ``country`` must have passed :func:`kzcn.config.check_country`; the result is
    checked to stay inside ``out`` all the same.
    """
    root = out / "variants" / country.upper() if country and country.upper() != DEFAULT_COUNTRY else out
    return config.check_inside(root, out, "build folder")


def trade_partners() -> set[str]:
    """ISO3 codes of the countries in the IMF's trade statistics (data/imf_partner_iso3.csv)."""
    import csv

    with open(config.DATA_DIR / "imf_partner_iso3.csv", newline="", encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle) if row["kind"] == "country" and row["code"]}


def check_options(args: argparse.Namespace) -> dict[str, Any]:
    """Every user value checked before anything is touched; returns the requested parameters."""
    try:
        country = config.check_country(args.country) if args.country is not None else None
        partner = None
        if args.partner is not None:
            partner = config.check_partner(args.partner, country or DEFAULT_COUNTRY, trade_partners())
    except ValueError as exc:
        raise BuildError(str(exc), cause="invalid option") from None
    for name in ("start_year", "end_year"):
        year = getattr(args, name)
        if year is not None and not 1900 <= year <= 2100:
            raise BuildError(f"--{name.replace('_', '-')} {year} is not a year", cause="invalid option")
    if args.start_year and args.end_year and args.start_year > args.end_year:
        raise BuildError(
            f"--start-year {args.start_year} is after --end-year {args.end_year}", cause="invalid option"
        )
    if not (args.source / "_toc.yml").is_file():
        raise BuildError(f"--source {args.source} has no _toc.yml: not a book folder", cause="invalid option")
    return {"country": country, "partner": partner, "start_year": args.start_year, "end_year": args.end_year}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    out = (args.out or config.build_dir()).resolve()
    build: Build | None = None

    def on_signal(signum, frame):  # noqa: ARG001 - signal handler signature
        raise BuildInterrupted(f"build interrupted by signal {signal.Signals(signum).name}")

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        requested = check_options(args)
        country = requested["country"]
        check_build_folder(out)
        variant = country if country and country != DEFAULT_COUNTRY else None
        try:
            root = build_root(out, country)
        except ValueError as exc:
            raise BuildError(str(exc), cause="invalid option") from None
        build = Build(
            source_dir=args.source,
            root=root,
            requested=requested,
            jobs=args.jobs,
            only=args.only,
            fetch=not args.no_fetch,
            variant=variant,
            log=lambda message: print(message, flush=True),
        )
        html = build.run()
    except Exception as exc:  # noqa: BLE001 - every failure gets the one message, tracebacks only with --debug
        error = exc if isinstance(exc, BuildError) else step_failure("prepare", exc)
        if error is not exc:
            error.__cause__ = exc
        if build is not None:
            build.children.terminate_all()
            print(build.summary(), flush=True)
        site = build.html_dir if build is not None else out / "html"
        print(
            "\n"
            + errors.format_failure(
                "BUILD FAILED",
                error,
                step=error.step,
                where=str(out),
                untouched=str(site),
                debug=args.debug,
            ),
            file=sys.stderr,
        )
        return 130 if isinstance(exc, BuildInterrupted) else 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print(build.summary(), flush=True)
    print(f"\nbook: {html / 'index.html'}", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
