"""The one verdict table: every number the thesis prints, judged once per build.

:func:`table` returns one row per ledger row (every prose claim and every
printed table cell).  It is computed once (by :func:`kzcn.audit.audit_rows`,
the only code that turns a ledger row into a recomputed value and a status)
and stored in the processed cache, keyed on

* the ledger files (``data/thesis/*``),
* the sha256 of every raw input the manifest declares, and
* the code version (the source of the modules that compute verdicts),

so the audit page, ``claims.json``, the chapter tables and the conclusion all
read the same rows and none of them recomputes a verdict.  :func:`counts` is
the one function behind every headline count.

Columns (contract 3 of the team sheet):

``id``            ledger id (``c-2.2.3-007``, ``tbl-1-1:1999:export-amount``)
``kind``          ``claim`` or ``cell``
``chapter``       ledger chapter (``intro``, ``1``, ``2``, ``3``, ``conclusion``, ``abstract``)
``section``       thesis section number (``2.2.3``)
``printed_text``  the number as the thesis prints it, with its words
``printed``       the printed value as a number, in ``unit``
``unit``          the ledger unit the comparison is made in
``recomputed``    the value computed from raw data (NaN if none)
``reporter``      whose records give ``recomputed``, in words ("China's records")
``series``        what was computed, in plain words
``mirror``        the partner's (mirror) statistics for the same flow (NaN if none)
``difference``    ``recomputed - printed``
``status``        one of :data:`STATUSES`
``cause``         cause class of a disagreement (empty when it agrees)
``evidence``      one plain sentence a reader understands
``needs``         for ``no raw source``: what data would settle it
``inputs``        list of manifest ids actually read to compute the row
``anchor``        HTML id of the row on the audit page (:func:`anchor`)

Extra columns (``line``, ``where``, ``decimals``, ``table_id``, ``qualifier``,
``page``, ``annotation``, ``rule``) are kept for the audit page.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from kzcn import compare, config

REPRODUCED = compare.REPRODUCED
WITHIN_TOLERANCE = compare.WITHIN_TOLERANCE
DIFFERS = compare.DIFFERS
NO_RAW_SOURCE = compare.NO_RAW_SOURCE
NOT_A_STATISTIC = compare.NOT_A_STATISTIC

#: Every status a verdict can have, in the order a reader should worry about them.
STATUSES = (REPRODUCED, WITHIN_TOLERANCE, DIFFERS, NO_RAW_SOURCE, NOT_A_STATISTIC)

#: Statuses that are checked against raw data ("not a statistic" is left out of the checkable total).
CHECKABLE = (REPRODUCED, WITHIN_TOLERANCE, DIFFERS, NO_RAW_SOURCE)
#: Statuses that count as agreement.
AGREES = (REPRODUCED, WITHIN_TOLERANCE)

COLUMNS = (
    "id",
    "kind",
    "chapter",
    "section",
    "printed_text",
    "printed",
    "unit",
    "recomputed",
    "reporter",
    "series",
    "mirror",
    "difference",
    "status",
    "cause",
    "evidence",
    "needs",
    "inputs",
    "anchor",
)

#: Bumped by hand when the cache layout changes (the code hash covers rule changes).
CACHE_VERSION = 1

#: Modules whose source decides a verdict: a change to any of them recomputes the table
#: (the parsers too: a new parser version changes the data without changing a raw file).
CODE_MODULES = (
    "verdicts.py",
    "audit.py",
    "series.py",
    "compare.py",
    "measures.py",
    "ledger.py",
    "data.py",
    "store.py",
    "schemas.py",
    "parsers/*.py",
)


def anchor(row_id: str) -> str:
    """The audit row's HTML id: the ledger id lower-cased with dots as hyphens (``c-2-2-3-007``)."""
    return str(row_id).lower().replace(".", "-")


