"""``make serve``: the book on 127.0.0.1, rebuilt on save, the browser page reloaded.

    python -m kzcn.serve [--port 8000] [--source DIR] [--out DIR] [--port-file F] [build options]

1. builds the book once (``python -m kzcn build``, incremental as always);
2. serves the published site (``<out>/html``) on 127.0.0.1 only;
3. watches the book's sources (notebooks, ``book/``, ``_config.yml``, ``_toc.yml``,
   ``references.bib``, the ``kzcn`` package, the ledger and the manifest) by
   polling their size and modification time twice a second, and after a save
   runs the same build again: a Markdown-only edit merges the prose into the
   cached run and Sphinx re-reads the changed page only;
4. every HTML page it serves carries a small script that asks the server, once
   a second, for the number of the last successful build, and reloads the page
   when it changes; a failed build is shown in a banner over the page (the site
   itself stays as it was).

Stop it with Ctrl-C.  Options it does not know are passed to ``kzcn build``
(for instance ``--country UZB`` or ``--jobs 1``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kzcn import config

HOST = "127.0.0.1"
STATUS_PATH = "/_kzcn/status"
POLL_SECONDS = 0.5
#: Quiet time after the last change before building (editors save in several writes).
SETTLE_SECONDS = 0.3

#: What the watcher looks at, relative to the book source (missing ones are skipped).
WATCHED = ("_config.yml", "_toc.yml", "references.bib", "book", "notebooks")
#: ... and relative to the repository (code and data the notebooks read).
WATCHED_REPO = ("kzcn", "data/thesis", "data/sources.yml")
IGNORED_PARTS = {".ipynb_checkpoints", "__pycache__", "_build", ".git"}

RELOAD_SCRIPT = """
<script>
/* kzcn serve: reload this page after each rebuild; show a failed build */
(function () {
  var seen = null;
  function banner(text) {
    var box = document.getElementById("kzcn-serve-banner");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "kzcn-serve-banner";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:40vh;overflow:auto;" +
        "margin:0;padding:1em;background:#fff3cd;color:#3d2c00;border-top:3px solid #b58100;" +
        "z-index:10000;white-space:pre-wrap;font-size:14px";
      document.body.appendChild(box);
    }
    box.textContent = "The last rebuild failed; this page shows the last good build.\\n\\n" + text;
  }
  function poll() {
    fetch("STATUS_PATH", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.build !== seen) { location.reload(); return; }
      seen = s.build;
      banner(s.error);
    }).catch(function () {}).finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
