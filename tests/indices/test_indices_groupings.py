"""HS chapter -> section / WITS group tables: complete and non-overlapping."""

from __future__ import annotations

import pandas as pd
import pytest

from kzcn import indices


@pytest.mark.parametrize(
    ("code", "chapter"), [("0101", 1), (101, 1), ("2709", 27), ("270900", 27), (8471, 84)]
)
def test_hs_chapter(code, chapter):
    assert indices.hs_chapter(code) == chapter


def test_hs_chapter_rejects_text():
    with pytest.raises(ValueError):
        indices.hs_chapter("TOTAL")


def test_every_chapter_has_exactly_one_section_except_reserved_ones():
    for chapter in range(1, 100):
        hits = [s for s, (a, b) in indices.HS_SECTIONS.items() if a <= chapter <= b]
        if chapter in (77, 98, 99):
            assert indices.hs_section(chapter) is None
        else:
            assert len(hits) == 1, chapter
            assert indices.hs_section(chapter) == hits[0]
    assert indices.hs_section(27) == 5
    assert indices.hs_section(71) == 14
    assert indices.hs_section(98) is None


def test_wits_groups_cover_chapters_once():
    for chapter in range(1, 100):
        hits = [g for g, (a, b) in indices.WITS_PRODUCT_GROUPS.items() if a <= chapter <= b]
        assert len(hits) == 1, chapter
    assert indices.wits_group(27) == "27-27_Fuels"


def test_common_groups_are_a_partition_of_sections_and_of_wits_groups():
    sections = [s for group in indices.COMMON_GROUPS.values() for s in group]
    assert sorted(sections) == list(range(1, 22))
    mapped = {g: indices.common_group_of_wits_group(g) for g in indices.WITS_PRODUCT_GROUPS}
    assert mapped["25-26_Minerals"] == mapped["27-27_Fuels"] == indices.common_group_of_section(5)
    assert len(set(mapped.values())) == len(indices.COMMON_GROUPS)


def test_to_common_groups_from_three_nomenclatures():
    by_section = indices.to_common_groups(pd.Series({5: 10.0, 2: 1.0, 3: 2.0}), "section")
    assert by_section["Minerals and fuels (25-27)"] == 10.0
    assert by_section["Vegetable (06-15)"] == 3.0
    by_wits = indices.to_common_groups(pd.Series({"25-26_Minerals": 4.0, "27-27_Fuels": 6.0}), "wits_group")
    assert by_wits["Minerals and fuels (25-27)"] == 10.0
    by_hs = indices.to_common_groups(pd.Series({"2709": 7.0, "2601": 3.0, "0101": 1.0}), "hs")
    assert by_hs["Minerals and fuels (25-27)"] == 10.0
    assert list(by_hs.index) == ["Animal (01-05)", "Minerals and fuels (25-27)"]


def test_to_common_groups_rejects_codes_outside_any_group():
    with pytest.raises(ValueError):
        indices.to_common_groups(pd.Series({"9999": 1.0}), "hs")
    with pytest.raises(ValueError):
        indices.to_common_groups(pd.Series({"AllSubHeading": 1.0}), "wits_group")


def test_year_ranges():
    assert indices.year_ranges([2017, 2015, 2016, 2023, 2024, 2019]) == "2015\u20132017, 2019, 2023\u20132024"
    assert indices.year_ranges([2020]) == "2020"
    assert indices.year_ranges([]) == ""
