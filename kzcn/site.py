"""Sphinx extension: the book's address, version and repository, from one place each.

Jupyter Book reads ``_config.yml``, which cannot read the environment, so this
extension sets, when Sphinx has read its configuration:

* ``html_baseurl`` (which sphinxext-opengraph uses) and the
  OpenGraph site URL from :func:`kzcn.config.site_url` (``KZCN_SITE_URL``);
* the repository, issues, edit and Binder launch buttons of the theme from
  :func:`kzcn.config.repository` (``KZCN_REPOSITORY``);
* the footer and the ``{{ kzcn_version }}`` substitution from ``kzcn.__version__``,
  and the substitutions naming the repository and its Binder link (front page);

writes ``sitemap.xml`` listing every page (:func:`_write_sitemap`),
and, while reading the "How to cite" page, replaces the line
``<!-- kzcn:book-citation -->`` with the companion's reference in APA style,
BibTeX and links to the RIS and CSL-JSON files (:mod:`kzcn.cite`).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import kzcn
from kzcn import cite, config

#: The line of book/cite.md replaced by the generated citation.
BOOK_CITATION_MARKER = "<!-- kzcn:book-citation -->"

#: The line of book/cite.md replaced by the publishers' terms, one per publication.
DATA_TERMS_MARKER = "<!-- kzcn:data-terms -->"

#: Where Binder builds the environment (binder/ in the repository).
BINDER_URL = "https://mybinder.org"


def binder_url(notebook: str = "notebooks/01_chapter1.ipynb") -> str:
    """Binder launch address of the repository, opening ``notebook`` in JupyterLab."""
    return f"{BINDER_URL}/v2/gh/{config.repository()}/{config.DEFAULT_BRANCH}?urlpath=lab/tree/{notebook}"


def substitutions() -> dict[str, str]:
    """MyST substitutions the pages may use (``{{ kzcn_repository_link }}``...)."""
    return {
        "kzcn_version": kzcn.__version__,
        "kzcn_repository_link": f"[{config.repository()}]({config.repository_url()})",
        "kzcn_binder_link": f"[Binder]({binder_url()})",
        "kzcn_clone_command": f"`git clone {config.repository_url()}.git`",
    }


def footer() -> str:
    return (
        f'<p class="kzcn-version">Companion version {html.escape(kzcn.__version__)}. '
        'Cite a figure with the box under it; see "How to cite" for the book and the data. '
        f'Code: <a href="{html.escape(config.repository_url())}">{html.escape(config.repository())}</a>.</p>'
    )


def theme_options() -> dict[str, Any]:
    return {
        "repository_url": config.repository_url(),
        "repository_branch": config.DEFAULT_BRANCH,
        "path_to_docs": "",
        "use_repository_button": True,
        "use_issues_button": True,
        "use_edit_page_button": True,
        "launch_buttons": {"binderhub_url": BINDER_URL, "notebook_interface": "jupyterlab"},
        "extra_footer": footer(),
    }


def book_citation_markdown(relative_root: str = "..") -> str:
    """The companion's citation as MyST Markdown (for book/cite.md)."""
    item = cite.book()
    links = " · ".join(
        f'<a href="{relative_root}/{cite.site_path(item, suffix)}" download>{label}</a>'
        for suffix, label in cite.FORMATS.items()
    )
    apa = cite.apa(item).replace("\\", "\\\\").replace("*", "\\*").replace("$", "\\$")
    return "\n".join(
        [
            f"> {apa}",
            "",
            "```bibtex",
            cite.bibtex(item).rstrip("\n"),
            "```",
            "",
            f'<p class="kzcn-cite-files">Reference files to import: {links}</p>',
        ]
    )


def _md(text: str) -> str:
    return " ".join(str(text).split()).replace("*", "\\*").replace("$", "\\$").replace("<", "\\<")


