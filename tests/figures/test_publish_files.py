"""publish_figure / publish_table: the files they write and the block they show."""

from __future__ import annotations

import hashlib
import json

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

from kzcn import config, figures  # noqa: E402


@pytest.fixture
def figures_dir(tmp_path, monkeypatch):
    out = tmp_path / "stage" / "figures"
    work = tmp_path / "stage" / "notebooks"
    work.mkdir(parents=True)
    monkeypatch.setenv("KZCN_FIGURES_DIR", str(out))
    monkeypatch.setenv("KZCN_NOTEBOOK", "ch3.ipynb")
    monkeypatch.setenv("KZCN_GIT_COMMIT", "0123abc")
    monkeypatch.setenv("KZCN_BUILD_DATE", "2026-01-02T03:04:05Z")
    monkeypatch.delenv("KZCN_INPUT_LOG", raising=False)
    monkeypatch.chdir(work)
    return out


class Shown(list):
    """Markdown blocks (what the book renders), with ``html`` (what JupyterLab renders)."""

    def __init__(self):
        super().__init__()
        self.html: list[str] = []


@pytest.fixture
def shown(monkeypatch):
    """The outputs the publish functions display, in order."""
    blocks = Shown()

    def display(markdown, html_text, plain):
        blocks.append(markdown)
        blocks.html.append(html_text)

    monkeypatch.setattr(figures, "_display", display)
    return blocks


def _plotted():
    return pd.DataFrame({"year": [2010, 2011, 2012], "value_musd": [10121.6, 0.125, 3.5]})


def _publish(fig_id="fig-9-1", data=None):
    data = _plotted() if data is None else data
    fig, ax = plt.subplots()
    ax.plot(data["year"], data["value_musd"])
    figures.publish_figure(
        fig,
        fig_id=fig_id,
        title="A test series",
        alt="A line over three years",
        source="Test source #1",
        data=data,
        units="US$ million",
        inputs=["some_source"],
    )


def test_figure_files_exist_and_csv_round_trips(figures_dir):
    _publish()
    for ext in ("svg", "png", "csv", "json"):
        assert (figures_dir / f"fig-9-1.{ext}").is_file(), ext
    back = pd.read_csv(figures_dir / "fig-9-1.csv")  # plain pandas, no options
    pd.testing.assert_frame_equal(back, _plotted())
    header = figures.read_csv_header(figures_dir / "fig-9-1.csv")
    assert header["units"] == "US$ million"
    assert header["source"] == "Test source #1"


def test_png_resolution_at_least_200_dpi(figures_dir):
    _publish()
    dpi = Image.open(figures_dir / "fig-9-1.png").info["dpi"]
    assert min(dpi) >= 199.5  # PNG stores pixels per metre, so 200 comes back as 199.99


def test_svg_and_png_bytes_are_stable_across_runs(figures_dir, monkeypatch):
    _publish()
    first = {ext: (figures_dir / f"fig-9-1.{ext}").read_bytes() for ext in ("svg", "png", "csv")}
    monkeypatch.setenv("KZCN_BUILD_DATE", "2030-12-31T00:00:00Z")
    _publish()
    for ext, content in first.items():
        assert (figures_dir / f"fig-9-1.{ext}").read_bytes() == content, ext
    assert b"2030" not in (figures_dir / "fig-9-1.svg").read_bytes()


def test_metadata_records_provenance(figures_dir):
    _publish()
    meta = json.loads((figures_dir / "fig-9-1.json").read_text())
    assert meta["id"] == "fig-9-1"
    assert meta["kind"] == "figure"
    assert meta["notebook"] == "ch3.ipynb"
    assert meta["git_commit"] == "0123abc"
    assert meta["build_date"] == "2026-01-02T03:04:05Z"
    assert meta["files"] == {"svg": "fig-9-1.svg", "png": "fig-9-1.png", "csv": "fig-9-1.csv"}
    assert [item["id"] for item in meta["inputs"]] == ["some_source"]


def test_input_log_supplies_sha256(figures_dir, tmp_path, monkeypatch):
    log = tmp_path / "inputs.log"
    log.write_text("some_source\t" + "ab" * 32 + "\n")
    monkeypatch.setenv("KZCN_INPUT_LOG", str(log))
    _publish()
    meta = json.loads((figures_dir / "fig-9-1.json").read_text())
    assert meta["inputs"][0]["sha256"] == "ab" * 32


def test_ledger_input_hashes_the_ledger_file(tmp_path, monkeypatch):
    ledger = tmp_path / "claims.csv"
    ledger.write_text("claim_id,value\nc-1-001,1\n")
    monkeypatch.setattr(config, "THESIS_DIR", tmp_path)
    monkeypatch.delenv("KZCN_INPUT_LOG", raising=False)
    (record,) = figures.describe_inputs(["ledger:claims.csv"])
    assert record["sha256"] == hashlib.sha256(ledger.read_bytes()).hexdigest()
    assert len(record["sha256"]) == 64


