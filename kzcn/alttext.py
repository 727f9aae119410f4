"""What a chart shows, in words: the data summary appended to every figure's alt text.

An author's alt text says what kind of chart a figure is ("Two line charts of
trade shares in percent by year ..."); a reader who cannot see the chart also
needs its data.  :func:`summary` reads the numbers from the drawn matplotlib
figure itself (lines, bars, stacked areas, point markers, one or more panels)
and, where the tidy frame written to the figure's CSV holds them, takes the
values from that frame, so every number a screen reader speaks can be found in
the figure's "Data (CSV)" download.

For each plotted series it names the first value, the highest and the lowest
with their years, and the last value, in the unit of the axis the series is
drawn on; series over categories (horizontal bars of sections or statuses) get
their highest and lowest categories.  Values printed in the thesis (drawn as
markers) are mentioned, not listed.  Names, titles, axis labels and categories
are quoted with curly quotes; the numbers outside the quotes are data.

:func:`kzcn.figures.publish_figure` calls :func:`summary` for every figure and
appends it to the author's words with :func:`with_summary`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kzcn import compare
from kzcn.beyond.present import join_words

#: The words that start the data summary in a figure's alt text.
LEAD = "Data shown:"

#: More series than this in one panel: the others are named, not described.
MAX_SERIES_PER_PANEL = 5

#: Categories listed one by one up to this many; beyond, the top three and the lowest.
MAX_CATEGORIES_LISTED = 6

#: Whole years on an axis lie in this range.
YEAR_RANGE = (1800, 2200)

#: Scale factors between a drawn value and the CSV's value (US$ million drawn as billion ...).
SCALES = (1.0, 1e-3, 1e3, 1e-6, 1e6, 1e-9, 1e9)

#: Scale words, each a thousand times the one before.
SCALE_WORDS = ("thousand", "million", "billion", "trillion")

#: Marker shapes a reader is told about (matplotlib marker -> words).
MARKER_WORDS = {"D": "diamonds", "d": "diamonds", "s": "squares", "o": "circles", "^": "triangles"}


@dataclass
class Series:
    """One drawn series: its name, the axis it is read on, and its points."""

    name: str
    kind: str  # "line", "bars", "area", "points"
    axis_label: str
    keys: list  # years (int) or category names (str)
    values: list[float]
    printed: bool = False
    marker: str = ""
    unit_note: str = ""
    decimals: int = 1
    peak: float = field(default=float("nan"))


# ------------------------------------------------------------------ numbers


def decimals_for(values: Sequence[float]) -> int:
    """Decimals shown for one series: whole numbers none; else by the size of its largest value
    (from 1,000 none, from 10 one, from 0.1 two, below that enough for two significant digits)."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return 0
    if all(float(v).is_integer() for v in finite):
        return 0
    largest = max(finite)
    if largest >= 1000:
        return 0
    if largest >= 10:
        return 1
    if largest >= 0.1 or largest == 0:
        return 2
    return min(4, 1 - math.floor(math.log10(largest)))


def number(value: float, decimals: int) -> str:
    """A value as the book writes it: thousands separated by commas, a decimal point, no "-0";
    a small value that would read as zero gets the decimals it needs (up to four)."""
    while value and round(value, decimals) == 0 and decimals < 4:
        decimals += 1
    return compare.shown(value, decimals)


def quoted(text: str) -> str:
    """A name as it is quoted in the summary (plain words: snake_case spelt with spaces)."""
    words = " ".join(str(text).replace("_", " ").split())
    return f"“{words}”"


# ------------------------------------------------------- reading the figure


def _label(artist) -> str:
    label = artist.get_label() if hasattr(artist, "get_label") else ""
    return "" if not label or str(label).startswith("_") else str(label)


def _value_axis_label(ax, horizontal: bool) -> str:
    return (ax.get_xlabel() if horizontal else ax.get_ylabel()).strip()


def _is_year_positions(positions: np.ndarray, axis) -> bool:
    finite = positions[np.isfinite(positions)]
    if not finite.size:
        return False
    low, high = YEAR_RANGE
    near = np.all(np.abs(finite - np.round(finite)) <= 0.45)
    return bool(near and np.all((finite >= low) & (finite <= high))) or (
        "year" in axis.get_label_text().lower() and near
    )


def _tick_names(axis) -> dict[float, str]:
    """Position -> text of the major tick labels of a category axis (after a draw)."""
    names = {}
    for location, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False):
        text = label.get_text().strip()
        if text:
            names[round(float(location), 6)] = text
    return names


