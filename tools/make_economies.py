"""Write ``data/economies_iso3.csv``: ISO3 code and short name of every single economy.

Run once by hand (``pip install country_converter`` first: it is not a
dependency of the book); the output is committed and reviewed, and
:mod:`kzcn.countries` reads it at run time. Ranks among "all economies"
(``kzcn.series``) use this list to leave out the aggregates that World Bank
files mix in (WLD, HIC, ...).

    python tools/make_economies.py
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "economies_iso3.csv"


def main() -> None:
    import country_converter

    table = country_converter.CountryConverter().data[["ISO3", "name_short"]]
    rows = sorted(
        (str(code), str(name))
        for code, name in table.itertuples(index=False)
        if isinstance(code, str) and len(code) == 3
    )
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} economies to {OUT}")


if __name__ == "__main__":
    main()
