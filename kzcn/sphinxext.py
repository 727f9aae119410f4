"""A Sphinx extension with the small fixes the built book needs (``_config.yml``:
``sphinx.extra_extensions``).

Sphinx 7.4 registers an inline ``<script>`` that an extension adds after the builder
started twice: once as it is added, and again in ``prepare_writing``, where its empty
file name (``''`` instead of ``None``) defeats the duplicate check.  sphinx-thebe's
``const THEBE_JS_URL = ...`` is such a script, so every page ran it twice and the
browser logged "Identifier 'THEBE_JS_URL' has already been declared".  We drop the
repeated entries from each page's script list.

Formulas are turned into MathML when the book is built (``latex2mathml``, pure
Python), which every current browser draws itself and screen readers read out: no
formula script at all.  MathJax, which the book used before, cost 1.2 MB on every
page with a formula (and, through Sphinx's table-of-contents rule, on the front page
too) and 24 MB of site; no page can stay under 1 MB with it.  A formula that
``latex2mathml`` cannot read stops the build with its source and page.

The theme's icon script (Font Awesome, 1.5 MB on every page) is replaced after the
build by a 3 kB one holding only the icons that the pages and the theme's scripts
name, and the theme's style sheet loses the 1,900 icon-font rules those icons no
longer need (so the 156 kB icon font is never fetched either).

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


# ------------------------------------------------------------------ formulas

#: Name of the math renderer this extension registers (``html_math_renderer``).
MATH_RENDERER = "mathml"


class FormulaError(ExtensionError):
    """A formula that cannot be turned into MathML."""


def mathml(latex: str, *, display: bool) -> str:
    """MathML for a TeX formula, with the TeX kept as ``alttext`` for any reader
    whose software does not speak MathML."""
    import html

    from latex2mathml.converter import convert

    try:
        markup = convert(latex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many kinds for unknown TeX
        raise FormulaError(
            f"the formula {latex!r} cannot be turned into MathML ({error}); "
            "write it with plain TeX commands (\\frac, \\sum, \\sqrt, \\text, sub- and superscripts)"
        ) from error
    return markup.replace("<math ", f'<math alttext="{html.escape(latex, quote=True)}" ', 1)


def visit_math(self, node) -> None:
    self.body.append('<span class="math notranslate nohighlight">')
    self.body.append(mathml(node.astext(), display=False))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node) -> None:
    from sphinx.locale import _
    from sphinx.util.math import get_node_equation_number

    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    for part in (part for part in node.astext().split("\n\n") if part.strip()):
        self.body.append(mathml(part.strip(), display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def choose_math_renderer(app, config) -> None:
    if not config.html_math_renderer:
        config.html_math_renderer = MATH_RENDERER


# ----------------------------------------------------------- number series

#: ``appendix_a_...`` numbers its figures and tables A.1, A.2, ...
_APPENDIX = re.compile(r"(?:^|/)appendix_([a-z])(?:_|$)")


def _restore_sphinx_numbers(app, env) -> list[str]:
    """Before Sphinx numbers figures again, put back the numbers it gave last time.

    Sphinx rewrites every page whose numbers differ from the stored ones; the
    stored ones are :func:`number_series`'s ("A.1"), never Sphinx's own ("4"), so
    every appendix page would be rewritten on every build.  Comparing Sphinx's
    numbers with Sphinx's previous numbers leaves that decision to real changes;
    :func:`number_series` reports its own.
    """
    previous = getattr(env, "kzcn_sphinx_fignumbers", None)
    if previous is not None:
        env.toc_fignumbers = previous
    return []


def number_series(app, env) -> list[str]:
    """Give each appendix (and each document named in ``kzcn_number_series``) its own
    series of figure and table numbers: "Table A.1", "Table B.1", "Table AU.1".

    Sphinx numbers the objects of documents outside the numbered parts with one bare
    running count (the audit's "Table 1" to "Table 3", then Appendix A's "Table 4"),
    which collides with the chapters' numbers and changes whenever a page gains a
    table.  Runs after Sphinx assigned its numbers; cross-references (``{numref}``)
    and captions then use the new ones.  Returns the documents whose numbers differ
    from the previous build's (all of them on the first).
    """
    import copy

    env.kzcn_sphinx_fignumbers = copy.deepcopy(env.toc_fignumbers)
    series = dict(app.config.kzcn_number_series or {})
    for docname in env.toc_fignumbers:
        match = _APPENDIX.search(docname)
        if match and docname not in series:
            series[docname] = match.group(1).upper()
    for docname, prefix in series.items():
        for numbers in env.toc_fignumbers.get(docname, {}).values():
            in_order = sorted(numbers, key=lambda object_id: numbers[object_id])
            for position, object_id in enumerate(in_order, start=1):
                numbers[object_id] = (prefix, position)
    previous = getattr(env, "kzcn_series_fignumbers", {})
    changed = [docname for docname in series if env.toc_fignumbers.get(docname) != previous.get(docname)]
    env.kzcn_series_fignumbers = copy.deepcopy(
        {docname: env.toc_fignumbers.get(docname) for docname in series}
    )
    return sorted(changed)


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


def list_bibliography_entries(app, pagename, templatename, context, doctree) -> None:
    """The bibliography is a ``role="list"`` of entries that docutils marks with
    ``role="doc-biblioentry"``, a role ARIA 1.2 deprecates and does not allow on a
    ``div``, so a list with no list items (axe: aria-required-children, critical).
    The entries become list items; their ids and links are unchanged."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def load_images_lazily(app, pagename, templatename, context, doctree) -> None:
    """Figures load when the reader scrolls near them (``loading="lazy"``), so a
    first visit fetches only what is on screen: a chapter with ten charts stays
    under the 1 MB first-visit budget. Images already marked are left alone."""
    body = context.get("body")
    if body and "<img " in body:
        context["body"] = re.sub(r"<img (?![^>]*\bloading=)", '<img loading="lazy" ', body)


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


