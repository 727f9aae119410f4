"""The manifest ``data/sources.yml``: which raw files the book uses, and where from.

The YAML file has two parts.  ``families`` holds what files of one publication
share (publisher, title, how to cite, landing page, licence, vintage, unit,
quirks, and the parser that reads them); ``sources`` has one entry per raw
file, keyed by a stable id, with its pinned URL, sha256 and size plus whatever
is specific to it.  :func:`load_manifest` merges the two, so every
:class:`Source` carries the full record.
"""

from __future__ import annotations

import functools
import os
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
        default = config.DEFAULT_BASE_URL
        if not self.url.startswith(default):
            raise ManifestError(f"{self.id}: url {self.url!r} does not start with {default!r}")
        return unquote(self.url[len(default) :])

    def url_for(self, base_url: str | None = None) -> str:
        """The download URL of this file on ``base_url`` (default: ``config.base_url()``)."""
        base = base_url or config.base_url()
        base = base if base.endswith("/") else base + "/"
        return base + quote(self.relpath)

    def cache_path(self) -> Path:
        """Where the verified download lives in the raw cache."""
        return config.raw_dir() / self.relpath


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
    for source_id, entry in document["sources"].items():
        family_name = entry.get("family")
        if family_name not in families:
            raise ManifestError(f"{where}: {source_id}: unknown family {family_name!r}")
        merged = {**families[family_name], **entry}
        missing = [name for name in REQUIRED_FIELDS if merged.get(name) in (None, "")]
        if missing:
            raise ManifestError(f"{where}: {source_id}: missing {', '.join(missing)}")
        sha = str(merged["sha256"])
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ManifestError(f"{where}: {source_id}: sha256 must be 64 lowercase hex digits")
        fields = {k: v for k, v in merged.items() if k in known}
        fields["quirks"] = tuple(merged.get("quirks") or ())
        fields["size"] = int(merged["size"])
        fields["vintage"] = str(merged["vintage"])
        params = {k: v for k, v in merged.items() if k not in known}
        sources[source_id] = Source(id=source_id, params=params, **fields)
    return Manifest(sources=sources, path=path)


@functools.cache
def _load_cached(path: Path, mtime_ns: int) -> Manifest:
    with open(path, encoding="utf-8") as handle:
        return parse_manifest(yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), path)


def load_manifest(path: Path | None = None) -> Manifest:
    """Read and check ``data/sources.yml`` (or ``path``, or ``KZCN_MANIFEST``); cached until the file changes."""
    # KZCN_MANIFEST is read here as well as in config, so a test can set it after import.
    path = Path(path or os.environ.get("KZCN_MANIFEST") or config.MANIFEST_PATH).resolve()
    return _load_cached(path, path.stat().st_mtime_ns)


def get(source_id: str) -> Source:
    """The manifest entry ``source_id`` of the project manifest."""
    return load_manifest()[source_id]
