"""The parts of kzcn.pdf that need no TeX: table widths, links from the site, errors."""

from __future__ import annotations

from bs4 import BeautifulSoup

from kzcn import pdf

PAGE = """<html><body>
<div class="onlyprint"><h1>Book title (print copy)</h1></div>
<div class="dropdown dropdown-download-buttons"><ul class="dropdown-menu">
<li><a href="_sources/x.ipynb">.ipynb</a></li></ul></div>
<main><article class="bd-article"><section><h1>Front page</h1><p>Text.</p></section></article></main>
</body></html>"""


def test_a_table_that_fits_keeps_its_natural_columns():
    assert pdf.column_widths(longest=[4, 10, 12], floor=[4, 6, 8]) is None


def test_a_wide_table_gets_widths_that_keep_every_longest_word():
    # one long text column beside eight number columns of 10 characters
    longest, floor = [200] + [10] * 8, [12] + [10] * 8
    widths = pdf.column_widths(longest, floor)
    assert widths is not None and len(widths) == 9
    assert sum(widths) <= 10 * (pdf.LINE_CHARACTERS - pdf.COLUMN_PADDING * 9) + 9  # rounding
    assert all(width >= 10 * least for width, least in zip(widths, floor, strict=True))
    assert widths[0] == max(widths)


def test_links_in_the_download_menu_and_under_the_front_page_title():
    linked = BeautifulSoup(pdf.link_page(PAGE, "../book.pdf", front_page=True), "html.parser")
    menu_links = linked.select(".dropdown-download-buttons a[href='../book.pdf']")
    assert len(menu_links) == 1 and "PDF" in menu_links[0].get_text()
    note = linked.select_one("article h1").find_next_sibling("p")
    assert note.a["href"] == "../book.pdf"
    assert not linked.select_one(".onlyprint").find("a"), "the print-only title got the link"


def test_linking_twice_leaves_one_link_each():
    once = pdf.link_page(PAGE, "book.pdf", front_page=True)
    twice = pdf.link_page(once, "book.pdf", front_page=True)
    assert twice.count('href="book.pdf"') == 2


def test_other_pages_get_the_menu_entry_only():
    linked = pdf.link_page(PAGE, "../book.pdf", front_page=False)
    assert linked.count('href="../book.pdf"') == 1


def test_no_stage_is_one_clear_message(tmp_path, capsys):
    status = pdf.main(["--stage", str(tmp_path / "nothing"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 1
    assert "no staged book" in err and "python -m kzcn build" in err and "Traceback" not in err


def test_a_republished_site_gets_the_last_pdf_again(tmp_path):
    stage, site = tmp_path / "stage", tmp_path / "html"
    stage.mkdir()
    (site / "book").mkdir(parents=True)
    (stage / "_config.yml").write_text("latex:\n  latex_documents:\n    targetname: edition.tex\n")
    (site / "book" / "index.html").write_text(PAGE)
    assert pdf.attach_if_built(stage, site) is None, "no PDF built yet: nothing to link"
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "edition.pdf").write_bytes(b"%PDF-1.7 stand-in")
    copy = pdf.attach_if_built(stage, site)
    assert copy == site / "edition.pdf" and copy.read_bytes() == b"%PDF-1.7 stand-in"
    assert 'href="../edition.pdf"' in (site / "book" / "index.html").read_text()


VERDICT_TABLE = """:::{list-table} A table
:header-rows: 1

* - Year
  - Exports
* - 2001
  - <a class="kzcn-cell" href="audit.html#r" aria-describedby="n-1">1.25<span class="kzcn-mark" aria-hidden="true">✔</span><span class="kzcn-sr">(reproduced)</span><span class="kzcn-note" role="tooltip" id="n-1">Printed as 1,2.</span></a>
:::

<p class="kzcn-legend">Key: <span class="kzcn-status-reproduced"><span class="kzcn-mark" aria-hidden="true">✔</span> reproduced</span>. Hover over or tab to a value for the thesis's printed value and the difference.</p>
"""


def _printed_text(doctree) -> str:
    """The text LaTeX prints: Text nodes outside raw HTML (which the LaTeX writer drops)."""
    from docutils import nodes

    return " ".join(
        text.astext() for text in doctree.findall(nodes.Text) if not isinstance(text.parent, nodes.raw)
    )


def test_a_verdict_cell_prints_its_value_and_symbol_and_the_key_survives():
    from docutils.core import publish_doctree
    from myst_parser.parsers.docutils_ import Parser

    doctree = publish_doctree(
        VERDICT_TABLE, parser=Parser(), settings_overrides={"myst_enable_extensions": ["colon_fence"]}
    )
    pdf.print_verdict_cells(doctree)
    printed = _printed_text(doctree)
    assert "1.25" in printed and "✔" in printed
    assert "Printed as" not in printed and "(reproduced)" not in printed
    assert "Key: ✔ reproduced." in printed
    assert "Hover" not in printed
