"""The one tolerance rule: a value printed in the thesis against its recomputation.

Every table and figure in the book that sets a printed number beside a
recomputed one goes through :func:`compare`, so the rule is applied the same way
everywhere.  ``book/methods.md`` states it in words; keep the two in step.

The rule, for a printed value ``p`` shown with ``d`` decimal places and a
recomputed value ``r`` expressed in the same unit:

* **reproduced**: ``r`` rounds to ``p`` at ``d`` decimals, i.e.
  ``|r - p| <= half a unit in the last printed digit``;
* **within tolerance**: not reproduced, but ``|r - p|`` is at most one unit in
  the last printed digit or 1 % of ``|p|``, whichever is larger.  One unit
  absorbs double rounding (the thesis derives shares and growth rates from
  already rounded amounts); 1 % absorbs ordinary revisions between data vintages;
* **differs**: anything further away;
* **no raw source**: nothing in the raw data can recompute the value;
* **not printed**: the thesis leaves the cell empty (nothing to check).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

import pandas as pd

REPRODUCED = "reproduced"
WITHIN_TOLERANCE = "within tolerance"
DIFFERS = "differs"
NO_RAW_SOURCE = "no raw source"
NOT_PRINTED = "not printed"
#: A printed number that is a fact of the text, not a statistic (spans of years, counts of chapters ...).
NOT_A_STATISTIC = "not a statistic"

#: Statuses in the order a reader should worry about them (best first).
STATUSES = (REPRODUCED, WITHIN_TOLERANCE, DIFFERS, NO_RAW_SOURCE, NOT_PRINTED)

#: Relative part of the tolerance (see module docstring).
RELATIVE_TOLERANCE = 0.01

# Floating-point slack so that 0.5 units is not lost to binary representation.
_EPS = 1e-9


def printed_decimals(text: object) -> int:
    """Number of decimal places in a number as printed (``"0.4698"`` -> 4).

    Accepts the thesis's decimal comma (``"2300,79"``, even ``"3, 7"``) and a leading sign.
    """
    # whitespace inside a number is a typesetting slip ("3, 7" in Table 1.2)
    cleaned = "".join(str(text).split()).replace("\u2212", "-").replace(",", ".").lstrip("+")
    try:
        exponent = Decimal(cleaned).as_tuple().exponent
    except InvalidOperation as error:
        raise ValueError(f"not a printed number: {text!r}") from error
    return max(0, -int(exponent))


def shown(value: float | None, decimals: int) -> str:
    """A number as the book prints it beside a printed one: ``decimals`` places, thousands
    separators, never "-0.0"; an absent value is ``""``."""
    if _missing(value):
        return ""
    text = f"{value:,.{max(int(decimals), 0)}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def status(printed: float | None, recomputed: float | None, decimals: int) -> str:
    """Status of one printed value against its recomputation (see the module rule)."""
    if _missing(printed):
        return NOT_PRINTED
    if _missing(recomputed):
        return NO_RAW_SOURCE
    unit = 10.0 ** (-int(decimals))
    gap = abs(float(recomputed) - float(printed))
    if gap <= 0.5 * unit * (1 + _EPS) + _EPS * unit:
        return REPRODUCED
    if gap <= max(unit, RELATIVE_TOLERANCE * abs(float(printed))) * (1 + _EPS):
        return WITHIN_TOLERANCE
    return DIFFERS


def agrees_to_printed_digits(printed: float, recomputed: float, decimals: int) -> bool:
    """True when the recomputed value rounds to the printed one."""
    return status(printed, recomputed, decimals) == REPRODUCED


def compare(
    printed: pd.Series,
    recomputed: pd.Series,
    decimals: pd.Series | int,
) -> pd.DataFrame:
    """Align printed and recomputed values on their index and apply the rule.

    Returns one row per index label with ``printed``, ``recomputed``,
    ``difference`` (recomputed minus printed, in the printed unit),
    ``decimals`` and ``status``.
    """
    index = printed.index.union(recomputed.index)
    frame = pd.DataFrame(
        {
            "printed": printed.reindex(index).astype(float),
            "recomputed": recomputed.reindex(index).astype(float),
        }
    )
    if isinstance(decimals, pd.Series):
        frame["decimals"] = decimals.reindex(index).fillna(0).astype(int)
    else:
        frame["decimals"] = int(decimals)
    frame["difference"] = frame["recomputed"] - frame["printed"]
    frame["status"] = [
        status(p, r, d)
        for p, r, d in zip(frame["printed"], frame["recomputed"], frame["decimals"], strict=True)
    ]
    return frame[["printed", "recomputed", "difference", "decimals", "status"]]


def status_counts(statuses: pd.Series) -> dict[str, int]:
    """How many cells have each status, in the fixed order of :data:`STATUSES`."""
    counts = statuses.value_counts()
    return {name: int(counts.get(name, 0)) for name in STATUSES}


#: Qualifiers printed in words ("more than", "less than" ...) turn a value into a bound.
_BOUNDS = {
    "more_than": lambda recomputed, printed: recomputed > printed,
    "less_than": lambda recomputed, printed: recomputed < printed,
    "at_least": lambda recomputed, printed: recomputed >= printed,
    "at_most": lambda recomputed, printed: recomputed <= printed,
}

#: Words of the printed text -> the qualifier rule they call for (first match wins).
QUALIFIER_WORDS = (
    ("nearly", "nearly"),
    ("almost", "nearly"),
    ("approximately", "about"),
    ("about", "about"),
    ("around", "about"),
    ("more than", "more_than"),
    ("over", "more_than"),
    ("exceed", "more_than"),
    ("less than", "less_than"),
    ("at least", "at_least"),
)

#: "about X" allows this relative distance before it differs.
ABOUT_TOLERANCE = 0.05
#: "nearly X" holds for values from this fraction of X up to X.
NEARLY_FLOOR = 0.9


def qualifier_rule(qualifier: str, printed_text: str = "") -> str:
    """The rule a printed qualifier calls for: ``exact``, ``about``, ``nearly`` or a bound.

    The ledger's ``approx`` covers "about", "approximately" and "nearly"; the
    printed words tell them apart.
    """
    if qualifier in _BOUNDS:
        return qualifier
    if qualifier != "approx":
        return "exact"
    words = f" {str(printed_text).lower()} "
    for word, rule in QUALIFIER_WORDS:
        if f" {word}" in words and rule in ("about", "nearly"):
            return rule
    return "about"


def significant_unit(printed: float, decimals: int) -> float:
    """The place of the last significant digit of a printed value (70 -> 10, 1,400 -> 100, 6.85 -> 0.01)."""
    if decimals > 0 or not printed:
        return 10.0 ** (-int(decimals))
    digits = str(int(round(abs(float(printed)))))
    return 10.0 ** (len(digits) - len(digits.rstrip("0")))


def status_qualified(printed: float | None, recomputed: float | None, decimals: int, qualifier: str) -> str:
    """:func:`status` for a value the text qualifies (rules stated on the methods page).

    * ``exact``: the rule of :func:`status`;
    * ``about`` ("about", "approximately", "around"): reproduced when the
      recomputed value rounds to the printed one at the printed value's last
      significant digit ("about 70" is 65 to 75); otherwise within tolerance
      up to :data:`ABOUT_TOLERANCE` of the printed value; differs beyond;
    * ``nearly`` ("nearly", "almost"): reproduced from :data:`NEARLY_FLOOR`
      times the printed value up to the printed value (plus half its last
      significant digit); otherwise judged as ``about``;
    * bounds ("more than", "over", "exceeded", "less than", "at least", "at
      most"): reproduced when the recomputed value satisfies the bound, differs
      otherwise.
    """
    if _missing(printed) or _missing(recomputed):
        return status(printed, recomputed, decimals)
    p, r = float(printed), float(recomputed)
    bound = _BOUNDS.get(qualifier)
    if bound is not None:
        return REPRODUCED if bound(r, p) else DIFFERS
    if qualifier in ("about", "approx", "nearly"):
        unit = significant_unit(p, decimals)
        if qualifier == "nearly" and NEARLY_FLOOR * p - _EPS <= r <= p + 0.5 * unit * (1 + _EPS):
            return REPRODUCED
        gap = abs(r - p)
        if gap <= 0.5 * unit * (1 + _EPS):
            return REPRODUCED
        if gap <= ABOUT_TOLERANCE * abs(p) * (1 + _EPS):
            return WITHIN_TOLERANCE
        return DIFFERS
    return status(p, r, decimals)


def status_rank(printed: float | None, recomputed: float | None) -> str:
    """Ranks are integers: reproduced when equal, differs otherwise (never "within tolerance")."""
    if _missing(printed):
        return NOT_PRINTED
    if _missing(recomputed):
        return NO_RAW_SOURCE
    return REPRODUCED if int(round(float(printed))) == int(round(float(recomputed))) else DIFFERS
