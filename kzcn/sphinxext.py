"""A Sphinx extension with the small fixes the built book needs (``_config.yml``:
``sphinx.extra_extensions``).

Sphinx 7.4 registers an inline ``<script>`` that an extension adds after the builder
started twice: once as it is added, and again in ``prepare_writing``, where its empty
file name (``''`` instead of ``None``) defeats the duplicate check.  sphinx-thebe's
``const THEBE_JS_URL = ...`` is such a script, so every page ran it twice and the
browser logged "Identifier 'THEBE_JS_URL' has already been declared".  We drop the
repeated entries from each page's script list.

MathJax is served by the site itself (the ``sphinx-mathjax-offline`` package copies
it into ``_static/mathjax``) instead of a CDN: the book then renders formulas with no
third-party request, and the browser tests, which may reach 127.0.0.1 only, see the
pages as a reader does.  It is loaded only by pages that hold a formula: Sphinx asks
whether a page *or any page in its table of contents* has equations, so the front
page, whose table of contents holds the whole book, loaded 1.2 MB of MathJax for
nothing.

The theme's icon script (Font Awesome, 1.5 MB on every page) is cut down after the
build to the icons that the pages and the theme's scripts name.

``book/_static/kzcn.js`` repairs the menu button of narrow screens (pydata-sphinx-theme
issue 2451: with sphinx-book-theme 1.3 the page has two ``.primary-toggle`` buttons
and both themes bind only the first, hidden one), closes tooltips on Escape and
places them on screen.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: PyPI package (and import name) that ships MathJax 3 for offline use.
OFFLINE_MATHJAX = "sphinx-mathjax-offline"


def _script_key(script: Any) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted((str(k), str(v)) for k, v in attributes.items())))


def drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


#: MathJax's files as Sphinx lists them (the inline configuration and the loader).
_MATHJAX = re.compile(r"mathjax", re.IGNORECASE)


def _page_has_math(doctree) -> bool:
    if doctree is None:
        return False
    return any(True for _ in doctree.findall(lambda node: isinstance(node, (nodes.math, nodes.math_block))))


def drop_mathjax_without_math(app, pagename, templatename, context, doctree) -> None:
    """Keep MathJax only on the pages that show a formula themselves."""
    if _page_has_math(doctree):
        return
    scripts = context.get("script_files") or []
    context["script_files"] = [s for s in scripts if not _MATHJAX.search(_script_text(s))]


def _script_text(script: Any) -> str:
    attributes = getattr(script, "attributes", {}) or {}
    return " ".join([str(getattr(script, "filename", script) or ""), *map(str, attributes.values())])


# ----------------------------------------------------------- number series

#: ``appendix_a_...`` numbers its figures and tables A.1, A.2, ...
_APPENDIX = re.compile(r"(?:^|/)appendix_([a-z])(?:_|$)")


def number_series(app, env) -> list[str]:
    """Give each appendix (and each document named in ``kzcn_number_series``) its own
    series of figure and table numbers: "Table A.1", "Table B.1", "Table AU.1".

    Sphinx numbers the objects of documents outside the numbered parts with one bare
    running count (the audit's "Table 1" to "Table 3", then Appendix A's "Table 4"),
    which collides with the chapters' numbers and changes whenever a page gains a
    table.  Runs after Sphinx assigned its numbers; cross-references (``{numref}``)
    and captions then use the new ones.
    """
    series = dict(app.config.kzcn_number_series or {})
    for docname in env.toc_fignumbers:
        match = _APPENDIX.search(docname)
        if match and docname not in series:
            series[docname] = match.group(1).upper()
    changed = []
    for docname, prefix in series.items():
        for numbers in env.toc_fignumbers.get(docname, {}).values():
            in_order = sorted(numbers, key=lambda object_id: numbers[object_id])
            for position, object_id in enumerate(in_order, start=1):
                numbers[object_id] = (prefix, position)
            changed.append(docname)
    return sorted(set(changed))


# ---------------------------------------------------------------- languages

#: Letters that only Kazakh (not Russian) writes in Cyrillic.
_KAZAKH_LETTERS = set("ӘәҒғҚқҢңӨөҰұҮүҺһІі")
#: A run of Cyrillic or of CJK text, with the spaces and punctuation inside it.
_FOREIGN_RUN = re.compile(
    r"[\u0400-\u04FF](?:[\u0400-\u04FF0-9\s«»„“”\"'(),.:;!?–—-]*[\u0400-\u04FF.)»])?"
    r"|[\u3000-\u303F\u3400-\u4DBF\u4E00-\u9FFF\uFF00-\uFFEF]+"
)
#: Elements whose text is code, markup or a formula: left as it is.
_NO_LANG_PARENTS = {"script", "style", "code", "pre", "kbd", "samp", "math", "svg", "textarea", "title"}


def language_of(run: str) -> str:
    """BCP 47 tag of a run of foreign text: Chinese, Kazakh or Russian."""
    if re.search(r"[\u3000-\u9FFF\uFF00-\uFFEF]", run):
        return "zh"
    return "kk" if _KAZAKH_LETTERS.intersection(run) else "ru"


def mark_languages(html_text: str) -> str:
    """Wrap every run of Russian, Kazakh or Chinese text in ``<span lang=...>`` so that
    screen readers switch voice and browsers pick a suitable font (WCAG 3.1.2)."""
    if not _FOREIGN_RUN.search(html_text):
        return html_text
    from bs4 import BeautifulSoup, NavigableString

    soup = BeautifulSoup(html_text, "html.parser")
    for text in list(soup.find_all(string=_FOREIGN_RUN)):
        if type(text) is not NavigableString:
            continue  # comments, CDATA
        if any(
            parent.name in _NO_LANG_PARENTS or parent.get("lang") for parent in text.parents if parent.name
        ):
            continue
        pieces, position = [], 0
        for match in _FOREIGN_RUN.finditer(str(text)):
            pieces.append(NavigableString(str(text)[position : match.start()]))
            span = soup.new_tag("span", attrs={"lang": language_of(match.group())})
            span.string = match.group()
            pieces.append(span)
            position = match.end()
        pieces.append(NavigableString(str(text)[position:]))
        for piece in pieces:
            text.insert_before(piece)
        text.extract()
    return str(soup)


def mark_page_languages(app, pagename, templatename, context, doctree) -> None:
    if context.get("body"):
        context["body"] = mark_languages(context["body"])
    if context.get("toc"):
        context["toc"] = mark_languages(context["toc"])


# ------------------------------------------------------------------- icons

#: The theme's Font Awesome bundle, relative to the site root.
ICON_SCRIPT = Path("_static") / "scripts" / "fontawesome.js"

#: ``fa-<name>`` as written in a page or script.
_ICON_NAME = re.compile(r"fa-([a-z0-9]+(?:-[a-z0-9]+)*)")

#: An icon pack inside the bundle: ``var p={name:[width,height,[aliases],"unicode",path],...}``.
_PACK_START = re.compile(r"var (\w+)=\{(?=(?:\"[^\"]+\"|\w+):\[\d+,\d+,\[)")


def _matching(text: str, start: int, opening: str, closing: str) -> int:
    """Index of the bracket closing the one at ``start`` (strings are skipped)."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == '"':
            index += 1
            while text[index] != '"':
                index += 2 if text[index] == "\\" else 1
        elif char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError("unbalanced icon pack")


