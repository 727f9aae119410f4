"""UN Comtrade API records (CSV as returned by comtradeapi) -> trade by product.

Quirk: the header has one column fewer than the data rows (every row ends
with a comma), so the CSV is read with ``index_col=False``; the HS edition
(``classificationCode``) changes over the years (H4, H5, H6).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from kzcn.parsers import ParseError, where
from kzcn.parsers.csvutil import numbers, read_csv

VERSION = "1"

FLOWS = {"X": "export", "M": "import"}
PARTNERS = {"W00": "WLD"}  # Comtrade's code for the world
REQUIRED = [
    "freqCode",
    "refYear",
    "reporterISO",
    "flowCode",
    "partnerISO",
    "partner2ISO",
    "cmdCode",
    "cmdDesc",
]
REQUIRED += ["customsCode", "motCode", "primaryValue", "classificationCode"]


def parse(path: Path, source=None) -> pd.DataFrame:
    """One Comtrade CSV -> ``reporter, partner, flow, year, product_level, product, ...`` (US$)."""
    name = where(path)
    with warnings.catch_warnings():
        # pandas 3 warns about the documented short header (module docstring); it is expected here
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        table = read_csv(path, REQUIRED, dtype=str, keep_default_na=False, index_col=False)
    # Only the plain totals: annual, no second partner, all customs procedures, all transport modes.
    checks = {"freqCode": {"A"}, "partner2ISO": {"W00"}, "customsCode": {"C00"}, "motCode": {"0"}}
    for column, allowed in checks.items():
        found = set(table[column].str.strip()) - allowed
        if found:
            raise ParseError(
                f"{name}, column {column!r}: unexpected value(s) {sorted(found)} (expected {allowed})"
            )
    unknown_flows = sorted(set(table["flowCode"]) - set(FLOWS))
    if unknown_flows:
        raise ParseError(f"{name}, column 'flowCode': unknown flow(s) {unknown_flows}")
    commodity = table["cmdCode"].str.strip()
    bad = ~(commodity.eq("TOTAL") | commodity.str.fullmatch(r"\d{2}"))
    if bad.any():
        raise ParseError(
            f"{name}, column 'cmdCode', data row {int(bad.idxmax()) + 1}: unexpected code {commodity[bad].iloc[0]!r}"
        )
    tidy = pd.DataFrame(
        {
            "reporter": table["reporterISO"].str.strip(),
            "partner": table["partnerISO"].str.strip().replace(PARTNERS),
            "flow": table["flowCode"].map(FLOWS),
            "year": numbers(table["refYear"], name, "refYear").astype(int),
            "product_level": commodity.map(lambda code: "total" if code == "TOTAL" else "chapter"),
            "product": commodity,
            "product_name": table["cmdDesc"],
            "value_usd": numbers(table["primaryValue"], name, "primaryValue"),
            "source": "UN Comtrade (" + table["classificationCode"].str.strip() + ")",
            "vintage": source.vintage if source is not None else "",
        }
    )
    return tidy.dropna(subset=["value_usd"]).reset_index(drop=True)
