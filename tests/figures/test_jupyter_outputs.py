"""What a notebook shows in JupyterLab and what it writes for readers to reuse.

publish_figure / publish_table display one output with two representations:
MyST Markdown for the book and HTML for JupyterLab. Generated prose is words,
never markup. CSV files load with a plain ``pandas.read_csv``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402
from docutils.core import publish_string  # noqa: E402
from myst_parser.docutils_ import Parser  # noqa: E402

from kzcn import config, figures  # noqa: E402

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture
def outputs(tmp_path, monkeypatch):
    """Publish into a temporary stage; collect what would be displayed."""
    out = tmp_path / "stage" / "figures"
    work = tmp_path / "stage" / "notebooks"
    work.mkdir(parents=True)
    monkeypatch.setenv("KZCN_FIGURES_DIR", str(out))
    monkeypatch.setenv("KZCN_NOTEBOOK", "notebooks/ch9.ipynb")
    monkeypatch.setenv("KZCN_GIT_COMMIT", "0123abc")
    monkeypatch.setenv("KZCN_BUILD_DATE", "2026-01-02T03:04:05Z")
    monkeypatch.delenv("KZCN_INPUT_LOG", raising=False)
    monkeypatch.delenv("KZCN_PARAMETERS", raising=False)
    monkeypatch.chdir(work)
    shown: list[dict[str, str]] = []
    monkeypatch.setattr(
        figures, "_display", lambda md, html, plain: shown.append({"md": md, "html": html, "plain": plain})
    )
    shown_dir = out
    return shown, shown_dir


def _figure(fig_id="fig-9-1", **overrides):
    data = pd.DataFrame({"year": [2010, 2011], "value": [1.5, 608.3800000000001]})
    fig, ax = plt.subplots()
    ax.plot(data["year"], data["value"])
    arguments = {
        "fig_id": fig_id,
        "title": "A series",
        "alt": "A rising line",
        "source": "Test",
        "data": data,
        "units": "US$ million",
        "inputs": ["some_source"],
    }
    arguments.update(overrides)
    figures.publish_figure(fig, **arguments)


def _render_myst(text: str) -> BeautifulSoup:
    """Render Markdown the way the book's parser does (MyST, dollar math on)."""
    rendered = publish_string(
        text,
        parser=Parser(),
        writer_name="html5",
        settings_overrides={
            "myst_enable_extensions": ["dollarmath", "colon_fence"],
            "output_encoding": "unicode",
            "report_level": 5,
        },
    )
    return BeautifulSoup(rendered, "html.parser").find("main")


# ------------------------------------------------------------ JupyterLab view


def test_figure_output_carries_an_image_for_jupyter_and_myst_for_the_book(outputs):
    shown, _ = outputs
    _figure()
    (output,) = shown
    assert output["md"].startswith(":::{figure}")  # the book's representation
    soup = BeautifulSoup(output["html"], "html.parser")
    image = soup.find("figure").find("img")
    assert image["src"].startswith("data:image/png;base64,")
    assert image["alt"].startswith("A rising line. Data shown: ")  # the author's words, then the data
    assert "A series" in soup.find("figcaption").get_text()
    # no MyST syntax in what JupyterLab shows
    for marker in ("{numref}", ":::", "{glue", "[[number:"):
        assert marker not in output["html"], marker


def test_table_output_is_an_html_table_with_the_shown_values(outputs):
    shown, _ = outputs
    table = pd.DataFrame({"Year": [2010, 2011], "Exports": [1234.5, float("nan")], "Note": ["a|b", "c_d"]})
    figures.publish_table(table, table_id="tbl-9-1", title="T", source="S", units="US$", inputs=["x"])
    (output,) = shown
    soup = BeautifulSoup(output["html"], "html.parser")
    rows = [
        [cell.get_text() for cell in row.find_all(["th", "td"])] for row in soup.find("table").find_all("tr")
    ]
    assert rows == [["Year", "Exports", "Note"], ["2010", "1,234.5", "a|b"], ["2011", "–", "c_d"]]
    assert output["md"].startswith(":::{list-table}")