def _keys(positions: np.ndarray, axis) -> list | None:
    """Years or category names for drawn positions (None: positions that name nothing)."""
    if _is_year_positions(positions, axis):
        return [int(round(p)) if math.isfinite(p) else None for p in positions]
    names = _tick_names(axis)
    if not names:
        return None
    ticks = np.array(sorted(names))
    reach = 0.45 * (np.diff(ticks).min() if len(ticks) > 1 else 1.0)

    def nearest(position: float) -> str | None:
        # grouped bars sit beside their category's tick, within half a step of it
        tick = ticks[np.abs(ticks - position).argmin()]
        return names[tick] if abs(tick - position) <= reach else None

    keys = [nearest(float(p)) for p in positions]
    return keys if all(k is not None for k in keys) else None


def _marker_words(collection) -> str:
    """ "open diamonds", "squares"... for a scatter's marker, or "markers"."""
    from matplotlib.markers import MarkerStyle

    paths = collection.get_paths()
    shape = "markers"
    if paths:
        drawn = np.asarray(paths[0].vertices, dtype=float)
        for marker, words in MARKER_WORDS.items():
            style = MarkerStyle(marker)
            reference = style.get_path().transformed(style.get_transform()).vertices
            if reference.shape == drawn.shape and np.allclose(reference, drawn, atol=1e-6):
                shape = words
                break
    faces = collection.get_facecolors()
    hollow = len(faces) == 0 or all(face[3] == 0 for face in faces)
    return f"open {shape}" if hollow and shape != "markers" else shape


def _line_series(ax, line) -> Series | None:
    xs = np.asarray(line.get_xdata(), dtype=float)
    ys = np.asarray(line.get_ydata(), dtype=float)
    keys = _keys(xs, ax.xaxis)
    if keys is None or not len(ys):
        return None
    drawn = line.get_linestyle() not in {"None", "none", "", " "}
    return Series(
        name=_label(line),
        kind="line" if drawn else "points",
        axis_label=_value_axis_label(ax, False),
        keys=keys,
        values=[float(v) for v in ys],
    )


def _bar_series(ax, container) -> Series | None:
    horizontal = getattr(container, "orientation", "vertical") == "horizontal"
    patches = list(container.patches)
    if not patches:
        return None
    if horizontal:
        positions = np.array([p.get_y() + p.get_height() / 2 for p in patches])
        values = [float(p.get_width()) for p in patches]
        keys = _keys(positions, ax.yaxis)
    else:
        positions = np.array([p.get_x() + p.get_width() / 2 for p in patches])
        values = [float(p.get_height()) for p in patches]
        keys = _keys(positions, ax.xaxis)
    if keys is None:
        return None
    return Series(_label(container), "bars", _value_axis_label(ax, horizontal), keys, values)


def _area_series(ax, collection) -> Series | None:
    """A filled band (stacked area layer): its thickness at each drawn x."""
    spans: dict[float, list[float]] = {}
    for path in collection.get_paths():
        for x, y in np.asarray(path.vertices, dtype=float):
            if math.isfinite(x) and math.isfinite(y):
                spans.setdefault(float(x), []).append(float(y))
    if not spans:
        return None
    xs = np.array(sorted(spans))
    keys = _keys(xs, ax.xaxis)
    if keys is None:
        return None
    values = [max(spans[x]) - min(spans[x]) for x in xs]
    return Series(_label(collection), "area", _value_axis_label(ax, False), keys, values)


def _scatter_series(ax, collection) -> Series | None:
    offsets = np.asarray(collection.get_offsets(), dtype=float)
    if not offsets.size:
        return None
    keys = _keys(offsets[:, 0], ax.xaxis)
    if keys is None:
        return None
    label = _label(collection)
    return Series(
        name=label,
        kind="points",
        axis_label=_value_axis_label(ax, False),
        keys=keys,
        values=[float(v) for v in offsets[:, 1]],
        printed="thesis" in label.lower(),
        marker=_marker_words(collection),
    )


