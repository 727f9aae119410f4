"""After the HTML build: publish the figure files and the machine-readable indexes.

:func:`finalize` is called by the build pipeline once Jupyter Book has rendered
the stage folder, before the new site is swapped into place.  It

1. copies the files that :mod:`kzcn.figures` wrote into ``<stage>/figures/`` to
   ``<html>/figures/`` (stable names, so ``figures/fig-3-1.csv`` is a
   permanent URL);
2. reads the numbers Sphinx gave each figure and table from the built pages,
   and puts them into the BibTeX of the "Cite this" boxes (a code block cannot
   hold a cross-reference, so :func:`kzcn.figures.number_placeholder` stands in);
3. writes ``<html>/figures.json``: every figure and table with its id, number,
   title, page URL with anchor, files with sha256 and input sha256s;
4. writes ``<html>/datapackage.json``, a Frictionless Data Package describing
   every published CSV (fields, types, units, sources);
5. writes the citation files of the book and of every object (``<html>/cite/``:
   BibTeX, RIS, CSL-JSON, APA text; :mod:`kzcn.cite`), the site's
   ``CITATION.cff`` and the licence files;
6. writes ``<html>/claims.json``: the reproducibility audit of every ledger row;
7. puts a favicon at the site root, where browsers look for it.

Everything written is ordered deterministically; the build date lives in one
top-level field, so two builds of the same commit differ only there.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, SoupStrainer

import kzcn
from kzcn import cite, config, figures
from kzcn.fetch import sha256_of

#: What :mod:`kzcn.figures` writes for one object; nothing else is published.
PUBLISHED_SUFFIXES = (".svg", ".png", ".csv", ".json")

#: The files whose sha256 goes into figures.json (the metadata JSON holds the
#: build date, so its hash would change on every build).
HASHED_KINDS = ("svg", "png", "csv")

FAVICON_NAME = "favicon.ico"

#: Licence files published at the site root (linked from the "How to cite" page).
LICENSE_FILES = ("LICENSE", "LICENSE-CC-BY-4.0")


class PublishError(RuntimeError):
    """The built site is inconsistent with the staged figure files."""


@dataclass(frozen=True)
class RenderedObject:
    """Where Sphinx put a figure or table, and the number it gave it."""

    object_id: str
    page: str  # path of the HTML page relative to the site root, POSIX
    number: str | None  # "3.1"; None if Sphinx did not number it
    caption_number: str | None  # as rendered, e.g. "Fig. 3.1"


class PageMemo:
    """What the passes over the HTML found or wrote, by the bytes they read (an incremental build's shortcut).

    Parsing the pages is most of this module's time, and after a one-page edit
    all pages but one are the bytes they were at the previous build.  Each pass
    asks the memo first, with everything its result depends on (the page's
    text, the ids it looks for, ...); the key also hashes this module's source
    and the parser's version, so a change of the code misses.  Entries not asked
    for in a build are removed at its end (:meth:`prune`).  Without a folder,
    nothing is remembered.
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.used: set[str] = set()
        if self.folder is not None:
            import bs4

            self.folder.mkdir(parents=True, exist_ok=True)
            self._code = hashlib.sha256(Path(__file__).read_bytes() + bs4.__version__.encode()).hexdigest()

    def key(self, kind: str, *parts: Any) -> str | None:
        if self.folder is None:
            return None
        digest = hashlib.sha256(f"{self._code}\n{kind}\n".encode())
        for part in parts:
            data = (
                part.encode("utf-8") if isinstance(part, str) else json.dumps(part, sort_keys=True).encode()
            )
            digest.update(hashlib.sha256(data).digest())
        self.used.add(digest.hexdigest())
        return digest.hexdigest()

    def get(self, key: str | None) -> Any:
        if key is None:
            return None
        path = self.folder / f"{key}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))["value"]
        except (OSError, ValueError, KeyError):
            return None

    def put(self, key: str | None, value: Any) -> Any:
        if key is not None:
            tmp = self.folder / f".{key}.tmp"
            tmp.write_text(json.dumps({"value": value}), encoding="utf-8")
            tmp.replace(self.folder / f"{key}.json")
        return value

    def prune(self) -> None:
        if self.folder is None:
            return
        for path in self.folder.iterdir():
            if path.stem not in self.used:
                path.unlink(missing_ok=True)


#: No memo: every pass parses every page (the default of the functions below).
NO_MEMO = PageMemo(None)


def _read_metadata(figures_dir: Path) -> dict[str, dict[str, Any]]:
    metadata = {}
    for path in sorted(figures_dir.glob("*.json")):
        meta = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(meta, dict) and meta.get("id") == path.stem and meta.get("kind") in {"figure", "table"}:
            metadata[path.stem] = meta
    return metadata


def copy_figure_files(stage_figures: Path, html_figures: Path) -> list[Path]:
    """Copy the published files (and only those) into the site; returns the copies."""
    html_figures.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in sorted(stage_figures.iterdir()) if stage_figures.is_dir() else []:
        if path.is_file() and path.suffix in PUBLISHED_SUFFIXES:
            target = html_figures / path.name
            shutil.copyfile(path, target)
            copied.append(target)
    return copied


def _number_from_caption(caption_number: str) -> str | None:
    """``"Fig. 3.1 "`` -> ``"3.1"``; ``"Table 1 "`` -> ``"1"``."""
    words = caption_number.split()
    return words[-1].rstrip(".:") if words else None


def _caption_numbers(text: str, on_page: list[str]) -> list[tuple[str, str | None]]:
    """``(id, caption number)`` of each id of ``on_page`` that is a figure or table of the page."""
    # one pass over the page's elements, not one search per id (the audit page is large)
    # only the figures and tables are built into a tree (the audit page has 50,000 elements)
    soup = BeautifulSoup(text, "html.parser", parse_only=SoupStrainer(["figure", "table"]))
    by_id = {}
    for tag in soup.find_all(["figure", "table"], id=True):
        by_id.setdefault(tag["id"], tag)
    numbers = []
    for object_id in on_page:
        element = by_id.get(object_id)
        if element is not None:
            number_span = element.find(class_="caption-number")
            numbers.append((object_id, number_span.get_text().strip() if number_span else None))
    return numbers


def find_rendered(html_dir: Path, ids: set[str], memo: PageMemo = NO_MEMO) -> dict[str, RenderedObject]:
    """Locate every id among the built pages and read its caption number."""
    found: dict[str, RenderedObject] = {}
    for page in sorted(html_dir.rglob("*.html")):
        relative = page.relative_to(html_dir).as_posix()
        if relative.startswith(("_static/", "_sources/", "figures/")):
            continue
        text = page.read_text(encoding="utf-8")
        on_page = [object_id for object_id in sorted(ids) if f'id="{object_id}"' in text]
        if not on_page:
            continue
        key = memo.key("caption-numbers", text, on_page)
        numbers = memo.get(key)
        if numbers is None:
            numbers = memo.put(key, _caption_numbers(text, on_page))
        for object_id, caption_number in numbers:
            if object_id in found:
                raise PublishError(
                    f"{object_id} appears on two pages: {found[object_id].page} and {relative}"
                )
            found[object_id] = RenderedObject(
                object_id=object_id,
                page=relative,
                number=_number_from_caption(caption_number) if caption_number else None,
                caption_number=caption_number,
            )
    return found


def fill_numbers(html_dir: Path, rendered: Mapping[str, RenderedObject]) -> int:
    """Replace the number placeholders of the cite boxes; returns how many were filled."""
    filled = 0
    for item in rendered.values():
        page = html_dir / item.page
        text = page.read_text(encoding="utf-8")
        marker = figures.number_placeholder(item.object_id)
        if marker in text:
            filled += text.count(marker)
            page.write_text(text.replace(marker, item.number or item.object_id), encoding="utf-8")
    return filled


def figures_index(
    stage_figures: Path,
    html_dir: Path,
    rendered: Mapping[str, RenderedObject],
    build_info: Mapping[str, Any],
) -> dict[str, Any]:
    """The content of ``figures.json``."""
    metadata = _read_metadata(stage_figures)
    site = figures.citation_metadata()
    missing = sorted(set(metadata) - set(rendered))
    if missing:
        raise PublishError(
            f"published but not found in the built HTML: {', '.join(missing)} "
            "(is the notebook in _toc.yml, and did MyST parse its Markdown output?)"
        )
    entries = []
    for object_id in sorted(metadata):
        meta = metadata[object_id]
        place = rendered[object_id]
        files = {}
        for kind in HASHED_KINDS:
            name = meta["files"].get(kind)
            if name:
                path = html_dir / "figures" / name
                if not path.is_file():
                    raise PublishError(f"{object_id}: {name} is missing from the site")
                files[name] = sha256_of(path)
        anchor = f"{place.page}#{object_id}"
        citation = cite.Citable(
            key=cite.OBJECT_KEY_PREFIX + object_id,
            kind=meta["kind"],
            title=f"{_label(meta['kind'])} {place.number or object_id}: {meta['title']}",
            url=config.site_link(anchor),
        )
        entries.append(
            {
                "id": object_id,
                "kind": meta["kind"],
                "number": place.number,
                "caption_number": place.caption_number,
                "title": meta["title"],
                "page": place.page,
                "url": config.site_link(anchor),
                "cite": {label: cite.site_path(citation, suffix) for suffix, label in cite.FORMATS.items()},
                "rebuild": meta.get("rebuild"),
                "declared_inputs": meta.get("declared_inputs"),
                "files": files,
                "metadata_file": f"{object_id}.json",
                "units": meta.get("units"),
                "source": meta.get("source"),
                "inputs": [
                    {"id": item["id"], "sha256": item.get("sha256"), "url": item.get("url")}
                    for item in meta.get("inputs", [])
                ],
                "notebook": meta.get("notebook"),
            }
        )
    return {
        "book": {
            "title": site["book_title"],
            "version": kzcn.__version__,
            "url": config.site_url(),
            "doi": config.doi(),
            "repository": config.repository_url(),
            "cite": {label: cite.site_path(cite.book(), suffix) for suffix, label in cite.FORMATS.items()},
        },
        "git_commit": build_info.get("git_commit") or figures.git_commit(),
        "build_date": build_info.get("build_date") or figures.build_date(),
        "objects": entries,
    }


def _label(kind: str) -> str:
    return "Figure" if kind == "figure" else "Table"


#: Table Schema field types of the pandas dtypes a published CSV can hold.
FIELD_TYPES = {"int": "integer", "float": "number", "bool": "boolean"}


def _field_type(dtype: str) -> str:
    for prefix, field_type in FIELD_TYPES.items():
        if dtype.lower().startswith(prefix):
            return field_type
    return "string"


def datapackage(stage_figures: Path, rendered: Mapping[str, RenderedObject]) -> dict[str, Any]:
    """A Frictionless Data Package describing every published CSV: its fields,
    their types and units, its title, sources and page."""
    site = figures.citation_metadata()
    resources = []
    for object_id, meta in sorted(_read_metadata(stage_figures).items()):
        units = meta.get("field_units") or {}
        fields = []
        for name in meta.get("columns", []):
            field: dict[str, Any] = {"name": name, "type": _field_type(meta["dtypes"].get(name, "object"))}
            if units.get(name):
                field["description"] = f"Unit: {units[name]}"
                field["unit"] = units[name]
            fields.append(field)
        place = rendered.get(object_id)
        resources.append(
            {
                "name": object_id,
                "path": f"figures/{meta['files']['csv']}",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "title": f"{_label(meta['kind'])} {place.number if place and place.number else object_id}: "
                f"{meta['title']}",
                "description": f"Source: {meta['source']}. Units: {meta['units']}."
                + (f" {meta['caption']}" if meta.get("caption") else ""),
                "homepage": config.site_link(f"{place.page}#{object_id}") if place else config.site_url(),
                "sources": [
                    {
                        "title": item.get("source") or item["id"],
                        **({"path": item["url"]} if item.get("url") else {}),
                    }
                    for item in meta.get("inputs", [])
                ],
                "schema": {"fields": fields},
            }
        )
    return {
        "name": "kzcn-figures-and-tables",
        "title": f"{site['book_title']}: the data of every figure and table",
        "version": kzcn.__version__,
        "homepage": config.site_url(),
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0 (the companion's figures and tables)",
                "path": "https://creativecommons.org/licenses/by/4.0/",
            }
        ],
        "description": (
            "Each CSV holds exactly the numbers of one figure or table of the companion. The raw data they "
            "are computed from stay under their publishers' terms (see each resource's sources)."
        ),
        "resources": resources,
    }


