"""Every ledger file validates, and a broken file is reported by file, row and rule."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from kzcn import config, ledger


def test_tables_validate_and_cover_the_three_printed_tables():
    cells = ledger.load_tables()
    assert set(cells["table_id"]) == set(ledger.TABLE_IDS)
    for table_id in ledger.TABLE_IDS:
        assert len(ledger.load_table(table_id)) > 0


def test_unknown_table_id_is_refused():
    with pytest.raises(KeyError):
        ledger.load_table("tbl-9-9")


def test_table_1_1_grid_is_complete():
    cells = ledger.load_table("tbl-1-1")
    assert set(cells["year"]) == set(range(1999, 2011))
    # Nine printed value columns; only the 1999 growth cells are blank in print.
    assert cells["column_label"].nunique() == 9
    per_year = cells.groupby("year").size()
    assert (per_year.drop(1999) == 9).all()
    assert set(cells.loc[cells["year"] == 1999, "measure"]) == {"amount", "share", "balance"}


def test_table_3_1_keeps_the_printed_2012_2013_duplicate():
    cells = ledger.load_table("tbl-3-1").set_index("year")
    assert cells.loc[2012, "printed"] == cells.loc[2013, "printed"]
    assert "2012" in cells.loc[2013, "note"]
    meta = ledger.load_table_meta().set_index("table_id")
    assert "2013" in meta.loc["tbl-3-1", "note"]


def test_table_1_2_title_oddity_is_recorded():
    meta = ledger.load_table_meta().set_index("table_id")
    assert "2010-2020" in meta.loc["tbl-1-2", "title_printed"]
    assert "2010-2020" in meta.loc["tbl-1-2", "note"]
    assert set(ledger.load_table("tbl-1-2")["period"]) == {"2010", "2011", "2010-2011"}


def test_figure_3_1_record_and_series():
    specs = ledger.load_figure_specs()
    fig = specs[specs["figure_id"] == "fig-3-1"]
    assert not fig["image_present"].any()
    assert set(fig["quantity"]) == {"trade_total", "trade_share"}
    assert set(fig["period"]) == {"2010-2020"}


def test_appendix_a_is_recorded_as_absent():
    absent = ledger.load_absent()
    assert "Appendix A" in set(absent["item"])


@pytest.mark.parametrize(
    "loader",
    [ledger.load_claims, ledger.load_timeline, ledger.load_coverage_exclusions, ledger.load_tables],
)
def test_every_loader_validates(loader):
    frame = loader()
    assert isinstance(frame, pd.DataFrame)


def test_claim_and_event_ids_are_unique():
    assert ledger.load_claims()["claim_id"].is_unique
    assert ledger.load_timeline()["event_id"].is_unique
    assert ledger.load_tables()["cell_id"].is_unique


def test_every_printed_string_parses_to_its_stored_value():
    frames = [ledger.load_tables()[["printed", "value"]], ledger.load_claims()[["printed", "value"]]]
    for frame in frames:
        for printed, value in frame.itertuples(index=False):
            assert ledger.parse_printed(printed) == pytest.approx(value, abs=1e-12), printed


def test_footnote_numbers_are_between_1_and_127():
    for frame in (ledger.load_claims(), ledger.load_timeline()):
        numbers = [int(n) for cited in frame["footnotes"] if cited for n in cited.split(";")]
        assert numbers, "some rows must cite footnotes"
        assert all(1 <= n <= 127 for n in numbers)


def test_qualifier_follows_the_printed_words():
    claims = ledger.load_claims()
    assert (claims["printed"].map(ledger.printed_qualifier) == claims["qualifier"]).all()


def test_quantities_are_described_in_the_vocabulary():
    vocabulary = ledger.load_vocabulary()
    assert set(ledger.load_claims()["quantity"]) <= set(vocabulary["quantity"])
    assert all(isinstance(text, str) and text for text in vocabulary["quantity"].values())


@pytest.fixture
def ledger_copy(tmp_path, monkeypatch):
    """A private copy of data/thesis that a test may break."""
    copy = tmp_path / "thesis"
    shutil.copytree(config.THESIS_DIR, copy)
    monkeypatch.setattr(config, "THESIS_DIR", copy)
    ledger.load_vocabulary.cache_clear()
    yield copy
    ledger.load_vocabulary.cache_clear()


def _break_cell(path, row: int, column: str, value: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row - 1, column] = value
    frame.to_csv(path, index=False)


def test_quantity_outside_the_vocabulary_names_file_row_and_rule(ledger_copy):
    _break_cell(ledger_copy / "claims.csv", 3, "quantity", "happiness")
    with pytest.raises(ledger.LedgerError) as caught:
        ledger.load_claims()
    message = str(caught.value)
    assert "claims.csv" in message
    assert "row 3" in message
    assert "quantity" in message and "vocabulary" in message


def test_printed_value_mismatch_is_reported(ledger_copy):
    _break_cell(ledger_copy / "tables.csv", 5, "value", "99.5")
    with pytest.raises(ledger.LedgerError) as caught:
        ledger.load_table("tbl-1-1")
    message = str(caught.value)
    assert "tables.csv" in message and "row 5" in message and "parse_printed" in message


def test_unreadable_number_is_reported_with_its_row(ledger_copy):
    _break_cell(ledger_copy / "claims.csv", 2, "line", "eighty-one")
    with pytest.raises(ledger.LedgerError, match=r"claims\.csv: row 2: column 'line'"):
        ledger.load_claims()


def test_footnote_out_of_range_is_reported(ledger_copy):
    _break_cell(ledger_copy / "claims.csv", 4, "footnotes", "34;128")
    with pytest.raises(ledger.LedgerError, match=r"row 4.*1-127"):
        ledger.load_claims()


def test_loaders_log_their_inputs(tmp_path, monkeypatch):
    log = tmp_path / "inputs.tsv"
    monkeypatch.setenv("KZCN_INPUT_LOG", str(log))
    ledger.load_claims()
    ledger.load_table("tbl-3-1")
    entries = [line.split("\t") for line in log.read_text().splitlines()]
    names = {name for name, _ in entries}
    assert {"ledger:claims.csv", "ledger:tables.csv"} <= names
    assert all(len(digest) == 64 for _, digest in entries)
