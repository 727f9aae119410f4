"""World Bank WDI indicator files (datasets/world-development-indicators layout).

``data.csv`` has one row per country (or aggregate) and year:
``Country Name,Country Code,Year,Value``; ``datapackage.json`` describes the
indicator.  Output: ``iso3, year, indicator, value`` (the indicator's own unit).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kzcn.parsers import ParseError, where
from kzcn.parsers.csvutil import numbers, read_csv

VERSION = "1"

COLUMNS = ["Country Name", "Country Code", "Year", "Value"]


def _indicator(path: Path, source) -> str:
    if source is not None and source.params.get("indicator"):
        return source.params["indicator"]
    return Path(path).parent.name


def parse(path: Path, source=None) -> pd.DataFrame:
    """One WDI ``data.csv`` -> ``iso3, year, indicator, value`` (rows without a value dropped)."""
    name = where(path)
    table = read_csv(
        path, COLUMNS, dtype={"Country Code": str, "Year": str, "Value": str}, keep_default_na=False
    )
    years = numbers(table["Year"], name, "Year")
    if years.isna().any() or (years % 1 != 0).any():
        raise ParseError(f"{name}, column 'Year': every row needs a whole year")
    values = numbers(table["Value"], name, "Value")
    tidy = pd.DataFrame(
        {
            "iso3": table["Country Code"].astype(str),
            "year": years.astype(int),
            "indicator": _indicator(path, source),
            "value": values,
        }
    )
    return tidy.dropna(subset=["value"]).reset_index(drop=True)


def parse_meta(path: Path, source=None) -> pd.DataFrame:
    """One WDI ``datapackage.json`` -> a one-row table (indicator, title, description, licence)."""
    name = where(path)
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ParseError(f"{name}: not valid JSON ({error})") from error
    if not isinstance(document, dict) or "title" not in document:
        raise ParseError(f"{name}: no 'title' in the data package")
    licences = document.get("licenses") or []
    licence = ", ".join(item.get("name") or item.get("title") or "" for item in licences) or None
    return pd.DataFrame(
        [
            {
                "indicator": _indicator(path, source),
                "title": document["title"],
                "description": document.get("readme") or document.get("description"),
                "licence": licence,
            }
        ]
    )
