"""Child processes that never outlive the build.

Three tools, portable to Linux, macOS and Windows (psutil; no ``fcntl`` and no
``os.killpg`` at import time):

* :func:`exit_when_orphaned` starts a watchdog thread that ends the current
  process as soon as its parent has gone (even after ``kill -9`` of the parent,
  which no signal handler sees).  The parse workers call it as their
  initializer.
* :func:`guarded` makes a command end when this process ends, however it ends.
  A Python command (papermill with its kernel, jupyter-book, the kernel server)
  guards itself: it starts with :func:`guard_this_process`, a watchdog thread
  and signal handlers in the same process that end everything it started, then
  the process.  Any other command runs under ``python -m kzcn.procs --parent PID
  -- COMMAND ...``, a separate guard process that does the same for COMMAND.
* :func:`kill_tree` ends a process and all its descendants (a kernel runs in a
  session of its own, so a process-group kill alone would miss it) and waits
  until they are gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import psutil

#: How often a watchdog looks at its parent (seconds).
POLL_S = 0.2


def _identity(pid: int) -> float | None:
    """Creation time of ``pid`` (tells a live parent from a new process that reused its PID)."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def parent_gone(pid: int, created: float | None, original_ppid: int | None = None) -> bool:
    """Whether process ``pid`` (created at ``created``) has exited."""
    if original_ppid is not None and os.getppid() != original_ppid:
        return True  # re-parented (POSIX): the parent died
    return created is None or _identity(pid) != created


def exit_when_orphaned(
    parent_pid: int | None = None, on_exit: Callable[[], None] | None = None, poll: float = POLL_S
) -> None:
    """End this process (after ``on_exit``) once ``parent_pid`` (default: the parent) is gone."""
    ppid = os.getppid()
    parent = parent_pid or ppid
    created = _identity(parent)
    original_ppid = ppid if parent == ppid else None

    def watch() -> None:
        while not parent_gone(parent, created, original_ppid):
            time.sleep(poll)
        try:
            if on_exit is not None:
                on_exit()
        finally:
            os._exit(1)

    threading.Thread(target=watch, name="kzcn-orphan-watchdog", daemon=True).start()


