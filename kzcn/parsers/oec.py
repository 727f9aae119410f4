"""OEC exports by country and HS section (BACI HS92), summed over 2019-2021.

Columns ``Country ID, Country, Section ID, Section, Trade Value``.  OEC
country ids are the continent prefix plus ISO3 in lower case (``askaz``), so
the ISO3 code is the last three letters.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kzcn.parsers import ParseError, where
from kzcn.parsers.csvutil import numbers, read_csv

VERSION = "1"

COLUMNS = ["Country ID", "Country", "Section ID", "Section", "Trade Value"]


def parse(path: Path, source=None) -> pd.DataFrame:
    """``global_exports.csv`` -> ``oec_id, iso3, country, section, section_name, value_usd, years``."""
    name = where(path)
    table = read_csv(path, COLUMNS, dtype=str, keep_default_na=False)
    oec_id = table["Country ID"].str.strip()
    bad = ~oec_id.str.fullmatch(r"[a-z]{5}")
    if bad.any():
        row = int(bad.idxmax())
        raise ParseError(
            f"{name}, column 'Country ID', data row {row + 1}: {oec_id[row]!r} is not an OEC country id"
        )
    sections = numbers(table["Section ID"], name, "Section ID")
    if sections.isna().any():
        raise ParseError(f"{name}, column 'Section ID', data row {int(sections.isna().idxmax()) + 1}: empty")
    return pd.DataFrame(
        {
            "oec_id": oec_id,
            "iso3": oec_id.str[2:].str.upper(),
            "country": table["Country"].str.strip(),
            "section": sections.astype(int),
            "section_name": table["Section"].str.strip(),
            "value_usd": numbers(table["Trade Value"], name, "Trade Value"),
            "years": "2019-2021",
        }
    ).dropna(subset=["value_usd"])
