"""The look of every chart in the book: one palette, one theme, labelled units.

The palette is Okabe and Ito's set of eight colours, chosen so that readers
with the common forms of colour-vision deficiency can still tell the lines
apart.  Series that recur across chapters (who reported a flow, which Central
Asian country) always get the same colour, so a reader who learnt a colour in
chapter 1 can rely on it in chapter 3.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns

#: Okabe & Ito (2008), "Color Universal Design", in their published order.
OKABE_ITO = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)

#: Who reported a flow: the Central Asian country's own customs vs China's.
REPORTER_COLOURS = {"KAZ": OKABE_ITO[4], "CHN": OKABE_ITO[5]}

#: The five Central Asian countries (and their sum) in every chart.
COUNTRY_COLOURS = {
    "KAZ": OKABE_ITO[4],
    "KGZ": OKABE_ITO[2],
    "TJK": OKABE_ITO[6],
    "TKM": OKABE_ITO[0],
    "UZB": OKABE_ITO[1],
    "C5": OKABE_ITO[7],
}

#: Flows (exports / imports / balance), used when one reporter is shown.
FLOW_COLOURS = {"export": OKABE_ITO[4], "import": OKABE_ITO[5], "balance": OKABE_ITO[7]}

#: Line styles that repeat the colour distinction for greyscale print.
REPORTER_LINESTYLES = {"KAZ": "-", "CHN": "--"}


def apply() -> None:
    """Set the seaborn theme and the matplotlib defaults used by every figure."""
    sns.set_theme(context="notebook", style="whitegrid", palette=list(OKABE_ITO))
    plt.rcParams.update(
        {
            "figure.figsize": (7.5, 4.2),
            "figure.dpi": 100,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "svg.fonttype": "none",
        }
    )


def axis_label(quantity: str, unit: str) -> str:
    """An axis label that always states its unit: ``"Exports (US$ billion)"``."""
    if not unit:
        raise ValueError(f"axis {quantity!r} needs a unit")
    return f"{quantity} ({unit})"


def label_axes(ax, *, x: str, x_unit: str, y: str, y_unit: str) -> None:
    """Label both axes of ``ax`` with their quantities and units."""
    ax.set_xlabel(axis_label(x, x_unit))
    ax.set_ylabel(axis_label(y, y_unit))


def new_figure(*, width: float = 7.5, height: float = 4.2, ncols: int = 1):
    """A styled figure with ``ncols`` side-by-side axes; returns ``(fig, axes)``."""
    apply()
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained")
    return fig, axes
