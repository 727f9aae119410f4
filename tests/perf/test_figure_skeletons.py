"""Figure numbers from the pages' skeletons are the numbers Sphinx gives from the full doctrees.

A small Sphinx project (plain reStructuredText, hand-written) with the kinds of objects
Sphinx numbers and the ones it skips: figures with and without a caption, a table with a
title, a captioned code block, objects in nested sections, in an ``only`` block and in a
second page of a numbered toctree.  Sphinx's own ``assign_figure_numbers`` over the real
doctrees gives the expected numbers.
"""

from __future__ import annotations

import copy

import pytest
from sphinx.application import Sphinx
from sphinx.environment.collectors.toctree import TocTreeCollector
from sphinx.util.docutils import docutils_namespace

from kzcn import sphinxext

INDEX = """\
Book
====

.. toctree::
   :numbered:

   first
   second
"""

FIRST = """\
First
=====

.. figure:: img.png
   :name: fig-captioned

   A captioned figure.

.. figure:: img.png
   :name: fig-bare

A section
---------

.. list-table:: A titled table
   :name: tbl-titled

   * - a
     - b

.. code-block:: python
   :caption: A captioned code block
   :name: code-captioned

   x = 1

.. only:: html

   .. figure:: img.png
      :name: fig-only

      Only in HTML.

A nested section
~~~~~~~~~~~~~~~~

.. figure:: img.png
   :name: fig-nested

   Nested.
"""

SECOND = """\
Second
======

Some words, and a table of many rows.

.. list-table:: Second table
   :name: tbl-second

%s

.. figure:: img.png
   :name: fig-second

   In the second page.
"""


@pytest.fixture
def built(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text("numfig = True\n", encoding="utf-8")
    (src / "index.rst").write_text(INDEX, encoding="utf-8")
    (src / "first.rst").write_text(FIRST, encoding="utf-8")
    rows = "\n".join(f"   * - row {n}\n     - value {n}" for n in range(50))
    (src / "second.rst").write_text(SECOND % rows, encoding="utf-8")
    (src / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    # docutils keeps directives and roles process-wide: each app gets its own namespace
    with docutils_namespace():
        app = Sphinx(
            str(src), str(src), str(tmp_path / "out"), str(tmp_path / "doctrees"), "html", status=None
        )
        app.build()
        yield app


def sphinx_own(env) -> tuple[list[str], dict]:
    assign = TocTreeCollector.assign_figure_numbers
    original = getattr(assign, "_kzcn_original", assign)
    changed = original(TocTreeCollector(), env)
    return changed, copy.deepcopy(env.toc_fignumbers)


def test_skeleton_numbers_equal_sphinx_numbers(built):
    env = built.env
    sphinxext.number_figures_from_skeletons(built)
    old = copy.deepcopy(env.toc_fignumbers)
    _, expected = sphinx_own(env)
    # the fixture holds what it is meant to: numbered objects of three kinds, an unnumbered one
    assert {"fig-captioned", "fig-only", "fig-nested"} <= set(expected["first"]["figure"])
    assert "fig-bare" not in expected["first"]["figure"]
    assert set(expected["first"]["table"]) == {"tbl-titled"}
    assert set(expected["first"]["code-block"]) == {"code-captioned"}

    env.toc_fignumbers = old
    changed = TocTreeCollector.assign_figure_numbers(TocTreeCollector(), env)
    assert env.toc_fignumbers == expected
    assert changed == []  # the same numbers as the build's own: no page to rewrite


def test_unchanged_pages_are_not_unpickled_again_and_a_read_page_is(built, monkeypatch):
    env = built.env
    sphinxext.number_figures_from_skeletons(built)
    _, expected = sphinx_own(env)
    TocTreeCollector.assign_figure_numbers(TocTreeCollector(), env)
    # a skeleton holds no table body: it is smaller than the page
    skeleton = env.kzcn_figure_skeletons["second"][1]
    assert "row 7" not in skeleton.astext() and "row 7" in env.get_doctree("second").astext()

    unpickled = []
    environment = type(env)
    read = environment.get_doctree
    monkeypatch.setattr(
        environment, "get_doctree", lambda self, docname: unpickled.append(docname) or read(self, docname)
    )
    TocTreeCollector.assign_figure_numbers(TocTreeCollector(), env)
    assert unpickled == [] and env.toc_fignumbers == expected

    env.all_docs["second"] += 1  # as if Sphinx had read the page again
    TocTreeCollector.assign_figure_numbers(TocTreeCollector(), env)
    assert unpickled == ["second"] and env.toc_fignumbers == expected