#: The pack of each ``d("<style>",p)`` call that follows a pack object.
_PACK_STYLE = re.compile(r'd\("(fa[brs])",\w+\)')

#: The replacement of the theme's icon script: the used icons' outlines and a few
#: lines that put them in place of ``<i class="fa-solid fa-bars">`` (as Font
#: Awesome's own script does), also for elements added later.
ICON_RUNTIME = """/*! Icons: Font Awesome Free 6 (icons CC BY 4.0, code MIT; fontawesome.com/license/free),
 cut down by kzcn.sphinxext to the icons this site uses. */
(function () {
  "use strict";
  var ICONS = %s;
  var STYLES = {"fa": "fas", "fas": "fas", "fa-solid": "fas", "far": "far", "fa-regular": "far",
                "fab": "fab", "fa-brands": "fab"};
  var SVG = "http://www.w3.org/2000/svg";
  function replace(el) {
    var style = "fas", name = null, keep = [];
    el.classList.forEach(function (cls) {
      if (STYLES[cls]) { style = STYLES[cls]; return; }
      var m = /^fa-([a-z0-9-]+)$/.exec(cls);
      if (m && !name && findIcon(m[1])) { name = m[1]; }
      keep.push(cls);
    });
    var icon = name && (ICONS[style][name] || findIcon(name));
    if (!icon) return;
    var svg = document.createElementNS(SVG, "svg");
    for (var i = 0; i < el.attributes.length; i++) {
      var attr = el.attributes[i];
      if (attr.name !== "class" && attr.name !== "title") svg.setAttribute(attr.name, attr.value);
    }
    svg.setAttribute("class", "svg-inline--fa " + keep.join(" "));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("viewBox", "0 0 " + icon[0] + " " + icon[1]);
    [].concat(icon[2]).forEach(function (d) {
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("fill", "currentColor");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    el.replaceWith(svg);
  }
  function findIcon(name) {
    return ICONS.fas[name] || ICONS.far[name] || ICONS.fab[name];
  }
  function scan(root) {
    (root.querySelectorAll ? root.querySelectorAll("i[class*='fa-'], span[class*='fa-'], i.fa, i.fas, i.far, i.fab") : [])
      .forEach(replace);
  }
  function start() {
    scan(document);
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        record.addedNodes.forEach(function (node) {
          if (node.nodeType !== 1) return;
          if (node.matches && node.matches("i[class*='fa-'], span[class*='fa-']")) replace(node);
          else scan(node);
        });
      });
    }).observe(document.documentElement, {childList: true, subtree: true});
  }
  if (document.readyState !== "loading") start();
  else document.addEventListener("DOMContentLoaded", start);
})();
"""