def test_the_book_renders_markdown_first():
    """_config.yml makes MyST-NB pick text/markdown over text/html for every builder."""
    book = yaml.safe_load((config.ROOT / "_config.yml").read_text(encoding="utf-8"))
    overrides = book["sphinx"]["config"]["nb_mime_priority_overrides"]
    from myst_nb.core.render import get_mime_priority

    for builder in ("html", "latex", "epub"):
        order = get_mime_priority(builder, [tuple(item) for item in overrides])
        assert order[0] == "text/markdown", (builder, order)


def test_provenance_names_the_rebuild_command_and_links_the_inputs(outputs, monkeypatch):
    shown, _ = outputs
    monkeypatch.setenv("KZCN_PARAMETERS", json.dumps({"country": "UZB", "partner": "CHN"}))
    _figure(inputs=["dots-KAZ"])
    (output,) = shown
    assert "python -m kzcn figure fig-9-1 --country UZB" in output["md"]
    assert "python -m kzcn figure fig-9-1 --country UZB" in output["html"]
    from kzcn import manifest

    url = manifest.load_manifest().sources["dots-KAZ"].url
    assert f'<a href="{url}">' in output["md"]


# --------------------------------------------------------- injected markup


def test_generated_prose_is_words_not_markup():
    markdown = figures.prose(f"Exports were US$ 5 and US$ 6 {HOSTILE} & more").data
    main = _render_myst(markdown)
    assert main.find("img") is None and main.find("script") is None
    assert main.find(class_="math") is None
    text = main.get_text()
    assert "<img src=x" in text and "<script>" in text and "US$ 5 and US$ 6" in text and "& more" in text


def test_markup_in_captions_cells_and_parameters_never_becomes_markup(outputs, monkeypatch):
    shown, _ = outputs
    monkeypatch.setenv("KZCN_PARAMETERS", json.dumps({"country": f"`{HOSTILE}`"}))
    table = pd.DataFrame({f"Col {HOSTILE}": [f"cell {HOSTILE}", "b"], "n": [1, 2]})
    figures.publish_table(
        table, table_id="tbl-9-2", title=f"T {HOSTILE}", source=HOSTILE, units="u", inputs=[], caption=HOSTILE
    )
    _figure(fig_id="fig-9-2", title=f"F {HOSTILE}", caption=HOSTILE, source=HOSTILE)
    for output in shown:
        soup = BeautifulSoup(output["html"], "html.parser")
        assert soup.find("script") is None
        assert all(img["src"].startswith("data:image/png") for img in soup.find_all("img"))
        assert all(not attribute.startswith("on") for tag in soup.find_all(True) for attribute in tag.attrs)
        # the Markdown has no raw tag: every < is escaped or inside a code block
        raw = re.sub(r"```.*?```", "", output["md"], flags=re.S).replace("\\<", "")
        assert "<img src=x" not in raw and "<script>" not in raw


# ------------------------------------------------------------- reusable CSV


def test_csv_is_plain_and_rounded(outputs):
    _, out = outputs
    _figure()
    text = (out / "fig-9-1.csv").read_text()
    assert not text.startswith("#")
    assert "608.3800000000001" not in text and "608.38" in text
    back = pd.read_csv(out / "fig-9-1.csv")
    assert back.columns.tolist() == ["year", "value"]
    assert back["value"].tolist() == [1.5, 608.38]


def test_small_and_large_numbers_are_written_without_scientific_notation(outputs):
    _, out = outputs
    values = [0.00004, 123456789.5, 2010.0, float("nan")]
    figures.publish_table(
        pd.DataFrame({"Label": ["a", "b", "c", "d"], "Value": values}),
        table_id="tbl-9-4",
        title="T",
        source="S",
        units="share",
        inputs=[],
    )
    text = (out / "tbl-9-4.csv").read_text()
    assert not re.search(r"\d[eE][+-]?\d", text), text
    assert "0.00004" in text and "123456789.5" in text
    back = pd.read_csv(out / "tbl-9-4.csv")["Value"]
    assert back.iloc[:3].tolist() == values[:3] and back.isna().iloc[3]


def test_decimals_round_to_the_source_precision(outputs):
    _, out = outputs
    _figure(decimals={"value": 1})
    assert pd.read_csv(out / "fig-9-1.csv")["value"].tolist() == [1.5, 608.4]


@dataclass
class DisplayCell:
    """Stands in for kzcn.figures.Cell (contract 7): text plus a status."""

    text: str
    status: str | None = None
    note: str = ""
    link: str = ""


