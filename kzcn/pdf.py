"""The PDF edition of the book: ``python -m kzcn pdf`` (``make pdf``).

The PDF is typeset from the stage folder that ``python -m kzcn build`` made
(``_build/stage/``: the book source with executed notebooks and figure files),
with Jupyter Book's LaTeX builder and XeLaTeX, so Chinese and Russian text keep
their glyphs (Noto CJK and GNU FreeFont, Debian packages that ``make pdf``
installs).  Nothing of the HTML build is touched: the LaTeX build has its own
Sphinx state in ``_build/pdf/render/``.

    python -m kzcn pdf [--stage DIR] [--out DIR] [--site DIR]

writes ``_build/pdf/<name>.pdf`` (``<name>`` is the ``targetname`` in the
``latex:`` part of ``_config.yml``), keeps the LaTeX log beside it and, when the
site ``_build/html`` exists, copies the PDF into it and links it from every page
(:func:`attach_to_site`).

This module is also the Sphinx extension of that build (``setup``): it is added
to the configuration of the LaTeX build only, and

* numbers the chapters as the HTML does, from Sphinx's own section numbers: the
  thesis's chapter 1 is Chapter 1, so its first table is Table 1.1; the chapters
  beyond the thesis continue (5, 6, ...); unnumbered pages get no number, and an
  appendix ("Appendix A: ...") numbers its objects A.1, A.2, ...;
* drops code cells, papermill's parameters cell and the web-only panels (cite
  and provenance drop-downs, download links): the reader of the PDF gets the
  words, figures and tables; the notebooks hold the code;
* typesets figures from their PNG files (LaTeX cannot include SVG);
* sets A4 paper, XeLaTeX fonts with CJK support and compact tables.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from kzcn import config, procs

#: The Debian packages the PDF build needs (``make pdf`` and ``.ci/run`` install them).
DEBIAN_PACKAGES = (
    "texlive-xetex",
    "texlive-latex-extra",
    "texlive-fonts-recommended",
    "texlive-lang-cjk",
    "texlive-lang-chinese",  # ctexhook.sty, which xeCJK loads
    "latexmk",
    "fonts-noto-cjk",
    "fonts-freefont-otf",
    "poppler-utils",
)

#: Classes of the web-only blocks that kzcn.figures writes under each object.
WEB_ONLY_CLASSES = {"kzcn-cite", "kzcn-provenance", "kzcn-downloads"}

#: An appendix page numbers its objects with its own letter ("Appendix A: ...").
APPENDIX_TITLE = re.compile(r"^Appendix\s+([A-Z])\b")

#: Marks the links that :func:`attach_to_site` adds, so a second run replaces them.
LINK_CLASS = "kzcn-pdf-link"

# -------------------------------------------------------------- LaTeX preamble

#: CJK glyphs come from Noto (fonts-noto-cjk); xeCJK switches fonts by itself.
CJK_FONTS = r"""
\usepackage{xeCJK}
\setCJKmainfont{Noto Serif CJK SC}
\setCJKsansfont{Noto Sans CJK SC}
\setCJKmonofont{Noto Sans Mono CJK SC}
% quotes, dashes and the ellipsis stay in the Latin font (xeCJK would set them full width)
\xeCJKDeclareCharClass{Default}{"2013,"2014,"2018,"2019,"201C,"201D,"2026,"00B7}
"""

#: Chapter numbering follows the book's table of contents (see :func:`_chapter_macro`).
#: Objects are numbered <prefix><n>: "1.", "5." in numbered chapters, "A." in an
#: appendix, nothing on other unnumbered pages (one running series there, as in HTML).
NUMBERING = r"""
\makeatletter
\def\kzcn@prefix{}
\newcounter{kzcnPlainFigure}\newcounter{kzcnPlainTable}
\newif\ifkzcn@plain \kzcn@plaintrue
\AtBeginDocument{\edef\kzcn@secnumdepth{\the\c@secnumdepth}}
\newcommand\kzcn@leaveplain{\ifkzcn@plain
  \setcounter{kzcnPlainFigure}{\value{figure}}\setcounter{kzcnPlainTable}{\value{table}}%
  \kzcn@plainfalse\fi}
