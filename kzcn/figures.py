"""Publishing figures and tables as citable, downloadable, traceable objects.

A notebook never calls ``plt.show()`` or displays a DataFrame directly: it hands
the figure (or table) and the data behind it to :func:`publish_figure` or
:func:`publish_table`.  Each call

* writes stable files named after the id into :func:`kzcn.config.figures_dir`:
  ``<id>.svg`` and ``<id>.png`` (figures), ``<id>.csv`` (exactly the data shown,
  under a ``#`` comment header naming units and sources) and ``<id>.json``
  (metadata and provenance, read back by :mod:`kzcn.publish`);
* displays a MyST Markdown block (the notebook output is parsed as MyST because
  ``_config.yml`` sets ``nb_render_markdown_format: myst``): the figure or
  list-table with ``:name: <id>``, download links, a "Cite this" box and a
  provenance panel collapsed by default.

The look of the charts themselves is :mod:`kzcn.style`'s business.

The byte content of the SVG and PNG files depends only on the figure, so a
rebuild with unchanged data leaves them unchanged; the build date is kept in a
separate metadata field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import yaml

import kzcn
from kzcn import config
from kzcn.fetch import sha256_of

#: Ids are anchors in the HTML and file names on the site: keep them boring.
ID_PATTERN = re.compile(r"^(fig|tbl)-[a-z0-9]+(-[a-z0-9]+)*$")

#: Resolution of the PNG files (the issue asks for at least 200 dpi).
PNG_DPI = 200

#: Notebook parameters recorded in provenance when papermill did not pass them
#: explicitly (see ARCHITECTURE.md: every notebook has these in its parameters cell).
PARAMETER_NAMES = ("country", "partner", "start_year", "end_year")

#: Used only until CITATION.cff / _config.yml provide the real values.
FALLBACK_AUTHORS = ("kzcn companion authors",)
FALLBACK_BOOK_TITLE = "China and Kazakhstan, 1992-2020: a reproducible companion"


class PublishError(ValueError):
    """A figure or table cannot be published as asked (bad id, empty data...)."""


# ------------------------------------------------------------------ small helpers


def _check_id(kind: str, object_id: str) -> None:
    if not isinstance(object_id, str) or not ID_PATTERN.match(object_id):
        raise PublishError(
            f"{kind} id {object_id!r} must look like 'fig-3-1' or 'tbl-1-1' "
            "(lower-case letters, digits and single hyphens)"
        )
    expected = "fig" if kind == "figure" else "tbl"
    if not object_id.startswith(expected + "-"):
        raise PublishError(f"{kind} id {object_id!r} must start with '{expected}-'")


def _tidy_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as it is written to CSV: a meaningful index becomes columns."""
    if not isinstance(df, pd.DataFrame):
        if isinstance(df, pd.Series):
            df = df.to_frame()
        else:
            raise PublishError(f"data must be a pandas DataFrame, got {type(df).__name__}")
    if isinstance(df.index, pd.RangeIndex) and df.index.name is None:
        return df.reset_index(drop=True)
    return df.reset_index()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def csv_text(df: pd.DataFrame, header: Mapping[str, str]) -> str:
    """CSV of ``df`` under ``# key: value`` comment lines (see :func:`read_published_csv`)."""
    lines = [f"# {key}: {_one_line(value)}" for key, value in header.items()]
    body = _tidy_frame(df).to_csv(index=False, lineterminator="\n")
    return "\n".join(lines) + "\n" + body


