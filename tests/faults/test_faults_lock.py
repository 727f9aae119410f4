"""The build lock: a second build is refused with the holder's PID and start time; a lock kept
by a leftover process after its owner died is reported as stale, naming who keeps it; the
lock and the children of the build die with it (see also test_faults_kill.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from kzcn import procs

HOLDER = textwrap.dedent(
    """
    import json, os, sys, time
    import psutil
    from filelock import FileLock
    root, owner_pid = sys.argv[1], int(sys.argv[2])
    lock = FileLock(os.path.join(root, ".lock"), timeout=0)
    lock.acquire()
    me = psutil.Process(owner_pid)
    with open(os.path.join(root, ".lock.owner"), "w") as handle:
        json.dump({"pid": owner_pid, "started": "then", "create_time": me.create_time(),
                   "command": "python -m kzcn build"}, handle)
    print("held", flush=True)
    time.sleep(120)
    """
)


def test_second_build_is_refused_with_pid_and_start_time(fp, capsys):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER.replace("int(sys.argv[2])", "os.getpid()"), str(fp.out), "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        before = fp.snapshot()
        assert fp.build() == 1
        err = capsys.readouterr().err
        assert f"another build is running in {fp.out}: PID {holder.pid}, started then" in err, err
        assert "likely cause: another build" in err and "Traceback" not in err
        assert fp.snapshot() == before
    finally:
        holder.kill()
        holder.wait()
    assert fp.build() == 0  # the lock died with its holder


def test_lock_kept_by_a_leftover_process_is_reported_as_stale(fp, capsys):
    # The recorded owner (a short-lived process) exits; another process keeps the lock.
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(fp.out), str(owner.pid)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        owner.kill()
        owner.wait()
        assert fp.build() == 1
        err = capsys.readouterr().err
        assert "is stale" in err and f"PID {owner.pid}" in err and f"PID {holder.pid}" in err, err
    finally:
        holder.kill()
        holder.wait()


def test_kill_tree_reaches_a_grandchild_in_another_session():
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    grandchild = int(parent.stdout.readline())
    procs.kill_tree(parent.pid, grace=2)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while psutil.pid_exists(grandchild) and psutil.Process(grandchild).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the grandchild survived"
        time.sleep(0.05)


#: A guarded command: it starts a child in a session of its own (as jupyter_client starts a
#: kernel), writes both PIDs, and waits.
GUARDED = textwrap.dedent(
    """
    import json, os, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    with open(sys.argv[-1] + ".tmp", "w") as handle:
        json.dump({"pid": os.getpid(), "child": child.pid, "argv": sys.argv[1:]}, handle)
    os.replace(sys.argv[-1] + ".tmp", sys.argv[-1])
    time.sleep(120)
    """
)


def _start_guarded(tmp_path, form: str):
    """A parent that starts the guarded command in ``form`` (-c code, -m module, script path);
    returns (parent, what the command wrote)."""
    report = tmp_path / "report.json"
    script = tmp_path / "guarded_cmd.py"
    script.write_text(GUARDED, encoding="utf-8")
    command = {
        "-c": [sys.executable, "-c", GUARDED, "an argument", str(report)],
        "-m": [sys.executable, "-m", "guarded_cmd", "an argument", str(report)],
        "script": [sys.executable, str(script), "an argument", str(report)],
    }[form]
    parent_code = (
        "import json, subprocess, sys, time\n"
        "from kzcn import procs\n"
        f"proc = subprocess.Popen(procs.guarded({command!r}), cwd={str(tmp_path)!r}, start_new_session=True)\n"
        "print(proc.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    started = int(parent.stdout.readline())
    deadline = time.monotonic() + 60
    while not report.exists():
        assert time.monotonic() < deadline, "the guarded command never started"
        time.sleep(0.05)
    written = json.loads(report.read_text())
    # the command guards itself: the process the parent started is the command, no guard between
    assert written["pid"] == started
    assert written["argv"] == ["an argument", str(report)]
    return parent, written


def _wait_gone(*pids: int) -> None:
    deadline = time.monotonic() + 10
    for pid in pids:
        while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, f"process {pid} outlived its guard's parent"
            time.sleep(0.05)


@pytest.mark.parametrize("form", ["-c", "-m", "script"])
def test_guarded_command_and_its_children_end_when_its_parent_is_killed(tmp_path, form):
    """kill -9 of the parent (the build): the guarded command and the child it started in
    another session (a kernel) end, with no guard process between parent and command."""
    parent, written = _start_guarded(tmp_path, form)
    try:
        parent.kill()
        parent.wait()
        _wait_gone(written["pid"], written["child"])
    finally:
        for pid in (written["pid"], written["child"]):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()


def test_guarded_command_ends_its_children_on_sigterm(tmp_path):
    parent, written = _start_guarded(tmp_path, "-c")
    try:
        os.kill(written["pid"], signal.SIGTERM)
        _wait_gone(written["pid"], written["child"])
        assert parent.poll() is None  # the parent is not touched
    finally:
        parent.kill()
        parent.wait()
        with contextlib.suppress(psutil.Error):
            psutil.Process(written["child"]).kill()


def test_other_commands_run_under_a_guard_process(tmp_path):
    """A command that is not this Python (here: ``sleep``) gets the separate guard."""
    command = procs.guarded(["sleep", "60"])
    assert command[:3] == [sys.executable, "-m", "kzcn.procs"] and command[-2:] == ["sleep", "60"]
    parent_code = (
        "import subprocess, sys, time\n"
        "from kzcn import procs\n"
        "proc = subprocess.Popen(procs.guarded(['sleep', '60']))\n"
        "print(proc.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    guard = psutil.Process(int(parent.stdout.readline()))
    deadline = time.monotonic() + 30
    while not guard.children():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    sleeper = guard.children()[0].pid
    parent.kill()
    parent.wait()
    _wait_gone(guard.pid, sleeper)
