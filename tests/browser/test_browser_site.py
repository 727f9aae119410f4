"""The built book as a reader's browser sees it (headless Debian chromium, 127.0.0.1)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sphinx_external_toc.parsing import parse_toc_yaml

from kzcn import config

pytestmark = pytest.mark.browser

#: The book's table of contents (KZCN_TEST_TOC: another book's, to try these tests on it).
TOC_FILE = Path(os.environ.get("KZCN_TEST_TOC") or config.ROOT / "_toc.yml")


def toc_pages() -> list[str]:
    """Every page of the table of contents, as its path in the site."""
    if not TOC_FILE.is_file():
        return []
    return [docname + ".html" for docname in parse_toc_yaml(str(TOC_FILE))]


#: In-text citations of sphinxcontrib-bibtex (author-year style wraps them in a span).
CITATION_LINKS = "span.bibtex-citation a[href], a[role='doc-biblioref']"


@pytest.fixture(scope="session")
def published_objects(site_root: Path) -> list[dict]:
    """The figures and tables listed in the site's figures.json."""
    index = site_root / "figures.json"
    assert index.is_file(), "the build did not write figures.json"
    objects = json.loads(index.read_text(encoding="utf-8"))["objects"]
    assert objects, "figures.json lists no figure or table"
    return objects


@pytest.mark.parametrize("page_path", toc_pages())
def test_page_loads_cleanly_and_every_image_has_alt_text(open_page, screenshot, page_path):
    visit = open_page(page_path)
    page = visit.page
    # Lazy images load only when scrolled into view: ask for all of them now.
    page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(img => img.loading = 'eager')")
    page.evaluate("() => Promise.all([...document.images].map(img => img.decode().catch(() => null)))")
    page.wait_for_load_state("networkidle")
    screenshot(page, page_path.removesuffix(".html"))

    assert page.title(), f"{page_path} has no <title>"
    assert not visit.problems(), f"{page_path}:\n" + "\n".join(visit.problems())
    images = page.evaluate(
        "() => [...document.images].map(img => ({src: img.currentSrc || img.src,"
        " alt: (img.getAttribute('alt') || '').trim(), loaded: img.complete && img.naturalWidth > 0}))"
    )
    not_loaded = [image["src"] for image in images if not image["loaded"]]
    no_alt = [image["src"] for image in images if not image["alt"]]
    assert not not_loaded, f"{page_path}: images that did not load: {not_loaded}"
    assert not no_alt, f"{page_path}: images without alt text: {no_alt}"


def test_the_table_of_contents_is_not_empty():
    assert len(toc_pages()) >= 2, f"{TOC_FILE} lists fewer than two pages"


def test_every_published_object_is_on_its_page_with_downloads_and_a_cite_box(
    open_page, published_objects, site_url
):
    problems = []
    for page_path in sorted({entry["page"] for entry in published_objects}):
        visit = open_page(page_path, wait_for_idle=False)
        page = visit.page
        for entry in (item for item in published_objects if item["page"] == page_path):
            object_id = entry["id"]
            anchor = page.locator(f"[id='{object_id}']")
            if anchor.count() != 1:
                problems.append(f"{page_path}: anchor #{object_id} found {anchor.count()} times")
                continue
            # download links: each file of figures.json is linked and served
            links = page.locator(f"[id='{object_id}-downloads'] a")
            hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
            linked = {Path(urlsplit(href).path).name for href in hrefs}
            for name in entry["files"]:
                if name not in linked:
                    problems.append(f"{object_id}: no download link to {name}")
            for href in hrefs:
                url = urljoin(page.url, href)
                status = page.request.get(url).status
                if status != 200:
                    problems.append(f"{object_id}: {href} answered HTTP {status}")
            problems += _cite_box_problems(page, entry)
        problems += [f"{page_path}: {problem}" for problem in visit.problems()]
    assert not problems, "\n".join(problems)


def _cite_box_problems(page, entry: dict) -> list[str]:
    object_id = entry["id"]
    cite = page.locator(
        f"xpath=//*[@id='{object_id}-downloads']/following-sibling::*[contains(@class, 'kzcn-cite')][1]"
    )
    if cite.count() != 1:
        return [f"{object_id}: no 'Cite this' box after its download links"]
    text = " ".join(cite.text_content().split())
    problems = []
    label = "Figure" if entry["kind"] == "figure" else "Table"
    if not entry.get("number"):
        problems.append(f"{object_id}: figures.json gives it no number")
    elif f"{label} {entry['number']}" not in text:
        problems.append(f"{object_id}: cite box lacks '{label} {entry['number']}': {text[:300]}")
    if entry["url"] not in text:
        problems.append(f"{object_id}: cite box lacks its URL {entry['url']}: {text[:300]}")
    if "[[number:" in text:
        problems.append(f"{object_id}: cite box still holds a number placeholder")
    return problems


def test_every_citation_link_resolves_to_a_bibliography_entry(open_page):
    links: dict[str, set[str]] = {}  # target page -> anchors
    for page_path in toc_pages():
        page = open_page(page_path, wait_for_idle=False).page
        for href in page.eval_on_selector_all(CITATION_LINKS, "els => els.map(a => a.href)"):
            target, _, anchor = href.partition("#")
            assert anchor, f"{page_path}: citation link without an anchor: {href}"
            links.setdefault(target, set()).add(anchor)
    assert links, "no citation link anywhere in the book"
    missing = []
    for target, anchors in sorted(links.items()):
        page = open_page(target.removeprefix(_site_prefix(target)), wait_for_idle=False).page
        entries = set(page.eval_on_selector_all(".citation-list .citation[id]", "els => els.map(e => e.id)"))
        missing += [f"{target}#{anchor}" for anchor in sorted(anchors - entries)]
    assert not missing, "citation links with no bibliography entry:\n" + "\n".join(missing)


def _site_prefix(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def test_search_finds_khorgos(open_page):
    visit = open_page("search.html?q=Khorgos", wait_for_idle=False)
    results = visit.page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=30_000)
    assert results.count() >= 1
    assert re.search("khorgos", visit.page.locator("#search-results").text_content(), re.IGNORECASE)
    assert not visit.problems(), "\n".join(visit.problems())


def test_the_site_has_a_favicon(open_page, site_url):
    # Browsers ask for /favicon.ico at the site root unless a page names its icon.
    visit = open_page("index.html")
    root_icon = visit.page.request.get(site_url + "favicon.ico")
    assert root_icon.status == 200 and root_icon.body(), "no favicon.ico at the site root"
    icons = visit.page.eval_on_selector_all("link[rel~='icon']", "els => els.map(e => e.href)")
    assert icons, "the pages declare no <link rel='icon'>"
    assert all(visit.page.request.get(url).status == 200 for url in icons), icons