def read_published_csv(path: str | Path, dtypes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read a published ``<id>.csv`` back: skips the leading ``#`` header lines only.

    (``pandas.read_csv(comment="#")`` would also cut data that contains ``#``.)
    ``dtypes`` (the ``dtypes`` field of ``<id>.json``) keeps text columns text, so
    a label such as ``"2010"`` is not read back as a number.
    """
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        start += 1
    text_columns = {
        name: str for name, dtype in (dtypes or {}).items() if dtype in {"object", "string", "str"}
    }
    return pd.read_csv(
        io.StringIO("".join(lines[start:])), dtype=text_columns or None, float_precision="round_trip"
    )


def frame_fingerprint(df: pd.DataFrame) -> str:
    """sha256 of a table's column names and values (floats to 12 significant digits).

    Written into ``<id>.json`` when a notebook publishes a table, and recomputed
    from the CSV by the tests: equal fingerprints mean the CSV holds what the
    notebook computed.
    """
    tidy = _tidy_frame(df)

    def canonical(value: Any) -> Any:
        # CSV cannot tell an empty text from a missing value, so neither does the fingerprint
        if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
            return None
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float):
            return float(f"{value:.12g}")
        if isinstance(value, bool | int):
            return value
        try:
            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
        return str(value)

    payload = {
        "columns": [str(c) for c in tidy.columns],
        "rows": [[canonical(v) for v in row] for row in tidy.itertuples(index=False)],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def read_csv_header(path: str | Path) -> dict[str, str]:
    """The ``# key: value`` header of a published CSV as a dict."""
    header: dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        header[key.strip()] = value.strip()
    return header


# ------------------------------------------------------------- provenance pieces


def git_commit() -> str | None:
    """Code version: ``KZCN_GIT_COMMIT`` (set by the pipeline) or ``git rev-parse HEAD``."""
    from_env = os.environ.get("KZCN_GIT_COMMIT")
    if from_env:
        return from_env
    return _git_head()


@cache
def _git_head() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=config.ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def build_date() -> str:
    """UTC build timestamp; ``KZCN_BUILD_DATE`` or ``SOURCE_DATE_EPOCH`` pin it."""
    pinned = os.environ.get("KZCN_BUILD_DATE")
    if pinned:
        return pinned
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch else dt.datetime.now(tz=dt.UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with jupyter-book
        return None
    return get_ipython()


def execution_count() -> int | None:
    """Prompt number of the cell that is running (None outside IPython).

    IPython stores a cell's input in its history before running it, while the
    moment ``shell.execution_count`` is incremented differs between versions;
    the history length is therefore the reliable cell number.
    """
    shell = _ipython()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_parsed", None)
    if history is None or len(history) < 2:
        return None
    return len(history) - 1


def notebook_parameters() -> dict[str, Any]:
    """Papermill parameters: ``KZCN_PARAMETERS`` (JSON, set by the pipeline), else
    the standard parameter names found in the notebook's namespace."""
    raw = os.environ.get("KZCN_PARAMETERS")
    if raw:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise PublishError(f"KZCN_PARAMETERS is not valid JSON: {exc}") from exc
        if isinstance(value, dict):
            return dict(sorted(value.items()))
    shell = _ipython()
    namespace = getattr(shell, "user_ns", None) or {}
    return {
        name: namespace[name]
        for name in PARAMETER_NAMES
        if name in namespace and isinstance(namespace[name], str | int | float | bool)
    }


def _input_log() -> dict[str, str]:
    """``source_id -> sha256`` from the log written by ``kzcn.store.load``."""
    path = os.environ.get("KZCN_INPUT_LOG")
    found: dict[str, str] = {}
    if path and Path(path).is_file():
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            source_id, _, digest = line.partition("\t")
            if source_id and digest:
                found[source_id.strip()] = digest.strip()
    return found


def _manifest_source(source_id: str):
    """The manifest entry of ``source_id``, or None when it is not declared."""
    from kzcn import manifest

    try:
        return manifest.get(source_id)
    except (manifest.ManifestError, FileNotFoundError):
        return None


def describe_inputs(inputs: Iterable[str]) -> list[dict[str, Any]]:
    """Each input id with its sha256, URL and publisher, as far as known.

    ``ledger:<file>`` ids name a file of the thesis ledger; every other id is a
    manifest entry.  The sha256 comes from the run's input log first (what was
    really read), then from the manifest (what should have been read).
    """
    if isinstance(inputs, str):
        inputs = [inputs]
    log = _input_log()
    described = []
    for input_id in sorted(set(inputs)):
        record: dict[str, Any] = {"id": input_id, "sha256": log.get(input_id)}
        if input_id.startswith("ledger:"):
            path = config.THESIS_DIR / input_id.split(":", 1)[1]
            if record["sha256"] is None and path.is_file():
                record["sha256"] = sha256_of(path)
            record["source"] = "thesis ledger, transcribed"
        else:
            entry = _manifest_source(input_id)
            if entry is not None:
                record["sha256"] = record["sha256"] or entry.sha256
                record["url"] = entry.url
                record["source"] = entry.cite
            else:
                record["url"] = None
                record["source"] = None
        described.append(record)
    return described


# ---------------------------------------------------------- citation metadata


@cache
def _citation_cff() -> dict[str, Any]:
    path = config.ROOT / "CITATION.cff"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@cache
def _book_config() -> dict[str, Any]:
    path = config.ROOT / "_config.yml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def citation_metadata() -> dict[str, Any]:
    """Authors, book title, version, year and site URL of the companion."""
    cff = _citation_cff()
    book = _book_config()
    authors = []
    for person in cff.get("authors", []) or []:
        if "family-names" in person:
            authors.append(f"{person['family-names']}, {person.get('given-names', '')}".strip(", "))
        elif "name" in person:
            authors.append(person["name"])
    released = str(cff.get("date-released", "")) or build_date()
    url = (
        os.environ.get("KZCN_SITE_URL") or cff.get("url") or (book.get("html", {}) or {}).get("baseurl") or ""
    )
    return {
        "authors": authors or list(FALLBACK_AUTHORS),
        "book_title": cff.get("title") or book.get("title") or FALLBACK_BOOK_TITLE,
        "version": kzcn.__version__,
        "year": released[:4],
        "url": url.rstrip("/"),
    }


def page_url(object_id: str) -> str:
    """Absolute (or site-relative) URL of the page showing ``object_id``, with anchor."""
    meta = citation_metadata()
    notebook = os.environ.get("KZCN_NOTEBOOK")
    page = ""
    if notebook:
        page = "notebooks/" + Path(notebook).with_suffix(".html").name
    base = meta["url"] + "/" if meta["url"] else ""
    return f"{base}{page}#{object_id}"


def bibtex_entry(object_id: str, kind: str, title: str, number_text: str) -> str:
    meta = citation_metadata()
    key = "kzcn-" + object_id
    fields = {
        "author": " and ".join(meta["authors"]),
        "title": f"{number_text}: {title}",
        "booktitle": meta["book_title"],
        "year": meta["year"],
        "version": meta["version"],
        "url": page_url(object_id),
        "note": f"{kind.capitalize()} id {object_id}",
    }
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@misc{{{key},\n{body}\n}}"


def number_placeholder(object_id: str) -> str:
    """Stand-in for the Sphinx-assigned number inside literal (code) text.

    A code block cannot contain a ``{numref}`` role, so the BibTeX carries this
    marker and :func:`kzcn.publish.finalize` replaces it in the built HTML by the
    number parsed from the same page.
    """
    return f"[[number:{object_id}]]"


# --------------------------------------------------------------- MyST rendering


def _relative_figures_path() -> str:
    """Path from the executing notebook's folder to the figures folder (POSIX)."""
    relative = os.path.relpath(config.figures_dir(), Path.cwd())
    return Path(relative).as_posix()


def _escape_inline(text: str) -> str:
    """Neutralise characters that MyST would read as markup in a caption or cell."""
    text = _one_line(text)
    return re.sub(r"([\\`*_\[\]{}<>|$])", r"\\\1", text)


def _downloads_block(object_id: str, files: Sequence[str]) -> str:
    rel = _relative_figures_path()
    links = " · ".join(
        f'<a href="{rel}/{name}" download>{Path(name).suffix[1:].upper()}</a>' for name in files
    )
    return f'<p class="kzcn-downloads" id="{object_id}-downloads">Download: {links}</p>'


def _cite_block(object_id: str, kind: str, title: str) -> str:
    meta = citation_metadata()
    label = "Figure" if kind == "figure" else "Table"
    authors = "; ".join(meta["authors"])
    url = page_url(object_id)
    # an absolute URL becomes a link; a site-relative one is shown as code
    shown_url = f"<{url}>" if url.startswith("http") else f"`{url}`"
    reference = (
        f"{_escape_inline(authors)} ({meta['year']}). "
        f"{{numref}}`{label} %s <{object_id}>`: {_escape_inline(title)}. "
        f"In *{_escape_inline(meta['book_title'])}*, version {meta['version']}. {shown_url}"
    )
    bibtex = bibtex_entry(object_id, kind, title, f"{label} {number_placeholder(object_id)}")
    return "\n".join(
        [
            f"::::{{dropdown}} Cite this {kind}",
            ":class-container: kzcn-cite",
            "",
            reference,
            "",
            "```text",
            bibtex,
            "```",
            "::::",
        ]
    )


def _provenance_block(meta: Mapping[str, Any]) -> str:
    lines = ["::::{dropdown} Provenance", ":class-container: kzcn-provenance", ""]
    notebook = meta.get("notebook") or "(run outside the build pipeline)"
    cell = meta.get("execution_count")
    lines.append(f"- **Made by**: notebook `{notebook}`" + (f", cell [{cell}]" if cell else ""))
    lines.append("- **Raw inputs**:")
    for record in meta.get("inputs", []):
        digest = record.get("sha256") or "unknown"
        source = f" ({_escape_inline(record['source'])})" if record.get("source") else ""
        lines.append(f"  - `{record['id']}`{source}, sha256 `{digest}`")
    if not meta.get("inputs"):
        lines.append("  - none declared")
    params = meta.get("parameters") or {}
    shown = ", ".join(f"`{k}={v!r}`" for k, v in params.items()) or "none"
    lines.append(f"- **Parameters**: {shown}")
    lines.append(f"- **Code version**: `{meta.get('git_commit') or 'unknown'}`")
    lines.append(f"- **Built**: {meta.get('build_date')}")
    lines.append("::::")
    return "\n".join(lines)


# ------------------------------------------------------- table rendering (ui)

#: How each verdict status is shown in a table cell: a symbol (never colour alone)
#: and the words a screen reader speaks and the legend lists.  The colours are in
#: ``book/_static/kzcn.css`` (classes ``kzcn-status-<status with hyphens>``).
STATUS_MARKS = {
    "reproduced": "✔",
    "within tolerance": "≈",
    "differs": "✘",
    "no raw source": "○",
    "not a statistic": "·",
}

#: A thesis number printed with a decimal comma ("2300,79", "14,1", "1 234,5"):
#: a comma followed by anything but exactly three digits, or space-grouped thousands.
_DECIMAL_COMMA = re.compile(r"^(?P<sign>[-+−]?)(?P<int>\d{1,3}(?:[  ]\d{3})+|\d+),(?P<frac>\d+)$")
_NEGATIVE_ZERO = re.compile(r"^[-−](?P<zero>0(?:[.,]0+)?)(?P<rest>\s*%?)$")


@dataclass(frozen=True)
class Cell:
    """One table cell that carries a verdict (contract 7 of the team sheet).

    ``text`` is the recomputed value as the reader should see it, ``status`` one of
    :data:`STATUS_MARKS` (or ``None``), ``note`` the printed value and the difference
    (shown on hover and on keyboard focus), ``link`` the URL (or ``#fragment``) of the
    audit row.  ``str(cell)`` is its text, so a CSV written from the display frame
    holds the value, not markup.
    """

    text: str
    status: str | None = None
    note: str = ""
    link: str = ""

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in STATUS_MARKS:
            raise PublishError(
                f"table cell {self.text!r}: status {self.status!r} is not one of {sorted(STATUS_MARKS)}"
            )

    def __str__(self) -> str:
        return str(self.text)


def _markdown_text(text: str) -> str:
    """Plain text placed between raw HTML tags: HTML-escaped, then Markdown-escaped."""
    import html

    return _escape_inline(html.escape(_one_line(text), quote=False))


def _plain_number(text: str) -> tuple[str, str]:
    """``(shown, printed)``: one number style for the whole book.

    A thesis value with a decimal comma ("2300,79") is shown as "2,300.79", like the
    recomputed values, and its printed form is returned for the tooltip; a negative
    zero ("-0.0") loses its sign.  Anything else is returned unchanged (printed "").
    """
    stripped = text.strip()
    zero = _NEGATIVE_ZERO.match(stripped)
    if zero:
        return zero["zero"] + zero["rest"], ""
    match = _DECIMAL_COMMA.match(stripped)
    if not match or (len(match["frac"]) == 3 and not re.search(r"[  ]", match["int"])):
        return text, ""
    digits = re.sub(r"[  ]", "", match["int"])
    sign = "-" if match["sign"] in {"-", "−"} else match["sign"]
    shown = f"{sign}{int(digits):,}.{match['frac']}"
    if re.fullmatch(r"[-+]?0\.0+", shown):
        shown = shown.lstrip("-+")
    return shown, stripped


def _format_cell(value: Any, digits: int) -> str:
    """The text of a plain table cell (numbers in one style, no negative zero)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10000 and digits == 0:
            return str(int(value))
        text = f"{value:,.{digits}f}"
        return _plain_number(text)[0]
    try:
        if pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        pass
    return _escape_inline(str(value))


class _CellRenderer:
    """Renders the cells of one table; numbers the tooltips so their ids are unique."""

    def __init__(self, object_id: str, digits: int) -> None:
        self.object_id = object_id
        self.digits = digits
        self.count = 0
        self.statuses: set[str] = set()

    def _note_id(self) -> str:
        self.count += 1
        return f"{self.object_id}-note-{self.count}"

    def _with_note(self, shown_html: str, note: str, *, classes: str, link: str = "") -> str:
        import html

        note_id = self._note_id()
        # a link when there is somewhere to go; else a button, which the keyboard
        # reaches and which shows the note while it has the focus
        tag = "a" if link else "button"
        target = f' href="{html.escape(link, quote=True)}"' if link else ' type="button"'
        return (
            f'<{tag} class="kzcn-cell {classes}"{target} aria-describedby="{note_id}">'
            f"{shown_html}"
            f'<span class="kzcn-note" role="tooltip" id="{note_id}">{_markdown_text(note)}</span>'
            f"</{tag}>"
        )

    def render(self, value: Any, url: Any = None) -> str:
        import html

        if isinstance(value, Cell):
            return self._cell(value)
        value = value.item() if hasattr(value, "item") else value
        if isinstance(value, str):
            shown, printed = _plain_number(value)
            if printed:
                return self._with_note(
                    _markdown_text(shown), f"printed in the thesis as {printed}", classes="kzcn-printed"
                )
            text = _escape_inline(shown)
        else:
            text = _format_cell(value, self.digits)
        if isinstance(url, str) and url:
            # raw HTML: a MyST link to a .html path would be checked as a document reference
            return f'<a href="{html.escape(url, quote=True)}">{text}</a>'
        return text

    def _cell(self, cell: Cell) -> str:
        shown, printed = _plain_number(str(cell.text))
        parts = [_markdown_text(shown)]
        note = []
        classes = "kzcn-verdict"
        if cell.status:
            self.statuses.add(cell.status)
            classes += " kzcn-status-" + cell.status.replace(" ", "-")
            parts.append(f'<span class="kzcn-mark" aria-hidden="true">{STATUS_MARKS[cell.status]}</span>')
            parts.append(f'<span class="kzcn-sr">({_markdown_text(cell.status)})</span>')
            note.append(cell.status[0].upper() + cell.status[1:] + ".")
        if cell.note:
            note.append(_one_line(cell.note))
        if printed:
            note.append(f"Printed as {printed}.")
        if not note and not cell.link:
            return parts[0]
        if not note:
            import html

            return f'<a class="kzcn-cell {classes}" href="{html.escape(cell.link, quote=True)}">{"".join(parts)}</a>'
        return self._with_note("".join(parts), " ".join(note), classes=classes, link=cell.link)

    def legend(self) -> str:
        """One line naming the symbols used in the table (empty if none)."""
        if not self.statuses:
            return ""
        items = [
            f'<span class="kzcn-status-{status.replace(" ", "-")}">'
            f'<span class="kzcn-mark" aria-hidden="true">{mark}</span> {_markdown_text(status)}</span>'
            for status, mark in STATUS_MARKS.items()
            if status in self.statuses
        ]
        return (
            '<p class="kzcn-legend">Key: '
            + " · ".join(items)
            + ". Hover over or tab to a value for the thesis's printed value and the difference.</p>"
        )


def _header_text(column: Any) -> str:
    """A column header in words: a snake_case name is spelled with spaces."""
    text = str(column)
    if re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", text):
        text = text.replace("_", " ")
    return _escape_inline(text)


def _list_table(
    df: pd.DataFrame,
    object_id: str,
    title: str,
    digits: int,
    link_columns: Mapping[str, str] | None = None,
    renderer: _CellRenderer | None = None,
) -> str:
    """A MyST list-table; ``link_columns`` maps a shown column to the (hidden) column
    holding the URL its cells link to."""
    tidy = _tidy_frame(df)
    link_columns = dict(link_columns or {})
    hidden = set(link_columns.values())
    shown = [column for column in tidy.columns if column not in hidden]
    renderer = renderer or _CellRenderer(object_id, digits)
    lines = [
        f":::{{list-table}} {_escape_inline(title)}",
        f":name: {object_id}",
        ":header-rows: 1",
        ":class: kzcn-table",
        "",
    ]

    def row(cells: Iterable[str]) -> None:
        # "&nbsp;" keeps an empty cell a cell; a leading "%" would start a MyST comment
        cells = [
            ("\\" + cell if cell.startswith("%") else cell) if cell.strip() else "&nbsp;" for cell in cells
        ]
        lines.append(f"* - {cells[0]}")
        lines.extend(f"  - {cell}" for cell in cells[1:])

    row(_header_text(column) for column in shown)
    for record in tidy.to_dict("records"):
        row(
            renderer.render(
                record[column], record.get(link_columns[column]) if column in link_columns else None
            )
            for column in shown
        )
    lines.append(":::")
    return "\n".join(lines)


def _display_markdown(text: str) -> None:
    from IPython.display import Markdown, display

    display(Markdown(text))


# ------------------------------------------------------------------- the API


def _metadata(
    *,
    object_id: str,
    kind: str,
    title: str,
    alt: str | None,
    source: str,
    units: str,
    inputs: Iterable[str],
    caption: str,
    files: Mapping[str, str],
    columns: Sequence[str],
    rows: int,
    data: pd.DataFrame,
) -> dict[str, Any]:
    tidy = _tidy_frame(data)
    return {
        "dtypes": {str(name): str(dtype) for name, dtype in tidy.dtypes.items()},
        "data_fingerprint": frame_fingerprint(tidy),
        "id": object_id,
        "kind": kind,
        "title": title,
        "alt": alt,
        "caption": caption,
        "source": source,
        "units": units,
        "inputs": describe_inputs(inputs),
        "columns": list(columns),
        "rows": rows,
        "files": dict(files),
        "notebook": os.environ.get("KZCN_NOTEBOOK"),
        "execution_count": execution_count(),
        "parameters": notebook_parameters(),
        "git_commit": git_commit(),
        "version": kzcn.__version__,
        "build_date": build_date(),
    }


def _write_json(path: Path, meta: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")


def _write_csv(
    path: Path, df: pd.DataFrame, *, object_id: str, title: str, units: str, source: str, inputs
) -> None:
    header = {
        "id": object_id,
        "title": title,
        "units": units,
        "source": source,
        "inputs": ", ".join(sorted(set([inputs] if isinstance(inputs, str) else inputs))),
        "book": f"{citation_metadata()['book_title']} (version {kzcn.__version__})",
    }
    path.write_text(csv_text(df, header), encoding="utf-8")


def _save_figure_files(fig, out_dir: Path, object_id: str) -> None:
    # A fixed hash salt makes the SVG element ids, and so the bytes, reproducible;
    # dropping the date/software metadata does the same for SVG and PNG.
    with matplotlib.rc_context({"svg.hashsalt": object_id}):
        fig.savefig(out_dir / f"{object_id}.svg", format="svg", metadata={"Date": None}, bbox_inches="tight")
    fig.savefig(
        out_dir / f"{object_id}.png",
        format="png",
        dpi=PNG_DPI,
        metadata={"Software": None},
        bbox_inches="tight",
    )


def publish_figure(
    fig,
    *,
    fig_id: str,
    title: str,
    alt: str,
    source: str,
    data: pd.DataFrame,
    units: str,
    inputs: Iterable[str],
    caption: str = "",
) -> None:
    """Write ``<fig_id>.{svg,png,csv,json}`` and display the figure block.

    ``data`` must be exactly what is plotted; ``inputs`` are manifest source ids
    (or ``ledger:<file>``) the figure was computed from.
    """
    _check_id("figure", fig_id)
    if not alt or not alt.strip():
        raise PublishError(f"figure {fig_id}: alt text is required")
    tidy = _tidy_frame(data)
    if tidy.empty:
        raise PublishError(f"figure {fig_id}: the plotted data is empty")
    out_dir = config.figures_dir()
    out_dir.mkdir(parents=True, exist_ok=True)

    _save_figure_files(fig, out_dir, fig_id)
    _write_csv(
        out_dir / f"{fig_id}.csv",
        data,
        object_id=fig_id,
        title=title,
        units=units,
        source=source,
        inputs=inputs,
    )
    files = {ext: f"{fig_id}.{ext}" for ext in ("svg", "png", "csv")}
    meta = _metadata(
        object_id=fig_id,
        kind="figure",
        title=title,
        alt=alt,
        source=source,
        units=units,
        inputs=inputs,
        caption=caption,
        files=files,
        columns=[str(c) for c in tidy.columns],
        rows=len(tidy),
        data=tidy,
    )
    _write_json(out_dir / f"{fig_id}.json", meta)

    import matplotlib.pyplot as plt

    plt.close(fig)  # the Markdown block shows the SVG; avoid a second inline copy
    _display_markdown(figure_markdown(meta))


def figure_markdown(meta: Mapping[str, Any]) -> str:
    object_id = meta["id"]
    rel = _relative_figures_path()
    caption_lines = [f"**{_escape_inline(meta['title'])}.** Source: {_escape_inline(meta['source'])}."]
    caption_lines[0] += f" Units: {_escape_inline(meta['units'])}."
    if meta.get("caption"):
        caption_lines.append("")
        caption_lines.append(_escape_inline(meta["caption"]))
    parts = [
        f":::{{figure}} {rel}/{meta['files']['svg']}",
        f":name: {object_id}",
        f":alt: {_one_line(meta['alt'])}",
        "",
        *caption_lines,
        ":::",
        "",
        _downloads_block(object_id, [meta["files"][k] for k in ("svg", "png", "csv")]),
        "",
        _cite_block(object_id, "figure", meta["title"]),
        "",
        _provenance_block(meta),
    ]
    return "\n".join(parts) + "\n"


def prose(text: str):
    """Markdown for a sentence a notebook composes from computed values.

    The book enables MyST's dollar math for its formulas, so an unescaped "US$"
    pair in generated prose would turn the words between them into a formula;
    every dollar sign here is escaped.
    """
    from IPython.display import Markdown

    return Markdown(re.sub(r"(?<!\\)\$", r"\\$", text))


def publish_table(
    df: pd.DataFrame,
    *,
    table_id: str,
    title: str,
    source: str,
    units: str,
    inputs: Iterable[str],
    caption: str = "",
    digits: int = 1,
    link_columns: Mapping[str, str] | None = None,
) -> None:
    """Write ``<table_id>.{csv,json}`` and display the table as a MyST list-table.

    Floats are shown with ``digits`` decimals and thousands separators; the CSV
    keeps full precision.  ``link_columns`` (``{"where": "page"}``) turns the cells
    of a column into links to the URLs of another column, which is then not shown.
    """
    _check_id("table", table_id)
    tidy = _tidy_frame(df)
    if tidy.empty:
        raise PublishError(f"table {table_id}: the table is empty")
    out_dir = config.figures_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(
        out_dir / f"{table_id}.csv",
        df,
        object_id=table_id,
        title=title,
        units=units,
        source=source,
        inputs=inputs,
    )
    meta = _metadata(
        object_id=table_id,
        kind="table",
        title=title,
        alt=None,
        source=source,
        units=units,
        inputs=inputs,
        caption=caption,
        files={"csv": f"{table_id}.csv"},
        columns=[str(c) for c in tidy.columns],
        rows=len(tidy),
        data=tidy,
    )
    meta["digits"] = digits
    meta["link_columns"] = dict(link_columns or {})
    _write_json(out_dir / f"{table_id}.json", meta)
    _display_markdown(table_markdown(df, meta))


def table_markdown(df: pd.DataFrame, meta: Mapping[str, Any]) -> str:
    object_id = meta["id"]
    note = f"Source: {_escape_inline(meta['source'])}. Units: {_escape_inline(meta['units'])}."
    if meta.get("caption"):
        note += " " + _escape_inline(meta["caption"])
    renderer = _CellRenderer(object_id, int(meta.get("digits", 1)))
    table = _list_table(
        df, object_id, meta["title"], renderer.digits, meta.get("link_columns"), renderer=renderer
    )
    parts = [table, "", note, ""]
    if renderer.legend():
        parts += [renderer.legend(), ""]
    parts += [
        _downloads_block(object_id, [meta["files"]["csv"]]),
        "",
        _cite_block(object_id, "table", meta["title"]),
        "",
        _provenance_block(meta),
    ]
    return "\n".join(parts) + "\n"