def _axes_series(ax) -> list[Series]:
    """Every data series drawn on ``ax``; unlabelled ones only where nothing is labelled
    (pandas draws a stacked area's edges as unlabelled lines beside its labelled bands)."""
    from matplotlib.collections import PathCollection, PolyCollection

    readers = []
    for line in ax.get_lines():
        if line.get_transform() == ax.transData and line.get_visible():
            readers.append((_line_series, line))
    for container in ax.containers:
        if hasattr(container, "patches"):
            readers.append((_bar_series, container))
    for collection in ax.collections:
        if not collection.get_visible():
            continue
        if isinstance(collection, PathCollection) and collection.get_offset_transform() == ax.transData:
            readers.append((_scatter_series, collection))
        elif isinstance(collection, PolyCollection) and _label(collection):
            readers.append((_area_series, collection))
    found: list[Series] = []
    for read, artist in readers:
        try:
            found.append(read(ax, artist))
        except (TypeError, ValueError):
            continue  # drawn on dates or other non-numbers: not summarised, never a failed build
    found = [s for s in found if s is not None and any(math.isfinite(v) for v in s.values)]
    if any(s.name for s in found):
        found = [s for s in found if s.name]
    return found


def _panels(fig) -> list[tuple[str, list[Series]]]:
    """(title, series) per panel, left to right; twin axes share their panel."""
    groups: dict[tuple, list] = {}
    for ax in fig.get_axes():
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        x0, y0, _, _ = ax.get_position().bounds
        groups.setdefault((round(x0, 3), -round(y0, 3)), []).append(ax)
    panels = []
    for position in sorted(groups):
        axes = groups[position]
        title = next((t for ax in axes for t in (ax.get_title(), ax.get_title("left")) if t.strip()), "")
        series = [s for ax in axes for s in _axes_series(ax)]
        if series:
            panels.append((title.strip(), series))
    return panels


# ------------------------------------------------- values from the CSV frame


def _year_column(data: pd.DataFrame) -> str | None:
    for name in data.columns:
        if str(name).strip().lower() in {"year", "years"}:
            return name
    return None


def _rescaled_unit(axis_label: str, scale: float) -> str:
    """The unit of the CSV's values when the chart draws them times ``scale``
    ("US$ billion" drawn from US$ million): "" when no scale word can say it."""
    unit = axis_label[axis_label.rfind("(") + 1 : axis_label.rfind(")")] if "(" in axis_label else ""
    steps = round(-math.log10(scale) / 3)
    for index, word in enumerate(SCALE_WORDS):
        if re.search(rf"\b{word}\b", unit):
            target = index - steps
            if 0 <= target < len(SCALE_WORDS):
                return re.sub(rf"\b{word}\b", SCALE_WORDS[target], unit).split(",")[0].strip()
    return ""


def _from_data(series: Series, data: pd.DataFrame | None) -> None:
    """Replace the drawn values by the CSV's, where one number column holds them
    (perhaps on another scale); a zero drawn for a missing value is dropped."""
    if data is None or data.empty:
        return
    year = _year_column(data)
    texts = [c for c in data.columns if data[c].dtype == object]
    numeric = [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c]) and c != year]
    numeric = [c for c in numeric if not pd.api.types.is_bool_dtype(data[c])]
    for scale in SCALES:
        for column in numeric:
            matched = _match(series, data, column, year, texts, scale)
            if matched is None:
                continue
            if scale != 1.0:
                unit = _rescaled_unit(series.axis_label, scale)
                if not unit:
                    continue
                series.unit_note = unit
            series.keys, series.values = matched
            return


def _match(series, data, column, year, texts, scale):
    keys, values = [], []
    for key, drawn in zip(series.keys, series.values, strict=True):
        if key is None or not math.isfinite(drawn):
            continue
        if isinstance(key, int) and year is not None:
            rows = data[data[year] == key]
        else:
            rows = data[np.logical_or.reduce([data[t] == key for t in texts])] if texts else data
            if rows.empty:
                rows = data
        cells = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
        close = np.isfinite(cells) & (np.abs(cells * scale - drawn) <= 1e-6 * max(1.0, abs(drawn)))
        if close.any():
            keys.append(key)
            values.append(float(cells[close][0]))
        elif drawn == 0 and (len(cells) == 0 or np.isnan(cells).all()):
            continue  # a missing value drawn as zero (pandas and stackplot fill gaps with 0)
        else:
            return None
    return (keys, values) if keys else None


# ------------------------------------------------------------------ words


def _years_text(years: list[int]) -> str:
    years = sorted(set(years))
    if len(years) <= 4:
        return "in " + join_words([str(y) for y in years])
    return f"in years from {years[0]} to {years[-1]}"


