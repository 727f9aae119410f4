"""The thesis's argument in the book: footnote citations, printed numbers with their verdict, honest variants.

Three things meet here.

Footnotes
    The thesis cites its 123 works in 127 footnotes; ``data/thesis/footnotes.csv``
    maps each footnote number to its BibTeX key(s).  :func:`cite` writes the MyST
    role that cites the works of one or more footnotes and shows the thesis's
    footnote number after the reference, e.g. ``{cite:p}`wang2017postcrisis{fn. 43}```
    renders as "[Wang 2017, fn. 43]", linked to the References page.  Notebook
    Markdown cells write the same role by hand (``tools/narrative_words.py`` and
    ``tests/narrative`` check that every footnote is cited, at its number).

Numbers
    A number the thesis prints is never typed into the companion's prose.
    :func:`number` renders the printed text of one ledger row (from the one verdict
    table, ``kzcn.verdicts.table()``) followed by a small status mark that links to
    the row of the audit page; hovering or focusing the mark shows "printed …,
    recomputed … from …, status".  Notebooks display such sentences through
    ``figures.prose`` in code cells tagged ``remove-input``.

Bibliography (a Sphinx extension: ``kzcn.narrative`` in ``_config.yml``)
    One citation style in the text and in the list: author and year, as a label
    ("Wang 2017", "Xinhua 2022b"; a work without an author by its ``shorttitle``).
    The list shows a non-English title in its original script with its English
    translation in brackets, never a local ``file:///`` path, and never a BibTeX
    key.  In HTML, runs of Chinese, Russian or Kazakh text carry a ``lang``
    attribute.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

#: The thesis's country: its narrative is about Kazakhstan whatever the build's country.
THESIS_COUNTRY = "KAZ"

# --------------------------------------------------------------------------- footnotes


@cache
def footnote_keys() -> dict[int, list[str]]:
    """Footnote number -> the BibTeX keys it cites (from the ledger)."""
    from kzcn import ledger

    notes = ledger.load_footnotes()
    return {int(n): keys.split(";") for n, keys in zip(notes["footnote"], notes["keys"], strict=True)}


def cite(*footnotes: int) -> str:
    """The MyST role citing the works of the given footnotes, each shown with its number.

    ``cite(2)`` -> ``{cite:p}`paramonov2009chinese{fn. 2},strokov2010russia{fn. 2}```.
    """
    keys = footnote_keys()
    targets = []
    for n in footnotes:
        if n not in keys:
            raise KeyError(f"footnote {n} is not in data/thesis/footnotes.csv (the thesis has notes 1-127)")
        targets.extend(f"{key}{{fn. {n}}}" for key in keys[n])
    return "{cite:p}`" + ",".join(targets) + "`"


#: Where the References page lists each footnote (anchor ``thesis-fn-<n>``), from a notebook page.
FOOTNOTE_PAGE = "../book/references.html"


def footnote_links(footnotes: Iterable[str]) -> list[str]:
    """For cells like "30, 44" (a table's footnote column): the URL of the first footnote's entry."""
    links = []
    for cell in footnotes:
        first = str(cell or "").replace(";", ",").split(",")[0].strip()
        links.append(f"{FOOTNOTE_PAGE}#thesis-fn-{int(first)}" if first else "")
    return links


#: A citation role of the narrative, e.g. the role cite:p with targets "wang2017postcrisis{fn. 43}".
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
CITE_TARGET = re.compile(r"\s*(?:\{(?P<pre>[^{}]+)\})?\s*(?P<key>[^{}\s,]+)\s*(?:\{(?P<post>[^{}]+)\})?\s*")


def cited_footnotes(markdown: str) -> list[tuple[int, str]]:
    """(footnote number, key) of every ``{fn. N}`` citation in a Markdown text."""
    found = []
    for role in CITE_ROLE.finditer(markdown):
        for target in role.group(1).split(","):
            match = CITE_TARGET.fullmatch(target)
            if match and match.group("post") and (fn := re.fullmatch(r"fn\. (\d+)", match.group("post"))):
                found.append((int(fn.group(1)), match.group("key")))
    return found


def cited_keys(markdown: str) -> set[str]:
    """Every BibTeX key cited in a Markdown text."""
    keys = set()
    for role in CITE_ROLE.finditer(markdown):
        for target in role.group(1).split(","):
            match = CITE_TARGET.fullmatch(target)
            if match:
                keys.add(match.group("key"))
    return keys


# --------------------------------------------------------------------------- numbers

STATUS_MARKS = {
    "reproduced": "✔",
    "within tolerance": "≈",
    "differs": "✘",
    "no raw source": "?",
    "not a statistic": "·",
}

#: Where the audit page sits relative to a chapter page (both in notebooks/).
AUDIT_PAGE = "audit.html"


@cache
def _verdict_table():
    """The one verdict table (``kzcn.verdicts.table()``, contract 3).

    Until ``kzcn.verdicts`` is merged, the same columns are taken from
    ``kzcn.audit.audit_table()`` (:func:`_verdicts_from_audit`); once the module
    exists this fallback is never used.
    """
    try:
        from kzcn import verdicts
    except ImportError:
        return _verdicts_from_audit()
    return verdicts.table()


def _verdicts_from_audit():
    from kzcn import audit

    table = audit.audit_table()
    return table.rename(
        columns={
            "row_id": "id",
            "printed": "printed_text",
            "thesis_value": "printed",
            "recomputed_source": "reporter",
        }
    ).assign(
        anchor=lambda t: t["id"].str.lower().str.replace(".", "-", regex=False),
        series="",
        needs="",
    )


def _verdict_row(row_id: str, table=None) -> Mapping[str, Any]:
    table = _verdict_table() if table is None else table
    rows = table[table["id"] == row_id]
    if rows.empty:
        raise KeyError(f"ledger row {row_id!r} is not in the verdict table (see data/thesis/claims.csv)")
    return rows.iloc[0]


def _plain(value: Any) -> str:
    if value is None:
        return "none"
    try:
        import math

        if isinstance(value, float) and math.isnan(value):
            return "none"
    except TypeError:
        pass
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def verdict_title(row: Mapping[str, Any]) -> str:
    """The hover text of a status mark: printed, recomputed, from whose records, status."""
    status = str(row["status"])
    printed = str(row["printed_text"])
    if status in ("no raw source", "not a statistic") or row.get("recomputed") is None:
        tail = f"; {row['evidence']}" if str(row.get("evidence") or "") else ""
        return f"printed {printed}; not recomputed; status: {status}{tail}"
    reporter = str(row.get("reporter") or "the raw data")
    unit = str(row.get("unit") or "")
    unit = f" {unit}" if unit and unit not in ("unstated", "count") else ""
    return (
        f"printed {printed}, recomputed {_plain(row['recomputed'])}{unit} from {reporter}, status: {status}"
    )


def number(row_id: str, table=None, country: str = THESIS_COUNTRY) -> str:
    """The printed text of a ledger row with its status mark, as Markdown with inline HTML.

    The mark links to the audit row (``audit.html#<anchor>``); its ``title`` (hover)
    and its ``aria-label`` (screen readers, keyboard focus) say printed vs recomputed.
    A book built for another country has no audit page (the audit checks the
    thesis's Kazakhstan numbers): there the mark keeps its text but links nowhere.
    """
    row = _verdict_row(row_id, table)
    status = str(row["status"])
    if status not in STATUS_MARKS:
        raise ValueError(
            f"ledger row {row_id!r}: unknown status {status!r}; expected one of {list(STATUS_MARKS)}"
        )
    title = html.escape(verdict_title(row), quote=True)
    css = "kzcn-verdict kzcn-verdict-" + status.replace(" ", "-")
    if country == THESIS_COUNTRY:
        anchor = html.escape(str(row["anchor"]), quote=True)
        mark = f'<a class="{css}" href="{AUDIT_PAGE}#{anchor}" title="{title}" aria-label="{title}">'
        mark += f"{STATUS_MARKS[status]}</a>"
    else:
        mark = f'<span class="{css}" tabindex="0" title="{title}" aria-label="{title}">{STATUS_MARKS[status]}</span>'
    return f"{_escape_markdown(str(row['printed_text']))}<sup>{mark}</sup>"


def _escape_markdown(text: str) -> str:
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]$])", r"\\\1", text)


def numbers(row_ids: Iterable[str], table=None, country: str = THESIS_COUNTRY) -> dict[str, str]:
    """:func:`number` for several rows, keyed by row id."""
    return {row_id: number(row_id, table, country) for row_id in row_ids}


# --------------------------------------------------------------------------- variants


def scope_note(country: str, partner: str = "CHN") -> str:
    """A sentence for the top of a thesis chapter: whose story the words tell, whose numbers are recomputed.

    Empty for the thesis's own pair.  For another country the narrative stays the
    thesis's, about Kazakhstan, and the page says so; only the recomputed tables and
    figures follow the chosen country.
    """
    from kzcn.measures import name_of

    if country == THESIS_COUNTRY:
        return ""
    return (
        ":::{note}\n"
        f"This copy of the book was built for **{name_of(country)}**. The text of this page retells the "
        f"thesis, which is about {name_of(THESIS_COUNTRY)} and {name_of(partner)}: every finding it reports "
        f"is the thesis's finding about {name_of(THESIS_COUNTRY)}. Only the recomputed tables, figures and "
        f"the sentences printed beside them follow {name_of(country)}.\n"
        ":::"
    )


# --------------------------------------------------------------------------- bibliography style


def _last_names(persons) -> list[str]:
    names = []
    for person in persons:
        last = " ".join(person.last_names) or " ".join(person.first_names)
        names.append(re.sub(r"[{}]", "", last))
    return names


def label_base(entry) -> str:
    """ "Wang 2017", "Izmov and Muratalieva n.d.", "Abil et al. 2021", "Xinhua 2022" (before a/b suffixes)."""
    fields = entry.fields
    year = fields.get("year", "n.d.")
    short = fields.get("shorttitle")
    persons = entry.persons.get("author") or entry.persons.get("editor")
    if short:
        who = re.sub(r"[{}]", "", short)
    elif persons:
        last = _last_names(persons)
        who = (
            last[0]
            if len(last) == 1
            else f"{last[0]} and {last[1]}"
            if len(last) == 2
            else f"{last[0]} et al."
        )
    else:
        who = re.sub(r"[{}]", "", fields.get("title", entry.key))[:40]
    return f"{who} {year}"


def _pybtex_styles():
    """The pybtex label and formatting styles (built lazily: pybtex is a Sphinx-time dependency)."""
    from pybtex.database import Entry
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle
    from pybtex.style.sorting import BaseSortingStyle

    class LabelOrder(BaseSortingStyle):
        """Entries in the order of their labels, so the list reads like the citations."""

        def sorting_key(self, entry):
            return (label_base(entry).lower(), entry.key)

        def sort(self, entries):
            return sorted(entries, key=self.sorting_key)

    class AuthorYearLabels(BaseLabelStyle):
        """Author-year labels, with a, b, c... where two works share author and year."""

        def format_labels(self, sorted_entries):
            entries = list(sorted_entries)
            bases = [label_base(entry) for entry in entries]
            counts = Counter(bases)
            seen: Counter = Counter()
            for base in bases:
                if counts[base] == 1:
                    yield base
                else:
                    letter = "abcdefghijklmnopqrstuvwxyz"[seen[base]]
                    yield f"{base}-{letter}" if base.endswith("n.d.") else f"{base}{letter}"
                    seen[base] += 1

    class CompanionStyle(UnsrtStyle):
        """unsrt, sorted by label, with translated titles and notes fit for readers."""

        default_label_style = "kzcn_author_year"
        default_sorting_style = "kzcn_label_order"

        def format_entry(self, label, entry, bib_data=None):
            # sphinxcontrib-bibtex formats every cited entry twice per run (half a second
            # each time); the same label and fields give the same formatted entry
            key = (label, entry.key, entry.type, _fields_and_persons(entry))
            if key not in _FORMATTED:
                _FORMATTED[key] = super().format_entry(label, reader_entry(entry, Entry), bib_data=bib_data)
            _FORMATTED_USED.add(key)
            return _FORMATTED[key]

    return AuthorYearLabels, CompanionStyle, LabelOrder


#: Entries formatted in this process, by label, key, type, fields and persons.
_FORMATTED: dict[tuple, Any] = {}
#: The keys of _FORMATTED asked for in this process (what the next build keeps).
_FORMATTED_USED: set[tuple] = set()

#: Where :func:`keep_formatted_entries` keeps them between builds (in Sphinx's doctree folder).
FORMATTED_ENTRIES_FILE = "kzcn-formatted-entries.pickle"


def _formatting_code() -> str:
    """What a formatted entry depends on besides its label and fields: this module's source
    (the style) and the versions of pybtex and sphinxcontrib-bibtex."""
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in ("pybtex", "sphinxcontrib-bibtex"):
        digest.update(f"\0{name} {version(name)}".encode())
    return digest.hexdigest()


def _load_formatted_entries(app) -> None:
    """Start with the entries the previous build formatted, if the same code formatted them.

    sphinxcontrib-bibtex formats every cited entry again on every run of Sphinx, edits of
    prose included (over half a second for the book's 143 works); an entry's formatted text
    depends only on its label, its fields and the code (:func:`_formatting_code`), which the
    key of each kept entry and the file's code stamp hold.
    """
    import pickle

    path = Path(app.doctreedir) / FORMATTED_ENTRIES_FILE
    try:
        kept = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return
    if (
        isinstance(kept, dict)
        and kept.get("code") == _formatting_code()
        and isinstance(kept.get("entries"), dict)
    ):
        for key, formatted in kept["entries"].items():
            _FORMATTED.setdefault(key, formatted)


def _save_formatted_entries(app, exception) -> None:
    """Keep the entries this build formatted or used, for the next (see :func:`_load_formatted_entries`)."""
    import pickle

    if exception is not None or not _FORMATTED_USED:
        return
    path = Path(app.doctreedir) / FORMATTED_ENTRIES_FILE
    data = pickle.dumps(
        {"code": _formatting_code(), "entries": {key: _FORMATTED[key] for key in _FORMATTED_USED}},
        pickle.HIGHEST_PROTOCOL,
    )
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _fields_and_persons(entry) -> tuple:
    fields = tuple(sorted((name, str(value)) for name, value in entry.fields.items()))
    persons = tuple(
        (role, tuple(str(person) for person in people)) for role, people in sorted(entry.persons.items())
    )
    return fields, persons


_FILE_SENTENCE = re.compile(r"[^.]*?file:///\S+?\.(?=\s|$)")
_ENGLISH_TITLE = re.compile(r"English title: (?P<title>.*?)(?:\.(?=\s|$)|$)\s*")


def reader_note(note: str) -> str:
    """A note as the reader sees it: no local path, no 'English title' (shown with the title)."""
    note = _FILE_SENTENCE.sub(
        " The thesis gives a file on its author's computer, not a public address.", note
    )
    note = _ENGLISH_TITLE.sub("", note)
    return re.sub(r"\s+", " ", note).strip()


def english_title(entry) -> str:
    """The English translation of a non-English title (``translatedtitle`` or the note's "English title")."""
    if entry.fields.get("translatedtitle"):
        return entry.fields["translatedtitle"]
    match = _ENGLISH_TITLE.search(entry.fields.get("note", ""))
    return match.group("title") if match else ""


def reader_entry(entry, entry_class):
    """A copy of a BibTeX entry with the fields the list shows rewritten for readers."""
    fields = dict(entry.fields)
    title = fields.get("title", "")
    original = fields.get("origtitle", "")
    english = english_title(entry)
    if original:  # cited by an English rendering; the original title is known
        fields["title"] = "{" + original + "} [{" + title.strip("{}") + "}]"
    elif english and english.strip("{}") != title.strip("{}"):
        fields["title"] = title + " [{" + english + "}]"
    if "note" in fields:
        note = reader_note(fields["note"])
        if note:
            fields["note"] = note
        else:
            del fields["note"]
    for hidden in ("origtitle", "translatedtitle", "shorttitle", "language"):
        fields.pop(hidden, None)
    copy = entry_class(entry.type, fields=fields, persons=entry.persons)
    copy.key = entry.key
    return copy


# --------------------------------------------------------------------------- lang attributes

_SCRIPTS = (
    ("zh", "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e"),
    ("cyr", "\u0400-\u04ff"),
)
_KAZAKH_LETTERS = set("ӘәҒғҚқҢңӨөҰұҮүҺһІі")
_RUN = {
    code: re.compile(rf"[{chars}](?:[{chars}\s\d«»\"“”„'’.,:;!?()\-–—/]*[{chars}»”)])?")
    for code, chars in _SCRIPTS
}


def lang_runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, BCP 47 language) of every run of Chinese or Cyrillic text."""
    runs = []
    for code, pattern in _RUN.items():
        for match in pattern.finditer(text):
            lang = code
            if code == "cyr":
                lang = "kk" if _KAZAKH_LETTERS & set(match.group(0)) else "ru"
            runs.append((match.start(), match.end(), lang))
    runs.sort()
    merged: list[tuple[int, int, str]] = []
    for run in runs:
        if merged and run[0] < merged[-1][1]:
            continue
        merged.append(run)
    return merged


def _mark_languages(app, doctree, docname) -> None:
    """Wrap Chinese, Russian and Kazakh runs of text in ``<span lang=...>`` (HTML only)."""
    if app.builder.format != "html":
        return
    from docutils import nodes

    skip = (nodes.literal_block, nodes.raw, nodes.literal, nodes.FixedTextElement)
    for text_node in list(doctree.findall(nodes.Text)):
        parent = text_node.parent
        if parent is None or isinstance(parent, skip):
            continue
        if any(isinstance(a, skip) for a in _ancestors(parent)):
            continue
        value = str(text_node)
        runs = lang_runs(value)
        if not runs:
            continue
        pieces: list[nodes.Node] = []
        position = 0
        for start, end, lang in runs:
            if start > position:
                pieces.append(nodes.Text(value[position:start]))
            pieces.append(
                nodes.raw("", f'<span lang="{lang}">{html.escape(value[start:end])}</span>', format="html")
            )
            position = end
        if position < len(value):
            pieces.append(nodes.Text(value[position:]))
        index = parent.index(text_node)
        parent.remove(text_node)
        for offset, piece in enumerate(pieces):
            parent.insert(index + offset, piece)


def _ancestors(node):
    while node is not None:
        yield node
        node = node.parent


# --------------------------------------------------------------------------- the footnote list directive


def footnote_list_markdown() -> str:
    """MyST for the References page: every footnote, with an anchor and its works."""
    lines = []
    for n in footnote_keys():
        lines.append(f"(thesis-fn-{n})=")
        lines.append(f"**fn. {n}** {{cite:p}}`{','.join(footnote_keys()[n])}`")
        lines.append("")
    return "\n".join(lines)


def _footnote_directive():
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class ThesisFootnotes(SphinxDirective):
        """``{thesis-footnotes}``: the thesis's 127 footnotes, each with an anchor and its cited works."""

        has_content = False

        def run(self):
            from docutils import nodes

            container = nodes.container(classes=["kzcn-thesis-footnotes"])
            text = footnote_list_markdown()
            self.state.nested_parse(StringList(text.splitlines(), source="footnotes.csv"), 0, container)
            self.env.note_dependency(str(_footnotes_path()))
            return [container]

    return ThesisFootnotes


def _footnotes_path():
    from kzcn import config

    return config.THESIS_DIR / "footnotes.csv"


def book_counts() -> dict[str, str]:
    """Counts the book states about the thesis, from the ledger (MyST substitutions of the same names)."""
    from kzcn import ledger

    notes = ledger.load_footnotes()
    works = {key for keys in notes["keys"] for key in keys.split(";")}
    sections = ledger.load_sections()
    return {
        "thesis_footnotes": str(len(notes)),
        "thesis_works": str(len(works)),
        "thesis_sections": str(int((sections["level"] > 0).sum())),
        "thesis_claims": str(len(ledger.load_claims())),
        "thesis_timeline_events": str(len(ledger.load_timeline())),
    }


def book_counts_kept(folder: Path) -> dict[str, str]:
    """:func:`book_counts`, kept in ``folder`` (beside Sphinx's environment) and computed again
    only when a file of the ledger, or the code that reads and counts it, changes.

    Reading the ledger validates every table (a second or so), on every run of Sphinx,
    although an edit of the prose changes none of it.
    """
    import hashlib
    import json

    from kzcn import config

    digest = hashlib.sha256()
    for path in sorted(config.THESIS_DIR.rglob("*")) + [
        Path(__file__),
        Path(__file__).with_name("ledger.py"),
    ]:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    key = digest.hexdigest()
    kept = folder / "kzcn-book-counts.json"
    try:
        stored = json.loads(kept.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return dict(stored["counts"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: count again
    counts = book_counts()
    folder.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps({"key": key, "counts": counts}, sort_keys=True) + "\n", encoding="utf-8")
    return counts


def _add_substitutions(app, config) -> None:
    substitutions = dict(getattr(config, "myst_substitutions", {}) or {})
    substitutions.update(book_counts_kept(Path(app.doctreedir)))
    config.myst_substitutions = substitutions


def setup(app):
    """Sphinx extension: the companion's bibliography style, ``lang`` attributes, the footnote list."""
    from pybtex.plugin import register_plugin

    labels, style, order = _pybtex_styles()
    register_plugin("pybtex.style.labels", "kzcn_author_year", labels)
    register_plugin("pybtex.style.sorting", "kzcn_label_order", order)
    register_plugin("pybtex.style.formatting", "kzcn", style)
    app.add_directive("thesis-footnotes", _footnote_directive())
    app.connect("doctree-resolved", _mark_languages)
    app.connect("config-inited", _add_substitutions)
    app.connect("builder-inited", _load_formatted_entries)
    app.connect("build-finished", _save_formatted_entries)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
