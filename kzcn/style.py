"""The look of every chart in the book: one palette, one theme, labelled units.

The palette is Okabe and Ito's set of eight colours, chosen so that readers
with the common forms of colour-vision deficiency can still tell the lines
apart.  Series that recur across chapters (who reported a flow, which Central
Asian country) always get the same colour, so a reader who learnt a colour in
chapter 1 can rely on it in chapter 3.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
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


# ----------------------------------------------------------- finishing a figure

#: A numeric axis whose data all lie in this range and are whole numbers counts
#: years, as does an axis whose label says "year".
YEAR_RANGE = (1800, 2200)

#: Tick-label boxes may touch but not overlap by more than this many pixels.
OVERLAP_TOLERANCE_PX = 0.5

#: Neighbouring tick labels keep at least this gap (in ems of their type) so that
#: "2004 2006" never reads as "20042006".
LABEL_GAP_EM = 0.6


def _finite(values) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    return array[np.isfinite(array)]


def _plotted_values(ax) -> tuple[np.ndarray, np.ndarray]:
    """Every x and y value drawn in data coordinates: lines, markers, bars, areas."""
    xs, ys = [], []
    for line in ax.get_lines():
        if line.get_transform() != ax.transData or not line.get_visible():
            continue  # axhline/axvline and friends span the axes by construction
        data = np.asarray(line.get_xydata(), dtype=float)
        if data.size:
            xs.append(data[:, 0])
            ys.append(data[:, 1])
    for collection in ax.collections:
        if not collection.get_visible():
            continue
        if collection.get_offset_transform() == ax.transData and len(collection.get_offsets()):
            offsets = np.asarray(collection.get_offsets(), dtype=float)
            xs.append(offsets[:, 0])
            ys.append(offsets[:, 1])
        if collection.get_transform() == ax.transData:
            for path in collection.get_paths():
                if len(path.vertices):
                    xs.append(path.vertices[:, 0])
                    ys.append(path.vertices[:, 1])
    for patch in ax.patches:
        if patch.get_transform() == ax.transData and patch.get_visible():
            box = patch.get_bbox()
            xs.append([box.x0, box.x1])
            ys.append([box.y0, box.y1])
    join = lambda parts: _finite(np.concatenate([np.ravel(p) for p in parts])) if parts else np.array([])  # noqa: E731
    return join(xs), join(ys)


def _is_year_axis(axis, values: np.ndarray) -> bool:
    if "year" in axis.get_label_text().lower():
        return True
    if axis.get_scale() != "linear" or values.size < 2:
        return False
    low, high = YEAR_RANGE
    return bool(np.all((values >= low) & (values <= high)) and np.allclose(values, np.round(values)))


def _contain(ax, which: str, values: np.ndarray) -> None:
    """Widen the limits of one axis so that every drawn value is inside the axes."""
    if not values.size:
        return
    get, set_ = (ax.get_xlim, ax.set_xlim) if which == "x" else (ax.get_ylim, ax.set_ylim)
    first, second = get()
    low, high = min(first, second), max(first, second)
    data_low, data_high = float(values.min()), float(values.max())
    if data_low >= low and data_high <= high:
        return
    scale = ax.get_xscale() if which == "x" else ax.get_yscale()
    if scale == "log":
        data_low = values[values > 0].min() if np.any(values > 0) else low
        new_low, new_high = min(low, data_low / 1.1), max(high, data_high * 1.1)
    else:
        margin = 0.05 * (max(high, data_high) - min(low, data_low) or 1.0)
        new_low = data_low - margin if data_low < low else low
        new_high = data_high + margin if data_high > high else high
    if first > second:  # an inverted axis stays inverted
        new_low, new_high = new_high, new_low
    set_(new_low, new_high)


def _tick_labels(axis, renderer, gap_em: float = 0.0) -> list:
    low, high = sorted(axis.get_view_interval())
    boxes = []
    for tick in axis.get_major_ticks():
        label = tick.label1 if tick.label1.get_visible() else tick.label2
        if not (tick.get_visible() and label.get_visible() and label.get_text().strip()):
            continue
        if not low - 1e-9 * abs(high - low) <= tick.get_loc() <= high + 1e-9 * abs(high - low):
            continue
        box = label.get_window_extent(renderer)
        pad = gap_em * label.get_fontsize() * renderer.points_to_pixels(1.0) / 2
        boxes.append(box.expanded(1.0, 1.0).padded(pad) if pad else box)
    return boxes


def labels_overlap(axis, renderer, gap_em: float = 0.0) -> bool:
    """Do any two visible major tick labels of ``axis`` overlap on the drawn figure
    (or come closer than ``gap_em`` ems)?"""
    boxes = _tick_labels(axis, renderer, gap_em)
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            width = min(first.x1, second.x1) - max(first.x0, second.x0)
            height = min(first.y1, second.y1) - max(first.y0, second.y0)
            if width > OVERLAP_TOLERANCE_PX and height > OVERLAP_TOLERANCE_PX:
                return True
    return False


def _thin(axis, year: bool, renderer) -> bool:
    """Ask an automatic locator for about half as many ticks; False if the ticks are fixed."""
    from matplotlib import ticker

    locator = axis.get_major_locator()
    if not isinstance(locator, (ticker.MaxNLocator, ticker.AutoLocator)):
        return False
    shown = len(_tick_labels(axis, renderer))
    axis.set_major_locator(ticker.MaxNLocator(nbins=max(1, shown // 2), integer=year, min_n_ticks=2))
    return True


def finalize(fig) -> None:
    """Finish a figure before it is saved (called by ``figures.publish_figure``).

    * every drawn value lies inside its axes (limits are widened, never cut);
    * an axis that counts years gets whole-number ticks written without
      thousands separators or offsets ("2005", never "2002.5");
    * no two tick labels of one axis overlap, measured on the drawn figure:
      automatic ticks are thinned, fixed ones (categories) are set upright and, if
      still needed, set in a smaller type.
    """
    from matplotlib import ticker

    axes = [ax for ax in fig.get_axes() if ax.get_visible() and ax.get_label() != "<colorbar>"]
    years: dict = {}
    for ax in axes:
        xs, ys = _plotted_values(ax)
        _contain(ax, "x", xs)
        _contain(ax, "y", ys)
        for axis, values in ((ax.xaxis, xs), (ax.yaxis, ys)):
            locator = axis.get_major_locator()
            if _is_year_axis(axis, values) and isinstance(locator, (ticker.MaxNLocator, ticker.AutoLocator)):
                axis.set_major_locator(ticker.MaxNLocator(integer=True, min_n_ticks=2))
                axis.set_major_formatter(ticker.StrMethodFormatter("{x:.0f}"))
                years[axis] = True
    for _ in range(8):
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        crowded = [
            (ax, axis)
            for ax in axes
            for axis in (ax.xaxis, ax.yaxis)
            if labels_overlap(axis, renderer, LABEL_GAP_EM)
        ]
        if not crowded:
            return
        for ax, axis in crowded:
            if _thin(axis, years.get(axis, False), renderer):
                continue
            labels = [t.label1 for t in axis.get_major_ticks()] + [t.label2 for t in axis.get_major_ticks()]
            if axis is ax.xaxis and all(label.get_rotation() == 0 for label in labels):
                for label in labels:  # upright: their boxes are then exactly the text
                    label.set_rotation(90)
                    label.set_horizontalalignment("center")
            else:
                for label in labels:
                    label.set_fontsize(max(6.0, label.get_fontsize() * 0.85))