% a chapter numbered N (the \chapter that follows steps the counter to N)
\newcommand\kzcnNumberedChapter[1]{\kzcn@leaveplain
  \setcounter{secnumdepth}{\kzcn@secnumdepth}\def\kzcn@prefix{\arabic{chapter}.}%
  \setcounter{chapter}{\numexpr#1-1\relax}}
% an unnumbered appendix whose objects are numbered L.1, L.2, ...
\newcommand\kzcnLetteredChapter[1]{\kzcn@leaveplain
  \setcounter{secnumdepth}{-1}\def\kzcn@prefix{#1.}%
  \setcounter{figure}{0}\setcounter{table}{0}}
% an unnumbered page; its objects continue one plain series (1, 2, ...)
\newcommand\kzcnPlainChapter{\ifkzcn@plain\else
  \setcounter{figure}{\value{kzcnPlainFigure}}\setcounter{table}{\value{kzcnPlainTable}}%
  \kzcn@plaintrue\fi
  \setcounter{secnumdepth}{-1}\def\kzcn@prefix{}}
% parts are headings of the table of contents, not numbered
\newcommand\kzcnPart{\setcounter{secnumdepth}{-2}}
% a part that only repeats the title of its one chapter is not set at all
\newcommand\kzcnSkipPart{\let\kzcn@part\part\def\part##1{\let\part\kzcn@part}}
% after Sphinx's own numbering, which it sets at \begin{document}
\AtBeginDocument{\renewcommand\thefigure{\kzcn@prefix\arabic{figure}}%
  \renewcommand\thetable{\kzcn@prefix\arabic{table}}%
  % hyperref's anchors stay unique although plain pages reuse the chapter counter
  \renewcommand\theHfigure{\arabic{chapter}.\kzcn@prefix\arabic{figure}}%
  \renewcommand\theHtable{\arabic{chapter}.\kzcn@prefix\arabic{table}}}
\makeatother
"""

#: Tables: smaller type and tighter columns, so the wide ones fit the text width.
TABLES = r"""
\usepackage{etoolbox}
% long addresses in the bibliography may break at any character (xurl, texlive-latex-extra)
\usepackage{xurl}
% Sphinx's proportional column (see fit_table), set ragged right: narrow justified cells gape
\makeatletter
\newcolumntype{\X}[2]{>{\raggedright\arraybackslash}p{\dimexpr
      (\linewidth-\spx@arrayrulewidth)*#1/#2-\tw@\tabcolsep-\spx@arrayrulewidth\relax}}
\makeatother
\AtBeginEnvironment{tabulary}{\scriptsize\setlength{\tabcolsep}{2pt}}
\AtBeginEnvironment{longtable}{\scriptsize\setlength{\tabcolsep}{2pt}}
\AtBeginEnvironment{tabular}{\scriptsize\setlength{\tabcolsep}{2pt}}
"""

#: sphinx-jupyterbook-latex wraps cell outputs in environments of its own class
#: file; the book uses Sphinx's standard class, so they are defined here.
#: The bibliography is set inside the book's References chapter (see ChapterNumbering),
#: so it opens no chapter of its own.
BIBLIOGRAPHY = r"""
\makeatletter
\renewenvironment{sphinxthebibliography}[1]
  {\begingroup\def\chapter*##1{}\let\@mkboth\@gobbletwo\begin{thebibliography}{#1}}
  {\end{thebibliography}\endgroup}
\makeatother
"""

CELL_ENVIRONMENTS = r"""
\newenvironment{sphinxVerbatimInput}{}{}
\newenvironment{sphinxVerbatimOutput}{}{}
\addto\captionsenglish{\renewcommand{\contentsname}{Contents}}
\hypersetup{pdfencoding=auto}
"""


def latex_elements() -> dict[str, str]:
    """Sphinx ``latex_elements`` of the PDF edition."""
    return {
        "papersize": "a4paper",
        "pointsize": "10pt",
        "sphinxsetup": "hmargin={2.2cm,2.2cm}, vmargin={2.5cm,2.5cm}",
        "preamble": CJK_FONTS + NUMBERING + TABLES + BIBLIOGRAPHY + CELL_ENVIRONMENTS,
        # LaTeX's own chapter heads ("Chapter 1"), not fncychap's "CHAPTER ONE"
        "fncychap": "",
        "printindex": "",
        "figure_align": "htbp",
    }


# ------------------------------------------------------------ Sphinx extension


def _on_config_inited(app, cfg) -> None:
    """Runs after sphinx-jupyterbook-latex's own handler (priority 900 > 500)."""
    # Sphinx's standard class: the jupyterBook class loads tikz, pgfplots and
    # bbm (a 500 MB font package) that the book does not use.
    cfg["latex_theme"] = "manual"
    cfg["latex_engine"] = "xelatex"
    cfg["latex_use_xindy"] = False
    cfg["jblatex_load_imgconverter"] = False
    elements = dict(cfg["latex_elements"] or {})
    elements.update(latex_elements())  # replaces the extension's preamble (ucharclasses clashes with xeCJK)
    cfg["latex_elements"] = elements


def _has_class(node, classes: set[str]) -> bool:
    return bool(classes.intersection(node.get("classes", []) if hasattr(node, "get") else []))


def _on_doctree_read(app, doctree) -> None:
    """Runs before Sphinx's image collector (priority 400 < 500)."""
    from docutils import nodes

    # LaTeX cannot include SVG: "x.*" lets Sphinx pick the PNG kzcn.figures writes beside it.
    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        if uri.endswith(".svg") and "://" not in uri:
            image["uri"] = uri[: -len(".svg")] + ".*"
    # No code in the PDF: code cells (inputs) and the web-only panels go.
    doomed = []
    for node in doctree.findall(nodes.Element):
        classes = set(node.get("classes", []))
        if isinstance(node, nodes.container) and "cell_input" in classes:
            doomed.append(node)
        elif (classes | set(node.get("container_classes", []))) & WEB_ONLY_CLASSES:
            doomed.append(node)
        elif isinstance(node, nodes.raw) and "kzcn-downloads" in node.astext():
            doomed.append(node)
    for node in doomed:
        if node.parent is not None:
            node.parent.remove(node)
    print_verdict_cells(doctree)
    for table in doctree.findall(nodes.table):
        fit_table(table)
    # A code cell left without input and output (e.g. papermill's parameters) is dropped whole.
    for cell in list(doctree.findall(nodes.container)):
        if "cell" in cell.get("classes", []) and not cell.children and cell.parent is not None:
            cell.parent.remove(cell)


#: Inline HTML of a verdict cell (kzcn.figures.Cell) whose text is for the screen only:
#: the tooltip (printed value and difference) and the status words for screen readers.
SCREEN_ONLY_SPANS = ('<span class="kzcn-note"', '<span class="kzcn-sr"')


def print_verdict_cells(doctree) -> None:
    """Verdict cells and their key as print text.

    A verdict cell is raw HTML around its text: LaTeX drops the tags and keeps
    the text between them, so the value and its status symbol print; the
    tooltip and screen-reader words (spans of :data:`SCREEN_ONLY_SPANS`) would
    print too and are removed.  The key below such a table is an HTML block,
    which LaTeX would drop whole: it becomes a paragraph of its text.
    """
    from bs4 import BeautifulSoup
    from docutils import nodes

    for raw in list(doctree.findall(nodes.raw)):
        if raw.parent is None or "html" not in raw.get("format", "").split():
            continue
        text = raw.astext()
        if text.startswith(SCREEN_ONLY_SPANS):
            parent, depth = raw.parent, 0
            doomed = []
            for sibling in parent.children[parent.index(raw) :]:
                doomed.append(sibling)
                if isinstance(sibling, nodes.raw) and sibling.astext().startswith("<span"):
                    depth += 1
                elif isinstance(sibling, nodes.raw) and sibling.astext().startswith("</span"):
                    depth -= 1
                    if depth == 0:
                        break
            for node in doomed:
                parent.remove(node)
        elif 'class="kzcn-legend"' in text:
            words = BeautifulSoup(text, "html.parser").get_text().strip()
            words = words.replace(
                " Hover over or tab to a value for the thesis's printed value and the difference.", ""
            )
            raw.parent.replace(raw, nodes.paragraph(words, words))


#: About the number of characters of table text (footnotesize) that fit the text column.
LINE_CHARACTERS = 110
#: What a column's padding (\tabcolsep on both sides) costs, in characters.
COLUMN_PADDING = 2
#: No column gets more than this share of the width for its longest cell.
WIDEST_COLUMN = 40


#: A token too long for a narrow column (an identifier such as "tbl-1-1:1999:export-share") ...
LONG_TOKEN = re.compile(r"\S{16,}")
#: ... may break after these separators between letters or digits (never inside a number).
BREAK_AFTER = re.compile(r"(?<=[A-Za-z0-9])[-:/_](?=[A-Za-z0-9])")


def _allow_breaks(text) -> None:
    """Split a Text node so LaTeX may break long tokens after their separators."""
    from docutils import nodes

    pieces: list = []
    value = text.astext()
    start = 0
    for match in BREAK_AFTER.finditer(value):
        if len(_token_around(value, match.start())) < 16:
            continue
        pieces.append(nodes.Text(value[start : match.end()]))
        pieces.append(nodes.raw("", r"\allowbreak{}", format="latex"))
        start = match.end()
    if pieces:
        pieces.append(nodes.Text(value[start:]))
        text.parent.replace(text, pieces)


def _token_around(value: str, index: int) -> str:
    left = value.rfind(" ", 0, index) + 1
    right = value.find(" ", index)
    return value[left : right if right >= 0 else len(value)]


def fit_table(table) -> None:
    """Give a wide table column widths, so LaTeX wraps its cells instead of running off the page.

    Sphinx sets tables without widths in columns as wide as their longest cell; a
    table whose cells add up to more than a line gets proportional widths (the
    longest cell of each column, at most :data:`WIDEST_COLUMN` characters, and at
    least its longest word).
    """
    from docutils import nodes

    for tgroup in table.findall(nodes.tgroup):
        colspecs = [child for child in tgroup.children if isinstance(child, nodes.colspec)]
        if not colspecs:
            continue
        longest = [1] * len(colspecs)
        floor = [1] * len(colspecs)  # the longest word: LaTeX cannot break it
        for row in tgroup.findall(nodes.row):
            header = isinstance(row.parent, nodes.thead)
            for index, entry in enumerate(row.children[: len(colspecs)]):
                text = entry.astext().strip()
                words = BREAK_AFTER.sub(" ", text).split() if LONG_TOKEN.search(text) else text.split()
                # one character more than the longest word: digits and capitals are wider
                # than the average character the widths are counted in ("1999" overran by 14 pt)
                floor[index] = max(floor[index], *(len(word) + 1 for word in words or [""]))
                if not header:
                    longest[index] = max(longest[index], len(text))
        widths = column_widths(longest, floor)
        if widths is None:
            continue
        for text in list(tgroup.findall(nodes.Text)):  # after measuring: raw nodes have text too
            if LONG_TOKEN.search(text.astext()):
                _allow_breaks(text)
        for colspec, width in zip(colspecs, widths, strict=True):
            colspec["colwidth"] = width
        if "colwidths-given" not in table["classes"]:
            table["classes"].append("colwidths-given")


def column_widths(longest: list[int], floor: list[int]) -> list[int] | None:
    """Widths (in tenths of a character) for columns whose longest cells and longest
    words are given; None when the table fits as it is.

    Every column keeps room for its longest word; what is left of the line goes to
    the columns with longer text, in proportion to what they would need.
    """
    available = LINE_CHARACTERS - COLUMN_PADDING * len(longest)
    want = [max(min(cell, WIDEST_COLUMN), least) for cell, least in zip(longest, floor, strict=True)]
    natural = [max(cell, least) for cell, least in zip(longest, floor, strict=True)]
    if sum(natural) <= available:
        return None
    if sum(want) <= available:
        return [10 * w for w in want]
    spare = max(available - sum(floor), 0)
    extra = [w - least for w, least in zip(want, floor, strict=True)]
    total_extra = sum(extra) or 1
    return [round(10 * (least + spare * e / total_extra)) for least, e in zip(floor, extra, strict=True)]


def chapter_macro(env, docname: str) -> str:
    """The LaTeX that numbers the chapter of ``docname`` as the HTML does."""
    number = env.toc_secnumbers.get(docname, {}).get("")
    if number:
        return rf"\kzcnNumberedChapter{{{number[0]}}}"
    title = env.titles.get(docname)
    match = APPENDIX_TITLE.match(title.astext() if title is not None else "")
    if match:
        return rf"\kzcnLetteredChapter{{{match.group(1)}}}"
    return r"\kzcnPlainChapter"


def _numbering_transform():
    from docutils import nodes
    from sphinx import addnodes
    from sphinx.builders.latex import LaTeXBuilder
    from sphinx.transforms.post_transforms import SphinxPostTransform

    class ChapterNumbering(SphinxPostTransform):
        """Puts a numbering macro at the start of every chapter and part of the whole book."""

        default_priority = 800  # after sphinx-jupyterbook-latex arranged parts and chapters (700)

        def run(self, **kwargs: Any) -> None:
            if not isinstance(self.app.builder, LaTeXBuilder):
                return
            starts = list(self.document.findall(addnodes.start_of_file))
            for start in starts:
                docname = start.get("docname")
                if docname in self.env.all_docs:
                    latex = chapter_macro(self.env, docname)
                else:  # a part heading made from a caption of _toc.yml
                    latex = r"\kzcnPart"
                start.insert(0, nodes.raw("", latex + "\n", format="latex"))
            self.bibliography_in_its_chapter(starts)
            for start in starts:
                if start.get("docname") not in self.env.all_docs:
                    self.drop_echo_part(start)

        def bibliography_in_its_chapter(self, starts) -> None:
            """Sphinx gathers the citations at the very end; put them back on the page
            that holds the bibliography (book/references), under its heading."""
            from sphinx.builders.latex.nodes import thebibliography

            bibliographies = getattr(self.env.get_domain("cite"), "bibliographies", {})
            homes = {getattr(bib, "docname", None) for bib in bibliographies.values()}
            home = next((s for s in starts if s.get("docname") in homes), None)
            section = next(iter(home.findall(nodes.section)), None) if home is not None else None
            if section is None:
                return
            for bib in list(self.document.findall(thebibliography)):
                bib.parent.remove(bib)
                section.append(bib)

        def drop_echo_part(self, part) -> None:
            """A part whose only chapter has the part's own title ("References") is that chapter."""
            section = next(iter(part.findall(nodes.section)), None)
            if section is None or not section.children or not isinstance(section[0], nodes.title):
                return
            chapters = [
                s for s in part.findall(addnodes.start_of_file) if s.get("docname") in self.env.all_docs
            ]
            if len(chapters) != 1:
                return
            title = self.env.titles.get(chapters[0]["docname"])
            if title is not None and title.astext().strip() == section[0].astext().strip():
                part.insert(0, nodes.raw("", r"\kzcnSkipPart" + "\n", format="latex"))

    return ChapterNumbering


def setup(app) -> dict[str, Any]:
    app.connect("config-inited", _on_config_inited, priority=900)
    app.connect("doctree-read", _on_doctree_read, priority=400)
    app.add_post_transform(_numbering_transform())
    return {"parallel_read_safe": True, "parallel_write_safe": True}


# ---------------------------------------------------------------------- build


class PdfError(RuntimeError):
    """The PDF edition could not be built; the message says why and what to do."""


def pdf_name(config_file: Path) -> str:
    """File name of the PDF, from ``latex.latex_documents.targetname`` of ``_config.yml``."""
    settings = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    target = ((settings.get("latex") or {}).get("latex_documents") or {}).get("targetname") or "book.tex"
    return Path(target).with_suffix(".pdf").name


def pdf_config(stage_config: Path, out: Path) -> Path:
    """The stage's ``_config.yml`` plus this extension, written to ``out``."""
    settings = yaml.safe_load(stage_config.read_text(encoding="utf-8")) or {}
    sphinx = settings.setdefault("sphinx", {}) or {}
    settings["sphinx"] = sphinx
    extensions = list(sphinx.get("extra_extensions") or [])
    if "kzcn.pdf" not in extensions:
        extensions.append("kzcn.pdf")
    sphinx["extra_extensions"] = extensions
    latex = settings.setdefault("latex", {}) or {}
    latex["latex_engine"] = "xelatex"
    settings["latex"] = latex
    out.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


def missing_packages() -> list[str]:
    """The packages of :data:`DEBIAN_PACKAGES` that dpkg does not list as installed."""
    missing = []
    for package in DEBIAN_PACKAGES:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
        )
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def missing_tools() -> list[str]:
    return [tool for tool in ("xelatex", "latexmk") if shutil.which(tool) is None]


def build(stage: Path, out: Path, log=print) -> Path:
    """Typeset the staged book into ``out/<name>.pdf``; returns its path."""
    stage, out = Path(stage).resolve(), Path(out).resolve()
    if not (stage / "_config.yml").is_file() or not (stage / "_toc.yml").is_file():
        raise PdfError(
            f"no staged book at {stage} (its _config.yml and _toc.yml are missing).\n"
            "The PDF is made from the stage of the HTML build: run `python -m kzcn build` first "
            "(or `make pdf`, which does both)."
        )
    missing = missing_tools()
    if missing:
        raise PdfError(
            f"{', '.join(missing)} not found: the PDF needs TeX Live.\n"
            f"Install the Debian packages with `make pdf` or: apt-get install {' '.join(DEBIAN_PACKAGES)}"
        )
    out.mkdir(parents=True, exist_ok=True)
    name = pdf_name(stage / "_config.yml")
    cfg = pdf_config(stage / "_config.yml", out / "_config.yml")
    render = out / "render"
    latex_dir = render / "_build" / "latex"
    shutil.rmtree(latex_dir, ignore_errors=True)  # never report an old PDF as new
    cmd = [*procs.jupyter_book_command(), "build", str(stage), "--builder", "pdflatex", "--config", str(cfg)]
    cmd += ["--path-output", str(render)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(config.ROOT), os.environ.get("PYTHONPATH")])),
    }
    started = time.perf_counter()
    log(f"[pdf] typesetting {stage} with XeLaTeX ...")
    result = subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, check=False
    )
    (out / "jupyter-book.log").write_text(result.stdout, encoding="utf-8")
    tex_log = next(iter(sorted(latex_dir.glob("*.log"))), None) if latex_dir.is_dir() else None
    if tex_log is not None:
        shutil.copyfile(tex_log, out / "latex.log")
    built = latex_dir / name
    if result.returncode != 0 or not built.is_file():
        raise PdfError(
            f"the LaTeX build failed (exit {result.returncode}); logs: {out / 'jupyter-book.log'}"
            + (f", {out / 'latex.log'}" if tex_log else "")
            + "\n"
            + _tail(result.stdout, 25)
        )
    target = out / name
    tmp = target.with_suffix(".pdf.tmp")
    shutil.copyfile(built, tmp)
    os.replace(tmp, target)
    log(f"[pdf] {target} ({target.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s")
    return target


def _tail(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


# ------------------------------------------------------------- link from the site


def attach_to_site(pdf: Path, site: Path) -> Path:
    """Copy ``pdf`` to the site root and link it from every page.

    Every page gets a "PDF edition" entry in the theme's download menu; the front
    page also gets a line under its title.  Idempotent: links from an earlier run
    are replaced.  Returns the copy in the site.
    """
    pdf, site = Path(pdf), Path(site)
    target = site / pdf.name
    shutil.copyfile(pdf, target)
    front = front_page(site)
    for page in sorted(site.rglob("*.html")):
        if "_static" in page.relative_to(site).parts:
            continue
        text = page.read_text(encoding="utf-8")
        linked = link_page(
            text, os.path.relpath(target, page.parent).replace(os.sep, "/"), page.resolve() == front.resolve()
        )
        if linked != text:
            page.write_text(linked, encoding="utf-8")
    return target


def attach_if_built(stage: Path, site: Path) -> Path | None:
    """Link the last PDF made from ``stage`` (``<stage>/../pdf/<name>.pdf``) from ``site``.

    For :func:`kzcn.publish.finalize` (``pdf.attach_if_built(stage_dir, new_site)``):
    a rebuilt site would otherwise lose the PDF that ``make pdf`` put into the
    previous one.  Does nothing when no PDF was built.
    """
    stage = Path(stage)
    name = pdf_name(stage / "_config.yml") if (stage / "_config.yml").is_file() else None
    built = stage.parent / "pdf" / name if name else None
    if built is None or not built.is_file():
        return None
    return attach_to_site(built, site)


def front_page(site: Path) -> Path:
    """The page a reader lands on: ``index.html``, or where its redirect points."""
    index = site / "index.html"
    match = (
        re.search(
            r'http-equiv="Refresh"[^>]*url=([^"]+)"|url=([^"]+)"[^>]*http-equiv="Refresh"',
            index.read_text(encoding="utf-8"),
            re.IGNORECASE,
        )
        if index.is_file()
        else None
    )
    if match:
        target = (site / (match.group(1) or match.group(2)).strip()).resolve()
        if target.is_file():
            return target
    return index


def link_page(text: str, href: str, front_page: bool) -> str:
    """``text`` (a built HTML page) with links to the PDF at ``href``."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for old in soup.select(f".{LINK_CLASS}"):
        old.decompose()
    changed = False
    label = "PDF edition"
    for menu in soup.select(".dropdown-download-buttons ul"):
        item = BeautifulSoup(
            f'<li class="{LINK_CLASS}"><a href="{html.escape(href)}" class="btn btn-sm dropdown-item" '
            f'title="The whole book as one PDF (A4)" download>'
            f'<span class="btn__icon-container"><i class="fas fa-file-pdf"></i></span>'
            f'<span class="btn__text-container">{label}</span></a></li>',
            "html.parser",
        )
        menu.insert(0, item)
        changed = True
    if front_page:
        # the article's own title, not the theme's print-only copy of the book title
        heading = soup.select_one("article h1") or soup.select_one("main h1")
        if heading is not None:
            para = BeautifulSoup(
                f'<p class="{LINK_CLASS}">The whole book is also available as one '
                f'<a href="{html.escape(href)}">PDF (A4, for print and archiving)</a>.</p>',
                "html.parser",
            )
            heading.insert_after(para)
            changed = True
    return str(soup) if changed else text


# ------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kzcn pdf", description="Build the PDF edition of the book."
    )
    parser.add_argument("--stage", type=Path, default=None, help="staged book (default: _build/stage)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: _build/pdf)")
    parser.add_argument(
        "--site", type=Path, default=None, help="site to link the PDF from (default: _build/html)"
    )
    args = parser.parse_args(argv)
    build_root = config.build_dir()
    stage = args.stage or build_root / "stage"
    out = args.out or build_root / "pdf"
    site = args.site or build_root / "html"
    try:
        pdf = build(stage, out)
    except PdfError as exc:
        print(f"PDF FAILED: {exc}", file=sys.stderr)
        return 1
    if (site / "index.html").is_file():
        copy = attach_to_site(pdf, site)
        print(f"[pdf] linked from the site: {copy}")
    else:
        print(f"[pdf] no site at {site}: the PDF is not linked (run `python -m kzcn build` first)")
    return 0


if __name__ == "__main__":
    # `python -m kzcn.pdf --missing-packages`: what `make pdf-tools` must install
    if sys.argv[1:] == ["--missing-packages"]:
        print(*missing_packages())
        raise SystemExit(0)
    raise SystemExit(main())
