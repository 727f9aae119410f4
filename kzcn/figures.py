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

import base64
import hashlib
import html
import io
import json
import math
import os
import posixpath
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import matplotlib
import numpy as np
import pandas as pd

import kzcn
from kzcn import alttext, cite, config, style
from kzcn.fetch import sha256_of

#: Ids are anchors in the HTML and file names on the site: keep them boring.
ID_PATTERN = re.compile(r"^(fig|tbl)-[a-z0-9]+(-[a-z0-9]+)*$")

#: Resolution of the PNG files (the issue asks for at least 200 dpi).
PNG_DPI = 200

#: Notebook parameters recorded in provenance when papermill did not pass them
#: explicitly (see ARCHITECTURE.md: every notebook has these in its parameters cell).
PARAMETER_NAMES = ("country", "partner", "start_year", "end_year")


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


#: Significant digits kept for floats in the CSV: enough for every source (the
#: widest are US dollar values with cents, 12-13 digits), and the float noise of
#: arithmetic (``608.3800000000001``) goes away.
CSV_SIGNIFICANT_DIGITS = 12


def _round_value(value: Any, decimals: int | None) -> Any:
    if not isinstance(value, float) or math.isnan(value) or math.isinf(value):
        return value
    if decimals is not None:
        return round(value, decimals)
    return float(f"{value:.{CSV_SIGNIFICANT_DIGITS}g}")


def _cell_text(value: Any) -> Any:
    """A display cell (:class:`Cell`-like: ``text`` + ``status``) as its text."""
    return value.text if hasattr(value, "text") and hasattr(value, "status") else value


def csv_frame(df: pd.DataFrame, decimals: Mapping[str, int] | None = None) -> pd.DataFrame:
    """The frame exactly as it is written to ``<id>.csv``.

    A meaningful index becomes columns; display cells (with ``text`` and
    ``status``) become their text, and their statuses go to a column of their
    own (``"<column> status"``); floats are rounded to ``decimals[column]``
    decimals where given, else to :data:`CSV_SIGNIFICANT_DIGITS` significant
    digits (float noise such as ``608.3800000000001`` never reaches a reader).
    """
    tidy = _tidy_frame(df).copy()
    decimals = dict(decimals or {})
    columns: dict[str, pd.Series] = {}
    for name in tidy.columns:
        series = tidy[name]
        if series.dtype == object and series.map(lambda v: hasattr(v, "text") and hasattr(v, "status")).any():
            statuses = series.map(lambda v: getattr(v, "status", None) if hasattr(v, "text") else None)
            series = series.map(_cell_text)
            numeric = pd.to_numeric(series, errors="coerce")
            if numeric.notna().sum() == series.map(lambda v: v not in (None, "")).sum():
                series = numeric
            columns[str(name)] = series
            columns[f"{name} status"] = statuses
            continue
        if pd.api.types.is_float_dtype(series):
            series = series.map(lambda v, n=str(name): _round_value(v, decimals.get(n))).astype(series.dtype)
        columns[str(name)] = series
    return pd.DataFrame(columns, index=tidy.index)


def csv_text(df: pd.DataFrame, decimals: Mapping[str, int] | None = None) -> str:
    """The ``<id>.csv`` text: a plain CSV that ``pandas.read_csv`` loads as it is.

    Everything about the data (title, units, sources, provenance) is in the
    ``<id>.json`` sidecar and in the site's ``datapackage.json``, not in the CSV.
    """
    frame = csv_frame(df, decimals)
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column].dtype):
            # positional digits, never scientific notation ("0.00004", not "4e-05"):
            # the same round-trip value, readable in a spreadsheet and by eye
            frame[column] = [
                "" if pd.isna(value) else np.format_float_positional(value, trim="0")
                for value in frame[column]
            ]
    return frame.to_csv(index=False, lineterminator="\n")