def icon_outlines(bundle: str, used: set[str]) -> dict[str, dict[str, list]]:
    """``{"fas": {"bars": [width, height, path(s)]}, "far": ..., "fab": ...}`` for the
    icons in ``used`` (by name or alias), read from the theme's Font Awesome bundle."""
    import json

    packs: dict[str, dict[str, list]] = {"fas": {}, "far": {}, "fab": {}}
    for match in _PACK_START.finditer(bundle):
        open_brace = match.end() - 1
        close_brace = _matching(bundle, open_brace, "{", "}")
        style = _PACK_STYLE.search(bundle, close_brace)
        if not style:
            continue
        for name, aliases, text in _pack_entries(bundle[open_brace + 1 : close_brace]):
            names = {name, *aliases} & used
            if not names:
                continue
            width, height, _, _, paths = json.loads(text.split(":", 1)[1])
            for shown in names:
                packs[style.group(1)][shown] = [width, height, paths]
    return packs


def icon_script(bundle: str, used: set[str]) -> str:
    """The replacement icon script for a site whose pages name the icons ``used``."""
    import json

    return ICON_RUNTIME % json.dumps(icon_outlines(bundle, used), separators=(",", ":"), sort_keys=True)


def icons_used(outdir: Path) -> set[str]:
    """Every ``fa-<name>`` written in the site's pages and scripts (the bundle excepted)."""
    used: set[str] = set()
    for path in outdir.rglob("*"):
        if path.suffix not in {".html", ".js"} or path.name == ICON_SCRIPT.name or "mathjax" in path.parts:
            continue
        used.update(_ICON_NAME.findall(path.read_text(encoding="utf-8", errors="replace")))
    return used


#: The theme's style sheet, whose icon-font rules the icon script makes unneeded.
THEME_CSS = Path("_static") / "styles" / "pydata-sphinx-theme.css"

#: ``.fa-bars:before,.fa-navicon:before{content:"\f0c9"}``: one glyph of the icon font.
_ICON_FONT_RULE = re.compile(r'(?:\.fa-[a-z0-9-]+:{1,2}(?:before|after),?)+\{content:"[^"]*"\}')


def drop_icon_font_rules(css: str) -> str:
    """The style sheet without the rules that draw icons as glyphs of the icon font
    (the icons are drawn as SVG); no glyph left, the browser never fetches the font."""
    return _ICON_FONT_RULE.sub("", css)


#: Where :func:`trim_icons` keeps its last icon script (in Sphinx's doctree folder).
ICON_MEMO = "kzcn-icon-script.json"


def icon_script_kept(bundle: str, used: set[str], folder: Path) -> str:
    """:func:`icon_script`, kept in ``folder`` for the next build: Sphinx copies the theme's
    full bundle into the site on every run, and cutting it down again reads 1.5 MB of script
    (a quarter to most of a second).  The result depends only on the bundle's bytes, the icons
    used and this module's code, which the key holds."""
    import hashlib
    import json

    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(hashlib.sha256(bundle.encode("utf-8")).digest())
    digest.update(json.dumps(sorted(used)).encode())
    key = digest.hexdigest()
    memo = Path(folder) / ICON_MEMO
    try:
        kept = json.loads(memo.read_text(encoding="utf-8"))
        if kept.get("key") == key and isinstance(kept.get("script"), str):
            return kept["script"]
    except (OSError, ValueError, AttributeError):
        pass  # none yet, or unreadable: cut the bundle again
    script = icon_script(bundle, used)
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_name(f".{memo.name}.tmp")
    tmp.write_text(json.dumps({"key": key, "script": script}), encoding="utf-8")
    tmp.replace(memo)
    return script


