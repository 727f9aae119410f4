"""How to cite the companion and each of its figures and tables.

One set of facts (:func:`metadata`: authors, title, version, year, site URL,
DOI, commit, access date) and one function per format:

* :func:`bibtex` - BibTeX (``@misc``), a corporate author in double braces so
  that BibTeX and biber read it as one name, not as first and last names;
* :func:`apa` - an APA-style reference as plain text;
* :func:`ris` - RIS, which reference managers (Zotero, EndNote) import;
* :func:`csl_json` - CSL-JSON, which Zotero and pandoc read.

The author and title come from ``CITATION.cff``, the version from
``kzcn.__version__``, the URL from :func:`kzcn.config.site_link` and the DOI,
when ``KZCN_DOI`` is set, from :func:`kzcn.config.doi` (the DOI then replaces
the permalink as the identifier of every citation).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

import kzcn
from kzcn import config

#: File suffixes of the citation files published for the book and for each object.
FORMATS = {"bib": "BibTeX", "ris": "RIS", "csl.json": "CSL-JSON", "txt": "APA"}

#: Site folder of the citation files (``cite/<id>.bib`` ...).
SITE_FOLDER = "cite"

#: The key (and file stem) of the whole book's citation.
BOOK_KEY = "kzcn-companion"


@cache
def _citation_cff() -> dict[str, Any]:
    path = config.ROOT / "CITATION.cff"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


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


def git_commit() -> str | None:
    """Code version: ``KZCN_GIT_COMMIT`` (set by the pipeline) or ``git rev-parse HEAD``."""
    return os.environ.get("KZCN_GIT_COMMIT") or _git_head()


def build_date() -> str:
    """UTC build timestamp; ``KZCN_BUILD_DATE`` or ``SOURCE_DATE_EPOCH`` pin it."""
    pinned = os.environ.get("KZCN_BUILD_DATE")
    if pinned:
        return pinned
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch else dt.datetime.now(tz=dt.UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Author:
    """A person (family and given names) or an organisation (``name`` only)."""

    name: str = ""
    family: str = ""
    given: str = ""

    @property
    def corporate(self) -> bool:
        return not self.family

    def display(self) -> str:
        return self.name if self.corporate else f"{self.family}, {self.given}".strip(", ")


def authors() -> list[Author]:
    found = []
    for person in _citation_cff().get("authors", []) or []:
        if "family-names" in person:
            found.append(Author(family=person["family-names"], given=person.get("given-names", "")))
        elif "name" in person:
            found.append(Author(name=person["name"]))
    return found or [Author(name="The kzcn companion authors")]


def metadata() -> dict[str, Any]:
    """Everything a citation states about the companion as a whole."""
    cff = _citation_cff()
    built = build_date()
    released = str(cff.get("date-released") or built[:10])
    return {
        "authors": authors(),
        "title": cff.get("title") or "China and Kazakhstan, 1992-2020: a reproducible companion",
        "version": kzcn.__version__,
        "year": released[:4],
        "date_released": released,
        "url": config.site_url(),
        "repository": config.repository_url(),
        "doi": config.doi(),
        "commit": git_commit(),
        "accessed": built[:10],
        "license": "CC-BY-4.0",
    }


@dataclass(frozen=True)
class Citable:
    """The companion (``kind="book"``) or one of its figures and tables."""

    key: str
    kind: str  # "book", "figure" or "table"
    title: str  # for an object: "Figure 3.1: <title>"
    url: str  # absolute permalink


#: Citation key of an object: ``kzcn-fig-3-1``.
OBJECT_KEY_PREFIX = "kzcn-"


def for_object(object_id: str, kind: str, number_text: str, title: str, url: str) -> Citable:
    """A figure or table: ``number_text`` is "Figure 3.1" (or a placeholder filled later)."""
    return Citable(key=OBJECT_KEY_PREFIX + object_id, kind=kind, title=f"{number_text}: {title}", url=url)


def citation_cff() -> dict[str, Any]:
    """``CITATION.cff`` as published with the site: the committed file with this
    build's version, site URL, repository, commit and (when set) DOI."""
    cff = dict(_citation_cff())
    meta = metadata()
    cff["version"] = meta["version"]
    cff["url"] = meta["url"]
    cff["repository-code"] = meta["repository"]
    if meta["commit"]:
        cff["commit"] = meta["commit"]
    if meta["doi"]:
        cff["doi"] = meta["doi"]
    return cff


def book() -> Citable:
    meta = metadata()
    return Citable(key=BOOK_KEY, kind="book", title=meta["title"], url=meta["url"])


def identifier(item: Citable) -> str:
    """The URL a citation points at: the DOI when there is one, else the permalink."""
    doi = config.doi()
    return f"https://doi.org/{doi}" if doi else item.url


def _commit_note(meta: dict[str, Any]) -> str:
    commit = meta["commit"]
    return f"code commit {commit[:12]}" if commit else "code commit unknown"


def _bibtex_escape(text: str) -> str:
    return "".join("\\" + c if c in "&%$#_{}" else c for c in str(text))


