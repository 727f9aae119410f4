"""The PDF edition as a reader meets it: numbering, bibliography, fonts, no code.

Expectations come from the book's sources (the notebooks' titles and code cells,
the built HTML's text) and from the thesis's own numbering, never from the code
under test.  The pages that show Table 1.1 and Figure 3.1 are saved as PNGs in
tests/artifacts/ to be looked at.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parents[2]

#: Where the thesis's own objects must keep their numbers: captions as Sphinx's LaTeX sets
#: them, at the start of a line (headings and the contents start with a section number).
TABLE_1_1 = re.compile(r"(?m)^\s*Table\s+1\.1\s*:")
FIGURE_3_1 = re.compile(r"(?m)^\s*(Fig\.|Figure)\s+3\.1\s*:")

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")

#: An overfull line this much wider than the text column is visibly cut off.
OVERFULL_LIMIT_PT = 10.0


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _notebook_title(name: str) -> str:
    notebook = json.loads((REPO / "notebooks" / name).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{name} has no title")


def test_pdf_is_built_and_linked_from_the_site(pdf_edition):
    assert pdf_edition.pdf.read_bytes()[:5] == b"%PDF-"
    copy = pdf_edition.site / pdf_edition.pdf.name
    assert copy.is_file(), "the PDF is not copied into the site"
    assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(pdf_edition.pdf.read_bytes()).digest()
    # the site root redirects to the front page (book/index.html), as a browser follows it
    root = BeautifulSoup((pdf_edition.site / "index.html").read_text(encoding="utf-8"), "html.parser")
    refresh = root.find("meta", attrs={"http-equiv": re.compile("refresh", re.I)})
    landing = refresh["content"].split("url=", 1)[1] if refresh else "index.html"
    front = BeautifulSoup((pdf_edition.site / landing).read_text(encoding="utf-8"), "html.parser")
    href = "../" * landing.count("/") + pdf_edition.pdf.name
    assert front.find("a", href=href, string=re.compile("PDF")), "the front page does not link the PDF"
    chapter = pdf_edition.site / "notebooks" / "03_chapter3.html"
    soup = BeautifulSoup(chapter.read_text(encoding="utf-8"), "html.parser")
    assert soup.find("a", href=f"../{pdf_edition.pdf.name}"), "a chapter page does not link the PDF"


def test_a4_paper(pdf_edition):
    info = subprocess.run(
        ["pdfinfo", str(pdf_edition.pdf)], capture_output=True, text=True, check=True
    ).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size, info
    width_mm, height_mm = (float(v) * 25.4 / 72 for v in size.groups())
    assert abs(width_mm - 210) < 1 and abs(height_mm - 297) < 1, info


def test_thesis_chapters_keep_their_numbers(pdf_edition):
    """The contents list the thesis's chapter 1 and 3 as chapters 1 and 3."""
    contents = _normalise(" ".join(pdf_edition.pages[:6]))
    for number, notebook in ((1, "01_chapter1.ipynb"), (3, "03_chapter3.ipynb")):
        title = _normalise(_notebook_title(notebook))
        assert f"{number} {title}" in contents, (
            f"chapter {number} ({title!r}) is not numbered {number} in the contents"
        )


def test_table_1_1_and_figure_3_1_keep_their_numbers(pdf_edition):
    table_page = pdf_edition.page_of(TABLE_1_1)
    figure_page = pdf_edition.page_of(FIGURE_3_1)
    assert table_page < figure_page, "Table 1.1 (chapter 1) must come before Figure 3.1 (chapter 3)"
    # look at these two pictures: table cut at the margin, boxes for glyphs, code
    assert pdf_edition.render_page(table_page, "pdf-table-1-1").stat().st_size > 0
    assert pdf_edition.render_page(figure_page, "pdf-figure-3-1").stat().st_size > 0


def test_references_heading_and_entries(pdf_edition):
    headings = [
        number
        for number, page in enumerate(pdf_edition.pages, start=1)
        if any(line.strip() == "References" for line in page.splitlines())
    ]
    assert headings, "no 'References' heading in the PDF"
    after = _normalise(" ".join(pdf_edition.pages[headings[-1] - 1 :]))
    # the thesis itself is one of the works listed (book/index.md cites it)
    assert "Kazakhstan" in after and re.search(r"\b(19|20)\d\d\b", after)


def test_every_font_is_embedded(pdf_edition):
    listing = subprocess.run(
        ["pdffonts", str(pdf_edition.pdf)], capture_output=True, text=True, check=True
    ).stdout
    rows = listing.splitlines()[2:]
    assert rows, listing
    not_embedded = [row for row in rows if row.split()[-5] != "yes"]
    assert not not_embedded, "fonts not embedded:\n" + "\n".join(not_embedded)


def test_chinese_and_russian_text_is_typeset(pdf_edition):
    """What the HTML shows in Chinese or Russian is in the PDF too, as text (not boxes)."""
    site_text = " ".join(
        BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text(" ")
        for page in sorted(pdf_edition.site.rglob("*.html"))
        if "_static" not in page.parts
    )
    for script, name in ((CJK, "Chinese"), (CYRILLIC, "Russian")):
        shown = set(script.findall(site_text))
        assert shown, f"the site shows no {name} text: this test lost its subject"
        printed = set(script.findall(pdf_edition.text))
        assert shown <= printed, f"{name} characters missing from the PDF: {''.join(sorted(shown - printed))}"
    log = (pdf_edition.out / "latex.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log, [line for line in log.splitlines() if "Missing character" in line][
        :5
    ]


def test_no_code_is_printed(pdf_edition):
    text = _normalise(pdf_edition.text)
    leaked = []
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            for line in "".join(cell["source"]).splitlines():
                line = _normalise(line)
                if len(line) >= 25 and line in text:
                    leaked.append(f"{path.name}: {line}")
    assert not leaked, "code printed in the PDF:\n" + "\n".join(leaked[:10])
    assert not re.search(r"(?m)^\s*(from [\w.]+ import \w|import [\w.]+\s*$)", pdf_edition.text)


def test_nothing_runs_off_the_page(pdf_edition):
    log = (pdf_edition.out / "latex.log").read_text(encoding="utf-8", errors="replace")
    too_wide = [
        float(match.group(1))
        for match in re.finditer(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)
        if float(match.group(1)) > OVERFULL_LIMIT_PT
    ]
    assert not too_wide, (
        f"{len(too_wide)} lines or tables overrun the text column by up to {max(too_wide):.0f} pt"
    )
