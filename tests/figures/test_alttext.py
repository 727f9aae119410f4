"""The data summary in every figure's alt text (issue 16), on small hand-made charts.

Each expected sentence is written out by hand from the numbers the test draws:
first value, highest, lowest and last with their years, in the unit of the axis,
rounded as the book rounds (one decimal from 10, two below, none from 1,000).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402

from kzcn import alttext, figures  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_lines_name_first_highest_lowest_and_last_value_with_their_years():
    fig, ax = plt.subplots()
    ax.plot([2010, 2011, 2012, 2013], [14.08, 23.94, 12.01, 15.42], label="Kazakhstan's records")
    ax.plot([2010, 2011, 2012, 2013], [2.5, 3.0, 4.25, 5.0], label="China's records")
    ax.axhline(0, color="grey")  # a reference line is not data
    ax.set_ylabel("Trade (US$ billion)")
    assert alttext.summary(fig) == (
        "Data shown: on the axis “Trade (US$ billion)”, "
        "“Kazakhstan's records”: 14.1 in 2010, highest 23.9 in 2011, lowest 12.0 in 2012, 15.4 in 2013; "
        "“China's records”: lowest 2.50 in 2010, highest 5.00 in 2013."
    )


def test_two_panels_are_named_by_their_titles_with_bars_and_the_thesis_markers():
    fig, (left, right) = plt.subplots(1, 2)
    # grouped bars sit beside their year (2010 - 0.2 ...): they still belong to that year
    left.bar([2009.8, 2010.8, 2011.8], [14.0, 21.3, 18.6], width=0.4, label="Kazakhstan's records")
    left.bar([2010.2, 2011.2, 2012.2], [15.0, 25.7, 25.0], width=0.4, label="China's records")
    left.scatter(
        [2010, 2011],
        [14.5, 22.0],
        marker="D",
        facecolors="none",
        edgecolors="black",
        label="value printed in the thesis (prose)",
    )
    left.set_title("Trade volume")
    left.set_ylabel("Exports plus imports (US$ billion)")
    right.plot([2010, 2011, 2012], [20.5, 24.3, 22.0], label="China's share")
    right.set_title("Share")
    right.set_ylabel("Share (%)")
    assert alttext.summary(fig) == (
        "Data shown: panel “Trade volume”, on the axis “Exports plus imports (US$ billion)”, "
        "“Kazakhstan's records”: lowest 14.0 in 2010, highest 21.3 in 2011, 18.6 in 2012; "
        "“China's records”: lowest 15.0 in 2010, highest 25.7 in 2011, 25.0 in 2012; "
        "open diamonds mark “value printed in the thesis (prose)” in 2010 and 2011. "
        "Panel “Share”, on the axis “Share (%)”, “China's share”: lowest 20.5 in 2010, "
        "highest 24.3 in 2011, 22.0 in 2012."
    )


def test_a_panel_without_title_or_labels_is_named_by_place_and_kind():
    fig, (left, right) = plt.subplots(1, 2)
    left.bar([2001, 2002], [-5.0, 7.0])
    left.set_ylabel("Net inflow (EUR million)")
    right.plot([2001, 2002], [100.0, 90.0])
    right.set_ylabel("Stock (EUR million)")
    right.set_title("Inward stock")
    assert alttext.summary(fig) == (
        "Data shown: the left panel, on the axis “Net inflow (EUR million)”, "
        "the bars: lowest -5 in 2001, highest 7 in 2002. "
        "Panel “Inward stock”, on the axis “Stock (EUR million)”, "
        "the line: highest 100 in 2001, lowest 90 in 2002."
    )


def test_stacked_areas_give_each_layer_its_own_values_and_skip_gaps_drawn_as_zero():
    data = pd.DataFrame(
        {"Year": [2000, 2001, 2002], "Fuels (%)": [None, 30.5, 40.4], "Metals (%)": [10.5, 20.1, 15.0]}
    )
    fig, ax = plt.subplots()
    data.set_index("Year").plot.area(ax=ax)  # pandas stacks the layers and draws the gap as 0
    ax.set_ylabel("Share (% of exports)")
    assert alttext.summary(fig, data) == (
        "Data shown: on the axis “Share (% of exports)”, "
        "“Fuels (%)”: lowest 30.5 in 2001, highest 40.4 in 2002; "
        "“Metals (%)”: lowest 10.5 in 2000, highest 20.1 in 2001, 15.0 in 2002."
    )


def test_a_chart_drawn_in_billions_from_a_table_in_millions_quotes_the_table():
    data = pd.DataFrame({"year": [1992, 1993], "KAZ": [363.4, 1434.7], "KGZ": [15.6, 102.4]})
    fig, ax = plt.subplots()
    ax.stackplot(data["year"], data["KAZ"] / 1e3, data["KGZ"] / 1e3, labels=["Kazakhstan", "Kyrgyzstan"])
    ax.set_ylabel("China's trade (US$ billion)")
    assert alttext.summary(fig, data) == (
        "Data shown: on the axis “China's trade (US$ billion)”, values in “US$ million” as in the data "
        "table, “Kazakhstan”: lowest 363 in 1992, highest 1,435 in 1993; "
        "“Kyrgyzstan”: lowest 15.6 in 1992, highest 102.4 in 1993."
    )


def test_bars_over_categories_name_the_top_three_and_the_lowest():
    sections = ["Animals", "Vegetables", "Minerals", "Metals", "Textiles", "Machines", "Weapons"]
    values = [0.25, 1.31, 5.02, 2.33, 0.08, 0.04, 0.0099]
    fig, ax = plt.subplots()
    others = [0.24, 0.31, 0.12, 1.02, 2.16, 1.76, 0.24]
    # grouped bars: each sits beside its section's tick
    pd.DataFrame({"Kazakhstan (index)": values, "China (index)": others}, index=sections).plot.barh(ax=ax)
    ax.set_xlabel("Advantage (ratio; 1 = world average)")
    assert alttext.summary(fig) == (
        "Data shown: on the axis “Advantage (ratio; 1 = world average)”, “Kazakhstan (index)”: "
        "highest “Minerals” 5.02, then “Metals” 2.33 and “Vegetables” 1.31; lowest “Weapons” 0.01; "
        "“China (index)”: highest “Textiles” 2.16, then “Machines” 1.76 and “Metals” 1.02; lowest “Minerals” 0.12."
    )


def test_stacked_bars_over_a_few_categories_list_the_non_zero_segments():
    statuses = ["reproduced", "differs", "no raw source"]
    fig, ax = plt.subplots()
    ax.barh(statuses, [140, 0, 0], label="none")
    ax.barh(statuses, [9, 2, 0], left=[140, 0, 0], label="unit or scale")
    ax.set_xlabel("Ledger rows (count)")
    assert alttext.summary(fig) == (
        "Data shown: on the axis “Ledger rows (count)”, “none”: “reproduced” 140; "
        "“unit or scale”: “reproduced” 9, “differs” 2."
    )


def test_many_series_in_a_panel_are_named_not_described():
    fig, ax = plt.subplots()
    for peak, name in zip([1, 2, 3, 4, 5, 6, 7], "ABCDEFG", strict=True):
        ax.plot([2000, 2001], [0.0, float(peak)], label=f"chapter {name}")
    ax.set_ylabel("Share (%)")
    text = alttext.summary(fig)
    for described in ("“chapter G”: lowest 0 in 2000, highest 7 in 2001", "“chapter C”: lowest 0"):
        assert described in text
    assert text.endswith(
        "Also drawn, with lower highs: “chapter B” and “chapter A” (their values are in the data table)."
    )
    assert "“chapter B”:" not in text


def test_numbers_are_written_as_the_book_writes_them():
    assert alttext.number(1234.4, 0) == "1,234"
    assert alttext.number(-0.004, 4) == "-0.0040"
    assert alttext.number(0.0, 1) == "0.0"
    assert alttext.number(0.03, 1) == "0.03"  # a small value never reads as nothing
    assert alttext.number(-5.26, 1) == "-5.3"
    assert alttext.number(-0.00001, 4) == "0.0000"
    assert alttext.decimals_for([3, 12, 140]) == 0
    assert alttext.decimals_for([0.5, 23.94]) == 1
    assert alttext.decimals_for([0.22, 0.5]) == 2
    assert alttext.decimals_for([0.004, 0.03]) == 3


def test_names_are_words_not_identifiers():
    fig, ax = plt.subplots()
    ax.plot([2000, 2001], [1.0, 2.0], label="total_trade")
    ax.set_ylabel("Trade (US$ billion)")
    assert "“total trade”" in alttext.summary(fig)
    assert alttext.with_summary("A line chart", "Data shown: x.") == "A line chart. Data shown: x."


# ------------------------------------------------ what publish_figure writes


@pytest.fixture
def shown(tmp_path, monkeypatch):
    out, work = tmp_path / "stage" / "figures", tmp_path / "stage" / "notebooks"
    work.mkdir(parents=True)
    monkeypatch.setenv("KZCN_FIGURES_DIR", str(out))
    monkeypatch.setenv("KZCN_NOTEBOOK", "notebooks/ch9.ipynb")
    monkeypatch.delenv("KZCN_INPUT_LOG", raising=False)
    monkeypatch.chdir(work)
    outputs: list[dict[str, str]] = []
    monkeypatch.setattr(figures, "_display", lambda md, html, plain: outputs.append({"md": md, "html": html}))
    return outputs


def _publish(fig_id):
    data = pd.DataFrame({"year": [2010, 2011, 2012], "Exports (US$ billion)": [1.5, 3.25, 2.0]})
    fig, ax = plt.subplots()
    ax.plot(data["year"], data["Exports (US$ billion)"], label="exports")
    ax.set_ylabel("Exports (US$ billion)")
    figures.publish_figure(
        fig,
        fig_id=fig_id,
        title="Exports",
        alt="A line chart of exports",
        source="S",
        data=data,
        units="US$ billion",
        inputs=[],
    )


def test_publish_figure_appends_the_summary_to_the_authors_alt_text(shown):
    _publish("fig-9-3")
    expected = (
        "A line chart of exports. Data shown: on the axis “Exports (US$ billion)”, "
        "“exports”: lowest 1.50 in 2010, highest 3.25 in 2011, 2.00 in 2012."
    )
    (output,) = shown
    assert f":alt: {expected}\n" in output["md"]  # the book
    soup = BeautifulSoup(output["html"], "html.parser")
    assert soup.find("img")["alt"] == expected  # JupyterLab


def test_the_jupyterlab_caption_names_the_figure_as_the_book_does(shown):
    _publish("fig-9-3")
    _publish("fig-b-extra")
    numbered, unnumbered = (BeautifulSoup(o["html"], "html.parser").find("figcaption") for o in shown)
    assert numbered.get_text().startswith("Figure 9.3: Exports.")
    assert unnumbered.get_text().startswith("Figure: Exports.")
    assert "fig-" not in numbered.get_text() + unnumbered.get_text()


def test_a_chart_it_cannot_read_gets_no_summary_rather_than_an_error():
    fig, ax = plt.subplots()
    ax.plot(pd.to_datetime(["2020-01-01", "2020-02-01"]), [1.0, 2.0], label="monthly")
    assert alttext.summary(fig) == ""
    assert alttext.with_summary("A line chart", "") == "A line chart."
