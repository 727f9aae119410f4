"""``make serve`` as an author uses it: the site is served on 127.0.0.1, a save rebuilds it,
and the page learns that it should reload (fixture book; no timing is asserted)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request

import nbformat

from kzcn import serve

#: A guard against a hung server, not a speed target.
PATIENCE_SECONDS = 600


def wait_for(condition, what: str, proc: subprocess.Popen):
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        assert proc.poll() is None, f"the server stopped while waiting for {what}:\n{proc.stdout.read()}"
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what}")


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def test_a_save_rebuilds_and_the_page_is_told_to_reload(project, tmp_path):
    port_file = tmp_path / "port"
    command = [sys.executable, "-m", "kzcn.serve", "--port", "0", "--port-file", str(port_file)]
    command += ["--source", str(project.source), "--out", str(project.out)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = wait_for(
            lambda: port_file.is_file() and port_file.read_text().strip(), "the first build", proc
        )
        base = f"http://127.0.0.1:{port}"
        front = get(base + "/")
        assert serve.STATUS_PATH in front and "location.reload()" in front
        first = json.loads(get(base + serve.STATUS_PATH))
        assert first["error"] == ""

        path = project.source / "notebooks" / "gdp.ipynb"
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell("A sentence saved while the server runs."))
        nbformat.write(nb, path)

        wait_for(
            lambda: json.loads(get(base + serve.STATUS_PATH))["build"] > first["build"], "a rebuild", proc
        )
        assert "A sentence saved while the server runs." in get(base + "/notebooks/gdp.html")
        report = json.loads((project.out / "last-build.json").read_text(encoding="utf-8"))["notebooks"]
        assert {entry["action"] for entry in report.values()} == {"cached"}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_watcher_ignores_editor_and_cache_files(tmp_path):
    (tmp_path / "page.md").write_text("words", encoding="utf-8")
    for ignored in (".page.md.swp", "page.md~", ".ipynb_checkpoints/x.ipynb", "__pycache__/m.pyc"):
        (tmp_path / ignored).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / ignored).write_text("noise", encoding="utf-8")
    assert list(serve.snapshot([tmp_path])) == [str(tmp_path / "page.md")]