def test_markdown_block_names_anchor_and_relative_paths(figures_dir, shown):
    _publish()
    (shown,) = shown
    assert ":::{figure} ../figures/fig-9-1.svg" in shown
    assert ":name: fig-9-1" in shown
    assert '<a href="../figures/fig-9-1.csv" download>' in shown
    assert "{numref}`Figure %s <fig-9-1>`" in shown
    assert "::::{dropdown} Provenance" in shown
    assert "@misc{kzcn-fig-9-1," in shown


@pytest.mark.parametrize("bad_id", ["Fig-3-1", "fig_3_1", "tbl-3-1", "fig-", "fig-3--1", "3-1"])
def test_bad_figure_ids_are_refused(figures_dir, bad_id):
    with pytest.raises(figures.PublishError, match="id"):
        _publish(fig_id=bad_id)


def test_empty_data_is_refused(figures_dir):
    with pytest.raises(figures.PublishError, match="empty"):
        _publish(data=_plotted().iloc[0:0])


def test_table_files_and_list_table(figures_dir, shown):
    table = pd.DataFrame(
        {"exports": [1.25, float("nan")], "label": ["a|b", "c"]},
        index=pd.Index([2010, 2011], name="year"),
    )
    figures.publish_table(table, table_id="tbl-9-1", title="A table", source="src", units="US$", inputs=["x"])
    assert not (figures_dir / "tbl-9-1.svg").exists()
    back = pd.read_csv(figures_dir / "tbl-9-1.csv")
    pd.testing.assert_frame_equal(back, table.reset_index())
    (shown,) = shown
    assert ":::{list-table} A table" in shown
    assert ":name: tbl-9-1" in shown
    assert ":header-rows: 1" in shown
    assert "* - year" in shown
    assert r"a\|b" in shown  # a pipe in a cell is escaped, not read as markup
    assert "  - –" in shown  # a missing value is shown as a dash


def test_manifest_input_gets_sha256_and_citation(monkeypatch):
    from kzcn import manifest

    monkeypatch.delenv("KZCN_INPUT_LOG", raising=False)
    entry = manifest.load_manifest().sources["dots-KAZ"]
    (record,) = figures.describe_inputs(["dots-KAZ"])
    assert record["sha256"] == entry.sha256
    assert record["url"] == entry.url
    assert "Direction of Trade" in record["source"]


def test_unknown_input_is_recorded_without_hash(monkeypatch):
    monkeypatch.delenv("KZCN_INPUT_LOG", raising=False)
    (record,) = figures.describe_inputs(["not-a-declared-source"])
    assert record == {"id": "not-a-declared-source", "sha256": None, "url": None, "source": None}


def test_fingerprint_of_reread_csv_equals_the_published_one(figures_dir):
    data = pd.DataFrame(
        {"label": ["2010", "a,b", "#x", ""], "value": [1 / 3, 2.5e9, float("nan"), 1.0], "n": [1, 2, 3, 4]}
    )
    _publish(data=data.rename(columns={"value": "value_musd", "n": "year"}))
    meta = json.loads((figures_dir / "fig-9-1.json").read_text())
    back = figures.read_published_csv(figures_dir / "fig-9-1.csv", meta["dtypes"])
    assert figures.frame_fingerprint(back) == meta["data_fingerprint"]
    assert back["label"].tolist()[:3] == ["2010", "a,b", "#x"]  # text stays text


def test_fingerprint_sees_a_changed_value():
    frame = _plotted()
    changed = frame.assign(value_musd=frame["value_musd"] + [0, 0, 0.001])
    assert figures.frame_fingerprint(frame) != figures.frame_fingerprint(changed)


def test_link_columns_become_links_and_the_url_column_is_hidden(figures_dir, shown):
    table = pd.DataFrame({"claim": ["c-1", "c-2"], "page": ["ch1.html#tbl-1-1", ""]})
    figures.publish_table(
        table,
        table_id="tbl-9-2",
        title="Links",
        source="src",
        units="none",
        inputs=[],
        link_columns={"claim": "page"},
    )
    (block,) = shown
    assert '<a href="ch1.html#tbl-1-1">c-1</a>' in block
    assert "* - claim" in block and "page" not in block.split(":::")[1].split("* - claim")[0]
    assert "  - page" not in block
    assert figures.read_published_csv(figures_dir / "tbl-9-2.csv")["page"].fillna("").tolist() == [
        "ch1.html#tbl-1-1",
        "",
    ]
