"""``make serve`` as an author uses it: the site is served on 127.0.0.1, a save rebuilds it,
and the page learns that it should reload (fixture book; no timing is asserted).

The session runs in this process (the fixture book's data and audit stand-ins are
patched here), with the same build the command line runs, minus its signal handlers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request

import nbformat

from kzcn import pipeline, serve

#: A guard against a hung server, not a speed target.
PATIENCE_SECONDS = 600


def wait_for(condition, what: str):
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what}")


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def in_process_builder(project):
    def build() -> tuple[bool, str]:
        lines: list[str] = []
        requested = dict.fromkeys(("country", "partner", "start_year", "end_year"))
        runner = pipeline.Build(project.source, project.out, requested, jobs=2, log=lines.append)
        try:
            runner.run()
        except pipeline.BuildError as error:
            return False, f"BUILD FAILED: {error}"
        return True, "\n".join(lines)

    return build


def test_a_save_rebuilds_and_the_page_is_told_to_reload(project):
    log: list[str] = []
    session = serve.Session(
        project.out / "html", serve.watched_paths(project.source), in_process_builder(project), log=log.append
    )
    port = session.start()
    assert port, "\n".join(log)
    watching = threading.Thread(target=session.watch, daemon=True)
    watching.start()
    try:
        base = f"http://127.0.0.1:{port}"
        front = get(base + "/")
        assert serve.STATUS_PATH in front and "location.reload()" in front
        first = json.loads(get(base + serve.STATUS_PATH))
        assert first == {"build": 1, "error": ""}

        path = project.source / "notebooks" / "gdp.ipynb"
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell("A sentence saved while the server runs."))
        nbformat.write(nb, path)

        wait_for(lambda: json.loads(get(base + serve.STATUS_PATH))["build"] > 1, "a rebuild")
        assert "A sentence saved while the server runs." in get(base + "/notebooks/gdp.html")
        report = json.loads((project.out / "last-build.json").read_text(encoding="utf-8"))["notebooks"]
        assert {entry["action"] for entry in report.values()} == {"cached"}

        # a save that breaks the build: the last good page stays, the status carries the error
        nb.cells.append(nbformat.v4.new_code_cell("raise ValueError('broken on purpose')"))
        nbformat.write(nb, path)
        wait_for(lambda: json.loads(get(base + serve.STATUS_PATH))["error"], "the failed build")
        assert "broken on purpose" in json.loads(get(base + serve.STATUS_PATH))["error"]
        assert "A sentence saved while the server runs." in get(base + "/notebooks/gdp.html")
    finally:
        session.stop()
        watching.join(timeout=60)


def test_the_command_line_documents_itself():
    result = subprocess.run(
        [sys.executable, "-m", "kzcn.serve", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "127.0.0.1" in result.stdout and "--port" in result.stdout


def test_the_watcher_ignores_editor_and_cache_files(tmp_path):
    (tmp_path / "page.md").write_text("words", encoding="utf-8")
    for ignored in (".page.md.swp", "page.md~", ".ipynb_checkpoints/x.ipynb", "__pycache__/m.pyc"):
        (tmp_path / ignored).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / ignored).write_text("noise", encoding="utf-8")
    assert list(serve.snapshot([tmp_path])) == [str(tmp_path / "page.md")]