def _over_years(series: Series) -> str:
    points = [(k, v) for k, v in zip(series.keys, series.values, strict=True) if math.isfinite(v)]
    points.sort(key=lambda p: p[0])
    d = series.decimals
    if len(points) == 1:
        return f"{number(points[0][1], d)} in {points[0][0]}"
    values = [v for _, v in points]
    high = max(range(len(points)), key=lambda i: (values[i], -i))
    low = min(range(len(points)), key=lambda i: (values[i], i))
    tags = {}
    if number(values[high], d) != number(values[low], d):
        tags = {high: "highest ", low: "lowest "}
    chosen = sorted({0, high, low, len(points) - 1})
    return ", ".join(f"{tags.get(i, '')}{number(values[i], d)} in {points[i][0]}" for i in chosen)


def _over_categories(series: Series) -> str:
    d = series.decimals
    points = [(k, v) for k, v in zip(series.keys, series.values, strict=True) if math.isfinite(v)]
    if len(points) <= MAX_CATEGORIES_LISTED:
        shown = [(k, v) for k, v in points if number(v, d) != number(0, d)] or points
        return ", ".join(f"{quoted(k)} {number(v, d)}" for k, v in shown)
    ranked = sorted(points, key=lambda p: -p[1])
    top, lowest = ranked[:3], ranked[-1]
    return (
        f"highest {quoted(top[0][0])} {number(top[0][1], d)}, then "
        + join_words([f"{quoted(k)} {number(v, d)}" for k, v in top[1:]])
        + f"; lowest {quoted(lowest[0])} {number(lowest[1], d)}"
    )


def _series_text(series: Series) -> str:
    if series.printed:
        years = [k for k, v in zip(series.keys, series.values, strict=True) if math.isfinite(v)]
        return f"{series.marker or 'markers'} mark {quoted(series.name)} {_years_text(years)}"
    over = _over_years if all(isinstance(k, int) for k in series.keys) else _over_categories
    name = quoted(series.name) if series.name else f"the {series.kind}"
    return f"{name}: {over(series)}"


def _axis_phrase(axis_label: str, unit_note: str) -> str:
    phrase = f"on the axis {quoted(axis_label)}" if axis_label else "on its axis"
    if unit_note:
        phrase += f", values in {quoted(unit_note)} as in the data table"
    return phrase


def _panel_sentences(series: list[Series]) -> list[str]:
    measured = [s for s in series if not s.printed]
    measured.sort(key=lambda s: -s.peak if math.isfinite(s.peak) else math.inf)
    described, named_only = measured[:MAX_SERIES_PER_PANEL], measured[MAX_SERIES_PER_PANEL:]
    kept = [s for s in series if s in described or s.printed]
    groups: dict[tuple[str, str], list[Series]] = {}
    for s in kept:
        groups.setdefault((s.axis_label, s.unit_note), []).append(s)
    sentences = []
    for (label, note), members in groups.items():
        texts = [_series_text(s) for s in members]
        sentences.append(f"{_axis_phrase(label, note)}, " + "; ".join(texts))
    if named_only:
        sentences.append(
            "also drawn, with lower highs: "
            + join_words([quoted(s.name) for s in named_only if s.name])
            + " (their values are in the data table)"
        )
    return sentences


#: Where an untitled panel sits, in words (a digit there would read as data).
PLACES = ("first", "second", "third", "fourth", "fifth", "sixth")


def _place(index: int, count: int) -> str:
    if count == 2:
        return ("left", "right")[index]
    return PLACES[index] if index < len(PLACES) else "next"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def summary(fig, data: pd.DataFrame | None = None) -> str:
    """The data summary of ``fig`` in plain words ("" if nothing plotted can be read).

    ``data`` is the tidy frame written to the figure's CSV; where one of its number
    columns holds a drawn series, the numbers are taken from it.
    """
    fig.canvas.draw()  # category tick labels exist only once drawn
    panels = _panels(fig)
    if not panels:
        return ""
    for _, series in panels:
        for s in series:
            _from_data(s, data)
            s.decimals = decimals_for(s.values)
            finite = [v for v in s.values if math.isfinite(v)]
            s.peak = max(finite) if finite else float("nan")
    several = len(panels) > 1
    sentences = []
    for index, (title, series) in enumerate(panels):
        parts = _panel_sentences(series)
        if several:
            name = f"panel {quoted(title)}" if title else f"the {_place(index, len(panels))} panel"
            parts[0] = f"{name}, {parts[0]}"
        sentences.extend((_capital(p) if sentences else p) + "." for p in parts)
    return f"{LEAD} " + " ".join(sentences)


def with_summary(alt: str, data_summary: str) -> str:
    """The author's alt text followed by the data summary (see :func:`summary`)."""
    text = " ".join(str(alt).split())
    if text and text[-1] not in ".!?":
        text += "."
    return f"{text} {data_summary}" if data_summary else text
