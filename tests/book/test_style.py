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
