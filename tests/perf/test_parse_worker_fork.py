"""The parse worker is forked from the build (Linux) and keeps nothing of its lock: when the
build dies, however it dies, the lock is free although a forked child still runs (filelock
closes its descriptors in a forked child; this checks that the build can rely on it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import filelock
import psutil
import pytest

from kzcn import store


def test_the_worker_is_forked_on_linux_only(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    assert store._worker_start_method() == "fork"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert store._worker_start_method() == "spawn"


BUILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from kzcn import pipeline
    pipeline.BuildLock(Path(sys.argv[1])).acquire()
    child = os.fork()
    if child == 0:
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
    time.sleep(60)
    """
)


def test_a_forked_child_does_not_keep_the_lock_of_a_killed_build(tmp_path):
    build = subprocess.Popen([sys.executable, "-c", BUILD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    child = int(build.stdout.readline())
    try:
        build.kill()  # kill -9: the build never unlocks
        build.wait(10)
        assert psutil.pid_exists(child)
        other = filelock.FileLock(str(tmp_path / ".lock"), timeout=0)
        try:
            other.acquire()  # raises Timeout while any process holds the lock's file
        except filelock.Timeout:
            pytest.fail("the forked child kept the build lock")
        other.release()
    finally:
        os.kill(child, signal.SIGKILL)