# ------------------------------------------------------------------ the cache key


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_key() -> str:
    """Hash of the ledger, the manifest's input sha256s and the code version."""
    digest = hashlib.sha256(f"verdicts-cache-v{CACHE_VERSION}\n".encode())
    for path in sorted(config.THESIS_DIR.glob("*")) if config.THESIS_DIR.is_dir() else []:
        if path.is_file():
            digest.update(b"ledger:" + path.name.encode() + b"\0" + _sha256_bytes(path.read_bytes()).encode())
    if config.MANIFEST_PATH.is_file():
        from kzcn.manifest import load_manifest

        for source in sorted(load_manifest(), key=lambda s: s.id):
            digest.update(f"{source.id}\t{source.sha256}\n".encode())
    package = Path(__file__).resolve().parent
    for pattern in CODE_MODULES:
        for path in sorted(package.glob(pattern)):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    for path in sorted(config.DATA_DIR.glob("*.csv")):  # reviewed mapping tables steer the data
        digest.update(b"data/" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_file(key: str | None = None) -> Path:
    return config.processed_dir() / f"verdicts--{(key or cache_key())[:16]}.pickle"


# --------------------------------------------------------------------- building


def _log_inputs(lines: list[str]) -> None:
    """Replay what the build read into this process's ``KZCN_INPUT_LOG`` (a cache hit reads no data)."""
    log = os.environ.get("KZCN_INPUT_LOG")
    if log and lines:
        with open(log, "a", encoding="utf-8") as handle:
            handle.writelines(line if line.endswith("\n") else line + "\n" for line in lines)


def build() -> tuple[pd.DataFrame, list[str]]:
    """Compute the verdict table from the ledger and the raw data (no cache).

    Returns the table and the lines the input log received while computing it
    (``source_id<TAB>sha256``), which a cache hit replays.
    """
    from kzcn import audit

    previous = os.environ.get("KZCN_INPUT_LOG")
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "inputs.log"
        log.touch()
        os.environ["KZCN_INPUT_LOG"] = str(log)
        try:
            rows = audit.audit_rows()
            frame = frame_of(rows)
        finally:
            if previous is None:
                os.environ.pop("KZCN_INPUT_LOG", None)
            else:
                os.environ["KZCN_INPUT_LOG"] = previous
        lines = sorted(set(log.read_text(encoding="utf-8").splitlines()))
    return frame, lines


def frame_of(rows: list) -> pd.DataFrame:
    """The audit rows in the columns of :func:`kzcn.verdicts.table` (contract 3)."""
    from kzcn import audit

    sections = audit.table_sections()
    records = []
    for row in rows:
        mirror = next((c for c in row.candidates if c.role == "mirror"), None)
        evidence = audit.evidence_sentence(row)
        records.append(
            {
                "id": row.row_id,
                "kind": row.kind,
                "chapter": row.chapter,
                "section": row.section if row.kind == "claim" else sections.get(row.table_id, ""),
                "printed_text": row.printed,
                "printed": row.value,
                "unit": row.unit,
                "recomputed": row.recomputed,
                "reporter": (row.best.reporter if row.best else "")
                or audit.reporter_words(row.recomputed_source),
                "reading": row.best.reading if row.best else "",
                "series": row.recomputed_source
                + (f" ({row.best.reading})" if row.best and row.best.reading else ""),
                "mirror": mirror.value if mirror else float("nan"),
                "difference": row.difference,
                "status": row.status,
                "cause": row.cause,
                "evidence": evidence,
                "needs": audit.needs_text(row),
                "inputs": list(row.inputs),
                "anchor": anchor(row.row_id),
                # for the audit page
                "table_id": row.table_id,
                "line": row.line,
                "where": row.where,
                "decimals": row.decimals,
                "qualifier": row.qualifier,
                "unit_note": row.unit_note,
                "page": row.page,
                "annotation": row.annotation,
                "rule": row.cause_origin,
            }
        )
    return pd.DataFrame.from_records(records)


_MEMORY: dict[str, pd.DataFrame] = {}


def table(*, refresh: bool = False) -> pd.DataFrame:
    """The verdict table (contract 3): one row per ledger row, computed once and cached.

    The first call of a build computes it and stores it in the processed cache;
    later calls (other notebooks, :mod:`kzcn.publish`) read the stored table.
    Returns a copy, so a caller cannot change what the next caller reads.
    """
    key = cache_key()
    if not refresh and key in _MEMORY:
        frame, lines = _MEMORY[key], _MEMORY[key].attrs.get("input_log", [])
        _log_inputs(lines)
        return frame.copy()
    path = cache_file(key)
    frame = None
    if not refresh and path.is_file():
        try:
            stored = pickle.loads(path.read_bytes())
            if stored.get("key") == key:
                frame, lines = stored["table"], stored["input_log"]
        except Exception:  # an unreadable cache entry is rebuilt, never trusted
            frame = None
    if frame is None:
        frame, lines = build()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".pickle.part")
        os.close(handle)
        try:
            Path(temporary).write_bytes(pickle.dumps({"key": key, "table": frame, "input_log": lines}))
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        for stale in path.parent.glob("verdicts--*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    frame.attrs["input_log"] = lines
    _MEMORY.clear()
    _MEMORY[key] = frame
    _log_inputs(lines)
    return frame.copy()


def row(row_id: str) -> pd.Series:
    """The verdict of one ledger row (KeyError naming it if the ledger has no such row)."""
    frame = table().set_index("id", drop=False)
    if row_id not in frame.index:
        raise KeyError(f"{row_id} is not a ledger row")
    return frame.loc[row_id]


def for_ids(ids, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The verdicts of the given ledger ids, in the given order (from ``frame``, default :func:`table`)."""
    frame = (table() if frame is None else frame).set_index("id", drop=False)
    return frame.loc[list(ids)].reset_index(drop=True)


# ----------------------------------------------------------------------- counts


def counts(frame: pd.DataFrame | None = None, **where: Any) -> dict[str, Any]:
    """Every headline count, from one place.

    ``where`` filters the table first (``chapter="1"``, ``kind="cell"``).
    Returns ``rows`` (ledger rows), ``claims``, ``cells``, ``checkable`` (rows
    that are statistics: every status but "not a statistic"), ``compared``
    (rows with a recomputed value), ``agree`` (reproduced or within tolerance),
    ``status`` (count per status, all of :data:`STATUSES`, fixed order) and
    ``cause`` (count per cause class, fixed order, ``none`` for agreeing rows).
    """
    from kzcn import audit

    frame = table() if frame is None else frame
    for column, value in where.items():
        frame = frame[frame[column].astype(str) == str(value)]
    status = frame["status"].value_counts()
    causes = frame["cause"].replace("", "none").value_counts()
    by_status = {name: int(status.get(name, 0)) for name in STATUSES}
    return {
        "rows": len(frame),
        "claims": int((frame["kind"] == "claim").sum()),
        "cells": int((frame["kind"] == "cell").sum()),
        "checkable": int(sum(by_status[s] for s in CHECKABLE)),
        "compared": int(sum(by_status[s] for s in (REPRODUCED, WITHIN_TOLERANCE, DIFFERS))),
        "agree": int(sum(by_status[s] for s in AGREES)),
        "status": by_status,
        "cause": {name: int(causes.get(name, 0)) for name in (*audit.CAUSES, "none")},
    }


# ------------------------------------------------------------------- claims.json


def _json_number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def claims_document(frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """The content of ``claims.json``: the headline counts and every verdict, as the table holds them."""
    import kzcn

    frame = table() if frame is None else frame
    rows = []
    for record in frame.sort_values(["kind", "id"]).to_dict("records"):
        out = {column: record[column] for column in COLUMNS}
        for key in ("printed", "recomputed", "mirror", "difference"):
            out[key] = _json_number(out[key])
        out["inputs"] = list(out["inputs"])
        out["row_id"] = record["id"]  # the name earlier versions used
        out["page"] = record.get("page", "")
        out["line"] = int(record["line"])
        out["table_id"] = record.get("table_id", "")
        rows.append(out)
    summary = counts(frame)
    return {
        "version": kzcn.__version__,
        "tolerance_rule": "kzcn.compare (see the methods page)",
        "summary": {
            "status": summary["status"],
            "cause": summary["cause"],
            "checkable": summary["checkable"],
        },
        "rows": rows,
    }


# ------------------------------------------------------------ the audit listing

#: Chapters in the order of the thesis, with the heading the audit page gives them.
CHAPTER_TITLES = {
    "abstract": "Abstract",
    "intro": "Introduction",
    "1": "Chapter 1",
    "2": "Chapter 2",
    "3": "Chapter 3",
    "conclusion": "Conclusion",
}


def listing(frame: pd.DataFrame, chapter: str, relative_to: str = "notebooks") -> pd.DataFrame:
    """The verdicts of one chapter as the audit page shows them (claims, then table cells).

    The hidden column ``page`` links each ledger id to where the book discusses it.
    """
    rows = frame[frame["chapter"].astype(str) == str(chapter)].sort_values(["kind", "line", "id"])
    why = []
    for record in rows.to_dict("records"):
        text = record["evidence"]
        if record["needs"]:
            text = f"{text} Would need: {record['needs']}." if text else f"Would need: {record['needs']}."
        why.append(text)
    recomputed = [
        f"{compare.shown(v, 0 if u == 'rank' else d + 1)} {u}" if not pd.isna(v) else ""
        for v, d, u in zip(rows["recomputed"], rows["decimals"], rows["unit"], strict=True)
    ]
    return pd.DataFrame(
        {
            "ledger row": rows["id"].to_numpy(),
            "section": rows["section"].to_numpy(),
            "thesis prints": rows["printed_text"].to_numpy(),
            # one digit more than the thesis prints, so a reader sees how close it came
            "recomputed": recomputed,
            "status": rows["status"].to_numpy(),
            "cause": rows["cause"].to_numpy(),
            "why": why,
            "page": [page_link(p, relative_to) for p in rows["page"]],
        }
    )


def data_inputs(frame: pd.DataFrame) -> list[str]:
    """Every manifest id some verdict read."""
    return sorted({item for items in frame["inputs"] for item in items})


def inputs_read(frame: pd.DataFrame | None = None) -> list[str]:
    """Every input (manifest ids and ``ledger:`` files) the input log recorded while the table was computed."""
    frame = table() if frame is None else frame
    return sorted({line.split("\t", 1)[0] for line in frame.attrs.get("input_log", []) if line.strip()})


def page_link(page: str, relative_to: str = "notebooks") -> str:
    """A site-relative ``page#anchor`` as a link from a page in folder ``relative_to``."""
    import posixpath

    if not page:
        return ""
    path, _, fragment = page.partition("#")
    return posixpath.relpath(path, relative_to) + (f"#{fragment}" if fragment else "")


def summary_sentence(frame: pd.DataFrame | None = None) -> str:
    """The audit's headline in words, every number from :func:`counts`."""
    c = counts(frame)
    s = c["status"]
    return (
        f"The ledger holds {c['rows']} numbers: {c['claims']} from the prose and {c['cells']} table cells. "
        f"{s[NOT_A_STATISTIC]} of them are not statistics (spans of years, counts of chapters or documents, plans) "
        f"and are not checked, which leaves {c['checkable']} checkable numbers. Of these, {s[REPRODUCED]} are "
        f"reproduced to the printed digits and {s[WITHIN_TOLERANCE]} are within tolerance; {s[DIFFERS]} differ, "
        f"and {s[NO_RAW_SOURCE]} cannot be checked because no file of the project's data measures them "
        f"({c['cause']['unexplained']} disagreements are left without an explanation)."
    )
