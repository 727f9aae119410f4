"""Fault injection on the pipeline's fixture book (tests/pipeline/pipeline_fixtures.py).

``template`` (session) builds the fixture book once, with four small WDI sources
(so that a parse needs the worker pool), from a fixture mirror served on
127.0.0.1.  Every test gets ``fp``: a private copy of that built project (book,
mirror, raw and processed caches, build folder with its published site), served
by a :class:`FaultServer` whose behaviour a test switches (normal, trickle,
hang, fail N times, oversized) and with the environment of this process
pointed at it, so that a build can run in this process (faults injected with
monkeypatch) or as a subprocess (``kill -9``).

Every build subprocess carries a unique ``KZCN_FAULT_TAG`` in its environment,
which all its descendants inherit (papermill, kernels, parse workers,
jupyter-book); :meth:`FaultProject.tagged_processes` finds them after the build
is gone, which is how "no orphan" is checked.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
import yaml

from kzcn import config, loopback, pipeline, publish

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "pipeline"))

from pipeline_fixtures import SOURCES, copy_mirror, write_book  # noqa: E402

#: Two more small WDI tables, so that the fixture manifest has four sources and the
#: parse step uses its worker pool (it parses in this process below 2 x jobs files).
EXTRA_SOURCES = ("wdi-sp.pop.totl", "wdi-ny.gdp.pcap.cd")
GDP, GROWTH = SOURCES
BOOT = HERE / "fault_boot.py"


def shared_mirror() -> Path:
    return Path(os.environ.get("KZCN_MIRROR_DIR") or config.ROOT.parent / "shared" / "data" / "github")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(target: Path) -> None:
    document = yaml.safe_load(config.DATA_DIR.joinpath("sources.yml").read_text(encoding="utf-8"))
    ids = (*SOURCES, *EXTRA_SOURCES)
    sources = {source_id: document["sources"][source_id] for source_id in ids}
    families = {name: document["families"][name] for name in {entry["family"] for entry in sources.values()}}
    target.write_text(
        yaml.safe_dump({"families": families, "sources": sources}, sort_keys=False), encoding="utf-8"
    )


# ------------------------------------------------------------------ the server


class FaultHandler(loopback.QuietHandler):
    """Serves the project's mirror; ``server.mode`` says how (see :class:`FaultServer`)."""

    def do_GET(self):  # noqa: N802 - the stdlib's name
        state: FaultServer = self.server.fault  # type: ignore[attr-defined]
        state.requests += 1
        mode = state.mode
        if mode == "fail" and state.failures_left > 0:
            state.failures_left -= 1
            self.send_error(503, "fixture: temporarily unavailable")
            return
        if mode == "hang":
            state.release.wait(60)
            return
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        if mode == "oversized":
            data = data + b"x" * (len(data) + 10)
        if mode == "garbage":
            data = bytes(255 - byte for byte in data)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if mode != "oversized":
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if mode == "stall":  # half the body, then silence
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            state.release.wait(60)
            return
        if mode == "trickle":
            # one small piece now and then: never idle long enough for a read timeout
            for start in range(0, len(data), 64):
                if state.release.wait(state.trickle_pause):
                    return
                try:
                    self.wfile.write(data[start : start + 64])
                    self.wfile.flush()
                except OSError:
                    return
            return
        try:
            self.wfile.write(data)
        except OSError:
            pass


@dataclass
class FaultServer:
    """A loopback server of ``directory``.

    ``mode``: normal; trickle (64 bytes every ``trickle_pause`` s); hang (accepts, never
    answers); stall (half the body, then silence); fail (HTTP 503 ``failures`` times, then
    normal); oversized (more bytes than the file, no Content-Length); garbage (other bytes
    of the same length).
    """

    directory: Path
    mode: str = "normal"
    failures_left: int = 0
    trickle_pause: float = 0.3
    requests: int = 0
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.server = loopback.start(self.directory, FaultHandler)
        self.server.fault = self  # type: ignore[attr-defined]
        self.url = loopback.base_url(self.server)

    def set(self, mode: str, failures: int = 0) -> None:
        self.mode, self.failures_left, self.requests = mode, failures, 0

    def stop(self) -> None:
        self.release.set()
        loopback.stop(self.server)


# ----------------------------------------------------------------- the project