def read_published_csv(path: str | Path, dtypes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read a published ``<id>.csv`` back (``dtypes``, the ``dtypes`` field of
    ``<id>.json``, keeps text columns text, so a label such as ``"2010"`` is not
    read back as a number)."""
    text_columns = {
        name: str for name, dtype in (dtypes or {}).items() if dtype in {"object", "string", "str"}
    }
    return pd.read_csv(Path(path), dtype=text_columns or None, float_precision="round_trip")


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
    """Title, units, source and inputs of a published CSV, from its ``<id>.json`` sidecar."""
    meta = json.loads(Path(path).with_suffix(".json").read_text(encoding="utf-8"))
    return {
        "id": meta["id"],
        "title": meta["title"],
        "units": meta["units"],
        "source": meta["source"],
        "inputs": ", ".join(item["id"] for item in meta.get("inputs", [])),
    }


# ------------------------------------------------------------- provenance pieces


def git_commit() -> str | None:
    """Code version: ``KZCN_GIT_COMMIT`` (set by the pipeline) or ``git rev-parse HEAD``."""
    return cite.git_commit()


def build_date() -> str:
    """UTC build timestamp; ``KZCN_BUILD_DATE`` or ``SOURCE_DATE_EPOCH`` pin it."""
    return cite.build_date()


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


def _input_log_lines() -> list[tuple[str, str]] | None:
    """``(source_id, sha256)`` per read logged by ``kzcn.store.load`` (and the ledger),
    in order; None when no log is kept (``KZCN_INPUT_LOG`` unset)."""
    path = os.environ.get("KZCN_INPUT_LOG")
    if not path:
        return None
    if not Path(path).is_file():
        return []
    lines = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        source_id, _, digest = line.partition("\t")
        if source_id.strip() and digest.strip():
            lines.append((source_id.strip(), digest.strip()))
    return lines


def _input_log() -> dict[str, str]:
    """``source_id -> sha256`` from the log written by ``kzcn.store.load``."""
    return dict(_input_log_lines() or [])


#: How many lines of the input log earlier publish calls of this process consumed.
_log_consumed = 0


def inputs_read(declared: Iterable[str]) -> tuple[list[str], bool]:
    """The inputs an object was computed from, as the input log saw them.

    The object's inputs are the reads logged since the previous publish call of
    this notebook run (the code that computed it), plus the ``declared`` ids the
    run read earlier (a table loaded once and cached serves several objects).  A
    declared id the run never read is not an input.  Returns ``(ids, logged)``;
    without an input log (a notebook run by hand outside the pipeline) the
    declared ids are returned with ``logged`` False.
    """
    global _log_consumed
    declared_ids = {declared} if isinstance(declared, str) else set(declared)
    lines = _input_log_lines()
    if lines is None:
        return sorted(declared_ids), False
    if len(lines) < _log_consumed:  # a new log (another run in the same process)
        _log_consumed = 0
    fresh = {source_id for source_id, _ in lines[_log_consumed:]}
    earlier = {source_id for source_id, _ in lines}
    _log_consumed = len(lines)
    return sorted(fresh | (declared_ids & earlier)), True


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


def citation_metadata() -> dict[str, Any]:
    """Authors, book title, version, year and site URL of the companion (see :mod:`kzcn.cite`)."""
    meta = cite.metadata()
    return {
        "authors": [author.display() for author in meta["authors"]],
        "book_title": meta["title"],
        "version": meta["version"],
        "year": meta["year"],
        "url": meta["url"].rstrip("/"),
    }


def page_path() -> str:
    """Site path of the page the running notebook becomes (``notebooks/x.html``), or ""."""
    notebook = os.environ.get("KZCN_NOTEBOOK")
    return Path(notebook).with_suffix(".html").as_posix() if notebook else ""


def page_url(object_id: str) -> str:
    """Absolute URL of the page showing ``object_id``, with its anchor."""
    return config.site_link(f"{page_path()}#{object_id}")


def citable(object_id: str, kind: str, title: str, number_text: str | None = None) -> cite.Citable:
    label = "Figure" if kind == "figure" else "Table"
    return cite.for_object(
        object_id, kind, number_text or f"{label} {number_placeholder(object_id)}", title, page_url(object_id)
    )


def bibtex_entry(object_id: str, kind: str, title: str, number_text: str) -> str:
    return cite.bibtex(citable(object_id, kind, title, number_text)).rstrip("\n")


def number_placeholder(object_id: str) -> str:
    """Stand-in for the Sphinx-assigned number inside literal (code) text.

    A code block cannot contain a ``{numref}`` role, so the BibTeX carries this
    marker and :func:`kzcn.publish.finalize` replaces it in the built HTML by the
    number parsed from the same page.
    """
    return f"[[number:{object_id}]]"


def rebuild_command(object_id: str, parameters: Mapping[str, Any] | None = None) -> str:
    """The shell command that rebuilds one object from raw data (:mod:`kzcn.figurecli`)."""
    country = (parameters or {}).get("country")
    return f"python -m kzcn figure {object_id}" + (
        f" --country {shlex.quote(str(country))}" if country else ""
    )


# --------------------------------------------------------------- MyST rendering


def _relative_figures_path() -> str:
    """Path from the executing notebook's folder to the figures folder (POSIX)."""
    relative = os.path.relpath(config.figures_dir(), Path.cwd())
    return Path(relative).as_posix()


def _relative_cite_path() -> str:
    """Path from the page to the site's citation files (a sibling of ``figures/``)."""
    return posixpath.join(posixpath.dirname(_relative_figures_path()), cite.SITE_FOLDER)


def _escape_inline(text: str) -> str:
    """Neutralise characters that MyST would read as markup in a caption or cell."""
    text = _one_line(text)
    return re.sub(r"([\\`*_\[\]{}<>|$])", r"\\\1", text)


def _downloads_block(object_id: str, files: Sequence[str]) -> str:
    rel = _relative_figures_path()
    # the CSV is the figure's data table: say so, for a reader moving from link to link
    words = {"csv": "Data (CSV)"}
    links = " · ".join(
        f'<a href="{rel}/{name}" download>{words.get(Path(name).suffix[1:], Path(name).suffix[1:].upper())}</a>'
        for name in files
    )
    return f'<p class="kzcn-downloads" id="{object_id}-downloads">Download: {links}</p>'


def _cite_files_line(item: cite.Citable) -> str:
    rel = _relative_cite_path()
    links = " · ".join(
        f'<a href="{rel}/{cite.stem(item)}.{suffix}" download>{label}</a>'
        for suffix, label in cite.FORMATS.items()
    )
    return f'<p class="kzcn-cite-files">Reference files: {links}</p>'


def _cite_block(object_id: str, kind: str, title: str) -> str:
    meta = cite.metadata()
    label = "Figure" if kind == "figure" else "Table"
    item = citable(object_id, kind, title)
    authors = "; ".join(author.display() for author in meta["authors"])
    reference = (
        f"{_escape_inline(authors)} ({meta['year']}). "
        f"{{numref}}`{label} %s <{object_id}>`: {_escape_inline(title)}. "
        f"In *{_escape_inline(meta['title'])}*, version {meta['version']}. "
        f"Retrieved {meta['accessed']}, from <{cite.identifier(item)}>"
    )
    return "\n".join(
        [
            f"::::{{dropdown}} Cite this {kind}",
            ":class-container: kzcn-cite",
            "",
            reference,
            "",
            "```text",
            cite.bibtex(item).rstrip("\n"),
            "```",
            "",
            _cite_files_line(item),
            "::::",
        ]
    )


def _input_link(record: Mapping[str, Any]) -> str:
    source = f" ({_escape_inline(record['source'])})" if record.get("source") else ""
    name = f"`{record['id']}`"
    if record.get("url"):
        name = (
            f'<a href="{html.escape(record["url"], quote=True)}"><code>{html.escape(record["id"])}</code></a>'
        )
    digest = record.get("sha256") or "unknown"
    return f"  - {name}{source}, sha256 `{digest}`"


#: More files than this from one publisher are summed up in one line of the
#: provenance panel (a page that shows verdicts rests on every raw file the verdict
#: table read: listing 250 links under each object made pages weigh over 1 MB).
#: The full list, with each URL and sha256, stays in the object's JSON file.
PROVENANCE_LISTED_PER_SOURCE = 4


def _input_lines(meta: Mapping[str, Any]) -> list[str]:
    """One line per raw input, or one line per publisher where it supplied many."""
    records = list(meta.get("inputs", []))
    if not records:
        return ["  - none"]
    by_source: dict[str, list[Mapping[str, Any]]] = {}
    for record in records:
        by_source.setdefault(record.get("source") or "", []).append(record)
    lines = []
    for source, group in by_source.items():
        if len(group) <= PROVENANCE_LISTED_PER_SOURCE:
            lines.extend(_input_link(record) for record in group)
            continue
        rel = _relative_figures_path()
        who = _escape_inline(source) if source else "other sources"
        lines.append(
            f"  - {len(group)} files of {who}: each with its address and sha256 in this object's "
            f'<a href="{rel}/{meta["id"]}.json">metadata file (JSON)</a>'
        )
    return lines


def _provenance_block(meta: Mapping[str, Any]) -> str:
    lines = ["::::{dropdown} Provenance", ":class-container: kzcn-provenance", ""]
    notebook = meta.get("notebook") or "(run outside the build pipeline)"
    cell = meta.get("execution_count")
    lines.append(f"- **Made by**: notebook `{notebook}`" + (f", cell [{cell}]" if cell else ""))
    command = rebuild_command(meta["id"], meta.get("parameters"))
    # a code span keeps "--" as typed; a value with a backtick (never a valid country) is shown escaped
    shown_command = f"`{command}`" if "`" not in command else _escape_inline(command)
    lines.append(f"- **Rebuild it alone**: {shown_command}")
    lines.append("- **Raw inputs read**:")
    lines.extend(_input_lines(meta))
    params = meta.get("parameters") or {}
    shown = ", ".join(_escape_inline(f"{k}={v!r}") for k, v in params.items()) or "none"
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


# ------------------------------------------------- what JupyterLab shows (HTML)
#
# publish_figure / publish_table display one output with two representations:
# ``text/markdown`` (the MyST block above, which the book renders: _config.yml
# puts text/markdown first in ``nb_mime_priority_overrides``) and ``text/html``
# (what JupyterLab and the classic notebook render, since they prefer HTML to
# Markdown): the chart as an image, the table as a table, the same caption,
# citation and provenance, and no MyST syntax.

#: Resolution of the image embedded in the notebook output (the site's PNG has 200 dpi).
NOTEBOOK_DPI = 100


def _display(markdown: str, html_text: str, plain: str) -> None:
    from IPython.display import display

    display({"text/markdown": markdown, "text/html": html_text, "text/plain": plain}, raw=True)


def _esc(text: Any) -> str:
    return html.escape(_one_line(str(text)), quote=True)


#: Ids whose number is part of the id: ``fig-3-1`` is Figure 3.1, ``tbl-a-1`` Table A.1.
NUMBERED_ID = re.compile(r"^(?:fig|tbl)-(?P<part>[0-9]+|[a-z])-(?P<item>[0-9]+)$")


def reader_label(object_id: str, label: str) -> str:
    """The name a reader knows an object by: "Figure 3.1" where the id carries the
    book's number, else just "Figure"
    (JupyterLab does not know the numbers Sphinx gives the others; a raw id is no name)."""
    match = NUMBERED_ID.match(object_id)
    return f"{label} {match['part'].upper()}.{match['item']}" if match else label


def _html_caption(meta: Mapping[str, Any], label: str) -> str:
    caption = f"<strong>{_esc(reader_label(meta['id'], label))}: {_esc(meta['title'])}.</strong> "
    caption += f"Source: {_esc(meta['source'])}. Units: {_esc(meta['units'])}."
    if meta.get("caption"):
        caption += " " + _esc(meta["caption"])
    return caption


def _html_details(meta: Mapping[str, Any], kind: str) -> str:
    item = citable(meta["id"], kind, meta["title"], reader_label(meta["id"], kind.capitalize()))
    files = " · ".join(
        f'<a href="{_esc(_relative_figures_path())}/{_esc(name)}">{_esc(Path(name).suffix[1:].upper())}</a>'
        for name in meta["files"].values()
    )
    inputs = "".join(
        "<li>"
        + (
            f'<a href="{_esc(record["url"])}"><code>{_esc(record["id"])}</code></a>'
            if record.get("url")
            else f"<code>{_esc(record['id'])}</code>"
        )
        + (f" ({_esc(record['source'])})" if record.get("source") else "")
        + "</li>"
        for record in meta.get("inputs", [])
    )
    return (
        f"<p>Files written: {files}</p>"
        f"<details><summary>Cite this {kind}</summary><p>{_esc(cite.apa(item))}</p>"
        f"<pre>{html.escape(cite.bibtex(item))}</pre></details>"
        "<details><summary>Provenance</summary><ul>"
        f"<li>Rebuild it alone: <code>{_esc(rebuild_command(meta['id'], meta.get('parameters')))}</code></li>"
        f"<li>Raw inputs read: <ul>{inputs or '<li>none</li>'}</ul></li>"
        f"<li>Code version: <code>{_esc(meta.get('git_commit') or 'unknown')}</code></li>"
        "</ul></details>"
    )


def figure_html(meta: Mapping[str, Any], fig) -> str:
    """The figure as JupyterLab shows it: an embedded PNG with its caption."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=NOTEBOOK_DPI, bbox_inches="tight", metadata={"Software": None})
    image = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure class="kzcn-figure" id="{_esc(meta["id"])}">'
        f'<img src="data:image/png;base64,{image}" alt="{_esc(meta["alt"])}" style="max-width:100%">'
        f"<figcaption>{_html_caption(meta, 'Figure')}</figcaption></figure>" + _html_details(meta, "figure")
    )


def _display_text(value: Any, digits: int) -> str:
    """A table cell as text for the notebook view (display cells show their text)."""
    if hasattr(value, "text") and hasattr(value, "status"):
        status = getattr(value, "status", None)
        return str(value.text) + (f" ({status})" if status else "")
    if isinstance(value, str):
        return value
    if hasattr(value, "item"):
        value = value.item()
    formatted = _format_cell(value, digits)
    return re.sub(r"\\(.)", r"\1", formatted)  # the Markdown escapes are not needed in HTML


def table_html(df: pd.DataFrame, meta: Mapping[str, Any]) -> str:
    """The table as JupyterLab shows it: an HTML table with its caption."""
    tidy = _tidy_frame(df)
    digits = int(meta.get("digits", 1))
    hidden = set((meta.get("link_columns") or {}).values())
    shown = [column for column in tidy.columns if column not in hidden]
    head = "".join(f"<th>{_esc(column)}</th>" for column in shown)
    body = "".join(
        "<tr>" + "".join(f"<td>{_esc(_display_text(record[c], digits))}</td>" for c in shown) + "</tr>"
        for record in tidy.to_dict("records")
    )
    return (
        f'<table class="kzcn-table" id="{_esc(meta["id"])}">'
        f"<caption>{_html_caption(meta, 'Table')}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" + _html_details(meta, "table")
    )


# ------------------------------------------------------------------- the API


def _field_units(
    tidy: pd.DataFrame, units: str, column_units: Mapping[str, str] | None
) -> dict[str, str | None]:
    """The unit of each CSV column: ``column_units`` where given; a year column is in
    years; other number columns carry ``units``; text columns have none."""
    found: dict[str, str | None] = {}
    for name in tidy.columns:
        key = str(name)
        if column_units and key in column_units:
            found[key] = column_units[key]
        elif key.lower() in {"year", "years"}:
            found[key] = "calendar year"
        elif pd.api.types.is_numeric_dtype(tidy[name]) and not pd.api.types.is_bool_dtype(tidy[name]):
            found[key] = units
        else:
            found[key] = None
    return found


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
    data: pd.DataFrame,
    column_units: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    tidy = data
    declared = sorted({inputs} if isinstance(inputs, str) else set(inputs))
    read, logged = inputs_read(declared)
    parameters = notebook_parameters()
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
        "field_units": _field_units(tidy, units, column_units),
        "inputs": describe_inputs(read),
        "declared_inputs": declared,
        "inputs_from_log": logged,
        "columns": [str(c) for c in tidy.columns],
        "rows": len(tidy),
        "files": dict(files),
        "notebook": os.environ.get("KZCN_NOTEBOOK"),
        "execution_count": execution_count(),
        "parameters": parameters,
        "rebuild": rebuild_command(object_id, parameters),
        "git_commit": git_commit(),
        "version": kzcn.__version__,
        "build_date": build_date(),
    }


def _write_json(path: Path, meta: Mapping[str, Any]) -> None:
    path.write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")


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


def points_not_in_data(fig, data: pd.DataFrame) -> list[float]:
    """Values drawn as points (``ax.scatter``: the thesis's printed values in the
    book's charts) that no number column of ``data`` holds.

    A reader who downloads a figure's CSV must find every plotted point in it;
    :func:`publish_figure` records what is missing in ``<id>.json``.
    """
    from matplotlib.collections import PathCollection

    numbers = pd.concat(
        [pd.to_numeric(data[c], errors="coerce") for c in data.columns if data[c].dtype != bool],
        ignore_index=True,
    ).dropna()
    known = numbers.to_numpy(dtype=float)
    missing = set()
    for ax in fig.axes:
        for collection in ax.collections:
            if not isinstance(collection, PathCollection):
                continue
            for _, y in collection.get_offsets():
                y = float(y)
                if math.isfinite(y) and not (abs(known - y) <= 1e-9 + 1e-6 * abs(y)).any():
                    missing.add(round(y, 6))
    return sorted(missing)


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
    decimals: Mapping[str, int] | None = None,
    column_units: Mapping[str, str] | None = None,
) -> None:
    """Write ``<fig_id>.{svg,png,csv,json}`` and display the figure.

    ``data`` must be exactly what is plotted, the thesis's printed values
    included (a tidy frame, one observation per row); ``inputs`` are the manifest
    source ids (or ``ledger:<file>``) the author expects the figure to rest on:
    the published inputs are those the input log shows were read (see
    :func:`inputs_read`), and both lists go to ``<fig_id>.json``.
    ``decimals`` rounds CSV columns to their source's precision;
    ``column_units`` names the unit of CSV columns whose unit is not ``units``.
    """
    _check_id("figure", fig_id)
    if not alt or not alt.strip():
        raise PublishError(f"figure {fig_id}: alt text is required")
    tidy = csv_frame(data, decimals)
    if tidy.empty:
        raise PublishError(f"figure {fig_id}: the plotted data is empty")
    out_dir = config.figures_dir()
    out_dir.mkdir(parents=True, exist_ok=True)

    style.finalize(fig)
    _save_figure_files(fig, out_dir, fig_id)
    (out_dir / f"{fig_id}.csv").write_text(csv_text(data, decimals), encoding="utf-8")
    files = {ext: f"{fig_id}.{ext}" for ext in ("svg", "png", "csv")}
    # the author's words say what kind of chart it is; the summary adds what it shows
    data_summary = alttext.summary(fig, tidy)
    meta = _metadata(
        object_id=fig_id,
        kind="figure",
        title=title,
        alt=alttext.with_summary(alt, data_summary),
        source=source,
        units=units,
        inputs=inputs,
        caption=caption,
        files=files,
        data=tidy,
        column_units=column_units,
    )
    meta["data_summary"] = data_summary
    meta["points_not_in_csv"] = points_not_in_data(fig, tidy)
    _write_json(out_dir / f"{fig_id}.json", meta)

    import matplotlib.pyplot as plt

    html_text = figure_html(meta, fig)
    plt.close(fig)  # the output shows the figure; avoid a second inline copy
    _display(figure_markdown(meta), html_text, f"Figure {fig_id}: {title}")


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
        _downloads_block(
            object_id, [meta["files"][k] for k in ("svg", "png", "csv")] + [f"{object_id}.json"]
        ),
        "",
        _cite_block(object_id, "figure", meta["title"]),
        "",
        _provenance_block(meta),
    ]
    return "\n".join(parts) + "\n"


#: Inline HTML that generated prose may carry (the verdict marks of kzcn.narrative:
#: ``<sup><a class=... href=... title=... aria-label=...>✔</a></sup>``, ``<span lang=...>``),
#: with the attributes each may have. Everything else is shown as text.
PROSE_TAGS = {
    "a": {"href", "class", "title", "aria-label", "id"},
    "span": {"class", "lang", "tabindex", "title", "aria-label", "id"},
    "sup": {"class"},
    "sub": {"class"},
    "em": set(),
    "strong": set(),
    "abbr": {"title"},
    "br": set(),
}

#: Link targets generated prose may point at: pages of the site or the web.
PROSE_URL_SCHEMES = {"", "http", "https"}


class _ProseSanitizer(HTMLParser):
    """Re-emits ``text`` with only :data:`PROSE_TAGS` as markup; every other tag,
    comment or declaration becomes visible text; ``$`` is escaped in text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def _as_text(self, raw: str | None) -> None:
        self.out.append(html.escape(raw or "", quote=False))

    def handle_starttag(self, tag, attrs):
        allowed = PROSE_TAGS.get(tag)
        if allowed is None:
            return self._as_text(self.get_starttag_text())
        kept = []
        for name, value in attrs:
            if name not in allowed or value is None and name != "tabindex":
                continue
            if name == "href" and urlsplit(value.strip()).scheme.lower() not in PROSE_URL_SCHEMES:
                continue
            kept.append(f' {name}="{html.escape(value or "", quote=True)}"')
        self.out.append(f"<{tag}{''.join(kept)}>")

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.out.append("<br>")
        else:
            self._as_text(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>" if tag in PROSE_TAGS and tag != "br" else html.escape(f"</{tag}>"))

    def handle_data(self, data):
        self.out.append(re.sub(r"(?<!\\)\$", r"\\$", html.escape(data, quote=False)))

    def handle_comment(self, data):
        self._as_text(f"<!--{data}-->")

    def handle_decl(self, decl):
        self._as_text(f"<!{decl}>")

    def unknown_decl(self, data):
        self._as_text(f"<![{data}]>")

    def handle_pi(self, data):
        self._as_text(f"<?{data}>")


def sanitize_prose(text: str) -> str:
    """``text`` with only the inline HTML of :data:`PROSE_TAGS` kept as markup."""
    parser = _ProseSanitizer()
    parser.feed(str(text))
    parser.close()
    rest = parser.rawdata if hasattr(parser, "rawdata") else ""
    return "".join(parser.out) + html.escape(rest, quote=False)


def prose(text: str):
    """Markdown for a sentence or paragraph a notebook composes from computed values.

    Shown by a ``remove-input`` cell, so the book and JupyterLab show the same
    words (contract 1).  Values are words, not markup: HTML other than the few
    inline tags of :data:`PROSE_TAGS` (with their attributes; links only to the
    site or the web) is shown as text, so ``<img src=x onerror=...>`` or
    ``<script>`` in a value runs nothing; and since the book enables MyST's
    dollar math, every dollar sign of the text is escaped (an unescaped "US$"
    pair would turn the words between them into a formula).
    """
    from IPython.display import Markdown

    return Markdown(sanitize_prose(text))


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
    data: pd.DataFrame | None = None,
    decimals: Mapping[str, int] | None = None,
    column_units: Mapping[str, str] | None = None,
) -> None:
    """Write ``<table_id>.{csv,json}`` and display the table.

    ``df`` is what readers see: floats with ``digits`` decimals and thousands
    separators.  ``data`` (contract 7) is the tidy frame written to the CSV: one
    observation per row, numbers in number columns, statuses in a status
    column; without it the CSV is written from ``df`` (display cells become
    their text, and their statuses a column of their own).  ``link_columns``
    (``{"where": "page"}``) turns the cells of a column into links to the URLs
    of another column, which is then not shown.  ``decimals`` and
    ``column_units`` as in :func:`publish_figure`.
    """
    _check_id("table", table_id)
    if _tidy_frame(df).empty:
        raise PublishError(f"table {table_id}: the table is empty")
    written = df if data is None else data
    tidy = csv_frame(written, decimals)
    if tidy.empty:
        raise PublishError(f"table {table_id}: the data written to its CSV is empty")
    out_dir = config.figures_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{table_id}.csv").write_text(csv_text(written, decimals), encoding="utf-8")
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
        data=tidy,
        column_units=column_units,
    )
    meta["digits"] = digits
    meta["link_columns"] = dict(link_columns or {})
    _write_json(out_dir / f"{table_id}.json", meta)
    _display(table_markdown(df, meta), table_html(df, meta), f"Table {table_id}: {title}")


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
