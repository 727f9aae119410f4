"""Write ``data/sources.yml`` from the file list below and a local copy of the files.

The committed manifest is the source of truth; this script exists so that the
235 DOTS entries and the sha256/size of every file need not be typed.  It
reads the files from a mirror laid out like raw.githubusercontent.com
(``<owner>/<repo>/<commit>/<path>``, identical bytes to the published URLs),
computes sha256 and size, and names each DOTS workbook by the reviewed
``data/dots_reporters.csv``.  Run it again only when a source is refreshed:

    python tools/make_manifest.py --mirror ../shared/data/github
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kzcn import config  # noqa: E402

DOTS = "SamLeBlanc/Direction-of-Trade-Map/a0b40afbac7cefc59a4b35c1ebe541ac546aafad/data/DOTS"
WDI = "datasets/world-development-indicators/4ebec5a2273f531ba238a34dbe440394dc5a6c4b/indicators"
WITS = "AkshatSharma03/KazPaper-data-analysis/ffe5d918c724ccb695019b8184c859845fe9eed7/data/wits_raw"
WITS2023 = "dfshapir/kazakhstan_qual/63d36c5ecab0d15304de8b4ef26fc82afb21f180/Kazakhstan China Data.xlsx"
COMTRADE = "omirbeknikar-ship-it/dissertation-final/1078ec9feac9ecf46b92636cfb833cd9e80bad23/Collected_Raw_Data/raw_downloads"
WITS_TOTAL = (
    "omirbeknikar-ship-it/dissertation-final/fd867cec6553b27ed609c462d0fa5dc523205751"
    "/Collected_Raw_Data/raw/wits_total_trade_kazakhstan_china.csv"
)
WIIW = "dfshapir/kazakhstan_ipe/5f27536460c52f75729c9dc60b60f3b7365894af"
OEC = "Datawheel/py-economic-complexity/782f6a627b1396e1217b49789c2720e29b05455f/tests/global_exports.csv"

WDI_INDICATORS = [
    "ny.gdp.mktp.cd", "ny.gdp.mktp.kd.zg", "ny.gdp.pcap.cd", "ny.gdp.pcap.kd.zg", "ny.gnp.atls.cd",
    "ne.exp.gnfs.zs", "ne.imp.gnfs.zs", "tg.val.totl.gd.zs", "tx.val.mrch.cd.wt", "tm.val.mrch.cd.wt",
    "tx.val.fuel.zs.un", "tx.val.mmtl.zs.un", "nv.ind.totl.zs", "sp.pop.totl", "pa.nus.fcrf",
    "bx.klt.dinv.cd.wd", "bn.cab.xoka.cd", "fi.res.totl.cd", "dt.dod.dect.cd", "fp.cpi.totl.zg",
    "ny.gdp.defl.kd.zg",
]  # fmt: skip

WITS_FAMILY = {
    "publisher": "World Bank, World Integrated Trade Solution (WITS), UN Comtrade data",
    "landing_page": "https://wits.worldbank.org/",
    "licence": "WITS and UN Comtrade terms of use: reuse with attribution (the carrier repository has no licence)",
    "quirks": [
        "Kazakhstan-reported imports for 2020-2022 in this recent vintage are far below DOTS "
        "(a vintage problem to show, not a fact to use).",
    ],
}

FAMILIES = {
    "imf-dots": {
        "parser": "dots",
        "publisher": "International Monetary Fund",
        "title": "Direction of Trade Statistics (DOTS), annual",
        "cite": "International Monetary Fund, Direction of Trade Statistics (DOTS), annual data, data.imf.org, vintage January 2022",
        "landing_page": "https://data.imf.org/?sk=9D6028D4-F14A-464C-A2F2-59B2CD424B85",
        "licence": "IMF terms of use: free reuse with attribution (carrier repository SamLeBlanc/Direction-of-Trade-Map, MIT)",
        "vintage": "2022-01",
        "unit": "US dollars, millions (value_usd = millions x 1e6)",
        "quirks": [
            "A value written as text '<number> e' is an IMF estimate (common in 1992-1993 for the former Soviet republics).",
            "An empty cell means no data, not zero.",
            "Every workbook repeats the partner row 'Australia' verbatim.",
            "Partner names are IMF names; data/imf_partner_iso3.csv maps them to codes.",
            "Kazakhstan-reported imports 2010-2012 are customs data without Customs Union partners (Russia, Belarus).",
            "Large estimates carry thousands separators ('1,247.27 e').",
            "The World and Advanced Economies workbooks hold negative values for Malaysia 1960-1963; "
            "data/dots_dropped_cells.csv lists them and they are read as missing.",
            "Workbooks 143 and 144 both hold Nicaragua (same values); 144 is not primary.",
        ],
    },
    "wb-wdi": {
        "parser": "wdi",
        "publisher": "World Bank",
        "title": "World Development Indicators",
        "cite": "World Bank, World Development Indicators, API vintage of 2026-07-01",
        "landing_page": "https://datatopics.worldbank.org/world-development-indicators/",
        "licence": "CC-BY-4.0",
        "vintage": "2026-07-01",
        "quirks": ["This vintage has the revised China GDP series; do not mix with older copies."],
    },
    "wb-wdi-meta": {
        "parser": "wdi_meta",
        "publisher": "World Bank",
        "title": "World Development Indicators, indicator description",
        "cite": "World Bank, World Development Indicators, API vintage of 2026-07-01",
        "landing_page": "https://datatopics.worldbank.org/world-development-indicators/",
        "licence": "CC-BY-4.0",
        "vintage": "2026-07-01",
    },
    "wits-kaz-hs4": {
        **WITS_FAMILY,
        "parser": "wits_dta",
        "title": "Kazakhstan as reporter, HS 2012 (H4), 4-digit products, 2015-2024",
        "cite": "World Bank, WITS, UN Comtrade data, HS 2012 nomenclature, downloaded 2025-2026 (WITS jobs 3100908-3100966, 3082405)",
        "vintage": "2025/2026",
        "unit": "US dollars, thousands (value_usd = thousands x 1e3)",
    },
    "wits-chn-sections": {
        **WITS_FAMILY,
        "parser": "wits_sections_csv",
        "title": "China's imports from the world by HS section group, 2015-2024",
        "cite": "World Bank, WITS, UN Comtrade data, HS 2012 nomenclature, downloaded 2025-2026",
        "vintage": "2025/2026",
        "unit": "US dollars, thousands (value_usd = thousands x 1e3)",
        "quirks": [],
    },
    "wits-2023": {
        **WITS_FAMILY,
        "parser": "wits2023",
        "title": "Kazakhstan-China trade totals and China's shares, 1995-2020",
        "cite": "World Bank, WITS, Kazakhstan trade with China, downloaded April 2023",
        "vintage": "2023-04",
        "unit": "US dollars, thousands (trade values) and percent (shares)",
        "licence": "WITS terms of use: reuse with attribution (carrier repository dfshapir/kazakhstan_qual has no licence)",
        "quirks": ["Long form (Year, Type, Value); Type mixes trade values and percentage shares."],
    },
    "un-comtrade": {
        "parser": "comtrade",
        "publisher": "United Nations, UN Comtrade",
        "title": "UN Comtrade annual records, HS, 2014-2024",
        "cite": "United Nations, UN Comtrade Database, comtradeplus.un.org, downloaded 2025",
        "landing_page": "https://comtradeplus.un.org/",
        "licence": "UN Comtrade terms of use: reuse with attribution (carrier repository has no licence)",
        "vintage": "2025",
        "unit": "US dollars",
        "quirks": [
            "Raw API records: TOTAL and selected HS chapters; partners World and the other country.",
            "The HS edition changes over the years (H4, H5, H6).",
            "The header has one field fewer than the rows (each row ends with a comma).",
        ],
    },
    "wits-total": {
        **WITS_FAMILY,
        "parser": "wits_total",
        "title": "Kazakhstan-China total trade, Kazakhstan as reporter, 1995-2023",
        "cite": "World Bank, WITS, UN Comtrade data, Kazakhstan trade with China, all products, downloaded 2025",
        "vintage": "2025",
        "unit": "US dollars, thousands (value_usd = thousands x 1e3)",
    },
    "wiiw-fdi": {
        "publisher": "The Vienna Institute for International Economic Studies (wiiw)",
        "title": "wiiw FDI Database: FDI in Kazakhstan",
        "cite": "wiiw FDI Database (source: National Bank of Kazakhstan), via dfshapir/kazakhstan_ipe",
        "landing_page": "https://wiiw.ac.at/",
        "licence": "wiiw terms of use (carrier repository dfshapir/kazakhstan_ipe has no licence)",
        "vintage": "2022",
        "unit": "EUR million (kept as published, never converted) and percent of total",
        "quirks": [
            "From 2013 BPM6 directional principle: annual flows are net and can be negative.",
            "2011-2012 unrevised data.",
            "Missing values are written as '.'.",
        ],
    },
    "oec-sections": {
        "parser": "oec_sections",
        "publisher": "Observatory of Economic Complexity (OEC), from CEPII BACI",
        "title": "Exports by country and HS section, BACI HS92, summed over 2019-2021",
        "cite": "OEC, BACI HS92 trade (CEPII), exports by HS section, 2019-2021 total, via Datawheel/py-economic-complexity",
        "landing_page": "https://oec.world/",
        "licence": "OEC terms; underlying BACI data by CEPII (carrier repository MIT)",
        "vintage": "2019-2021 (sum of three years)",
        "unit": "US dollars, sum over 2019, 2020 and 2021",
        "quirks": ["Values are three-year sums, not annual values.", "Country ids are OEC ids (e.g. askaz)."],
    },
}

WITS_FILES = {
    "wits-kaz-exports-to-china-hs4": ("kazakhstan_exports_to_china_hs4_2015_2024_wits.dta", "Kazakhstan exports to China"),
    "wits-kaz-exports-to-world-hs4": ("kazakhstan_exports_to_world_hs4_2015_2024_wits.dta", "Kazakhstan exports to the world"),
    "wits-kaz-imports-from-china-hs4": ("kazakhstan_imports_from_china_hs4_2015_2024_wits.dta", "Kazakhstan imports from China"),
    "wits-kaz-imports-from-world-hs4": ("kazakhstan_imports_from_world_hs4_2015_2024_wits.dta", "Kazakhstan imports from the world"),
    "wits-kaz-imports-china-world-hs4-crosscheck": (
        "kazakhstan_imports_china_world_hs4_2015_2024_wits_crosscheck.dta",
        "Kazakhstan imports from China and the world (cross-check extract)",
    ),
    "wits-kaz-imports-all-partners-sections-01-49": (
        "kazakhstan_imports_all_partners_hs_sections_01_49_2015_2024_wits.dta",
        "Kazakhstan imports from all partners, HS chapters 01-49",
    ),
    "wits-kaz-imports-all-partners-sections-50-99": (
        "kazakhstan_imports_all_partners_hs_sections_50_99_2015_2024_wits.dta",
        "Kazakhstan imports from all partners, HS chapters 50-99",
    ),
}  # fmt: skip


def file_facts(mirror: Path, relpath: str) -> dict:
    data = (mirror / relpath).read_bytes()
    return {
        "url": config.DEFAULT_BASE_URL + quote(relpath),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
    }


def build(mirror: Path) -> dict:
    sources: dict[str, dict] = {}
    reporters = pd.read_csv(config.DATA_DIR / "dots_reporters.csv", keep_default_na=False)
    for row in reporters.itertuples():
        primary = str(row.primary) == "True"
        source_id = f"dots-{row.code}" if primary else f"dots-{row.code}-wb{row.workbook}"
        sources[source_id] = {
            "family": "imf-dots",
            "title": f"Direction of Trade Statistics, reporter {row.imf_name} (workbook {row.workbook})",
            "reporter": row.code,
            "workbook": int(row.workbook),
            **file_facts(mirror, f"{DOTS}/DOTS_{row.workbook}.xlsx"),
        }
    for code in WDI_INDICATORS:
        package = json.loads((mirror / f"{WDI}/{code}/datapackage.json").read_text(encoding="utf-8"))
        sources[f"wdi-{code}"] = {
            "family": "wb-wdi",
            "title": f"World Development Indicators: {package['title']} ({code.upper()})",
            "unit": f"as in the indicator's title: {package['title']}",
            "landing_page": f"https://data.worldbank.org/indicator/{code.upper()}",
            "indicator": code,
            **file_facts(mirror, f"{WDI}/{code}/data.csv"),
        }
        sources[f"wdi-{code}-meta"] = {
            "family": "wb-wdi-meta",
            "indicator": code,
            **file_facts(mirror, f"{WDI}/{code}/datapackage.json"),
        }
    for source_id, (name, what) in WITS_FILES.items():
        sources[source_id] = {
            "family": "wits-kaz-hs4",
            "title": f"WITS: {what}, HS 2012 4-digit products, 2015-2024",
            **file_facts(mirror, f"{WITS}/{name}"),
        }
    sources["wits-chn-imports-from-world-sections"] = {
        "family": "wits-chn-sections",
        **file_facts(mirror, f"{WITS}/china_imports_from_world_reference_2015_2024_wits.csv"),
    }
    sources["wits2023-kaz-chn"] = {"family": "wits-2023", **file_facts(mirror, WITS2023)}
    for iso3, name in (("CHN", "China"), ("KAZ", "Kazakhstan")):
        sources[f"comtrade-{iso3.lower()}-reporter"] = {
            "family": "un-comtrade",
            "title": f"UN Comtrade annual records, {name} as reporter, 2014-2024",
            "reporter": iso3,
            **file_facts(mirror, f"{COMTRADE}/comtrade_{iso3.lower()}_reporter.csv"),
        }
    sources["wits-total-kaz-chn"] = {"family": "wits-total", **file_facts(mirror, WITS_TOTAL)}
    sources["wiiw-fdi-partners"] = {
        "family": "wiiw-fdi",
        "parser": "wiiw_partners",
        "title": "wiiw FDI Database: FDI in Kazakhstan by partner economy, 2003-2021",
        **file_facts(mirror, f"{WIIW}/wiiw_partners.csv"),
    }
    sources["wiiw-fdi-activities"] = {
        "family": "wiiw-fdi",
        "parser": "wiiw_activities",
        "title": "wiiw FDI Database: FDI in Kazakhstan by economic activity (NACE Rev. 2), 2000-2021",
        **file_facts(mirror, f"{WIIW}/wiiw-fdi-database.csv"),
    }
    sources["oec-exports-sections-2019-2021"] = {"family": "oec-sections", **file_facts(mirror, OEC)}
    return {"families": FAMILIES, "sources": sources}


HEADER = """\
# Manifest of the raw files this book uses: the source of truth for what is
# downloaded (url), what the bytes must be (sha256, size) and how to cite them.
# Entries inherit the fields of their family.  Generated once by
# tools/make_manifest.py, then reviewed; kzcn/manifest.py reads it.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, default=config.ROOT.parent / "shared" / "data" / "github")
    parser.add_argument("--out", type=Path, default=config.MANIFEST_PATH)
    args = parser.parse_args(argv)
    document = build(args.mirror)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    args.out.write_text(HEADER + text, encoding="utf-8")
    print(f"wrote {len(document['sources'])} entries to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