def trim_icons(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    bundle = outdir / ICON_SCRIPT
    if not bundle.is_file():
        return
    script = icon_script_kept(bundle.read_text(encoding="utf-8"), icons_used(outdir), Path(app.doctreedir))
    bundle.write_text(script, encoding="utf-8")
    source_map = bundle.with_name(bundle.name + ".map")
    if source_map.is_file():
        source_map.unlink()  # describes the full bundle, no longer this file
    css = outdir / THEME_CSS
    if css.is_file():
        css.write_text(drop_icon_font_rules(css.read_text(encoding="utf-8")), encoding="utf-8")


# ------------------------------------------------------------------ search

#: The search scripts the theme's layout writes into every page (for its optional
#: search-as-you-type); only the search page uses them while that option is off.
_SEARCH_SCRIPTS = re.compile(
    r'[ \t]*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)[^"]*">'
    r"</script>\n?"
)


def drop_search_scripts(app, exception) -> None:
    """Remove the search index (70 kB and growing with the book) and its scripts from
    every page but the search page, unless the theme searches as the reader types."""
    if exception is not None or app.builder.format != "html":
        return
    options = getattr(app.builder, "theme_options", None) or app.config.html_theme_options or {}
    if str(options.get("search_as_you_type", False)).lower() == "true":
        return
    outdir = Path(app.outdir)
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).as_posix() == "search.html":
            continue
        text = page.read_text(encoding="utf-8")
        trimmed = _SEARCH_SCRIPTS.sub("", text)
        if trimmed != text:
            page.write_text(trimmed, encoding="utf-8")


# ------------------------------------------------------------ notebook css


def copy_notebook_css_first(app) -> None:
    """Put MyST-NB's style sheet in the output before any page is written.

    MyST-NB copies it when the build finishes; Sphinx adds a checksum
    (``?v=...``) to a style sheet's link only if the file is already in the
    output when the page is written.  So the pages of a clean build linked it
    without the checksum and the pages an incremental build wrote again with
    it: the same source gave different bytes.  Copied first, every page links
    it the same way.
    """
    if app.builder.format != "html":
        return
    try:
        from myst_nb.sphinx_ext import add_global_html_resources
    except ImportError:
        return
    (Path(app.outdir) / "_static").mkdir(parents=True, exist_ok=True)
    add_global_html_resources(app, None)


# ------------------------------------------------------------------ bibtex


def cache_bibtex_plugins(app) -> None:
    """Look each pybtex plugin up once per build, not once per citation.

    pybtex finds a style or backend by scanning the entry points of every
    installed distribution (``importlib.metadata.entry_points``) on each call,
    and sphinxcontrib-bibtex asks for one per citation it resolves: hundreds of
    scans, the largest part of writing a page.  The installed distributions do
    not change during a build; plugins registered at run time are still looked
    up first by pybtex itself.
    """
    import functools

    import pybtex.plugin

    lookup = pybtex.plugin.entry_points
    if getattr(lookup, "cache_info", None) is not None:
        return

    @functools.cache
    def cached(**selection):
        return tuple(lookup(**selection))

    pybtex.plugin.entry_points = cached


def prune_search_index(app, exception) -> None:
    """Drop the words no page holds any more from the search index.

    An incremental build loads the previous index and takes out the pages it
    reads again; a word only those pages had stays, with an empty list of
    pages.  Without those, the index is the one a clean build writes.
    """
    if exception is not None or app.builder.format != "html":
        return
    from sphinx.search import js_index

    path = Path(app.outdir) / "searchindex.js"
    if not path.is_file():
        return
    data = js_index.loads(path.read_text(encoding="utf-8"))
    pruned = False
    for key in ("terms", "titleterms"):
        words = data.get(key) or {}
        for word in [word for word, pages in words.items() if pages == []]:
            del words[word]
            pruned = True
    if pruned:
        path.write_text(js_index.dumps(data), encoding="utf-8")


