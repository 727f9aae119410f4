"""WITS, Comtrade, wiiw and OEC parsers on small generated files: right units, clear refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from kzcn.parsers import ParseError, comtrade, fdi, oec, wits
from kzcn.schemas import validate


def _wits_frame(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "Nomenclature": ["H4", "H4"],
            "ReporterISO3": ["KAZ", "KAZ"],
            "ProductCode": ["0101", "2709"],
            "ReporterName": ["Kazakhstan", "Kazakhstan"],
            "PartnerISO3": ["ROM", "CHN"],
            "PartnerName": ["Romania", "China"],
            "Year": [2015, 2016],
            "TradeFlowName": ["Export", "Export"],
            "TradeFlowCode": [6, 6],
            "TradeValuein1000USD": [355.5, 1200.0],
        }
    )
    return frame.assign(**overrides)


def test_wits_stata_values_become_dollars_and_legacy_codes_iso3(tmp_path):
    path = tmp_path / "extract.dta"
    _wits_frame().to_stata(path, write_index=False, version=118)
    table = validate(wits.parse_dta(path), "products", "extract.dta")
    assert table["value_usd"].tolist() == [355_500.0, 1_200_000.0]
    assert table["partner"].tolist() == ["ROU", "CHN"]
    assert set(table["product_level"]) == {"hs4"}


def test_wits_stata_with_an_unknown_flow(tmp_path):
    path = tmp_path / "extract.dta"
    _wits_frame(TradeFlowName=["Export", "Re-Export"]).to_stata(path, write_index=False, version=118)
    with pytest.raises(
        ParseError, match=r"extract.dta, column 'TradeFlowName', data row 2: unknown flow \['Re-Export'\]"
    ):
        wits.parse_dta(path)


def test_wits_stata_missing_value_column(tmp_path):
    path = tmp_path / "extract.dta"
    _wits_frame().drop(columns="TradeValuein1000USD").to_stata(path, write_index=False, version=118)
    with pytest.raises(ParseError, match=r"missing column\(s\) \['TradeValuein1000USD'\]"):
        wits.parse_dta(path)


def test_wits_stata_not_a_stata_file(tmp_path):
    path = tmp_path / "extract.dta"
    path.write_text("<html>rate limited</html>")
    with pytest.raises(ParseError, match="extract.dta: not a readable Stata file"):
        wits.parse_dta(path)


def test_wits_2023_workbook_units(tmp_path):
    path = tmp_path / "book.xlsx"
    pd.DataFrame(
        {"Year": [2010, 2010], "Type": ["Export Amt", "Export Pct"], "Value": [10_122_070.0, 17.68]}
    ).to_excel(path, index=False)
    table = validate(wits.parse_2023(path), "wits2023", "book.xlsx").set_index("measure")["value"]
    assert table["value_usd"] == pytest.approx(10_122_070_000.0)
    assert table["share_pct"] == pytest.approx(17.68)


def test_wits_2023_share_above_100_is_a_validation_error(tmp_path):
    path = tmp_path / "book.xlsx"
    pd.DataFrame({"Year": [2010], "Type": ["Import Pct"], "Value": [140.0]}).to_excel(path, index=False)
    with pytest.raises(ValueError, match="share_at_most_100"):
        validate(wits.parse_2023(path), "wits2023", "book.xlsx")


COMTRADE_HEADER = (
    "freqCode,refYear,reporterISO,flowCode,partnerISO,partner2ISO,classificationCode,cmdCode,cmdDesc,"
    "customsCode,motCode,primaryValue"
)


def test_comtrade_rows_with_a_trailing_comma(tmp_path):
    path = tmp_path / "comtrade.csv"
    path.write_text(
        COMTRADE_HEADER + "\n"
        '"A","2020","KAZ","X","W00","W00","H5","TOTAL","All Commodities","C00","0","46949972000",\n'
        '"A","2020","KAZ","M","CHN","W00","H5","26","Ores","C00","0","1000",\n'
    )
    table = validate(comtrade.parse(path), "products", "comtrade.csv")
    assert table["partner"].tolist() == ["WLD", "CHN"]
    assert table["product_level"].tolist() == ["total", "chapter"]
    assert table["value_usd"].iloc[0] == pytest.approx(46_949_972_000.0)


def test_comtrade_refuses_a_breakdown_by_transport_mode(tmp_path):
    path = tmp_path / "comtrade.csv"
    path.write_text(
        COMTRADE_HEADER + '\n"A","2020","KAZ","X","W00","W00","H5","TOTAL","All","C00","2100","5",\n'
    )
    with pytest.raises(ParseError, match=r"column 'motCode': unexpected value\(s\) \['2100'\]"):
        comtrade.parse(path)


WIIW_HEADER = '"Tree Level 1","Country-Code","Country","Direction","Partner-Code","Partner","Unit","Footnotes","Sources",_2012,_2013'


def test_wiiw_keeps_eur_million_negative_flows_and_missing_dots(tmp_path):
    path = tmp_path / "wiiw.csv"
    path.write_text(
        WIIW_HEADER + "\n"
        '"FDI by partner","KZ","Kazakhstan","FDI inflow","CN","China","EUR m","-","NBK",.,-12.5\n'
    )
    table = validate(fdi.parse_partners(path), "fdi", "wiiw.csv")
    assert table[["unit", "year", "value"]].values.tolist() == [["EUR m", 2013, -12.5]]


def test_wiiw_unknown_unit_is_refused_not_converted(tmp_path):
    path = tmp_path / "wiiw.csv"
    path.write_text(
        WIIW_HEADER + '\n"FDI by partner","KZ","Kazakhstan","FDI inflow","CN","China","USD m","-","NBK",1,2\n'
    )
    with pytest.raises(ParseError, match=r"column 'Unit': unknown unit\(s\) \['USD m'\]"):
        fdi.parse_partners(path)


def test_oec_ids_become_iso3_and_bad_ids_are_refused(tmp_path):
    path = tmp_path / "oec.csv"
    path.write_text(
        "Country ID,Country,Section ID,Section,Trade Value\naskaz,Kazakhstan,5,Mineral Products,1000\n"
    )
    table = validate(oec.parse(path), "oec_sections", "oec.csv")
    assert table[["iso3", "section", "value_usd"]].values.tolist() == [["KAZ", 5, 1000.0]]
    path.write_text(
        "Country ID,Country,Section ID,Section,Trade Value\nKAZ,Kazakhstan,5,Mineral Products,1000\n"
    )
    with pytest.raises(ParseError, match=r"column 'Country ID', data row 1: 'KAZ' is not an OEC country id"):
        oec.parse(path)


# ---------------------------------------------------------------- DOTS readers
# The DOTS parser reads workbooks with python-calamine and keeps openpyxl as a
# fallback; both, and both of its conversion paths (block-wise and cell by cell),
# must give the same table.  The workbooks are generated here with openpyxl.


def _random_dots_rows(seed: int, partners: list[str], years: int) -> list[tuple[str, list]]:
    import random

    generator = random.Random(seed)
    rows = []
    for partner in partners:
        values = []
        for _ in range(years):
            kind = generator.random()
            if kind < 0.3:
                values.append(None)
            elif kind < 0.4:
                values.append(f"{generator.uniform(0, 50):.2f} e")
            elif kind < 0.45:
                values.append(
                    f"{generator.randint(1, 9)},{generator.randint(0, 999):03d}.{generator.randint(0, 99):02d} e"
                )
            elif kind < 0.5:
                values.append(generator.randint(0, 10_000))  # an integer cell
            elif kind < 0.55:
                values.append("   ")  # blank text: missing
            else:
                values.append(round(generator.uniform(0, 100_000), generator.randint(0, 6)))
        rows.append((partner, values))
    return rows


def _dots_cases(tmp_path):
    from data_fixtures import write_dots_workbook

    from kzcn.parsers import dots

    names = [name for name, (_, kind) in dots.partner_codes().items() if kind != "heading"][:40]
    heading = next(name for name, (_, kind) in dots.partner_codes().items() if kind == "heading")
    cases = {"fixture": write_dots_workbook(tmp_path / "fixture.xlsx")}
    for seed in range(3):
        years = list(range(1960 + seed, 2021))
        exports = _random_dots_rows(seed, names, len(years))
        exports.insert(5, (heading, [None] * len(years)))
        exports.append(exports[0])  # the verbatim repeat
        imports = _random_dots_rows(seed + 100, names[::-1], len(years))
        cases[f"random-{seed}"] = write_dots_workbook(
            tmp_path / f"random-{seed}.xlsx", exports=exports, imports=imports, years=years
        )
    # the reviewed negative cells of the World workbook are read as missing
    exports = _random_dots_rows(7, ["Malaysia", "World", "Japan"], 4)
    imports = _random_dots_rows(8, ["Malaysia", "World", "Japan"], 4)
    exports[0][1][0], imports[0][1][0] = -4.8, -2.7  # as listed for 1960
    cases["dropped-cell"] = write_dots_workbook(
        tmp_path / "world.xlsx",
        exports=exports,
        imports=imports,
        years=[1960, 1961, 1962, 1963],
        reporter="World",
    )
    return cases


def _blank_as_none(rows) -> list[tuple]:
    return [tuple(None if isinstance(c, str) and not c.strip() else c for c in row) for row in rows]


def test_dots_calamine_and_openpyxl_give_equal_tables(tmp_path, monkeypatch):
    from kzcn.parsers import dots

    for case, path in _dots_cases(tmp_path).items():
        name = path.name
        # cell for cell, blank text aside (calamine reads "   " as an empty cell; both mean missing)
        cells = {
            engine: {
                sheet: _blank_as_none(rows) for sheet, rows in dots.read_sheets(path, name, engine).items()
            }
            for engine in ("calamine", "openpyxl")
        }
        assert cells["calamine"] == cells["openpyxl"], case
        fast = dots.parse(path, engine="calamine")
        assert len(fast) > 0, case
        pd.testing.assert_frame_equal(fast, dots.parse(path, engine="openpyxl"), obj=case)
        with monkeypatch.context() as patched:
            # the cell-by-cell reading (the only one before calamine) as the reference
            patched.setattr(dots, "_sheet_table", lambda *args: None)
            pd.testing.assert_frame_equal(fast, dots.parse(path, engine="openpyxl"), obj=case)


def test_dots_dropped_cell_is_missing_and_other_values_kept(tmp_path):
    from kzcn.parsers import dots

    path = _dots_cases(tmp_path)["dropped-cell"]
    table = dots.parse(path)
    malaysia_1960 = table[(table.partner == "MYS") & (table.year == 1960)]
    assert malaysia_1960.empty  # -4.8 is listed in data/dots_dropped_cells.csv for WLD
    assert set(table.partner) >= {"WLD", "JPN"}


def test_dots_unusual_cells_are_named_by_either_reader(tmp_path):
    from data_fixtures import EXPORTS, IMPORTS, write_dots_workbook

    from kzcn.parsers import dots

    bad = [*EXPORTS[:2], ("China, P.R.: Mainland", [1.0, True, 2.0])]
    path = write_dots_workbook(tmp_path / "bool.xlsx", exports=bad, imports=IMPORTS)
    messages = []
    for engine in ("calamine", "openpyxl"):
        with pytest.raises(ParseError) as error:
            dots.parse(path, engine=engine)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    assert "cell D10" in messages[0] and "boolean" in messages[0]
