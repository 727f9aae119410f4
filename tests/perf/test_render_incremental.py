"""An incremental render publishes what a clean build publishes, and rewrites only what changed.

The fixture book of tests/pipeline, with the book's own Sphinx extension
(``kzcn.site``: site address and sitemap) switched on.  A prose-only edit of a
notebook and of a Markdown page is built incrementally; the same source is then
rendered and published from scratch (from the same executed notebooks) into
another folder, and the two published sites must hold
the same files with the same bytes (the ``build_date`` field of the JSON files
aside, the one part allowed to differ between two builds).
"""

from __future__ import annotations

import re
import shutil

import nbformat
from pipeline_fixtures import BUILD_DATE_FIELD, CONFIG_YML

from kzcn import config, pipeline

#: The fixture book's pages (its _toc.yml), as Sphinx names their HTML files.
PAGES = ["index.html", "notebooks/gdp.html", "notebooks/growth.html", "notebooks/plain.html"]

SITE_CONFIG_YML = CONFIG_YML + "  extra_extensions:\n    - kzcn.sphinxext\n    - kzcn.site\n"


def use_site_extension(project) -> None:
    (project.source / "_config.yml").write_text(SITE_CONFIG_YML, encoding="utf-8")


def edit_prose(project, sentence: str) -> None:
    path = project.source / "notebooks" / "gdp.ipynb"
    nb = nbformat.read(path, as_version=4)
    next(cell for cell in nb.cells if cell.cell_type == "markdown").source += f"\n\n{sentence}\n"
    nbformat.write(nb, path)
    index = project.source / "index.md"
    index.write_text(index.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def site_bytes(root) -> dict[str, bytes]:
    html = root / "html"
    files = {}
    for path in sorted(html.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".json":
                data = BUILD_DATE_FIELD.sub(b'"build_date": "<isolated>"', data)
            files[path.relative_to(html).as_posix()] = data
    return files


def rendered_mtimes(root) -> dict[str, int]:
    rendered = root / "render" / "_build" / "html"
    return {page: (rendered / page).stat().st_mtime_ns for page in PAGES}


def test_a_prose_edit_rebuilt_incrementally_publishes_the_clean_builds_site(project, tmp_path):
    use_site_extension(project)
    assert project.build() == 0
    before = rendered_mtimes(project.out)

    edit_prose(project, "A sentence added to time an incremental render.")
    assert project.build() == 0
    assert set(project.report().values()) == {"cached"}

    # Sphinx wrote again the two edited pages, and not the others
    after = rendered_mtimes(project.out)
    rewritten = sorted(page for page in PAGES if after[page] != before[page])
    assert rewritten == ["index.html", "notebooks/gdp.html"]

    # a clean render and publish of the same executed notebooks (a fresh execution
    # would differ in papermill's timestamps): the cached runs only, no Sphinx state
    clean = tmp_path / "clean"
    shutil.copytree(project.out / "cache", clean / "cache")
    assert pipeline.main(["--source", str(project.source), "--out", str(clean)]) == 0
    assert set(project.report(clean).values()) == {"cached"}
    incremental_site, clean_site = site_bytes(project.out), site_bytes(clean)
    assert sorted(incremental_site) == sorted(clean_site)
    differing = sorted(name for name in clean_site if incremental_site[name] != clean_site[name])
    assert differing == []
    assert "A sentence added to time an incremental render." in clean_site["index.html"].decode()


def test_the_sitemap_lists_every_page_after_an_incremental_build(project):
    use_site_extension(project)
    assert project.build() == 0
    edit_prose(project, "Another sentence, so that one page is written again.")
    assert project.build() == 0

    sitemap = (project.out / "html" / "sitemap.xml").read_text(encoding="utf-8")
    locations = re.findall(r"<loc>([^<]*)</loc>", sitemap)
    site = config.site_url()
    assert sorted(locations) == sorted(site + page for page in [*PAGES, "genindex.html", "search.html"])


def test_a_page_whose_generated_text_changed_is_read_again(monkeypatch):
    from types import SimpleNamespace

    from kzcn import site

    monkeypatch.setattr(
        site, "book_citation_markdown", lambda relative_root=".": f"citation, root {relative_root}"
    )
    current = {site.BOOK_CITATION_MARKER: "citation, root .."}
    env = SimpleNamespace(
        found_docs={"book/cite", "book/old", "book/other"},
        kzcn_generated={"book/cite": current, "book/old": {site.BOOK_CITATION_MARKER: "an older citation"}},
    )
    assert site._generated_changed(None, env, set(), set(), set()) == ["book/old"]
    assert site._generated_changed(None, env, set(), set(), {"book/old"}) == []


def test_words_no_page_holds_leave_the_search_index(tmp_path):
    from types import SimpleNamespace

    from sphinx.search import js_index

    from kzcn import sphinxext

    index = {
        "docnames": ["a", "b"],
        "terms": {"gone": [], "kept": [0, 1], "one": 1},
        "titleterms": {"old": []},
    }
    path = tmp_path / "searchindex.js"
    path.write_text(js_index.dumps(index), encoding="utf-8")
    app = SimpleNamespace(builder=SimpleNamespace(format="html"), outdir=str(tmp_path))

    sphinxext.prune_search_index(app, None)

    assert js_index.loads(path.read_text(encoding="utf-8")) == {
        "docnames": ["a", "b"],
        "terms": {"kept": [0, 1], "one": 1},
        "titleterms": {},
    }
