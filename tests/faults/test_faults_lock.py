"""The build lock: a second build is refused with the holder's PID and start time; a lock kept
by a leftover process after its owner died is reported as stale, naming who keeps it; the
lock and the children of the build die with it (see also test_faults_kill.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import psutil

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


def test_guarded_command_ends_when_its_parent_is_killed(tmp_path):
    """``python -m kzcn.procs --parent PID -- CMD``: CMD ends once PID has died (kill -9)."""
    pid_file = tmp_path / "cmd.pid"
    command = tmp_path / "command.py"
    command.write_text(
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)\n",
        encoding="utf-8",
    )
    script = (
        "import subprocess, sys, time\n"
        "from kzcn import procs\n"
        f"subprocess.Popen(procs.guarded([sys.executable, {str(command)!r}]))\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 60
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    command_pid = int(pid_file.read_text())
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while psutil.pid_exists(command_pid) and psutil.Process(command_pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the guarded command outlived its parent"
        time.sleep(0.05)
    assert json.dumps(command_pid)  # it existed, and it is gone