@dataclass
class FaultProject:
    root: Path
    server: FaultServer | None = None
    tag: str = field(default_factory=lambda: uuid.uuid4().hex)

    source = property(lambda self: self.root / "book")
    mirror = property(lambda self: self.root / "mirror")
    raw = property(lambda self: self.root / "raw")
    processed = property(lambda self: self.root / "processed")
    out = property(lambda self: self.root / "build")
    manifest_path = property(lambda self: self.root / "sources.yml")
    html = property(lambda self: self.root / "build" / "html")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KZCN_")}
        env.update(
            KZCN_MANIFEST=str(self.manifest_path),
            KZCN_DATA_BASE_URL=self.server.url if self.server else "http://127.0.0.1:9/",
            KZCN_RAW_DIR=str(self.raw),
            KZCN_PROCESSED_DIR=str(self.processed),
            KZCN_TEST_PACKAGE_HASH=PINNED_HASH,
            KZCN_FAULT_TAG=self.tag,
            MPLBACKEND="Agg",
        )
        return env

    def apply_env(self, monkeypatch) -> None:
        """Point this process at the project (for builds run in-process)."""
        for key in [k for k in os.environ if k.startswith("KZCN_")]:
            monkeypatch.delenv(key)
        for key, value in self.env().items():
            if key.startswith("KZCN_"):
                monkeypatch.setenv(key, value)
        monkeypatch.setattr(config, "MANIFEST_PATH", self.manifest_path)
        monkeypatch.setattr(pipeline, "package_hash", lambda package_dir=None: PINNED_HASH)
        monkeypatch.setattr(
            publish, "claims_document", lambda build_info: {"build_date": build_info["build_date"]}
        )

    def args(self, *extra: str) -> list[str]:
        return ["--source", str(self.source), "--out", str(self.out), *extra]

    def build(self, *extra: str) -> int:
        """A build in this process (faults injected with monkeypatch)."""
        return pipeline.main(self.args(*extra))

    def start(self, *extra: str) -> subprocess.Popen:
        """A build as a subprocess, as a reader starts it."""
        return subprocess.Popen(
            [sys.executable, str(BOOT), *self.args(*extra)],
            cwd=self.root,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def run(self, *extra: str, timeout: float = 600) -> tuple[int, str, float]:
        started = time.monotonic()
        proc = self.start(*extra)
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out, time.monotonic() - started

    def snapshot(self) -> dict[str, str]:
        return {
            p.relative_to(self.html).as_posix(): sha256(p)
            for p in sorted(self.html.rglob("*"))
            if p.is_file()
        }

    def tagged_processes(self) -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter():
            try:
                if proc.pid != os.getpid() and proc.environ().get("KZCN_FAULT_TAG") == self.tag:
                    if proc.status() != psutil.STATUS_ZOMBIE:
                        found.append(proc)
            except psutil.Error:
                continue
        return found

    def wait_no_orphans(self, limit: float = 20.0) -> float:
        """Seconds until no process of this project's builds is left (fails after ``limit``)."""
        started = time.monotonic()
        while True:
            left = self.tagged_processes()
            if not left:
                return time.monotonic() - started
            if time.monotonic() - started > limit:
                described = [(p.pid, " ".join(p.cmdline())[:100]) for p in left if p.is_running()]
                for proc in left:  # do not leave them to the next test
                    try:
                        proc.kill()
                    except psutil.Error:
                        pass
                pytest.fail(f"orphans still running {limit:g} s after the build died: {described}")
            time.sleep(0.1)


PINNED_HASH = pipeline.package_hash()


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> FaultProject:
    """The fixture project after one successful build (its site is "the last good site")."""
    project = FaultProject(tmp_path_factory.mktemp("faults") / "template")
    project.root.mkdir(parents=True, exist_ok=True)
    write_manifest(project.manifest_path)
    copy_mirror(project.manifest_path, shared_mirror(), project.mirror)
    write_book(project.source)
    project.server = FaultServer(project.mirror)
    try:
        rc, out, _ = project.run()
    finally:
        project.server.stop()
    assert rc == 0, "the fixture book does not build:\n" + out[-4000:]
    return project


@pytest.fixture
def fp(template, tmp_path, monkeypatch) -> FaultProject:
    """A private copy of the built fixture project, served, with this process pointed at it."""
    project = FaultProject(tmp_path / "project")
    shutil.copytree(template.root, project.root, symlinks=True)
    project.server = FaultServer(project.mirror)
    project.apply_env(monkeypatch)
    monkeypatch.setattr(config, "FETCH_RETRIES", config.FETCH_RETRIES)
    try:
        yield project
    finally:
        project.server.stop()
        for proc in project.tagged_processes():
            try:
                proc.kill()
            except psutil.Error:
                pass
