"""One loopback HTTP server of a folder, for everything that serves files locally.

The tests and ``.ci/run`` serve the raw-data mirror (laid out like
raw.githubusercontent.com) so that downloads take the real HTTP path without
internet; the browser tests serve the built site.  The server binds 127.0.0.1
only, on a free port the kernel picks.

    with loopback.serve(directory) as base_url:   # "http://127.0.0.1:40123/"
        ...

    python -m kzcn.loopback DIRECTORY [--port-file FILE]   # serve until killed
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves a folder without one log line per request (test output stays readable)."""

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


def start(directory: Path | str, handler_class: type = QuietHandler) -> ThreadingHTTPServer:
    """A server of ``directory`` on 127.0.0.1 at a free port, answering from a daemon thread."""
    handler = functools.partial(handler_class, directory=str(directory))
    server = ThreadingHTTPServer((HOST, 0), handler)
    threading.Thread(target=server.serve_forever, name=f"loopback:{directory}", daemon=True).start()
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


@contextlib.contextmanager
def serve(directory: Path | str, handler_class: type = QuietHandler) -> Iterator[str]:
    """Serve ``directory`` for the duration of the ``with`` block; yields the base URL."""
    server = start(directory, handler_class)
    try:
        yield base_url(server)
    finally:
        stop(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kzcn.loopback", description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port-file", type=Path, help="write the chosen port here once serving")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        parser.error(f"not a directory: {args.directory}")
    handler = functools.partial(QuietHandler, directory=str(args.directory))
    with ThreadingHTTPServer((HOST, 0), handler) as server:
        port = server.server_address[1]
        if args.port_file:
            args.port_file.write_text(f"{port}\n", encoding="utf-8")
        print(f"serving {args.directory} at http://{HOST}:{port}/", flush=True)
        server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
