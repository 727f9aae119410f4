"""Notebook kernels forked from a process that has imported their libraries once (Linux).

Every notebook the build executes gets a fresh kernel, as "Restart & Run All" would: no
state passes from one notebook to the next.  Starting such a kernel costs about 2 s of CPU,
most of it importing the same libraries (IPython, pandas, matplotlib, this package) again:
22 s for the 11 notebooks of the book.  So the build starts, once, a *kernel server* that
imports what the notebooks import and then waits.  For each notebook it forks a child,
which is a new, empty kernel: its namespace holds nothing, only the modules are already
in memory (as after any ``import``), its environment and working folder are the
notebook's own, and it starts the standard ipykernel application.

The server is found through a kernel spec named ``python3`` (the one papermill asks
for) that the build puts first on ``JUPYTER_PATH`` for its papermill processes only.  Its
command is a small *proxy* (``python -m kzcn.kernels connect -f CONNECTION_FILE``) that asks
the server for a kernel, passes interrupts on, and exits with the kernel's exit code; the
forked kernel ends when its proxy ends, however it ends (``kill -9`` included).  Where the
server cannot be reached (no ``fork`` on Windows, the server gone), the proxy becomes the
standard kernel itself.  The notebooks' metadata still name ``python3``.

The build's papermill processes do without the proxy (a process of 12 MB beside every
notebook): they call :func:`use_forked_provisioner`, and jupyter_client then asks the server
for the kernel itself when a kernel spec's command is the proxy; the kernel ends with the
papermill process as it would with its proxy.  Anything else starts as above.

One difference shows in an executed notebook: a warning that a library prints as it is
imported is printed once, by the server, not in each notebook (the book leaves the
notebooks' stderr out in any case).  ``KZCN_FORKED_KERNELS=0`` turns all this off: the build
then starts standard kernels.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

# The proxy (``connect``) imports this module in every notebook run and needs only the
# modules above: what the server needs is imported where it is used (13 -> 11 MB a proxy).

#: The environment variable that names the server's socket (set in the papermill processes).
SERVER_ENV = "KZCN_KERNEL_SERVER"
#: ``0`` turns the forked kernels off.
SWITCH_ENV = "KZCN_FORKED_KERNELS"
#: The kernel spec the notebooks name, and papermill starts.
KERNEL_NAME = "python3"
#: What every kernel imports, whatever the notebook: the kernel application itself.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython.display")


def available() -> bool:
    """Whether this platform and the environment allow forked kernels: Linux only (macOS
    frameworks are not safe to use after ``fork``, Windows has none)."""
    return sys.platform.startswith("linux") and os.environ.get(SWITCH_ENV, "1") != "0"


def imported_modules(sources: Iterable[str]) -> list[str]:
    """The modules the code ``sources`` import (``from a import b`` gives ``a`` and ``a.b``,
    which the server imports if it is a module); code that does not parse adds nothing."""
    import ast

    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue  # magics, or broken code: the notebook itself will say so
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    return sorted(names)


def kernel_spec_dir(root: Path) -> Path:
    """Write the ``python3`` kernel spec that starts the proxy; returns the folder for ``JUPYTER_PATH``."""
    spec = root / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    document = {
        "argv": [sys.executable, "-m", "kzcn.kernels", "connect", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": True},
    }
    (spec / "kernel.json").write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return root


def socket_path() -> str:
    """A fresh path for the server's socket (short: Unix sockets allow about 100 characters)."""
    import tempfile

    return os.path.join(tempfile.mkdtemp(prefix="kzcn-k-"), "server")


# ------------------------------------------------------------------ server

#: Standard input, output and error: the proxy hands its own to the kernel, so that what the
#: kernel writes there reaches papermill (and the build's error messages) as from a standard kernel.
STDIO = (0, 1, 2)