def kill_tree(pid: int, grace: float = 5.0) -> None:
    """Terminate ``pid`` and all its descendants, kill what is left after ``grace`` s, wait for all."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    except psutil.Error:
        procs = []
    _end(procs, grace)


def _end(procs: list[psutil.Process], grace: float) -> None:
    """Terminate ``procs``, kill what is left after ``grace`` s, wait for all."""
    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)


#: Optional modules that the tools the build starts would import and never use, each at a
#: cost measured on the 2-core machine.  jsonschema (which nbformat imports) imports, when
#: they are installed, checkers of string formats ("iri", "duration", "uri-template",
#: "color", "date-time", "hostname") that no notebook schema uses; among them
#: ``rfc3987_syntax`` compiles a Lark grammar as it is imported (1.4 s of CPU) and
#: ``isoduration`` imports ``arrow`` (0.1 s): about 1.6 s in every papermill and Sphinx
#: process.  Papermill imports ``pyarrow`` only for hdfs:// paths (40 MB in each process).
#: A module set to None in ``sys.modules`` raises ImportError when imported, which both
#: libraries take as "not installed" (jsonschema then leaves those formats unchecked).
UNUSED_BY_NBFORMAT = (
    "rfc3987_syntax",
    "isoduration",
    "rfc3986_validator",
    "rfc3339_validator",
    "uri_template",
    "webcolors",
    "fqdn",
)
UNUSED_BY_PAPERMILL = ("pyarrow", *UNUSED_BY_NBFORMAT)
#: Modules papermill imports unconditionally but uses only for notebooks at http(s) URLs:
#: imported when first used, which the build's local paths never do.  ``requests`` is 7 MB
#: of memory in each papermill process, two of which run at a time.
LAZY_IN_PAPERMILL = ("requests",)

#: Python statements that define ``_lazy(name)``: it puts a stand-in for the module ``name``
#: into ``sys.modules``, which imports the real module on the first use of an attribute.
#: (importlib's LazyLoader does not do: on Python 3.11 an ``import`` statement of an
#: already imported module reads an attribute of it, which loads it at once.)
_LAZY = (
    "import importlib, types\n"
    "def _lazy(name):\n"
    "    stand_in = types.ModuleType(name)\n"
    "    def load(attribute):\n"
    "        if sys.modules.get(name) is stand_in:\n"
    "            del sys.modules[name]\n"
    "        return getattr(importlib.import_module(name), attribute)\n"
    "    stand_in.__getattr__ = load\n"
    "    sys.modules[name] = stand_in\n"
)


def python_tool(call: str, unused: tuple[str, ...], lazy: tuple[str, ...] = ()) -> list[str]:
    """A command that runs ``call`` (Python statements) in this interpreter, with ``unused`` never
    imported and ``lazy`` imported only when first used."""
    blocked = "".join(f"sys.modules[{name!r}] = None; " for name in unused)
    deferred = (_LAZY + "".join(f"_lazy({name!r})\n" for name in lazy)) if lazy else ""
    return [sys.executable, "-c", f"import sys; {blocked}\n{deferred}{call}"]


#: nbformat's validator in papermill processes.  Papermill validates a notebook as it reads it
#: and as it writes it; nbformat's default, fastjsonschema, first compiles the schema into
#: Python code, 10 MB held by each papermill process (two run at a time).  jsonschema, the
#: reference implementation, checks against the same schema, in about 0.4 s of CPU for all
#: the book's executed notebooks together.  A value the user set is kept.  (The kernels
#: inherit the variable with papermill's environment; they validate no notebook.)
PAPERMILL_VALIDATOR = "jsonschema"


def papermill_command() -> list[str]:
    """``papermill`` (its command line; arguments follow)."""
    return python_tool(
        f"import os; os.environ.setdefault('NBFORMAT_VALIDATOR', {PAPERMILL_VALIDATOR!r})\n"
        # kernels forked by the build's kernel server come without a proxy process (kzcn.kernels;
        # it imports this module, so the command names it rather than this module importing it)
        "import kzcn.kernels; kzcn.kernels.use_forked_provisioner_when_served()\n"
        "from papermill.cli import papermill; papermill()",
        UNUSED_BY_PAPERMILL,
        LAZY_IN_PAPERMILL,
    )


#: What every run of Jupyter Book imports before it reads a page (the book's own extensions
#: included): a warm start imports them while the last notebooks still run.
SPHINX_MODULES = (
    "jupyter_book.cli.main",
    "jupyter_book.sphinx",
    "sphinx.application",
    "sphinx.builders.html",
    "myst_nb",
    "myst_nb.sphinx_ext",
    "sphinx_book_theme",
    "sphinxcontrib.bibtex",
    "sphinxext.opengraph",
    "kzcn.sphinxext",
    "kzcn.site",
    "kzcn.narrative",
)


def jupyter_book_command(warm: bool = False) -> list[str]:
    """``jupyter-book`` (its command line; arguments follow).

    ``warm``: the process first imports :data:`SPHINX_MODULES`, then waits for the line
    ``go`` on its standard input before it builds (any other line, or none: it exits).
    """
    start = "sys.argv[0] = 'jupyter-book'\nfrom jupyter_book.cli.main import main\nsys.exit(main())"
    if warm:
        imports = "".join(
            f"try:\n    import {name}\nexcept Exception:\n    pass\n" for name in SPHINX_MODULES
        )
        start = f"\n{imports}if sys.stdin.readline().strip() != 'go':\n    sys.exit(0)\n{start}"
    return python_tool(start, UNUSED_BY_NBFORMAT)


def end_descendants(grace: float = 2.0) -> None:
    """Terminate everything this process started (children of children included), kill what
    is left after ``grace`` s, wait for all."""
    try:
        procs = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    _end(procs, grace)


#: The signals on which a guarded process ends its descendants before it ends itself.
GUARD_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")


def guard_this_process(parent_pid: int) -> None:
    """Make this process and everything it starts end when ``parent_pid`` ends (``kill -9``
    included: a watchdog thread), or when this process gets SIGTERM, SIGINT or SIGHUP.

    What a separate guard process did, without a process more (14 MB of memory per notebook
    run).  A process that forks (the kernel server) resets these handlers in the child.
    """

    def stop(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
        end_descendants()
        os._exit(128 + int(signum))

    for name in GUARD_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    exit_when_orphaned(parent_pid, on_exit=end_descendants)


def reset_guard_signals() -> None:
    """In a process forked from a guarded one: the default handlers again (the watchdog
    thread is not inherited: ``fork`` copies only the calling thread)."""
    for name in GUARD_SIGNALS:
        if hasattr(signal, name):
            signum = getattr(signal, name)
            signal.signal(signum, signal.default_int_handler if name == "SIGINT" else signal.SIG_DFL)


def guarded(command: list[str]) -> list[str]:
    """``command`` made to end when this process ends, however it ends.

    This interpreter running ``-c CODE``, ``-m MODULE`` or a script guards itself (the
    code first calls :func:`guard_this_process`); any other command runs under a
    separate guard process (:func:`guard_main`).
    """
    prologue = f"import sys, kzcn.procs; kzcn.procs.guard_this_process({os.getpid()})\n"
    if len(command) >= 3 and command[0] == sys.executable:
        flag, target, args = command[1], command[2], command[3:]
        if flag == "-c":
            return [sys.executable, "-c", prologue + target, *args]
        if flag == "-m":
            # the module runs as ``python -m`` would run it; its name stays on the command line
            run = f"import runpy; runpy.run_module({target!r}, run_name='__main__', alter_sys=True)"
            return [sys.executable, "-c", prologue + run, *args]
    if len(command) >= 2 and command[0] == sys.executable and not command[1].startswith("-"):
        script = os.path.abspath(command[1])
        run = (  # the script's folder first on sys.path, as ``python SCRIPT`` has it
            f"import os, runpy; sys.path[0] = os.path.dirname({script!r}); "
            f"runpy.run_path({script!r}, run_name='__main__')"
        )
        return [sys.executable, "-c", prologue + run, *command[2:]]
    return [sys.executable, "-m", "kzcn.procs", "--parent", str(os.getpid()), "--", *command]


def guard_main(argv: list[str]) -> int:
    """``--parent PID -- COMMAND ...``: run COMMAND, end its whole tree when PID goes."""
    if len(argv) < 4 or argv[0] != "--parent" or argv[2] != "--":
        print("usage: python -m kzcn.procs --parent PID -- COMMAND ...", file=sys.stderr)
        return 2
    parent, command = int(argv[1]), argv[3:]
    child = subprocess.Popen(command)

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        kill_tree(child.pid, grace=2.0)
        os._exit(128 + int(signum))

    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    exit_when_orphaned(parent, on_exit=lambda: kill_tree(child.pid, grace=2.0))
    return child.wait()


if __name__ == "__main__":
    raise SystemExit(guard_main(sys.argv[1:]))
