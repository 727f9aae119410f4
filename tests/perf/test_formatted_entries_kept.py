"""Bibliography entries kept between builds are the entries the style formats.

The book's own references.bib is formatted with the book's style in this process, the
result goes through the file the next build reads (:mod:`kzcn.narrative`), and every entry
read back must render to the same text and HTML, under the same label.
"""

from __future__ import annotations

from types import SimpleNamespace

from pybtex.database import parse_file

from kzcn import config, narrative


def format_all(style) -> dict[str, tuple[str, str, str]]:
    entries = list(parse_file(str(config.ROOT / "references.bib")).entries.values())
    ordered = style.sort(entries)
    labels = style.format_labels(ordered)
    formatted = {}
    for label, entry in zip(labels, ordered, strict=True):
        item = style.format_entry(label, entry)
        formatted[entry.key] = (item.label, item.text.render_as("text"), item.text.render_as("html"))
    return formatted


def test_entries_read_back_render_as_formatted(tmp_path, monkeypatch):
    labels, style_class, order = narrative._pybtex_styles()
    from pybtex.plugin import register_plugin

    register_plugin("pybtex.style.labels", "kzcn_author_year", labels, force=True)
    register_plugin("pybtex.style.sorting", "kzcn_label_order", order, force=True)
    app = SimpleNamespace(doctreedir=str(tmp_path))
    monkeypatch.setattr(narrative, "_FORMATTED", {})
    monkeypatch.setattr(narrative, "_FORMATTED_USED", set())

    fresh = format_all(style_class())
    assert len(fresh) > 100  # the book's works, not an empty file
    narrative._save_formatted_entries(app, None)
    assert (tmp_path / narrative.FORMATTED_ENTRIES_FILE).is_file()

    # a new process: nothing formatted yet, the kept file read at the start of the build
    monkeypatch.setattr(narrative, "_FORMATTED", {})
    monkeypatch.setattr(narrative, "_FORMATTED_USED", set())
    narrative._load_formatted_entries(app)
    assert len(narrative._FORMATTED) == len(fresh)
    monkeypatch.setattr(narrative, "reader_entry", never_formatted_again)
    assert format_all(style_class()) == fresh  # every entry came from the kept file


def never_formatted_again(*args):
    raise AssertionError("an entry was formatted again although it was kept")


def test_entries_kept_by_other_code_are_not_used(tmp_path, monkeypatch):
    app = SimpleNamespace(doctreedir=str(tmp_path))
    monkeypatch.setattr(narrative, "_FORMATTED", {("label", "key"): "formatted"})
    monkeypatch.setattr(narrative, "_FORMATTED_USED", {("label", "key")})
    narrative._save_formatted_entries(app, None)
    monkeypatch.setattr(narrative, "_FORMATTED", {})
    monkeypatch.setattr(narrative, "_formatting_code", lambda: "another version of the style")
    narrative._load_formatted_entries(app)
    assert narrative._FORMATTED == {}