def _send(connection: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode() + b"\n"
    with contextlib.suppress(OSError):
        if fds:
            socket.send_fds(connection, [data], list(fds))
        else:
            connection.sendall(data)


def _receive(connection: socket.socket, maxfds: int = 0) -> tuple[dict, list[int]]:
    data, fds = b"", []
    while not data.endswith(b"\n"):
        chunk, received, _, _ = socket.recv_fds(connection, 1 << 20, maxfds)
        fds += received
        if not chunk:
            raise ConnectionError("the other side closed the connection")
        data += chunk
    return json.loads(data), fds


def _become_kernel(request: dict, stdio: list[int]) -> None:
    """In the forked child: the notebook's streams, environment and folder, then the standard kernel."""
    from kzcn import procs

    os.setsid()  # a session of its own, as jupyter_client starts kernels
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    # the server's guard (kzcn.procs.guarded) would end the kernel's descendants on SIGTERM:
    # a kernel ends as a standard one does
    procs.reset_guard_signals()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    for target, fd in zip(STDIO, stdio, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    # the kernel ends with its proxy, even after kill -9 of the proxy
    procs.exit_when_orphaned(int(request["proxy"]))
    # ipykernel reads the frontend's PID from the environment as it is imported, which here was
    # in the server: give it on the command line, as the environment would have
    parent = (
        [f"--IPKernelApp.parent_handle={os.environ['JPY_PARENT_PID']}"]
        if "JPY_PARENT_PID" in os.environ
        else []
    )
    sys.argv = ["ipykernel_launcher", *request["argv"], *parent]
    from ipykernel import kernelapp

    # what kernelapp.launch_new_instance() does, with one callback more
    app = kernelapp.IPKernelApp.instance()
    app.initialize()
    app.shell.events.register("post_run_cell", _release_memory)
    app.start()


def _release_memory(result) -> None:  # noqa: ARG001 - IPython's post_run_cell signature
    """After each cell: free what the cell left in reference cycles (pandas frames often are),
    and hand freed heap pages back to the system.  Two kernels run side by side, each holding
    its notebook's data, and the build's peak memory is their sum: this takes 20-25 MB off the
    largest kernel.  It costs about 10 ms a cell, as the server froze what it imported (only
    the notebook's own objects are scanned); it changes no output (the cell has finished)."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # malloc_trim is glibc's
        ctypes.CDLL(None).malloc_trim(0)


def _run_kernel(request: dict, stdio: list[int]) -> None:
    """The forked child's whole life: it never returns to the server's loop."""
    code = 0
    try:
        _become_kernel(request, stdio)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported on the kernel's stderr, as a standard kernel would
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
    os._exit(code)


def serve(path: str, modules: Iterable[str]) -> int:
    """Import ``modules`` (and the kernel application), then fork one kernel per request on ``path``."""
    import importlib

    from kzcn import procs

    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel adds its own folder back
    for name in (*KERNEL_MODULES, *modules):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S110 - a name that is not a module, or an import that
            pass  # fails: the notebook's own import reports it
    # What was imported stays for the server's life: moved out of the collector's sight, the
    # kernels' collections (see _release_memory) neither scan it nor copy its pages (fork's
    # copy-on-write) by writing to the objects' headers.
    import gc

    gc.collect()
    gc.freeze()
    procs.exit_when_orphaned()  # the build gone: no new kernels
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)
    waiting: dict[int, socket.socket] = {}

    def reap(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = waiting.pop(pid, None)
            if connection is not None:
                _send(connection, {"exit": os.waitstatus_to_exitcode(status)})
                connection.close()

    signal.signal(signal.SIGCHLD, reap)
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        try:
            request, stdio = _receive(connection, len(STDIO))
            if len(stdio) != len(STDIO):
                raise ValueError("no standard streams received")
        except (OSError, ValueError, ConnectionError):
            connection.close()
            continue
        # a kernel that ends at once must not be reaped before it is known
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            pid = os.fork()
            if pid == 0:
                listener.close()
                connection.close()
                _run_kernel(request, stdio)
            for fd in stdio:
                os.close(fd)
            waiting[pid] = connection
            _send(connection, {"pid": pid})
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})


# ------------------------------------------------------------------- proxy


def _standard_kernel(argv: list[str]) -> None:
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def connect(argv: list[str]) -> int:
    """The kernel spec's command: a kernel forked by the server, or the standard kernel."""
    path = os.environ.get(SERVER_ENV)
    if not path or not available():
        _standard_kernel(argv)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
        env = {key: value for key, value in os.environ.items() if key != SERVER_ENV}
        _send(connection, {"argv": argv, "env": env, "cwd": os.getcwd(), "proxy": os.getpid()}, STDIO)
        pid = int(_receive(connection)[0]["pid"])
    except Exception:  # noqa: BLE001 - whatever went wrong, the notebook still gets a kernel
        connection.close()
        _standard_kernel(argv)  # no server, or it failed: start the kernel the usual way

    def forward(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
        if signum != signal.SIGINT:  # SIGINT interrupts the kernel; anything else ends it
            os._exit(128 + signum)

    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"):
        signal.signal(getattr(signal, name), forward)
    try:
        return int(_receive(connection)[0].get("exit", 1))
    except (OSError, ValueError, ConnectionError):
        return 1


# ------------------------------------------------------ without the proxy

#: The name under which the build's papermill processes know :class:`ForkedProvisioner`.
PROVISIONER = "kzcn-forked"


class ForkedKernel:
    """What jupyter_client needs of a kernel process (``subprocess.Popen``'s poll, wait and
    signals) for a kernel the server forked: its exit code comes over ``connection``."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, connection: socket.socket) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._connection = connection

    def _exit_code(self, timeout: float | None) -> int | None:
        import select

        if self.returncode is None:
            if not select.select([self._connection], [], [], timeout)[0]:
                return None
            try:
                self.returncode = int(_receive(self._connection)[0].get("exit", 1))
            except (OSError, ValueError, ConnectionError):
                self.returncode = 1
            self._connection.close()
        return self.returncode

    def poll(self) -> int | None:
        return self._exit_code(0)

    def wait(self, timeout: float | None = None) -> int:
        code = self._exit_code(timeout)
        if code is None:
            import subprocess

            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        return code

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _forked_provisioner() -> type:
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkedProvisioner(LocalProvisioner):
        """jupyter_client's local provisioner, which asks the server for the kernel itself
        when the kernel spec's command is the proxy: no proxy process per notebook (12 MB
        each, two at a time).  Anything else, or no answer from the server: the usual launch
        (of the proxy, which then starts a standard kernel)."""

        async def launch_kernel(self, cmd: list[str], **kwargs):
            forked = _fork_for(cmd, kwargs)
            if forked is None:
                return await super().launch_kernel(cmd, **kwargs)
            self.process = forked
            self.pid = self.pgid = forked.pid  # the kernel leads a session of its own
            self.cwd = kwargs.get("cwd") or os.getcwd()
            return self.connection_info

    return ForkedProvisioner


def _fork_for(cmd: list[str], kwargs: dict) -> ForkedKernel | None:
    """The kernel the proxy command ``cmd`` would get from the server, asked for by this process
    (which the kernel then watches, as it would watch its proxy); None if it cannot be had."""
    env = dict(kwargs.get("env") or os.environ)
    path = env.pop(SERVER_ENV, None)
    is_proxy = cmd[1:4] == ["-m", "kzcn.kernels", "connect"]
    streams = [kwargs.get(name) for name in ("stdin", "stdout", "stderr")]
    if not (is_proxy and path and available()) or any(stream is not None for stream in streams):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stdin = os.open(os.devnull, os.O_RDONLY)  # as jupyter_client's kernels: no terminal input
    try:
        connection.connect(path)
        request = {
            "argv": cmd[4:],
            "env": env,
            "cwd": str(kwargs.get("cwd") or os.getcwd()),
            "proxy": os.getpid(),
        }
        _send(connection, request, (stdin, 1, 2))
        return ForkedKernel(int(_receive(connection)[0]["pid"]), connection)
    except Exception:  # noqa: BLE001 - whatever went wrong, the usual launch gives a kernel
        connection.close()
        return None
    finally:
        os.close(stdin)


def use_forked_provisioner_when_served() -> None:
    """:func:`use_forked_provisioner` if a kernel server is named in the environment
    (the build's papermill command calls it; without a server nothing changes)."""
    if os.environ.get(SERVER_ENV):
        use_forked_provisioner()


def use_forked_provisioner() -> None:
    """Make this process's jupyter_client start kernels with :class:`ForkedProvisioner` (the
    build's papermill processes call it; a kernel spec that names a provisioner keeps it)."""
    from importlib.metadata import EntryPoint

    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    factory = KernelProvisionerFactory.instance()
    factory.provisioners[PROVISIONER] = EntryPoint(
        PROVISIONER, "kzcn.kernels:ForkedProvisioner", KernelProvisionerFactory.GROUP_NAME
    )
    factory.default_provisioner_name = PROVISIONER


def __getattr__(name: str):
    # the provisioner class imports jupyter_client: defined when asked for, never in the proxy
    if name == "ForkedProvisioner":
        globals()[name] = _forked_provisioner()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        return serve(argv[1], argv[2:])
    if argv[:1] == ["connect"]:
        return connect(argv[1:])
    print(
        "usage: python -m kzcn.kernels serve SOCKET [MODULE ...] | connect -f CONNECTION_FILE",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
