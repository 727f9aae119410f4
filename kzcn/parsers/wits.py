"""World Bank WITS extracts: HS4 Stata files, section CSV, the 2023 workbook, the total-trade CSV.

All WITS trade values are published in thousand US dollars; the tidy tables
hold US dollars (x 1e3).  Partner codes are WITS codes, mostly ISO3; the few
legacy ones (ROM for Romania, ZAR for DR Congo, ...) are mapped by the
reviewed ``data/wits_partner_iso3.csv``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from kzcn import config
from kzcn.parsers import ParseError, where
from kzcn.parsers.csvutil import numbers, read_csv

# 2: read with python-calamine (same table; the bump refreshes the caches)
VERSION = "2"

THOUSAND = 1e3
FLOWS = {"Export": "export", "Import": "import"}
WITS_COLUMNS = [
    "Nomenclature",
    "ReporterISO3",
    "ProductCode",
    "PartnerISO3",
    "PartnerName",
    "Year",
    "TradeFlowName",
]


@functools.cache
def partner_codes() -> dict[str, str]:
    """Reviewed WITS partner code -> code used in this project (only where they differ)."""
    table = pd.read_csv(config.DATA_DIR / "wits_partner_iso3.csv", keep_default_na=False)
    return dict(zip(table["wits_code"], table["code"], strict=True))


def product_level(code: str) -> str:
    """WITS product codes: ``0101`` (HS4), ``01-05_Animal`` (product group), ``AllSubHeading`` (total)."""
    if code.isdigit() and len(code) == 4:
        return "hs4"
    if code == "AllSubHeading" or code.lower() == "total":
        return "total"
    if code.startswith("WTO_"):
        return "wto_group"
    if len(code) > 6 and code[:2].isdigit() and code[2] == "-" and code[3:5].isdigit():
        return "group"
    raise ValueError(code)


def _stripped_text(series: pd.Series) -> pd.Series:
    """``series.astype(str).str.strip()``; for a categorical column, done once per category."""
    if isinstance(series.dtype, pd.CategoricalDtype) and not series.isna().any():
        categories = np.asarray(series.cat.categories.astype(str).str.strip(), dtype=object)
        return pd.Series(categories[series.cat.codes.to_numpy()], index=series.index, dtype=object)
    return series.astype(str).str.strip()


def _tidy_wits(table: pd.DataFrame, name: str, value_column: str, source) -> pd.DataFrame:
    missing = [column for column in [*WITS_COLUMNS, value_column] if column not in table.columns]
    if missing:
        raise ParseError(f"{name}: missing column(s) {missing}; found {list(table.columns)}")
    text = {column: _stripped_text(table[column]) for column in WITS_COLUMNS}
    unknown_flows = sorted(set(text["TradeFlowName"]) - set(FLOWS))
    if unknown_flows:
        first = text["TradeFlowName"].isin(unknown_flows).idxmax()
        raise ParseError(
            f"{name}, column 'TradeFlowName', data row {first + 1}: unknown flow {unknown_flows}"
        )
    level_of = {}
    for code in pd.unique(text["ProductCode"]):  # in the order of first appearance
        try:
            level_of[code] = product_level(code)
        except ValueError:
            row = int(np.flatnonzero(text["ProductCode"].to_numpy() == code)[0]) + 1
            raise ParseError(
                f"{name}, column 'ProductCode', data row {row}: unknown product code {code!r}"
            ) from None
    levels = text["ProductCode"].map(level_of)
    years = numbers(table["Year"], name, "Year")
    if years.isna().any():
        raise ParseError(f"{name}, column 'Year', data row {int(years.isna().idxmax()) + 1}: year missing")
    values = numbers(table[value_column], name, value_column)
    codes = partner_codes()
    tidy = pd.DataFrame(
        {
            "reporter": text["ReporterISO3"],
            "partner": text["PartnerISO3"].map(lambda code: codes.get(code, code)),
            "flow": text["TradeFlowName"].map(FLOWS),
            "year": years.astype(int),
            "product_level": levels,
            "product": text["ProductCode"],
            "product_name": None,
            "value_usd": values * THOUSAND,
            "source": f"WITS ({text['Nomenclature'].iloc[0] if len(table) else ''})",
            "vintage": source.vintage if source is not None else "",
        }
    )
    return tidy.dropna(subset=["value_usd"]).reset_index(drop=True)


def _with_value_labels(table: pd.DataFrame, labels: dict[str, dict]) -> pd.DataFrame | None:
    """The codes of each labelled column replaced by their labels (as pyreadstat's ``apply_value_formats``).

    None when a column has a gap or a code without a label: then pyreadstat does it.
    """
    for column, label_of in labels.items():
        positions, codes = pd.factorize(table[column])
        if (positions < 0).any() or not all(code in label_of for code in codes):
            return None
        names = [label_of[code] for code in codes]
        if len(set(names)) < len(names):
            return None  # two codes with one label
        table[column] = pd.Categorical.from_codes(positions, categories=names)
    return table


def parse_dta(path: Path, source=None) -> pd.DataFrame:
    """A WITS Stata extract (format 110, strings stored as value labels) -> trade by product."""
    name = where(path)
    try:
        import pyreadstat  # pandas cannot read Stata format 110 (Stata 7)
    except ImportError as error:
        raise ParseError(f"{name}: reading Stata format 110 needs the package pyreadstat") from error
    if Path(path).stat().st_size == 0:
        raise ParseError(f"{name}: the file is empty")
    try:
        table, meta = pyreadstat.read_dta(str(path))
        labelled = _with_value_labels(table, meta.variable_value_labels)
        if labelled is None:
            labelled, _ = pyreadstat.read_dta(str(path), apply_value_formats=True)
    except Exception as error:  # pyreadstat raises its own error types for damaged files
        raise ParseError(f"{name}: not a readable Stata file ({type(error).__name__}: {error})") from error
    return _tidy_wits(labelled, name, "TradeValuein1000USD", source)


def parse_sections_csv(path: Path, source=None) -> pd.DataFrame:
    """WITS CSV by product group (China's imports from the world) -> trade by product."""
    name = where(path)
    value_column = "TradeValue in 1000 USD"
    table = read_csv(path, [*WITS_COLUMNS, value_column], dtype=str, keep_default_na=False)
    return _tidy_wits(table, name, value_column, source)


WITS2023_TYPES = {
    "Export Amt": ("export", "value_usd", THOUSAND),
    "Import Amt": ("import", "value_usd", THOUSAND),
    "Export Pct": ("export", "share_pct", 1.0),
    "Import Pct": ("import", "share_pct", 1.0),
}


def parse_2023(path: Path, source=None) -> pd.DataFrame:
    """The April-2023 WITS workbook (Year, Type, Value) -> ``reporter, partner, flow, year, measure, value``.

    "Amt" rows are thousand US$ (-> US$); "Pct" rows are China's share of
    Kazakhstan's exports or imports, in percent.
    """
    name = where(path)
    try:
        # python-calamine (Rust) through pandas; openpyxl only if calamine cannot read it
        try:
            sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="calamine")
        except Exception:  # noqa: BLE001 - the openpyxl attempt below words the error
            sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
    except Exception as error:  # zip/XML errors: an HTML page or a truncated file
        raise ParseError(
            f"{name}: not a readable .xlsx workbook ({type(error).__name__}: {error})"
        ) from error
    first_name, table = next(iter(sheets.items()))
    missing = [column for column in ("Year", "Type", "Value") if column not in table.columns]
    if missing:
        raise ParseError(f"{name}, sheet {first_name!r}: missing column(s) {missing} in row 1")
    unknown = sorted(set(table["Type"].dropna().astype(str)) - set(WITS2023_TYPES))
    if unknown or table["Type"].isna().any():
        raise ParseError(
            f"{name}, sheet {first_name!r}, column 'Type': unknown type(s) {unknown or ['(empty)']}"
        )
    years = numbers(table["Year"], name, "Year")
    values = numbers(table["Value"], name, "Value")
    kinds = table["Type"].map(WITS2023_TYPES)
    tidy = pd.DataFrame(
        {
            "reporter": "KAZ",
            "partner": "CHN",
            "flow": [kind[0] for kind in kinds],
            "year": years.astype("Int64"),
            "measure": [kind[1] for kind in kinds],
            "value": values * [kind[2] for kind in kinds],
        }
    )
    tidy = tidy.dropna(subset=["value"])
    if tidy["year"].isna().any():
        raise ParseError(f"{name}, column 'Year': a row with a value has no year")
    return tidy.astype({"year": int}).reset_index(drop=True)


TOTAL_INDICATORS = {"XPRT-TRD-VL": "export", "MPRT-TRD-VL": "import"}


def parse_total(path: Path, source=None) -> pd.DataFrame:
    """WITS total trade Kazakhstan-China (year, indicator, value_usd_thousand) -> bilateral flows."""
    name = where(path)
    table = read_csv(
        path, ["year", "product", "indicator", "value_usd_thousand"], dtype=str, keep_default_na=False
    )
    unknown = sorted(set(table["indicator"]) - set(TOTAL_INDICATORS))
    if unknown:
        raise ParseError(f"{name}, column 'indicator': unknown indicator(s) {unknown}")
    if set(table["product"]) - {"Total"}:
        raise ParseError(f"{name}, column 'product': expected only 'Total' rows")
    years = numbers(table["year"], name, "year")
    values = numbers(table["value_usd_thousand"], name, "value_usd_thousand")
    tidy = pd.DataFrame(
        {
            "reporter": "KAZ",
            "partner": "CHN",
            "flow": table["indicator"].map(TOTAL_INDICATORS),
            "year": years.astype(int),
            "value_usd": values * THOUSAND,
            "estimate": False,
            "source": "WITS",
            "vintage": source.vintage if source is not None else "",
        }
    )
    return tidy.dropna(subset=["value_usd"]).reset_index(drop=True)
