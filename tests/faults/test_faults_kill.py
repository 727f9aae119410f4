"""``kill -9`` of the build at each step, then a rebuild: it completes, nothing is left running,
the lock is not stale, and the last good site was never touched (or is the complete new one)."""

from __future__ import annotations

import os
import queue
import signal
import threading
import time

import nbformat
import psutil
import pytest
from conftest import GROWTH, FaultProject

from kzcn.manifest import load_manifest

#: Time allowed for a step to be reached (the machine may be busy; not a speed target).
REACH_S = 240


def _reader(proc) -> queue.Queue:
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for(proc, lines: queue.Queue, condition, what: str, log: list[str]) -> None:
    deadline = time.monotonic() + REACH_S
    while not condition():
        try:
            line = lines.get(timeout=0.02)
        except queue.Empty:
            line = ""
        if line is None:
            pytest.fail(f"the build ended before {what}:\n" + "".join(log)[-3000:])
        if line:
            log.append(line)
        assert time.monotonic() < deadline, f"never reached {what}:\n" + "".join(log)[-3000:]


def descendants(pid: int, needle: str) -> list[psutil.Process]:
    try:
        found = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    out = []
    for proc in found:
        try:
            if needle in " ".join(proc.cmdline()):
                out.append(proc)
        except psutil.Error:
            continue
    return out


def slow_plain_notebook(fp: FaultProject) -> None:
    nb = nbformat.read(fp.source / "notebooks" / "plain.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('import pathlib, time\npathlib.Path("started.marker").touch()'))
    nb.cells.append(nbformat.v4.new_code_cell("time.sleep(300)"))
    nb.cells[-2]["id"], nb.cells[-1]["id"] = "slow-1", "slow-2"
    nbformat.write(nb, fp.source / "notebooks" / "plain.ipynb")


def prepare(fp: FaultProject, step: str):
    """Make ``step`` do real work in the next build; return (condition to kill at, what to undo)."""
    log: list[str] = []
    if step == "fetch":
        # a missing raw file, served a byte at a time: the kill lands mid-download
        target = load_manifest(fp.manifest_path)[GROWTH].cache_path()
        target.unlink()
        fp.server.set("trickle")
        return (lambda: any(p.name.startswith("tmp") for p in target.parent.iterdir())), log
    if step == "parse":
        for path in fp.processed.glob("*.parquet"):
            path.unlink()
        return None, log  # condition built once the build's PID is known
    if step == "execute":
        slow_plain_notebook(fp)
        marker = fp.out / "run" / "notebooks__plain" / "notebooks" / "started.marker"
        return marker.exists, log
    if step == "render":
        index = fp.source / "index.md"
        index.write_text(index.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
        return None, log
    if step == "publish":
        index = fp.source / "index.md"
        index.write_text(index.read_text(encoding="utf-8") + "\nAnother sentence.\n", encoding="utf-8")
        return (lambda: any(fp.out.glob("html.new-*"))), log
    raise AssertionError(step)


@pytest.mark.parametrize("step", ["fetch", "parse", "execute", "render", "publish"])
def test_kill_9_then_rebuild(fp: FaultProject, step, record_property):
    before = fp.snapshot()
    condition, log = prepare(fp, step)
    build = fp.start()
    lines = _reader(build)
    try:
        if step == "parse":

            def condition():
                # a parse worker: forked on Linux, so it has the build's own command line
                return bool(descendants(build.pid, ""))
        elif step == "render":

            def condition():
                return bool(descendants(build.pid, "jupyter-book"))

        wait_for(
            build, lines, lambda: any(f"[build] {step} ..." in line for line in log), f"step {step}", log
        )
        wait_for(build, lines, condition, f"the work of step {step}", log)
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    orphan_s = fp.wait_no_orphans()

    after_kill = fp.snapshot()
    if step == "publish":
        # killed around the swap: the old site or the complete new one, never a mix
        assert after_kill == before or (fp.html / "index.html").is_file()
    else:
        assert after_kill == before, "the killed build changed the last good site"

    # undo the fault, rebuild: completes, no lock left behind, nothing left running
    fp.server.set("normal")
    if step == "execute":
        nb = nbformat.read(fp.source / "notebooks" / "plain.ipynb", as_version=4)
        nb.cells = nb.cells[:-2]
        nbformat.write(nb, fp.source / "notebooks" / "plain.ipynb")
    rc, out, recover_s = fp.run()
    assert rc == 0, out[-4000:]
    assert "another build is running" not in out and "stale" not in out
    if step in ("fetch", "parse", "execute", "render"):
        assert "did not finish; removing what it left" in out
    assert not (fp.out / ".lock.owner").exists()
    assert not list(fp.out.glob("html.new-*")) and not (fp.out / "run").exists()
    assert not [p for p in fp.raw.rglob("tmp*") if p.is_file()], "temporary download files left"
    assert not list(fp.processed.glob("*.part"))
    assert (fp.html / "index.html").is_file()
    fp.wait_no_orphans(limit=5)
    record_property("orphans_gone_s", round(orphan_s, 2))
    record_property("rebuild_s", round(recover_s, 1))
    print(f"kill -9 in {step}: orphans gone after {orphan_s:.2f} s, rebuild {recover_s:.1f} s")
