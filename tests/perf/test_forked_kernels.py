"""Kernels forked by the kernel server (kzcn.kernels) behave as standard kernels for a notebook:
an empty namespace, the notebook's own environment and folder, outputs and errors on the usual
channels; they end with their proxy; without a server the same spec starts a standard kernel."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import papermill
import psutil
import pytest

from kzcn import kernels, procs

PROBE = """
import json, os, sys
print(json.dumps({
    "pid": os.getpid(),
    "parent": os.getppid(),
    "cwd": os.getcwd(),
    "marker": os.environ.get("KZCN_TEST_MARKER"),
    "server_env": os.environ.get("KZCN_KERNEL_SERVER"),
    "csv_in_sys_modules": "csv" in sys.modules,
    "csv_in_namespace": "csv" in globals(),
    "sigterm_default": __import__("signal").getsignal(__import__("signal").SIGTERM) == __import__("signal").SIG_DFL,
}))
"""

#: Two cells: the first leaves a reference cycle (the collector switched off, so that only an
#: explicit collection frees it), the second says whether it is still there.
CYCLE = (
    "import gc, weakref\ngc.disable()\nclass Node:\n    pass\n"
    "node = Node()\nnode.itself = node\nalive = weakref.ref(node)\ndel node",
    "import json\nprint(json.dumps({'cycle_freed': alive() is None, 'frozen': gc.get_freeze_count()}))",
)


def test_imported_modules_reads_import_statements():
    sources = [
        "import pandas as pd\nfrom kzcn import data, figures\n",
        "%matplotlib inline",
        "from . import x",
    ]
    assert kernels.imported_modules(sources) == ["kzcn", "kzcn.data", "kzcn.figures", "pandas"]


@pytest.fixture
def server(tmp_path):
    path = kernels.socket_path()
    # started as the build starts it: guarded in its own process (kzcn.procs.guarded)
    proc = subprocess.Popen(
        procs.guarded([sys.executable, "-m", "kzcn.kernels", "serve", path, "csv"]),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    yield proc, path
    proc.terminate()
    proc.wait(10)


def _run_probe(tmp_path, monkeypatch, server_path: str | None, cells: tuple[str, ...] = (PROBE,)) -> dict:
    spec_root = kernels.kernel_spec_dir(tmp_path / "jupyter")
    monkeypatch.setenv("JUPYTER_PATH", str(spec_root))
    monkeypatch.setenv("KZCN_TEST_MARKER", "this notebook's value")
    if server_path:
        monkeypatch.setenv(kernels.SERVER_ENV, server_path)
    else:
        monkeypatch.delenv(kernels.SERVER_ENV, raising=False)
    source = tmp_path / "probe.ipynb"
    kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(cell) for cell in cells], metadata={"kernelspec": kernelspec}
    )
    nbformat.write(notebook, source)
    workdir = tmp_path / "work"
    workdir.mkdir()
    executed = papermill.execute_notebook(
        str(source), str(tmp_path / "out.ipynb"), kernel_name="python3", cwd=str(workdir), progress_bar=False
    )
    assert executed.metadata.kernelspec == kernelspec  # what readers download names the usual kernel
    return json.loads(executed.cells[-1].outputs[0]["text"]) | {"workdir": str(workdir)}


def test_a_forked_kernel_is_fresh_and_the_notebooks_own(tmp_path, monkeypatch, server):
    proc, path = server
    seen = _run_probe(tmp_path, monkeypatch, path)
    assert seen["parent"] == proc.pid  # forked by the server, not started by the proxy
    assert seen["cwd"] == seen["workdir"]
    assert seen["marker"] == "this notebook's value"
    assert seen["server_env"] is None
    assert seen["csv_in_sys_modules"] is True  # imported once, by the server
    assert seen["csv_in_namespace"] is False  # but the notebook's namespace starts empty
    assert seen["sigterm_default"] is True  # the server's guard handlers are not the kernel's
    # the kernel ended with the notebook
    deadline = time.monotonic() + 20
    while psutil.pid_exists(seen["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not psutil.pid_exists(seen["pid"]) or psutil.Process(seen["pid"]).status() == psutil.STATUS_ZOMBIE


def test_a_forked_kernel_frees_a_cells_cycles_after_the_cell(tmp_path, monkeypatch, server):
    """What a cell left in reference cycles is freed when it ends (the build's peak memory is two
    kernels' data); what the server imported is frozen, so that collection skips it."""
    seen = _run_probe(tmp_path, monkeypatch, server[1], CYCLE)
    assert seen["cycle_freed"] is True
    assert seen["frozen"] > 0


def test_a_standard_kernel_keeps_the_cycle(tmp_path, monkeypatch):
    """The test above means something: without the forked kernel's collection the cycle stays."""
    seen = _run_probe(tmp_path, monkeypatch, None, CYCLE)
    assert seen["cycle_freed"] is False


def test_the_proxy_imports_little(tmp_path):
    """The proxy runs beside every notebook: it imports none of what only the server needs."""
    code = "import sys, kzcn.kernels; print(sorted({'ast', 'tempfile', 'importlib.util', 'pathlib'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_without_a_server_the_same_spec_starts_a_standard_kernel(tmp_path, monkeypatch):
    seen = _run_probe(tmp_path, monkeypatch, str(tmp_path / "no-such-server"))
    assert seen["csv_in_namespace"] is False
    assert seen["marker"] == "this notebook's value"
    # a standard kernel: its parent is the proxy it replaced (papermill started it)
    assert psutil.Process(seen["parent"]).pid == os.getpid()


def test_a_forked_kernel_ends_with_its_proxy(tmp_path, server):
    _, path = server
    spec = kernels.kernel_spec_dir(tmp_path / "jupyter")
    connection_file = tmp_path / "kernel.json"
    from jupyter_client.connect import write_connection_file

    write_connection_file(str(connection_file))
    env = {**os.environ, kernels.SERVER_ENV: path, "JUPYTER_PATH": str(spec)}
    proxy = subprocess.Popen(
        [sys.executable, "-m", "kzcn.kernels", "connect", "-f", str(connection_file)], env=env
    )
    server_process = psutil.Process(server[0].pid)
    deadline = time.monotonic() + 30
    while not server_process.children() and time.monotonic() < deadline:
        time.sleep(0.05)
    (kernel,) = server_process.children()
    os.kill(proxy.pid, signal.SIGKILL)
    proxy.wait(10)
    kernel.wait(15)  # the kernel's watchdog saw its proxy go


def _papermill(tmp_path, server_path: str, cells: list[str]) -> subprocess.Popen:
    """The build's papermill command on a notebook of ``cells``, with the build's kernel environment."""
    kernelspec = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(cell) for cell in cells], metadata={"kernelspec": kernelspec}
    )
    nbformat.write(notebook, tmp_path / "in.ipynb")
    env = {
        **os.environ,
        kernels.SERVER_ENV: server_path,
        "JUPYTER_PATH": str(kernels.kernel_spec_dir(tmp_path / "jupyter")),
    }
    env.pop("NBFORMAT_VALIDATOR", None)
    command = [*procs.papermill_command(), str(tmp_path / "in.ipynb"), str(tmp_path / "out.ipynb")]
    return subprocess.Popen(
        [*command, "--kernel", "python3", "--no-progress-bar", "--cwd", str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_builds_papermill_gets_a_forked_kernel_without_a_proxy(tmp_path, server):
    proc, path = server
    papermill = _papermill(
        tmp_path, path, ["import json, os\nprint(json.dumps([os.getpid(), os.getppid()]))", "1 + 1"]
    )
    seen_children = set()
    while papermill.poll() is None:  # what papermill starts while it runs
        with contextlib.suppress(psutil.Error):
            seen_children.update(child.pid for child in psutil.Process(papermill.pid).children())
        time.sleep(0.02)
    assert papermill.returncode == 0, papermill.stderr.read()[-3000:]
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    kernel, parent = json.loads(executed.cells[0].outputs[0]["text"])
    assert parent == proc.pid  # forked by the server
    assert kernel not in seen_children and not seen_children  # and no proxy process between
    assert executed.cells[1].outputs[0]["data"]["text/plain"] == "2"
    assert not psutil.Process(proc.pid).children()  # the kernel ended with the notebook


def test_a_forked_kernel_ends_when_its_papermill_is_killed(tmp_path, server):
    proc, path = server
    marker = tmp_path / "started"
    papermill = _papermill(
        tmp_path, path, [f"open({str(marker)!r}, 'w').close()", "import time\ntime.sleep(120)"]
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert time.monotonic() < deadline and papermill.poll() is None, papermill.stderr.read()
            time.sleep(0.05)
        (kernel,) = psutil.Process(proc.pid).children()
        papermill.kill()
        papermill.wait(10)
        kernel.wait(15)  # the kernel's watchdog saw papermill go
    finally:
        if papermill.poll() is None:
            papermill.kill()
            papermill.wait()


def test_without_a_server_the_builds_papermill_starts_a_standard_kernel(tmp_path):
    papermill = _papermill(tmp_path, str(tmp_path / "no-such-server"), ["import os\nprint(os.getppid())"])
    _, stderr = papermill.communicate(timeout=120)
    assert papermill.returncode == 0, stderr[-3000:]
    executed = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    # the standard kernel replaced the proxy papermill started: its parent is papermill
    assert int(executed.cells[0].outputs[0]["text"]) == papermill.pid