""".replace("STATUS_PATH", STATUS_PATH)


class Status:
    """The number of the last successful build and the message of a failed one (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.build = 0
        self.error = ""

    def succeeded(self) -> None:
        with self._lock:
            self.build += 1
            self.error = ""

    def failed(self, message: str) -> None:
        with self._lock:
            self.error = message

    def as_json(self) -> bytes:
        with self._lock:
            return json.dumps({"build": self.build, "error": self.error}).encode()


class Handler(SimpleHTTPRequestHandler):
    """Serves the site folder; adds the reload script to HTML pages; answers the status."""

    status: Status

    def __init__(self, *args, status: Status, **kwargs) -> None:
        self.status = status
        super().__init__(*args, **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def end_headers(self) -> None:
        # always the page of the last build, never a cached one
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        if self.path.split("?", 1)[0] == STATUS_PATH:
            self._send(200, "application/json", self.status.as_json())
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?", 1)[0].endswith("/"):
                super().do_GET()  # the stdlib's redirect to the folder URL
                return
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            page = path.read_bytes()
            marker = page.rfind(b"</body>")
            script = RELOAD_SCRIPT.encode()
            page = page[:marker] + script + page[marker:] if marker >= 0 else page + script
            self._send(200, "text/html; charset=utf-8", page)
            return
        super().do_GET()

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def watched_paths(source: Path, repo: Path = config.ROOT) -> list[Path]:
    return [source / name for name in WATCHED] + [repo / name for name in WATCHED_REPO]


def snapshot(roots: Iterable[Path]) -> dict[str, tuple[int, int]]:
    """``path -> (mtime_ns, size)`` of every file under ``roots`` (editor and cache files left out)."""
    found: dict[str, tuple[int, int]] = {}
    for root in roots:
        paths = [root] if root.is_file() else (root.rglob("*") if root.is_dir() else [])
        for path in paths:
            if IGNORED_PARTS & set(path.parts) or path.name.startswith((".", "#")) or path.name.endswith("~"):
                continue
            try:
                info = path.stat()
            except OSError:  # deleted while we looked
                continue
            if path.is_file():
                found[str(path)] = (info.st_mtime_ns, info.st_size)
    return found


class Watcher:
    """Calls ``on_change`` after the watched files changed and then stayed quiet for a moment."""

    def __init__(self, roots: list[Path], on_change: Callable[[], None]) -> None:
        self.roots = roots
        self.on_change = on_change
        self.stop = threading.Event()
        self.last = snapshot(roots)

    def run(self) -> None:
        while not self.stop.wait(POLL_SECONDS):
            now = snapshot(self.roots)
            if now == self.last:
                continue
            # let the editor finish writing
            while not self.stop.wait(SETTLE_SECONDS):
                later = snapshot(self.roots)
                if later == now:
                    break
                now = later
            # a save made during the build differs from this snapshot: the next round builds again
            self.last = now
            self.on_change()


def build_command(source: Path, out: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "kzcn", "build", "--source", str(source), "--out", str(out), *extra]


def subprocess_builder(command: list[str]) -> Callable[[], tuple[bool, str]]:
    """A build as ``make serve`` runs it: ``python -m kzcn build`` -> (succeeded, its output)."""

    def build() -> tuple[bool, str]:
        result = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
        return result.returncode == 0, result.stdout

    return build


def run_build(
    build: Callable[[], tuple[bool, str]], status: Status, log: Callable[[str], None] = print
) -> bool:
    """One build; the status says how it ended (the page reloads, or shows the error)."""
    log("[serve] building ...")
    started = time.perf_counter()
    ok, output = build()
    seconds = time.perf_counter() - started
    if ok:
        status.succeeded()
        summary = output.split("timing summary", 1)
        if len(summary) == 2:
            log("timing summary" + summary[1].rstrip())
        log(f"[serve] build {status.build} done in {seconds:.1f} s; the browser page reloads")
        return True
    message = output.split("BUILD FAILED:", 1)[-1].strip() or output[-3000:]
    status.failed(message)
    log(f"[serve] the build failed after {seconds:.1f} s (the last good site stays served):\n{message}")
    return False


class Session:
    """One ``make serve``: a first build, the HTTP server, the watcher (``watch`` blocks until ``stop``)."""

    def __init__(
        self,
        site: Path,
        roots: list[Path],
        build: Callable[[], tuple[bool, str]],
        port: int = 0,
        log: Callable[[str], None] = print,
    ) -> None:
        self.site, self.roots, self.build, self.port, self.log = site, roots, build, port, log
        self.status = Status()
        self.server: ThreadingHTTPServer | None = None
        self.watcher: Watcher | None = None

    def start(self) -> int | None:
        """Build once and serve; the port, or None when there is no site to serve."""
        if not run_build(self.build, self.status, self.log) and not self.site.is_dir():
            return None
        handler = functools.partial(Handler, directory=str(self.site), status=self.status)
        self.server = ThreadingHTTPServer((HOST, self.port), handler)
        threading.Thread(target=self.server.serve_forever, name="kzcn-serve", daemon=True).start()
        self.watcher = Watcher(self.roots, lambda: run_build(self.build, self.status, self.log))
        return self.server.server_address[1]

    def watch(self) -> None:
        self.watcher.run()

    def stop(self) -> None:
        if self.watcher:
            self.watcher.stop.set()
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def site_dir(out: Path, country: str | None) -> Path:
    from kzcn.pipeline import build_root

    return build_root(out, country) / "html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kzcn.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--port-file", type=Path, help="write the port here once serving")
    parser.add_argument(
        "--source", type=Path, default=config.ROOT, help="book source (default: the repository)"
    )
    parser.add_argument("--out", type=Path, help="build folder (default: _build, KZCN_BUILD_DIR)")
    parser.add_argument("--country", help="serve the variant book of another country (ISO3)")
    args, extra = parser.parse_known_args(argv)
    source = args.source.resolve()
    out = (args.out or config.build_dir()).resolve()
    if args.country:
        extra = ["--country", args.country, *extra]
    log = functools.partial(print, flush=True)
    session = Session(
        site_dir(out, args.country),
        watched_paths(source),
        subprocess_builder(build_command(source, out, extra)),
        port=args.port,
        log=log,
    )
    port = session.start()
    if port is None:
        print("[serve] no site to serve yet: fix the error above and run make serve again", file=sys.stderr)
        return 1
    if args.port_file:
        args.port_file.write_text(f"{port}\n", encoding="utf-8")
    log(f"[serve] the book is at http://{HOST}:{port}/ (Ctrl-C stops)")
    try:
        session.watch()
    except KeyboardInterrupt:
        log("\n[serve] stopped")
    finally:
        session.stop()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