def _bibtex_name(author: Author) -> str:
    if author.corporate:
        return "{" + _bibtex_escape(author.name) + "}"
    return f"{_bibtex_escape(author.family)}, {_bibtex_escape(author.given)}".strip(", ")


def bibtex(item: Citable) -> str:
    """A BibTeX ``@misc`` entry that bibtex, biber and pybtex parse (corporate author
    in double braces; ``url``, ``urldate`` and ``doi`` as biblatex reads them)."""
    meta = metadata()
    fields: dict[str, str] = {
        "author": " and ".join(_bibtex_name(a) for a in meta["authors"]),
        "title": _bibtex_escape(item.title),
    }
    if item.kind != "book":
        fields["howpublished"] = f"In: {_bibtex_escape(meta['title'])}"
    fields.update(
        {
            "year": meta["year"],
            "version": meta["version"],
            "publisher": _bibtex_escape(meta["authors"][0].display()),
            "url": item.url,
            "urldate": meta["accessed"],
        }
    )
    if meta["doi"]:
        fields["doi"] = meta["doi"]
    fields["note"] = _bibtex_escape(f"Version {meta['version']}, {_commit_note(meta)}")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@misc{{{item.key},\n{body}\n}}\n"


def apa(item: Citable) -> str:
    """APA-style reference (plain text)."""
    meta = metadata()
    names = ", ".join(a.display() for a in meta["authors"])
    if item.kind == "book":
        title = f"{item.title} (Version {meta['version']}) [Jupyter Book]"
    else:
        label = "Figure" if item.kind == "figure" else "Table"
        title = f"{item.title} [{label}]. In {meta['title']} (Version {meta['version']})"
    return (
        f"{names}. ({meta['year']}). {title}. {_commit_note(meta).capitalize()}. "
        f"Retrieved {meta['accessed']}, from {identifier(item)}"
    )


#: RIS reference types (RIS specification): figure, dataset, electronic book.
RIS_TYPES = {"figure": "FIGURE", "table": "DATA", "book": "EBOOK"}


def ris(item: Citable) -> str:
    meta = metadata()
    lines = [("TY", RIS_TYPES[item.kind])]
    lines += [("AU", a.display()) for a in meta["authors"]]
    lines.append(("TI", item.title))
    if item.kind != "book":
        lines.append(("T2", meta["title"]))
    lines += [
        ("PY", meta["year"]),
        ("ET", meta["version"]),
        ("PB", meta["authors"][0].display()),
        ("UR", item.url),
        ("Y2", meta["accessed"]),
    ]
    if meta["doi"]:
        lines.append(("DO", meta["doi"]))
    lines += [("N1", f"Version {meta['version']}, {_commit_note(meta)}"), ("ER", "")]
    return "".join(f"{tag}  - {value}".rstrip() + "\n" for tag, value in lines)


#: CSL item types.
CSL_TYPES = {"figure": "figure", "table": "dataset", "book": "book"}


def _date_parts(text: str) -> dict[str, list[list[int]]]:
    return {"date-parts": [[int(part) for part in text.split("-")]]}


def csl_item(item: Citable) -> dict[str, Any]:
    meta = metadata()
    record: dict[str, Any] = {
        "id": item.key,
        "type": CSL_TYPES[item.kind],
        "title": item.title,
        "author": [
            {"literal": a.name} if a.corporate else {"family": a.family, "given": a.given}
            for a in meta["authors"]
        ],
        "issued": _date_parts(meta["year"]),
        "accessed": _date_parts(meta["accessed"]),
        "version": meta["version"],
        "publisher": meta["authors"][0].display(),
        "URL": item.url,
        "note": f"Version {meta['version']}, {_commit_note(meta)}",
    }
    if item.kind != "book":
        record["container-title"] = meta["title"]
    if meta["doi"]:
        record["DOI"] = meta["doi"]
    return record


def csl_json(item: Citable) -> str:
    return json.dumps([csl_item(item)], indent=2, ensure_ascii=False) + "\n"


def render(item: Citable, suffix: str) -> str:
    """The citation of ``item`` in the format of file suffix ``suffix`` (see :data:`FORMATS`)."""
    return {"bib": bibtex, "ris": ris, "csl.json": csl_json, "txt": lambda i: apa(i) + "\n"}[suffix](item)


def stem(item: Citable) -> str:
    """File stem of the citation files: the object id, or :data:`BOOK_KEY`."""
    return item.key.removeprefix(OBJECT_KEY_PREFIX) if item.kind != "book" else BOOK_KEY


def site_path(item: Citable, suffix: str) -> str:
    """Path of a citation file relative to the site root."""
    return f"{SITE_FOLDER}/{stem(item)}.{suffix}"


def write_files(item: Citable, folder) -> list[str]:
    """Write ``<stem>.bib``, ``.ris``, ``.csl.json`` and ``.txt`` into ``folder``; returns the names."""
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    for suffix in FORMATS:
        name = f"{stem(item)}.{suffix}"
        (folder / name).write_text(render(item, suffix), encoding="utf-8")
        names.append(name)
    return names
