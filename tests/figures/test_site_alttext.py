"""Every figure of the built book tells a screen-reader user its data (issue 16).

The alt text of each chart ends with a data summary ("Data shown: ..."); every
number in it must be in the figure's CSV, read with plain ``pandas.read_csv``
and rounded to the decimals the summary shows, and every "value in year" pair
must sit in one row of that CSV.  Names, titles, axis labels and categories are
quoted (“...”); what is outside the quotes is data.  The figure's data link sits
right after it.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.integration

LEAD = "Data shown:"
NUMBER = r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?"
QUOTED = re.compile(r"“[^”]*”")


@pytest.fixture(scope="module")
def figures_shown(built_site) -> list[tuple[str, str, BeautifulSoup]]:
    """(id, alt text, the figure's element) of every figure in figures.json."""
    index = json.loads((built_site / "figures.json").read_text(encoding="utf-8"))
    found, pages = [], {}
    for item in index["objects"]:
        if item["kind"] != "figure":
            continue
        page = item["page"]
        if page not in pages:
            pages[page] = BeautifulSoup((built_site / page).read_text(encoding="utf-8"), "html.parser")
        element = pages[page].find("figure", id=item["id"])
        assert element is not None and element.find("img") is not None, item["id"]
        found.append((item["id"], element.find("img")["alt"], element))
    assert found, "no figure in the built book"
    return found


def _shown(token: str) -> tuple[float, int]:
    digits = token.split(".")[1] if "." in token else ""
    return float(token.replace(",", "")), len(digits)


def _holds(frame: pd.DataFrame, value: float, decimals: int) -> bool:
    for column in frame.columns:
        numbers = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        numbers = numbers[np.isfinite(numbers)]
        if np.any(np.abs(np.round(numbers, decimals) - value) < 1e-9):
            return True
    return False


def test_every_figure_alt_text_carries_a_data_summary(figures_shown):
    for object_id, alt, _ in figures_shown:
        assert LEAD in alt, f"{object_id}: alt text without a data summary: {alt!r}"
        words, summary = alt.split(LEAD, 1)
        assert len(words.split()) >= 5, f"{object_id}: the author's description is missing"
        unquoted = QUOTED.sub("", summary)
        assert re.search(rf"(?:{NUMBER}) in \d{{4}}|” (?:{NUMBER})", summary), (
            f"{object_id}: the summary names no value: {summary!r}"
        )
        assert not re.search(r"\b[a-z]+_[a-z_]+\b|\.(?:csv|py|json)\b|/", unquoted), object_id
        assert len(summary) < 1600, f"{object_id}: summary too long to listen to ({len(summary)} characters)"


def test_every_number_of_a_summary_is_in_the_figures_csv(built_site, figures_shown):
    for object_id, alt, _ in figures_shown:
        data = pd.read_csv(built_site / "figures" / f"{object_id}.csv")
        year = next((c for c in data.columns if c.lower() == "year"), None)
        years = set(data[year].dropna().astype(int)) if year else set()
        assert LEAD in alt, f"{object_id}: no data summary"
        summary = alt.split(LEAD, 1)[1]
        unquoted = QUOTED.sub("", summary)
        for token in re.findall(NUMBER, unquoted):
            value, decimals = _shown(token)
            is_year = decimals == 0 and value in years
            assert is_year or _holds(data, value, decimals), f"{object_id}: {token} is not in its CSV"
        for token, when in re.findall(rf"({NUMBER}) in (\d{{4}})", unquoted):
            value, decimals = _shown(token)
            rows = data[data[year] == int(when)]
            assert _holds(rows, value, decimals), f"{object_id}: no row of {when} holds {token}"
        texts = [c for c in data.columns if data[c].dtype == object]
        for category, token in re.findall(rf"“([^”]*)” ({NUMBER})", summary):
            value, decimals = _shown(token)
            rows = data[np.logical_or.reduce([data[c] == category for c in texts])] if texts else data
            assert len(rows), f"{object_id}: category {category!r} is not in its CSV"
            assert _holds(rows, value, decimals), f"{object_id}: no {category!r} row holds {token}"


def test_every_figure_has_its_data_link_right_after_it(figures_shown):
    for object_id, _, element in figures_shown:
        links = element.find_next_sibling("p", class_="kzcn-downloads")
        assert links is not None, f"{object_id}: no download line after the figure"
        hrefs = [a.get("href", "") for a in links.find_all("a")]
        assert any(href.endswith(f"figures/{object_id}.csv") for href in hrefs), (object_id, hrefs)