def _pack_entries(body: str) -> list[tuple[str, list[str], str]]:
    """``(name, aliases, source text)`` of every icon in a pack's object body."""
    entries = []
    index = 0
    while index < len(body):
        colon = body.index(":", index)
        name = body[index:colon].strip('"')
        end = _matching(body, colon + 1, "[", "]")
        value = body[colon + 1 : end + 1]
        aliases = re.findall(r'"([a-z0-9-]+)"', value.split("]", 1)[0])
        entries.append((name, aliases, body[index : end + 1]))
        index = end + 2  # skip the comma
    return entries


def trim_icon_script(script: str, used: set[str]) -> str:
    """The Font Awesome bundle with only the icons named in ``used`` (or their aliases)."""
    pieces = []
    position = 0
    for match in _PACK_START.finditer(script):
        if match.start() < position:
            continue
        open_brace = match.end() - 1
        close_brace = _matching(script, open_brace, "{", "}")
        entries = _pack_entries(script[open_brace + 1 : close_brace])
        kept = [text for name, aliases, text in entries if name in used or used.intersection(aliases)]
        pieces.append(script[position : open_brace + 1])
        pieces.append(",".join(kept))
        position = close_brace
    pieces.append(script[position:])
    return "".join(pieces)


def icons_used(outdir: Path) -> set[str]:
    """Every ``fa-<name>`` written in the site's pages and scripts (the bundle excepted)."""
    used: set[str] = set()
    for path in outdir.rglob("*"):
        if path.suffix not in {".html", ".js"} or path.name == ICON_SCRIPT.name or "mathjax" in path.parts:
            continue
        used.update(_ICON_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return used


def trim_icons(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    bundle = outdir / ICON_SCRIPT
    if not bundle.is_file():
        return
    trimmed = trim_icon_script(bundle.read_text(encoding="utf-8"), icons_used(outdir))
    bundle.write_text(trimmed, encoding="utf-8")
    source_map = bundle.with_name(bundle.name + ".map")
    if source_map.is_file():
        source_map.unlink()  # describes the full bundle, no longer this file


def setup(app) -> dict[str, Any]:
    app.add_config_value("kzcn_number_series", {}, "env", types=[dict])
    # after the toctree collector (priority 500) has numbered figures and tables
    app.connect("env-get-updated", number_series, priority=900)
    app.connect("html-page-context", drop_repeated_scripts)
    # after sphinx.ext.mathjax (priority 500) has added its scripts
    app.connect("html-page-context", drop_mathjax_without_math, priority=900)
    app.connect("html-page-context", mark_page_languages)
    app.connect("build-finished", trim_icons)
    app.add_js_file("kzcn.js", loading_method="defer")
    try:
        app.setup_extension(OFFLINE_MATHJAX)
    except ExtensionError:
        # Not fatal for the build; the browser tests then report the CDN request.
        logger.info(f"{OFFLINE_MATHJAX} is not installed: MathJax will be loaded from a CDN")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
