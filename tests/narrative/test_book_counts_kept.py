"""The thesis counts the book states are kept beside Sphinx's environment and counted again
exactly when the ledger changes (kzcn.narrative.book_counts_kept)."""

from __future__ import annotations

import shutil

import pytest

from kzcn import config, narrative


def test_counts_are_kept_until_the_ledger_changes(tmp_path, monkeypatch):
    thesis = tmp_path / "thesis"
    shutil.copytree(config.THESIS_DIR, thesis)
    monkeypatch.setattr(config, "THESIS_DIR", thesis)
    kept_in = tmp_path / "doctrees"

    first = narrative.book_counts_kept(kept_in)
    assert first == narrative.book_counts()

    def must_not_count():
        raise AssertionError("counted again although no file changed")

    with monkeypatch.context() as patch:
        patch.setattr(narrative, "book_counts", must_not_count)
        assert narrative.book_counts_kept(kept_in) == first

    # one timeline event fewer: the kept counts no longer apply
    timeline = thesis / "timeline.csv"
    lines = timeline.read_text(encoding="utf-8").splitlines(keepends=True)
    timeline.write_text("".join(lines[:-1]), encoding="utf-8")
    changed = narrative.book_counts_kept(kept_in)
    assert int(changed["thesis_timeline_events"]) == int(first["thesis_timeline_events"]) - 1


def test_an_unreadable_kept_file_is_counted_again(tmp_path):
    kept_in = tmp_path / "doctrees"
    kept_in.mkdir()
    (kept_in / "kzcn-book-counts.json").write_text("not json", encoding="utf-8")
    assert narrative.book_counts_kept(kept_in) == narrative.book_counts()


@pytest.mark.parametrize("missing", ["key", "counts"])
def test_a_kept_file_without_its_parts_is_counted_again(tmp_path, missing):
    kept_in = tmp_path / "doctrees"
    narrative.book_counts_kept(kept_in)
    path = kept_in / "kzcn-book-counts.json"
    import json

    document = json.loads(path.read_text(encoding="utf-8"))
    del document[missing]
    path.write_text(json.dumps(document), encoding="utf-8")
    assert narrative.book_counts_kept(kept_in) == narrative.book_counts()
