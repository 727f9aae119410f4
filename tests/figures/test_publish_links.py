"""publish: ledger rows that a chapter table lists get linked to that table."""

from __future__ import annotations

from kzcn import publish

CHAPTER = """<html><body>
<table id="tbl-1-5"><tr><td>c-1.1-001</td><td>368</td></tr></table>
<p>c-1.1-002 is mentioned in the text only</p>
</body></html>"""

AUDIT = """<html><body><table id="tbl-audit-claims">
<tr><td><a href="01_chapter1.html">c-1.1-001</a></td></tr>
<tr><td><a href="01_chapter1.html">c-1.1-002</a></td></tr>
</table></body></html>"""


def test_rows_listed_in_a_chapter_table_link_to_it(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "01_chapter1.html").write_text(CHAPTER)
    (notebooks / "audit.html").write_text(AUDIT)
    anchors = publish.discussed_at(tmp_path, {"c-1.1-001", "c-1.1-002"})
    assert anchors == {"c-1.1-001": "notebooks/01_chapter1.html#tbl-1-5"}

    document = {
        "rows": [
            {"row_id": "c-1.1-001", "page": "notebooks/01_chapter1.html"},
            {"row_id": "c-1.1-002", "page": "notebooks/01_chapter1.html"},
        ]
    }
    assert publish.link_audit_rows(tmp_path, document, anchors) == 1
    assert [row["page"] for row in document["rows"]] == [
        "notebooks/01_chapter1.html#tbl-1-5",
        "notebooks/01_chapter1.html",
    ]
    audit_page = (notebooks / "audit.html").read_text()
    assert '<a href="01_chapter1.html#tbl-1-5">c-1.1-001</a>' in audit_page
    assert '<a href="01_chapter1.html">c-1.1-002</a>' in audit_page
