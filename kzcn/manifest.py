"""The manifest ``data/sources.yml``: which raw files the book uses, and where from.

The YAML file has two parts.  ``families`` holds what files of one publication
share (publisher, title, how to cite, landing page, licence, vintage, unit,
quirks, and the parser that reads them); ``sources`` has one entry per raw
file, keyed by a stable id, with its pinned URL, sha256 and size plus whatever
is specific to it.  :func:`load_manifest` merges the two, so every
:class:`Source` carries the full record.
"""

from __future__ import annotations

import datetime
import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import yaml

from kzcn import config

#: Fields every merged entry must have (the issue's list of what a manifest says).
REQUIRED_FIELDS = (
    "parser",
    "publisher",
    "title",
    "cite",
    "landing_page",
    "url",
    "sha256",
    "size",
    "licence",
    "vintage",
)


#: What a source id may look like: it names files in the processed cache.
SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ManifestError(ValueError):
    """The manifest is malformed or an id is unknown."""


@dataclass(frozen=True)
class Source:
    """One raw file declared in the manifest (family fields already merged in)."""

    id: str
    family: str
    parser: str
    publisher: str
    title: str
    cite: str
    landing_page: str
    url: str
    sha256: str
    size: int
    licence: str
    vintage: str
    unit: str = ""
    quirks: tuple[str, ...] = ()
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def relpath(self) -> str:
        """Path of the file below the host root, decoded (``owner/repo/commit/path``).

        The cache mirrors it under ``config.raw_dir()``, so two files with the
        same name in different repositories never collide.
        """
        return url_relpath(self.id, self.url)

    def url_for(self, base_url: str | None = None) -> str:
        """The download URL of this file on ``base_url`` (default: ``config.base_url()``)."""
        base = base_url or config.base_url()
        base = base if base.endswith("/") else base + "/"
        return base + quote(self.relpath)

    def cache_path(self) -> Path:
        """Where the verified download lives in the raw cache (never outside it)."""
        raw = config.raw_dir()
        path = raw / self.relpath
        # Checked on the path as written, not with symlinks resolved: a cache made
        # of links to verified files elsewhere (the benchmark's) is legitimate, and
        # the file's bytes are checked against the manifest's sha256 anyway.
        if not os.path.normpath(path).startswith(os.path.normpath(raw) + os.sep):
            raise ManifestError(f"{self.id}: url {self.url!r} would put the file outside {raw}")
        return path


def url_relpath(source_id: str, url: str) -> str:
    """The path of ``url`` below the default host, decoded; refused if it could leave the raw cache."""
    default = config.DEFAULT_BASE_URL
    if not url.startswith(default):
        raise ManifestError(f"{source_id}: url {url!r} does not start with {default!r}")
    relpath = unquote(url[len(default) :])
    parts = relpath.replace("\\", "/").split("/")
    if (
        not relpath
        or relpath.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or ":" in parts[0]
    ):
        raise ManifestError(
            f"{source_id}: url {url!r} has an empty, '.' or '..' path segment; "
            "a raw file must stay inside the raw cache (data/raw)"
        )
    return relpath


@dataclass(frozen=True)
class Manifest:
    """All declared raw files, by id."""

    sources: dict[str, Source]
    path: Path | None = None

    def __getitem__(self, source_id: str) -> Source:
        try:
            return self.sources[source_id]
        except KeyError:
            raise ManifestError(
                f"unknown source id {source_id!r} (not in {self.path or 'the manifest'})"
            ) from None

    def __iter__(self):
        return iter(self.sources.values())

    def __len__(self) -> int:
        return len(self.sources)

    def ids(self) -> list[str]:
        return list(self.sources)

    def select(self, ids: list[str] | None) -> list[Source]:
        """The entries named by ``ids`` (all of them when ``ids`` is None)."""
        return list(self) if ids is None else [self[i] for i in ids]


def parse_manifest(document: dict, path: Path | None = None) -> Manifest:
    """Merge families into entries and check every entry is complete."""
    where = path or "manifest"
    if not isinstance(document, dict) or "sources" not in document:
        raise ManifestError(f"{where}: expected a mapping with a 'sources' key")
    families = document.get("families") or {}
    known = set(Source.__dataclass_fields__) - {"id", "params"}
    sources: dict[str, Source] = {}
    if not isinstance(families, dict) or not isinstance(document["sources"], dict):
        raise ManifestError(f"{where}: 'families' and 'sources' must be mappings (id: fields)")
    for source_id, entry in document["sources"].items():
        sources[source_id] = _parse_entry(where, str(source_id), entry, families, known)
    return Manifest(sources=sources, path=path)


def _parse_entry(where: object, source_id: str, entry: object, families: dict, known: set[str]) -> Source:
    """One entry of ``sources``, merged with its family, every field checked (errors name the id)."""
    prefix = f"{where}: entry {source_id!r}"
    if not SOURCE_ID.match(source_id):
        raise ManifestError(f"{prefix}: an id may hold only letters, digits, '.', '_' and '-'")
    if not isinstance(entry, dict):
        raise ManifestError(f"{prefix}: expected a mapping of fields, found {type(entry).__name__} {entry!r}")
    family_name = entry.get("family")
    if family_name not in families:
        raise ManifestError(f"{prefix}: unknown family {family_name!r}")
    if not isinstance(families[family_name], dict):
        raise ManifestError(f"{where}: family {family_name!r} must be a mapping of fields")
    merged = {**families[family_name], **entry}
    missing = [name for name in REQUIRED_FIELDS if merged.get(name) in (None, "")]
    if missing:
        raise ManifestError(f"{prefix}: missing {', '.join(missing)}")
    sha = str(merged["sha256"])
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ManifestError(f"{prefix}: sha256 must be 64 lowercase hex digits, found {sha!r}")
    size = merged["size"]
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise ManifestError(f"{prefix}: size must be a positive number of bytes, found {size!r}")
    for name in REQUIRED_FIELDS:
        if name != "size" and not isinstance(merged[name], str | int | float | datetime.date):
            raise ManifestError(f"{prefix}: field {name!r} must be text, found {merged[name]!r}")
    try:
        url_relpath(source_id, str(merged["url"]))
    except ManifestError as error:
        raise ManifestError(f"{where}: {error}") from None
    fields = {k: v for k, v in merged.items() if k in known}
    quirks = merged.get("quirks") or ()
    if not isinstance(quirks, list | tuple):
        raise ManifestError(f"{prefix}: quirks must be a list of sentences")
    fields["quirks"] = tuple(quirks)
    fields["size"] = size
    fields["vintage"] = str(merged["vintage"])
    params = {k: v for k, v in merged.items() if k not in known}
    return Source(id=source_id, params=params, **fields)


@functools.cache
def _load_cached(path: Path, mtime_ns: int) -> Manifest:
    with open(path, encoding="utf-8") as handle:
        try:
            document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            problem = getattr(error, "problem", None) or str(error).splitlines()[0]
            raise ManifestError(f"{path}:{at}: not valid YAML ({problem})") from None
    return parse_manifest(document, path)


def load_manifest(path: Path | None = None) -> Manifest:
    """Read and check ``data/sources.yml`` (or ``path``, or ``KZCN_MANIFEST``); cached until the file changes."""
    # KZCN_MANIFEST is read here as well as in config, so a test can set it after import.
    path = Path(path or os.environ.get("KZCN_MANIFEST") or config.MANIFEST_PATH).resolve()
    return _load_cached(path, path.stat().st_mtime_ns)


def get(source_id: str) -> Source:
    """The manifest entry ``source_id`` of the project manifest."""
    return load_manifest()[source_id]
