"""The shared chart style: colour-blind-safe palette, units on every axis."""

import matplotlib

matplotlib.use("Agg")  # tests only; notebooks never switch backends

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from kzcn import style  # noqa: E402


def test_palette_is_okabe_ito_and_distinct():
    assert len(set(style.OKABE_ITO)) == 8
    assert style.REPORTER_COLOURS["KAZ"] != style.REPORTER_COLOURS["CHN"]
    assert set(style.COUNTRY_COLOURS.values()) <= set(style.OKABE_ITO)


def test_axis_label_requires_a_unit():
    assert style.axis_label("Exports", "US$ billion") == "Exports (US$ billion)"
    with pytest.raises(ValueError):
        style.axis_label("Exports", "")


def test_new_figure_applies_theme_and_labels():
    fig, ax = style.new_figure()
    style.label_axes(ax, x="Year", x_unit="calendar year", y="Trade", y_unit="US$ billion")
    assert ax.get_ylabel() == "Trade (US$ billion)"
    first_colour = plt.rcParams["axes.prop_cycle"].by_key()["color"][0]
    assert matplotlib.colors.to_hex(first_colour).lower() == style.OKABE_ITO[0].lower()
    plt.close(fig)


# ---------------------------------------------------------------- finalize(fig)
# Hand-made figures with the three faults the reader review found.


def _tick_texts(axis) -> list[str]:
    low, high = sorted(axis.get_view_interval())
    return [
        tick.label1.get_text()
        for tick in axis.get_major_ticks()
        if low <= tick.get_loc() <= high and tick.label1.get_visible()
    ]


def test_finalize_gives_integer_year_ticks():
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.plot([1992, 1995, 2000, 2005, 2010], [1, 2, 3, 4, 5])  # default ticks: 1992.5, 1997.5 ...
    style.finalize(fig)
    fig.canvas.draw()
    texts = _tick_texts(ax.xaxis)
    assert texts and all(text.isdigit() and len(text) == 4 for text in texts), texts
    plt.close(fig)


def test_finalize_removes_overlapping_tick_labels():
    fig, axes = plt.subplots(1, 2, figsize=(4, 2))
    for ax in axes:
        ax.plot(range(2000, 2021), range(21))
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=20))  # crowded on purpose
    fig.canvas.draw()
    assert any(style.labels_overlap(ax.xaxis, fig.canvas.get_renderer()) for ax in axes)
    style.finalize(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in axes:
        assert not style.labels_overlap(ax.xaxis, renderer, style.LABEL_GAP_EM)
        assert not style.labels_overlap(ax.yaxis, renderer)
    plt.close(fig)


def test_finalize_turns_crowded_category_labels_instead_of_dropping_them():
    fig, ax = plt.subplots(figsize=(3, 2))
    names = [f"commodity group {n}" for n in range(8)]
    ax.bar(names, range(8))
    style.finalize(fig)
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    assert not style.labels_overlap(ax.xaxis, fig.canvas.get_renderer())
    plt.close(fig)


def test_finalize_widens_limits_so_all_data_is_inside():
    fig, ax = plt.subplots()
    ax.plot([2015, 2020, 2024], [5, 11, 16])
    ax.scatter([2010], [-3])
    ax.set_ylim(0, 11.8)  # the line ran off the top in Fig. 7.2
    ax.set_xlim(2014, 2022)
    style.finalize(fig)
    low, high = ax.get_ylim()
    assert low <= -3 and high >= 16
    left, right = ax.get_xlim()
    assert left <= 2010 and right >= 2024
    plt.close(fig)


def test_finalize_leaves_a_good_figure_alone():
    fig, ax = plt.subplots()
    ax.plot([0.5, 1.5, 2.5], [1, 2, 3])
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 4)
    style.finalize(fig)
    assert ax.get_xlim() == (0, 3) and ax.get_ylim() == (0, 4)
    plt.close(fig)
