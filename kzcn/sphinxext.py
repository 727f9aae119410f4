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
pages as a reader does.
"""

from __future__ import annotations

from typing import Any

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


def setup(app) -> dict[str, Any]:
    app.connect("html-page-context", drop_repeated_scripts)
    try:
        app.setup_extension(OFFLINE_MATHJAX)
    except ExtensionError:
        # Not fatal for the build; the browser tests then report the CDN request.
        logger.info(f"{OFFLINE_MATHJAX} is not installed: MathJax will be loaded from a CDN")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