def _is_mime_bundle(node: nodes.Node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element") == "mime_bundle"


def drop_unrendered_outputs(app, doctree: nodes.document) -> None:
    """Keep, of each notebook output, only the formats that some builder renders.

    MyST-NB keeps every format of a display output in the doctree and picks one per builder
    as it writes (its ``SelectMimeType``).  ``publish_figure`` and ``publish_table`` display a
    MyST block for the book and, for JupyterLab, an HTML copy with the chart as an embedded
    PNG; the book renders the block for every builder (``nb_mime_priority_overrides``), so
    the copies only made the doctrees of the chapters megabytes large.  Sphinx unpickles a
    page's doctree again for every cross-reference to one of its figures or tables: about
    5 s of a 20 s render.  What any builder known to MyST-NB would pick stays, so every
    builder still finds its choice; an output no builder can show is left alone (MyST-NB
    warns about it).
    """
    from myst_nb.core.render import base_render_priority, get_mime_priority

    overrides = app.config["nb_mime_priority_overrides"]
    priorities = [get_mime_priority(name, overrides) for name in {app.builder.name, *base_render_priority()}]
    for bundle in list(doctree.findall(_is_mime_bundle)):
        present = [child.get("mime_type") for child in bundle.children]
        chosen = {next((kind for kind in priority if kind in present), None) for priority in priorities}
        chosen.discard(None)
        if not chosen:
            continue
        for child in list(bundle.children):
            if child.get("mime_type") not in chosen:
                bundle.remove(child)


def unpickle_numref_targets_once(app) -> None:
    """Resolve ``{numref}`` cross-references without unpickling the target page for each one.

    Sphinx's standard domain reads the whole doctree of the page that holds a figure or table
    each time a reference to it is resolved (to find the node and its caption): 48 references
    cost 67 unpickled doctrees, about 5 s of a 17 s render.  During that lookup only, each
    page's doctree is unpickled once per process and kept; the lookup reads it and changes
    nothing, and doctrees do not change once the pages are read.  The pages Sphinx writes
    still get their own fresh copy.
    """
    from sphinx.domains.std import StandardDomain

    resolve = StandardDomain._resolve_numref_xref
    if getattr(resolve, "_kzcn_memo", False):
        return
    targets: dict[tuple[int, str], nodes.document] = {}

    def resolve_with_memo(self, env, *args, **kwargs):
        read = env.get_doctree

        def get_doctree(docname: str) -> nodes.document:
            key = (id(env), docname)
            if key not in targets:
                targets[key] = read(docname)
            return targets[key]

        env.get_doctree = get_doctree  # an instance attribute, removed below: never pickled
        try:
            return resolve(self, env, *args, **kwargs)
        finally:
            del env.get_doctree

    def forget(app, exception) -> None:  # noqa: ARG001 - Sphinx event signature
        targets.clear()

    resolve_with_memo._kzcn_memo = True
    StandardDomain._resolve_numref_xref = resolve_with_memo
    app.connect("build-finished", forget)


# ------------------------------------------------------------ figure numbers


def _figure_type(env, node: nodes.Node) -> str | None:
    """What Sphinx's figure numbering takes ``node`` for (the rule of its toctree collector's
    ``get_figtype``): an enumerable type, for the standard domain only with a caption."""
    for domain in env.domains.values():
        figtype = domain.get_enumerable_node_type(node)
        if domain.name == "std" and not domain.get_numfig_title(node):
            continue
        if figtype:
            return figtype
    return None


#: The children of a figure, table or code block that tell its type and caption.
_CAPTION_CHILDREN = (nodes.caption, nodes.title, nodes.literal_block)


def figure_skeleton(env, doctree: nodes.Element) -> nodes.Element:
    """The part of a page's doctree that figure numbering reads, in document order.

    Sphinx numbers figures and tables by walking the doctree of every page of the
    book after any edit: its sections (their ids), its toctrees (their entries), and
    every element it takes for a figure, table or code block (type, caption, ids).
    The skeleton keeps those (each a copy of the node with its attributes, a figure
    with its caption) and the nodes on the way to them; paragraphs, outputs and table
    bodies go.  Each kept figure is checked to be taken for what the original is;
    if not, it is kept whole.
    """
    from sphinx import addnodes

    def prune(node: nodes.Element) -> nodes.Element | None:
        figtype = None if isinstance(node, nodes.section) else _figure_type(env, node)
        children = []
        for child in node.children:
            if not isinstance(child, nodes.Element):
                continue
            if figtype and isinstance(child, _CAPTION_CHILDREN):
                children.append(child.deepcopy())
            else:
                kept = prune(child)
                if kept is not None:
                    children.append(kept)
        if not (children or figtype or isinstance(node, nodes.section | addnodes.toctree)):
            return None
        copy = node.copy()
        copy.extend(children)
        if figtype and _figure_type(env, copy) != figtype:
            return node.deepcopy()
        return copy

    skeleton = nodes.Element()  # the walk reads the root's children only
    for child in doctree.children:
        if isinstance(child, nodes.Element):
            kept = prune(child)
            if kept is not None:
                skeleton.append(kept)
    for node in skeleton.findall(include_self=True):
        node._document = None  # a copy points at the whole page, which is not to be kept
    return skeleton


def number_figures_from_skeletons(app) -> None:
    """Let Sphinx number figures from each page's :func:`figure_skeleton`, kept in its
    environment, instead of unpickling every page's doctree on every build.

    After a one-page edit Sphinx unpickled all 16 doctrees (megabytes of notebook
    output) to number the figures again: a second of a five-second render.  A page's
    skeleton is made from its doctree the first time it is needed after the page was
    read (``env.all_docs`` holds when), so it is always the doctree Sphinx would have
    read; the walk and the numbers are Sphinx's own.
    """
    from sphinx.environment.collectors.toctree import TocTreeCollector

    assign = TocTreeCollector.assign_figure_numbers
    if getattr(assign, "_kzcn_skeletons", False):
        return

    def assign_from_skeletons(self, env):
        read = env.get_doctree
        kept = getattr(env, "kzcn_figure_skeletons", None)
        if not isinstance(kept, dict):
            kept = env.kzcn_figure_skeletons = {}

        def get_doctree(docname: str) -> nodes.Element:
            stamp = env.all_docs.get(docname)
            entry = kept.get(docname)
            if stamp is None or entry is None or entry[0] != stamp:
                entry = kept[docname] = (stamp, figure_skeleton(env, read(docname)))
            return entry[1]

        shadowed = vars(env).get("get_doctree")
        env.get_doctree = get_doctree  # an instance attribute, removed below: never pickled
        try:
            return assign(self, env)
        finally:
            if shadowed is None:
                del env.get_doctree
            else:
                env.get_doctree = shadowed
            for docname in set(kept) - set(env.all_docs):
                del kept[docname]  # pages no longer in the book

    assign_from_skeletons._kzcn_skeletons = True
    assign_from_skeletons._kzcn_original = assign  # Sphinx's own (tests compare the two)
    TocTreeCollector.assign_figure_numbers = assign_from_skeletons


def setup(app) -> dict[str, Any]:
    app.add_config_value("kzcn_number_series", {}, "env", types=[dict])
    # after the toctree collector (priority 500) has numbered figures and tables
    app.connect("env-get-updated", _restore_sphinx_numbers, priority=400)
    app.connect("env-get-updated", number_series, priority=900)
    app.connect("builder-inited", cache_bibtex_plugins)
    app.connect("doctree-read", drop_unrendered_outputs)
    unpickle_numref_targets_once(app)
    number_figures_from_skeletons(app)
    app.connect("builder-inited", copy_notebook_css_first)
    app.connect("html-page-context", drop_repeated_scripts)
    app.add_html_math_renderer(MATH_RENDERER, (visit_math, None), (visit_displaymath, None))
    app.connect("config-inited", choose_math_renderer)
    app.connect("html-page-context", mark_page_languages)
    app.connect("html-page-context", list_bibliography_entries)
    app.connect("html-page-context", load_images_lazily)
    app.connect("build-finished", trim_icons)
    app.connect("build-finished", drop_search_scripts)
    app.connect("build-finished", prune_search_index)
    app.add_js_file("kzcn.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