def test_display_cells_without_data_write_text_and_a_status_column(outputs):
    _, out = outputs
    table = pd.DataFrame(
        {"Year": [2010, 2011], "Exports": [DisplayCell("1.5", "reproduced"), DisplayCell("2.5", "differs")]}
    )
    figures.publish_table(table, table_id="tbl-9-3", title="T", source="S", units="US$", inputs=[])
    back = pd.read_csv(out / "tbl-9-3.csv")
    assert back.columns.tolist() == ["Year", "Exports", "Exports status"]
    assert back["Exports"].tolist() == [1.5, 2.5]
    assert back["Exports status"].tolist() == ["reproduced", "differs"]


def test_data_argument_is_what_the_csv_holds(outputs):
    shown, out = outputs
    shown_frame = pd.DataFrame({"Year": ["2010"], "Exports": ["1.5 ✔"]})
    tidy = pd.DataFrame({"year": [2010], "exports": [1.5], "status": ["reproduced"]})
    figures.publish_table(
        shown_frame, table_id="tbl-9-4", title="T", source="S", units="US$", inputs=[], data=tidy
    )
    pd.testing.assert_frame_equal(pd.read_csv(out / "tbl-9-4.csv"), tidy)
    meta = json.loads((out / "tbl-9-4.json").read_text())
    assert meta["columns"] == ["year", "exports", "status"]
    assert meta["field_units"] == {"year": "calendar year", "exports": "US$", "status": None}
    assert "1.5 ✔" in shown[0]["html"]


# ---------------------------------------------------- provenance from reads


def test_inputs_come_from_the_input_log(outputs, tmp_path, monkeypatch):
    _, out = outputs
    log = tmp_path / "inputs.log"
    monkeypatch.setenv("KZCN_INPUT_LOG", str(log))
    monkeypatch.setattr(figures, "_log_consumed", 0)
    log.write_text("read-a\t" + "a" * 64 + "\n")
    # declared "typed-only" was never read: it is not an input; read-a is
    _figure(inputs=["typed-only"])
    meta = json.loads((out / "fig-9-1.json").read_text())
    assert [item["id"] for item in meta["inputs"]] == ["read-a"]
    assert meta["declared_inputs"] == ["typed-only"] and meta["inputs_from_log"] is True
    # a second object: read-b read since; read-a read earlier and declared, so it counts
    with log.open("a") as handle:
        handle.write("read-b\t" + "b" * 64 + "\n")
    _figure(fig_id="fig-9-2", inputs=["read-a", "read-b"])
    meta = json.loads((out / "fig-9-2.json").read_text())
    assert [item["id"] for item in meta["inputs"]] == ["read-a", "read-b"]
    assert meta["inputs"][1]["sha256"] == "b" * 64
    # a third object that declares nothing read earlier and read nothing new
    _figure(fig_id="fig-9-3", inputs=[])
    assert json.loads((out / "fig-9-3.json").read_text())["inputs"] == []


def test_points_drawn_but_missing_from_the_csv_are_recorded(outputs):
    _, out = outputs
    data = pd.DataFrame({"year": [2010, 2011], "value": [1.5, 2.5]})
    fig, ax = plt.subplots()
    ax.plot(data["year"], data["value"])
    ax.scatter([2010, 2011], [1.5, 7.25], marker="D")  # 7.25: a printed value left out of the data
    figures.publish_figure(
        fig, fig_id="fig-9-5", title="T", alt="A", source="S", data=data, units="u", inputs=[]
    )
    assert json.loads((out / "fig-9-5.json").read_text())["points_not_in_csv"] == [7.25]


def test_prose_keeps_the_verdict_marks_and_drops_what_could_run():
    mark = (
        '<sup><a class="kzcn-verdict" href="audit.html#c-1-002" title="printed US$ 5" aria-label="differs" '
        'onclick="steal()">✘</a></sup>'
    )
    markdown = figures.prose(
        f"China was second{mark}; <a href='javascript:alert(1)'>see</a> US$ 5 and US$ 6."
    ).data
    main = _render_myst(markdown)
    link = main.find("sup").find("a")
    assert link["href"] == "audit.html#c-1-002" and link["title"] == "printed US$ 5"
    assert "onclick" not in link.attrs
    assert all(not a.get("href", "").startswith("javascript") for a in main.find_all("a"))
    assert main.find(class_="math") is None and "US$ 5 and US$ 6" in main.get_text()
