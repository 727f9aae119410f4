"""Parsers: one module per source family, each turning a raw file into a tidy DataFrame.

Every parser is registered here under the name the manifest's ``parser``
field uses, with a version string.  Bump a parser's version whenever its
output changes: the processed cache is keyed on (raw sha256, parser version).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class ParseError(ValueError):
    """A raw file does not have the layout its parser expects; the message says where."""


@dataclass(frozen=True)
class Parser:
    name: str
    version: str
    function: Callable  # (path, source) -> pandas.DataFrame or pyarrow.Table
    schema: str  # name of the pandera schema in kzcn.schemas


#: manifest parser name -> (module in kzcn.parsers, function, schema name in kzcn.schemas)
PARSERS = {
    "dots": ("dots", "parse_arrow", "bilateral"),
    "wdi": ("wdi", "parse", "wdi"),
    "wdi_meta": ("wdi", "parse_meta", "wdi_meta"),
    "wits_dta": ("wits", "parse_dta", "products"),
    "wits_sections_csv": ("wits", "parse_sections_csv", "products"),
    "wits2023": ("wits", "parse_2023", "wits2023"),
    "wits_total": ("wits", "parse_total", "bilateral"),
    "comtrade": ("comtrade", "parse", "products"),
    "wiiw_partners": ("fdi", "parse_partners", "fdi"),
    "wiiw_activities": ("fdi", "parse_activities", "fdi"),
    "oec_sections": ("oec", "parse", "oec_sections"),
}


def get_parser(name: str) -> Parser:
    """The registered parser ``name`` (as written in the manifest)."""
    import importlib

    if name not in PARSERS:
        raise KeyError(f"no parser named {name!r}; known: {', '.join(sorted(PARSERS))}")
    module_name, function, schema = PARSERS[name]
    module = importlib.import_module(f"kzcn.parsers.{module_name}")
    return Parser(name, module.VERSION, getattr(module, function), schema)


def where(path: Path | str) -> str:
    """How error messages name a raw file."""
    return Path(path).name