def data_terms_markdown() -> str:
    """One bullet per publisher and terms of the manifest's raw files, with a landing page."""
    from kzcn.manifest import load_manifest

    seen: dict[tuple[str, str], tuple[str, int]] = {}
    for source in load_manifest():
        key = (source.publisher, source.licence)
        page, count = seen.get(key, (source.landing_page or "", 0))
        # the publisher's shortest landing page is its general one
        page = min(page, source.landing_page or page, key=len)
        seen[key] = (page, count + 1)
    lines = []
    for (publisher, licence), (page, count) in sorted(seen.items()):
        where = f" (<{page}>)" if page.startswith("http") else ""
        files = "one raw file" if count == 1 else f"{count} raw files"
        lines.append(f"- {_md(publisher)}{where}, {files}: {_md(licence)}.")
    return "\n".join(lines)


def _config_inited(app, conf) -> None:
    conf.html_baseurl = config.site_url()
    conf.ogp_site_url = config.site_url()
    conf.ogp_site_name = cite.metadata()["title"]
    # no generated social-card images (they would need fonts and time for every page)
    conf.ogp_social_cards = {"enable": False}
    options = dict(conf.html_theme_options or {})
    options.update(theme_options())
    conf.html_theme_options = options
    conf.myst_substitutions = {**(conf.myst_substitutions or {}), **substitutions()}


def _generated(docname: str, markers: list[str]) -> dict[str, str]:
    """The text that replaces each of ``markers`` on page ``docname``."""
    texts = {}
    if DATA_TERMS_MARKER in markers:
        texts[DATA_TERMS_MARKER] = data_terms_markdown()
    if BOOK_CITATION_MARKER in markers:
        depth = docname.count("/")
        texts[BOOK_CITATION_MARKER] = book_citation_markdown("/".join([".."] * depth) or ".")
    return texts


def _source_read(app, docname: str, source: list[str]) -> None:
    markers = [marker for marker in (DATA_TERMS_MARKER, BOOK_CITATION_MARKER) if marker in source[0]]
    texts = _generated(docname, markers)
    for marker, text in texts.items():
        source[0] = source[0].replace(marker, text)
    # what was put in, so that a later build reads the page again when it would differ
    generated = getattr(app.env, "kzcn_generated", {})
    if texts:
        generated[docname] = texts
    else:
        generated.pop(docname, None)
    app.env.kzcn_generated = generated


def _generated_changed(app, env, added, changed, removed) -> list[str]:
    """Pages whose generated text (the book's citation with its code commit, the data
    terms from the manifest) is no longer what the last build put in: read them again,
    as a clean build would, although their source did not change."""
    return sorted(
        docname
        for docname, texts in getattr(env, "kzcn_generated", {}).items()
        if docname in env.found_docs and docname not in removed and _generated(docname, list(texts)) != texts
    )


#: The sitemap's file name at the site root, and its XML namespace.
SITEMAP = "sitemap.xml"
SITEMAP_NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_xml(base_url: str, pages: list[str]) -> bytes:
    """A sitemap listing ``base_url + page`` for each page, in the order given."""
    from xml.etree import ElementTree

    root = ElementTree.Element("urlset", xmlns=SITEMAP_NAMESPACE)
    for page in pages:
        ElementTree.SubElement(ElementTree.SubElement(root, "url"), "loc").text = base_url + page
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _write_sitemap(app, exception) -> None:
    """``sitemap.xml``: every page of the book, whether or not this run wrote it.

    Sphinx's environment persists between builds, so an edit re-reads and
    re-writes one page.  A sitemap collected from the pages written in a run
    (sphinx-sitemap's way) would then list that one page; this one lists every
    document of the environment (sorted), plus the index and search pages
    Sphinx writes on every run, so an incremental build's sitemap is the clean
    build's, byte for byte.
    """
    if exception is not None or app.builder.format != "html":
        return
    suffix = app.builder.out_suffix
    pages = [f"{docname}{suffix}" for docname in sorted(app.env.found_docs)]
    pages += [f"{name}{suffix}" for name in ("genindex", "search")]
    data = sitemap_xml(config.site_url(), pages)
    path = Path(app.outdir) / SITEMAP
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)


def setup(app) -> dict[str, Any]:
    app.connect("config-inited", _config_inited, priority=100)
    app.connect("source-read", _source_read)
    app.connect("env-get-outdated", _generated_changed)
    app.connect("build-finished", _write_sitemap)
    return {"version": kzcn.__version__, "parallel_read_safe": True, "parallel_write_safe": True}
