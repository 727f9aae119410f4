"""The audit page's rows get anchors and filter data after the build; chapter ids link to them."""

from __future__ import annotations

from bs4 import BeautifulSoup

from kzcn import publish

AUDIT = """<html><body><section id="summary"><h2>Summary</h2></section>
<table id="tbl-audit-ch1"><thead><tr><th>ledger row</th><th>section</th><th>status</th><th>cause</th></tr></thead>
<tbody><tr><td><a href="01_chapter1.html">c-1.1-001</a></td><td>1.1</td><td>differs</td><td>typo</td></tr>
<tr><td>c-1.2.1-002</td><td>1.2.1</td><td>reproduced</td><td></td></tr></tbody></table></body></html>"""

CHAPTER = """<html><body><section id="thesis-1-1"><h1>1.1</h1>
<table id="tbl-1-5"><tbody><tr><td>c-1.1-001</td><td>differs</td></tr></tbody></table></section></body></html>"""


def _document():
    return {
        "rows": [
            {
                "id": "c-1.1-001",
                "anchor": "c-1-1-001",
                "status": "differs",
                "cause": "typo",
                "section": "1.1",
                "chapter": "1",
            },
            {
                "id": "c-1.2.1-002",
                "anchor": "c-1-2-1-002",
                "status": "reproduced",
                "cause": "",
                "section": "1.2.1",
                "chapter": "1",
            },
        ]
    }


def test_rows_get_anchor_filter_data_and_links(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "audit.html").write_text(AUDIT, encoding="utf-8")
    (tmp_path / "notebooks" / "01_chapter1.html").write_text(CHAPTER, encoding="utf-8")
    assert publish.mark_audit_rows(tmp_path, _document()) == 2

    audit = BeautifulSoup((tmp_path / "notebooks" / "audit.html").read_text(encoding="utf-8"), "html.parser")
    row = audit.find("tr", id="c-1-1-001")
    assert (row["data-status"], row["data-cause"], row["data-chapter"]) == ("differs", "typo", "ch1")
    # the section number links to the thesis section's label on the chapter page
    assert row.find_all("td")[1].find("a")["href"] == "01_chapter1.html#thesis-1-1"
    # no label thesis-1-2-1 exists: the section stays plain text
    other = audit.find("tr", id="c-1-2-1-002")
    assert other.find_all("td")[1].find("a") is None
    assert audit.find("script", src="../_static/audit-filter.js") is not None

    chapter = BeautifulSoup(
        (tmp_path / "notebooks" / "01_chapter1.html").read_text(encoding="utf-8"), "html.parser"
    )
    assert chapter.find("td").find("a")["href"] == "audit.html#c-1-1-001"


def test_section_labels_follow_contract_4():
    assert publish.section_label("2.2.3", "2") == "thesis-2-2-3"
    assert publish.section_label("intro", "intro") == "thesis-introduction"
    assert publish.section_label("conclusion", "conclusion") == "thesis-conclusion"