def write_citations(html_dir: Path, index: Mapping[str, Any]) -> int:
    """Write the citation files (BibTeX, RIS, CSL-JSON, APA text) of the book and of
    every object into ``<html>/cite/``, and the site's ``CITATION.cff``; returns the count."""
    folder = html_dir / cite.SITE_FOLDER
    count = len(cite.write_files(cite.book(), folder))
    for entry in index["objects"]:
        item = cite.Citable(
            key=cite.OBJECT_KEY_PREFIX + entry["id"],
            kind=entry["kind"],
            title=f"{_label(entry['kind'])} {entry['number'] or entry['id']}: {entry['title']}",
            url=entry["url"],
        )
        count += len(cite.write_files(item, folder))
    import yaml

    for name in LICENSE_FILES:
        shutil.copyfile(config.ROOT / name, html_dir / name)
    (html_dir / "CITATION.cff").write_text(
        yaml.safe_dump(cite.citation_cff(), sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return count


def _write_json(path: Path, content: Any) -> None:
    path.write_text(
        json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n",
        encoding="utf-8",
    )


def write_favicon(html_dir: Path) -> Path:
    """Copy the committed favicon to the site root (browsers ask for /favicon.ico)."""
    source = config.BOOK_DIR / "_static" / FAVICON_NAME
    target = html_dir / FAVICON_NAME
    shutil.copyfile(source, target)
    return target


def claims_document(build_info: Mapping[str, Any]) -> dict[str, Any]:
    """The content of ``claims.json`` (the audit of every ledger row).

    The ledger holds what the thesis prints about Kazakhstan and China.  A book
    rebuilt for another country (``build_info["country"]``) has no audit page and
    checks none of those numbers, so its ``claims.json`` lists no rows and says
    where the audit is, instead of repeating it with links into pages that show
    another country's data.
    """
    from kzcn import measures, verdicts

    country = str(build_info.get("country") or measures.THESIS_COUNTRY).upper()
    if country != measures.THESIS_COUNTRY:
        document = {
            "version": kzcn.__version__,
            "tolerance_rule": "kzcn.compare.status (see the methods page)",
            "country": country,
            "note": (
                f"This site is the companion rebuilt for {measures.name_of(country)}. The thesis prints its "
                f"numbers for {measures.name_of(measures.THESIS_COUNTRY)} and "
                f"{measures.name_of(measures.THESIS_PARTNER)} only; their audit is the claims.json of the "
                f"{measures.name_of(measures.THESIS_COUNTRY)} book."
            ),
            "summary": {"status": {}, "cause": {}},
            "rows": [],
        }
    else:
        document = verdicts.claims_document()
    document["build_date"] = build_info.get("build_date") or figures.build_date()
    return document


#: Tables of the audit page itself: a ledger id found there is not "where the book discusses it".
AUDIT_TABLE_PREFIX = "tbl-audit-"


#: Runs of the characters a ledger id is made of (the ids a page can show).
_WORDS = re.compile(r"[A-Za-z0-9.:_-]+")
#: The text between two tags.
_ELEMENT_TEXTS = re.compile(r">([^<>]*)<")


def _ids_in_tables(text: str, row_ids: list[str]) -> list[tuple[str, str]]:
    """``(row id, table id)`` for each cell of a (non-audit) table of the page holding a row id."""
    wanted = set(row_ids)
    cells = []
    for table in BeautifulSoup(text, "html.parser", parse_only=SoupStrainer("table")).find_all(
        "table", id=True
    ):
        if table["id"].startswith(AUDIT_TABLE_PREFIX):
            continue
        for cell in table.find_all("td"):
            value = cell.get_text(strip=True)
            if value in wanted:
                cells.append((value, table["id"]))
    return cells


def discussed_at(html_dir: Path, row_ids: set[str], memo: PageMemo = NO_MEMO) -> dict[str, str]:
    """``ledger row id -> page#table`` for rows a chapter table lists by id.

    The chapter notebooks tabulate the prose claims they recompute, with the
    ledger id in a cell; such a table is a more precise place to link than the
    chapter page.  The first table (pages in path order) wins.
    """
    found: dict[str, str] = {}
    for page in sorted(html_dir.rglob("*.html")):
        relative = page.relative_to(html_dir).as_posix()
        if relative.startswith(("_static/", "_sources/", "figures/")):
            continue
        text = page.read_text(encoding="utf-8")
        # the ids written out in the page (a cell's text is bounded by markup or spaces)
        on_page = sorted(set(row_ids).intersection(_WORDS.findall(text)))
        if not on_page:
            continue
        key = memo.key("ids-in-tables", text, on_page)
        cells = memo.get(key)
        if cells is None:
            cells = memo.put(key, _ids_in_tables(text, on_page))
        for value, table_id in cells:
            if value not in found:
                found[value] = f"{relative}#{table_id}"
    return found


def link_audit_rows(html_dir: Path, document: dict[str, Any], anchors: Mapping[str, str]) -> int:
    """Point claims.json rows and the audit page's links at the tables found by
    :func:`discussed_at`; returns how many links of the audit page changed."""
    import posixpath
    import re

    for row in document.get("rows", []):
        if row["row_id"] in anchors:
            row["page"] = anchors[row["row_id"]]
    changed = 0

    def better(match: re.Match, folder: str) -> str:
        nonlocal changed
        row_id = match.group(2)
        target = anchors.get(row_id)
        if not target:
            return match.group(0)
        changed += 1
        page_path, anchor = target.split("#", 1)
        return f'<a href="{posixpath.relpath(page_path, folder)}#{anchor}">{row_id}</a>'

    for page in sorted(html_dir.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if f'id="{AUDIT_TABLE_PREFIX}' not in text:
            continue
        folder = page.parent.relative_to(html_dir).as_posix()
        new_text = re.sub(
            r'<a href="([^"#]*)">([a-z0-9.:_-]+)</a>',
            lambda match, folder=folder: better(match, folder),
            text,
        )
        if new_text != text:
            page.write_text(new_text, encoding="utf-8")
    return changed


#: The audit page's filter (a small script, no CDN), served from the book's static folder.
AUDIT_FILTER_SCRIPT = "_static/audit-filter.js"


def _marked_audit_page(
    text: str, rows: Mapping[str, Mapping[str, Any]], labels: Mapping[str, str], folder: str
) -> tuple[str, int]:
    """The audit page with its rows marked and section cells linked (see :func:`mark_audit_rows`)."""
    import posixpath

    marked = 0
    soup = BeautifulSoup(text, "html.parser")
    for table in soup.find_all("table", id=re.compile(f"^{AUDIT_TABLE_PREFIX}")):
        headers = [th.get_text(strip=True) for th in table.find_all("th")]
        section_at = headers.index("section") if "section" in headers else None
        for tr in table.find_all("tr"):
            cells = tr.find_all("td")
            if not cells:
                continue
            row = rows.get(cells[0].get_text(strip=True))
            if row is None:
                continue
            tr["id"] = row["anchor"]
            tr["data-status"] = row["status"]
            tr["data-cause"] = row["cause"]
            tr["data-chapter"] = str(table["id"])[len(AUDIT_TABLE_PREFIX) :]
            marked += 1
            if section_at is not None and section_at < len(cells) and row["section"]:
                label = section_label(row["section"], row["chapter"])
                if label in labels:
                    cell = cells[section_at]
                    link = soup.new_tag("a", href=f"{posixpath.relpath(labels[label], folder)}#{label}")
                    link.string = cell.get_text(strip=True)
                    cell.clear()
                    cell.append(link)
    if soup.body is not None:
        script = soup.new_tag("script", src=posixpath.relpath(AUDIT_FILTER_SCRIPT, folder))
        script["defer"] = ""
        soup.body.append(script)
    return str(soup), marked


def _linked_ledger_ids(text: str, anchors: Mapping[str, str], audit_page: str, folder: str) -> str | None:
    """The page with each table cell holding a ledger id linked to its audit row; None if none is."""
    import posixpath

    soup = BeautifulSoup(text, "html.parser")
    changed = False
    for cell in soup.select("table td"):
        value = cell.get_text(strip=True)
        if value in anchors and cell.find("a") is None:
            link = soup.new_tag("a", href=f"{posixpath.relpath(audit_page, folder)}#{anchors[value]}")
            link.string = value
            cell.clear()
            cell.append(link)
            changed = True
    return str(soup) if changed else None


def mark_audit_rows(html_dir: Path, document: dict[str, Any], memo: PageMemo = NO_MEMO) -> int:
    """Give every audit row its stable anchor and the data the filter reads; link rows to thesis sections.

    A row of an audit table (``tbl-audit-*``) whose first cell is a ledger id
    gets ``id`` = the verdict's anchor (``c-2-2-3-007``) and ``data-status``,
    ``data-cause``, ``data-chapter``.  Its section cell links to the thesis
    section's label (``thesis-2-2-3``) when a page of the site carries it.
    Chapter tables that list ledger ids link each id to its audit row.
    Returns how many audit rows were marked.
    """
    rows = {row["id"]: row for row in document.get("rows", []) if "id" in row}
    if not rows:
        return 0
    # what the page rewrites read of each row (the memo's key)
    marks = {
        row_id: {name: row[name] for name in ("anchor", "status", "cause", "section", "chapter")}
        for row_id, row in rows.items()
    }
    pages = [
        p
        for p in sorted(html_dir.rglob("*.html"))
        if not p.relative_to(html_dir).as_posix().startswith(("_static/", "_sources/", "figures/"))
    ]
    labels: dict[str, str] = {}
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r'id="(thesis-[a-z0-9-]+)"', text):
            labels.setdefault(match.group(1), page.relative_to(html_dir).as_posix())
    audit_page = None
    marked = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if f'id="{AUDIT_TABLE_PREFIX}' not in text:
            continue
        audit_page = page.relative_to(html_dir).as_posix()
        folder = page.parent.relative_to(html_dir).as_posix()
        key = memo.key("marked-audit-page", text, marks, labels, folder)
        result = memo.get(key)
        if result is None:
            result = memo.put(key, list(_marked_audit_page(text, marks, labels, folder)))
        page.write_text(result[0], encoding="utf-8")
        marked += result[1]
    if audit_page is None:
        return marked
    # chapter tables: a cell holding a ledger id links to its audit row
    anchors = {row_id: row["anchor"] for row_id, row in rows.items()}
    for page in pages:
        relative = page.relative_to(html_dir).as_posix()
        if relative == audit_page:
            continue
        text = page.read_text(encoding="utf-8")
        if rows.keys().isdisjoint(_ELEMENT_TEXTS.findall(text)):
            continue
        folder = page.parent.relative_to(html_dir).as_posix()
        key = memo.key("linked-ledger-ids", text, anchors, audit_page, folder)
        result = memo.get(key)
        if result is None:
            result = memo.put(key, [_linked_ledger_ids(text, anchors, audit_page, folder)])
        if result[0] is not None:
            page.write_text(result[0], encoding="utf-8")
    return marked


def section_label(section: str, chapter: str = "") -> str:
    """The MyST label narrative places on a thesis section (contract 4): ``2.2.3`` -> ``thesis-2-2-3``."""
    if chapter in ("intro", "conclusion") or section in ("intro", "conclusion"):
        return "thesis-introduction" if "intro" in (chapter, section) else "thesis-conclusion"
    return "thesis-" + str(section).replace(".", "-")


def finalize(stage_dir: Path, html_dir: Path, build_info: dict, memo_dir: Path | None = None) -> None:
    """Publish figure files, ``figures.json``, ``claims.json`` and the favicon.

    ``build_info`` may carry ``build_date`` (ISO 8601, UTC) and ``git_commit``;
    missing keys are filled in the same way :mod:`kzcn.figures` fills them.
    Raises :class:`PublishError` when a published object is not in the HTML.
    ``memo_dir`` (the pipeline's build folder) keeps what the passes over the
    pages found, so that the next build parses only the pages that changed
    (:class:`PageMemo`); the result is the same with or without it.
    """
    memo = PageMemo(memo_dir)
    stage_dir, html_dir = Path(stage_dir), Path(html_dir)
    stage_figures = stage_dir / "figures"
    copy_figure_files(stage_figures, html_dir / "figures")
    metadata = _read_metadata(stage_figures)
    rendered = find_rendered(html_dir, set(metadata), memo)
    fill_numbers(html_dir, rendered)
    index = figures_index(stage_figures, html_dir, rendered, build_info)
    _write_json(html_dir / "figures.json", index)
    _write_json(html_dir / "datapackage.json", datapackage(stage_figures, rendered))
    write_citations(html_dir, index)
    claims = claims_document(build_info)
    ids = {row["row_id"] for row in claims.get("rows", [])}
    link_audit_rows(html_dir, claims, discussed_at(html_dir, ids, memo) if ids else {})
    mark_audit_rows(html_dir, claims, memo)
    _write_json(html_dir / "claims.json", claims)
    write_favicon(html_dir)
    memo.prune()
