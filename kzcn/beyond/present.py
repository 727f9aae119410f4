"""Small presentation helpers shared by chapters 5-7: partner names, year axes, shading, tidy numbers."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kzcn import countries

#: Names of aggregates and partners the book names differently from the short names of kzcn.countries.
EXTRA_NAMES = {"EUU": "European Union", "KOR": "South Korea", "WLD": "World", "HKG": "Hong Kong"}


def name_of(code: str) -> str:
    """Plain name of a partner code: the book's own names first (``kzcn.measures``), then the committed economies table."""
    from kzcn import measures

    if code in measures.COUNTRY_NAMES:
        return measures.name_of(code)
    if code in EXTRA_NAMES:
        return EXTRA_NAMES[code]
    return countries.economies().get(code, code)


def integer_years(ax, nbins: int = 8) -> None:
    """Year axis with whole-year ticks only (no 2012.5), at most ``nbins`` of them."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=nbins))


def shade_years(
    ax, years: Iterable[int], colour: str = "grey", alpha: float = 0.15, label: str | None = None
) -> None:
    """Shade whole calendar years (``year ± 0.5``); the first patch carries ``label`` for the legend."""
    for i, year in enumerate(sorted(set(int(y) for y in years))):
        ax.axvspan(
            year - 0.5, year + 0.5, color=colour, alpha=alpha, linewidth=0, label=label if i == 0 else None
        )


def rounded(df: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Round the float columns to ``digits`` and turn ``-0.0`` into ``0.0`` (no negative zeros in a table)."""
    out = df.copy()
    floats = out.select_dtypes("floating").columns
    out[floats] = out[floats].round(digits) + 0.0
    return out


def percent(value: float, digits: int = 1) -> str:
    """``0.1664`` -> ``"16.6"`` (a fraction shown in percent, never ``-0.0``)."""
    return f"{round(value * 100, digits) + 0.0:.{digits}f}"


def bn(value_usd: float, digits: int = 1) -> str:
    """US dollars shown in billions: ``6.08e9`` -> ``"6.1"``."""
    return f"{round(value_usd / 1e9, digits) + 0.0:,.{digits}f}"


def join_words(items: Iterable[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plain_log_axis(ax, axis: str = "y") -> None:
    """Label a logarithmic axis with plain numbers at 1, 2, 5 x 10^k (``0.5``, ``2``, ``50``), not ``10^1``."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, NullLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:g}"))
    target.set_minor_locator(NullLocator())
    target.set_minor_formatter(NullFormatter())
