"""A full disk at each writing step, by an injected ``OSError(ENOSPC)`` (no mounting needed):
the build fails with "likely cause: disk full", names what it was writing, removes its
partial files and leaves the last good site untouched."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys

from conftest import GROWTH

from kzcn import pipeline, store
from kzcn.manifest import load_manifest


def enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def assert_disk_full(capsys, fp, before, step: str, *named: str) -> str:
    err = capsys.readouterr().err
    assert err.strip().startswith("BUILD FAILED: "), err
    assert f"step:         {step}" in err and "likely cause: disk full" in err, err
    assert "No space left on device" in err and "free space" in err, err
    assert "Traceback" not in err
    for name in named:
        assert name in err, (name, err)
    assert fp.snapshot() == before
    assert not list(fp.out.glob("html.new-*"))
    return err


def touch_index(fp, text: str) -> None:
    index = fp.source / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


def test_disk_full_while_parsing(fp, capsys, monkeypatch):
    import pyarrow.parquet as pq

    path = store.cache_file(load_manifest(fp.manifest_path)[GROWTH])
    path.unlink()
    before = fp.snapshot()
    monkeypatch.setattr(pq, "write_table", enospc)
    assert fp.build() == 1
    assert_disk_full(capsys, fp, before, "parse", GROWTH)
    assert not list(fp.processed.glob("*.part")) and not path.exists()
    monkeypatch.undo()


def test_disk_full_while_staging(fp, capsys, monkeypatch):
    touch_index(fp, "A staged change.")
    before = fp.snapshot()
    monkeypatch.setattr(pipeline, "write_if_changed", enospc)
    assert fp.build() == 1
    assert_disk_full(capsys, fp, before, "stage")


def test_disk_full_in_sphinx_keeps_the_cause(fp, capsys, monkeypatch, tmp_path):
    """Sphinx dies with an exception; its "No space left on device" line reaches the message."""
    wrapper = tmp_path / "jb_full_disk.py"
    wrapper.write_text(
        "import errno, os, sys\n"
        "from sphinx.builders.html import StandaloneHTMLBuilder\n"
        "def copy_static_files(self, *args, **kwargs):\n"
        "    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), '_static/pygments.css')\n"
        "StandaloneHTMLBuilder.copy_static_files = copy_static_files\n"
        "from jupyter_book.cli.main import main\n"
        "sys.argv[0] = 'jupyter-book'\n"
        "sys.exit(main())\n",
        encoding="utf-8",
    )
    launcher = tmp_path / "jupyter-book"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{wrapper}" "$@"\n', encoding="utf-8")
    launcher.chmod(launcher.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(pipeline, "jupyter_book_command", lambda warm=False: [str(launcher)])
    touch_index(fp, "A change to render.")
    before = fp.snapshot()
    assert fp.build() == 1
    assert_disk_full(capsys, fp, before, "render", "jupyter-book build failed")


def test_disk_full_while_publishing_removes_the_partial_copy(fp, capsys, monkeypatch):
    real_copytree = shutil.copytree

    def copy_half(src, dst, *args, **kwargs):
        if not str(dst).rsplit("/", 1)[-1].startswith("html.new-"):
            return real_copytree(src, dst, *args, **kwargs)  # shutil's own recursion
        real_copytree(src, dst, ignore=lambda d, names: names[len(names) // 2 :])
        raise shutil.Error([(str(src), str(dst), "[Errno 28] No space left on device")])

    monkeypatch.setattr(pipeline.shutil, "copytree", copy_half)
    touch_index(fp, "A change to publish.")
    before = fp.snapshot()
    assert fp.build() == 1
    assert_disk_full(capsys, fp, before, "publish")
    monkeypatch.undo()
    fp.apply_env(monkeypatch)
    assert fp.build() == 0  # space is back: the next build completes
