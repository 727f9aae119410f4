"""Propose the IMF-name -> code tables for DOTS, to be reviewed by hand.

Run once (``python tools/make_dots_reporters.py --mirror DIR``); it reads row 4
(the reporter) and column B (the partners) of every DOTS workbook, asks
country_converter for an ISO3 code per IMF name and writes two proposal CSVs:

* ``data/dots_reporters.csv``: workbook number -> reporter name -> code
* ``data/imf_partner_iso3.csv``: every IMF name seen (reporters and partners)
  -> code, kind (country, former, aggregate, unallocated, heading)

The committed files are reviewed data: a human checked each proposal,
replaced country_converter's answer where it was wrong or missing and said why
in the ``note`` column.  This script therefore refuses to overwrite them
unless ``--force`` is given; to see what a new DOTS vintage adds, write the
proposals elsewhere (``--out-dir /tmp/proposals``) and compare.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path

import openpyxl
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kzcn import config  # noqa: E402

DOTS_DIR = "SamLeBlanc/Direction-of-Trade-Map/a0b40afbac7cefc59a4b35c1ebe541ac546aafad/data/DOTS"


def scan(mirror: Path) -> tuple[dict[int, str], set[str]]:
    reporters: dict[int, str] = {}
    names: set[str] = set()
    for path in sorted((mirror / DOTS_DIR).glob("DOTS_*.xlsx")):
        number = int(re.search(r"DOTS_(\d+)", path.name).group(1))
        workbook = openpyxl.load_workbook(path, read_only=True)
        for sheet in workbook.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            reporters[number] = rows[3][1]
            names.update(row[1] for row in rows[7:] if row[1])
        workbook.close()
    names.update(reporters.values())
    return reporters, names


def propose(names: list[str]) -> pd.DataFrame:
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    # not_found=None makes country_converter echo the input name back: blank it.
    codes = coco.convert(names=names, to="ISO3", not_found=None)
    codes = ["" if code == name else code for code, name in zip(codes, names, strict=True)]
    # country_converter answers a list when a name matches two regexes
    # ("Aruba, Kingdom of the Netherlands" -> ABW and NLD): keep both for review.
    codes = ["|".join(code) if isinstance(code, list) else code for code in codes]
    return pd.DataFrame({"imf_name": names, "cc_proposal": codes})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=config.ROOT.parent / "shared" / "data" / "github")
    parser.add_argument("--out-dir", type=Path, default=config.DATA_DIR, help="where to write the proposals")
    parser.add_argument(
        "--force", action="store_true", help="overwrite existing CSVs (the reviewed ones, by default)"
    )
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    reporters_csv = args.out_dir / "dots_reporters.csv"
    names_csv = args.out_dir / "imf_partner_iso3.csv"
    if not args.force and (reporters_csv.exists() or names_csv.exists()):
        print("reviewed tables exist; pass --force to overwrite them with raw proposals", file=sys.stderr)
        return 1
    reporters, names = scan(args.mirror)
    proposals = propose(sorted(names))
    proposals["code"] = proposals["cc_proposal"]
    proposals["kind"] = "country"
    proposals["note"] = ""
    proposals.to_csv(names_csv, index=False)
    by_name = dict(zip(proposals["imf_name"], proposals["cc_proposal"], strict=True))
    table = pd.DataFrame({"workbook": list(reporters), "imf_name": list(reporters.values())}).sort_values(
        "workbook"
    )
    table["code"] = table["imf_name"].map(by_name)
    table["note"] = ""
    table.to_csv(reporters_csv, index=False)
    print(f"wrote {len(table)} reporters to {reporters_csv} and {len(proposals)} names to {names_csv}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
