"""The book with a keyboard only (issue 16): Tab, Enter, Space and Escape.

Walks chapter 1 and the audit page with Tab from the top, and checks that every
interactive control a reader needs is reached in document order with a visible
focus ring, and that the boxes and menus open and close from the keyboard.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS_DIR
from tests.browser.test_browser_site import toc_pages

pytestmark = pytest.mark.browser

#: Pages walked with Tab (found in the table of contents by name).
WALKED = ("chapter1", "audit")

#: The most Tab presses a walk may take (a page with more stops is not walked to the end).
MAX_TABS = 400

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1)
               || (style.boxShadow && style.boxShadow !== 'none');
  const all = [...document.querySelectorAll('*')];
  return {
    index: all.indexOf(el),
    tag: el.tagName.toLowerCase(),
    classes: el.className && el.className.baseVal === undefined ? el.className : '',
    text: (el.innerText || el.getAttribute('aria-label') || el.title || '').trim().slice(0, 60),
    ring, visible: box.width > 0 && box.height > 0,
    inside: el.closest('details.kzcn-cite') ? 'cite'
          : el.closest('details.kzcn-provenance') ? 'provenance'
          : el.closest('.bd-article') ? 'article' : 'frame',
    tabindex: el.tabIndex,
    href: el.getAttribute('href') || '',
    key: el.getAttribute('data-key') || '',
  };
}"""


def _page(stem: str) -> str:
    matches = [path for path in toc_pages() if stem in path.replace("_", "")]
    assert matches, f"no page named like {stem!r} in the table of contents"
    return matches[0]


def _walk(page) -> list[dict]:
    stops = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None or (stops and focused["index"] == stops[0]["index"]):
            break
        stops.append(focused)
    return stops


@pytest.mark.parametrize("stem", WALKED)
def test_tab_reaches_every_control_in_order_with_a_visible_ring(open_as, stem):
    page = open_as(_page(stem)).page
    positive = page.evaluate(
        "[...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0).length"
    )
    assert positive == 0, "an element with a positive tabindex breaks the reading order"

    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first and "skip" in first["text"].lower(), f"the first Tab stop is not a skip link: {first}"
    assert first["visible"], "the skip link stays invisible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") in {"#main-content", "#main"}

    page.goto(page.url.split("#")[0])
    stops = _walk(page)
    no_ring = [stop for stop in stops if not stop["ring"]]
    assert not no_ring, "focused without a visible focus ring:\n" + "\n".join(map(str, no_ring[:10]))
    hidden = [stop for stop in stops if not stop["visible"] and "skip" not in stop["text"].lower()]
    assert not hidden, "Tab stops on something the reader cannot see:\n" + "\n".join(map(str, hidden[:10]))
    article = [stop["index"] for stop in stops if stop["inside"] != "frame"]
    assert article == sorted(article), "Tab leaves the text's reading order"

    reached = " ".join(f"{stop['tag']}.{stop['classes']}" for stop in stops)
    assert "search-button__button" in reached, "the search button is not reached"
    assert "theme-switch-button" in reached, "the light/dark switch is not reached"
    assert "dropdown-toggle" in reached or "btn-download" in reached, "the download menu is not reached"
    summaries = [stop for stop in stops if stop["tag"] == "summary"]
    if page.locator("details.kzcn-cite").count():
        assert summaries, "the cite and provenance boxes are not reached"
    controls = page.locator(".bd-article input, .bd-article select, .bd-article button").count()
    reached_controls = sum(
        stop["tag"] in {"input", "select", "button"} and stop["inside"] != "frame" for stop in stops
    )
    assert reached_controls >= min(controls, 1) or len(stops) >= MAX_TABS - 1


@pytest.mark.parametrize("stem", WALKED)
def test_cite_box_opens_with_enter_and_closes_with_escape(open_as, stem):
    page = open_as(_page(stem)).page
    boxes = page.locator("details.kzcn-cite")
    assert boxes.count(), f"{stem}: no cite box to try"
    summary = boxes.first.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert boxes.first.evaluate("d => d.open"), "Enter did not open the cite box"
    copy = boxes.first.locator("button.copybtn")
    if copy.count():
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    assert not boxes.first.evaluate("d => d.open"), "Escape did not close the cite box"
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY", "focus did not return to the box"
    page.keyboard.press(" ")
    assert boxes.first.evaluate("d => d.open"), "Space did not open the cite box"
    page.keyboard.press(" ")
    assert not boxes.first.evaluate("d => d.open"), "Space did not close the cite box"


def test_search_opens_and_closes_from_the_keyboard(open_as):
    page = open_as(_page("chapter1")).page
    button = [b for b in page.locator(".search-button__button").all() if b.is_visible()][0]
    button.focus()
    page.keyboard.press("Enter")
    field = page.locator("#pst-search-dialog input[type=search], .search-button__wrapper.show input")
    field.first.wait_for(state="visible")
    assert page.evaluate("document.activeElement.type") == "search", "the search field does not get the focus"
    page.keyboard.press("Escape")
    field.first.wait_for(state="hidden")


def test_download_menu_opens_and_closes_from_the_keyboard(open_as):
    page = open_as(_page("chapter1")).page
    toggle = page.locator(".dropdown-download-buttons .dropdown-toggle, .btn-download-source-button").first
    toggle.focus()
    page.keyboard.press("Enter")
    menu = page.locator(".dropdown-download-buttons .dropdown-menu").first
    menu.wait_for(state="visible")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("!!document.activeElement.closest('.dropdown-menu')"), (
        "arrow keys do not enter the menu"
    )
    page.keyboard.press("Escape")
    menu.wait_for(state="hidden")


def test_toc_button_works_from_the_keyboard_on_a_phone(open_as):
    page = open_as(_page("chapter1"), width=PHONE["width"], height=PHONE["height"]).page
    button = [b for b in page.locator(".primary-toggle").all() if b.is_visible()][0]
    button.focus()
    page.keyboard.press(" ")
    page.wait_for_function("document.querySelector('#pst-primary-sidebar-modal').open")
    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('#pst-primary-sidebar-modal').open")
    assert page.evaluate("document.activeElement.classList.contains('primary-toggle')")


def test_verdict_notes_show_on_keyboard_focus(open_as):
    """A value with a note (thesis value, difference) shows it when tabbed to."""
    for path in toc_pages():
        page = open_as(path, wait_for_idle=False).page
        cells = page.locator(".kzcn-cell")
        if not cells.count():
            page.context.close()
            continue
        cells.first.focus()
        note = cells.first.locator(".kzcn-note")
        assert note.is_visible(), f"{path}: the note does not show on focus"
        page.keyboard.press("Escape")
        assert not note.is_visible(), f"{path}: Escape does not hide the note"
        # the page scrolling (to the focused cell, or by the reader) moves the note and never
        # shows it again: it once did, when that scroll came after the Escape
        page.evaluate("window.dispatchEvent(new Event('scroll'))")
        assert not note.is_visible(), f"{path}: a scroll shows the dismissed note again"
        return
    pytest.fail("no table cell with a note anywhere in the book")


def test_each_figures_data_link_follows_it_in_the_tab_order(open_as):
    """From a figure, Tab reaches its "CSV" download within a few steps, with a visible ring."""
    page = open_as(_page("chapter1")).page
    figure_ids = page.evaluate("[...document.querySelectorAll('figure[id^=fig-]')].map(f => f.id)")
    assert figure_ids, "chapter 1 shows no figure"
    for figure_id in figure_ids:
        # start at the figure itself (as a reader who has just read it), then Tab on
        page.evaluate(f"(f => {{ f.tabIndex = -1; f.focus(); }})(document.getElementById('{figure_id}'))")
        stops = []
        for _ in range(6):
            page.keyboard.press("Tab")
            stops.append(page.evaluate(FOCUSED))
            if stops[-1]["href"].endswith(f"figures/{figure_id}.csv"):
                break
        assert stops[-1]["href"].endswith(f"figures/{figure_id}.csv"), f"{figure_id}: Tab went {stops}"
        assert stops[-1]["ring"] and stops[-1]["visible"], stops[-1]


# ----------------------------------------------------------- the audit filter

FILTER = "form.kzcn-audit-filter"

#: What the reader sees of the filter, read from the page (not from the code that makes it).
STATE = """() => {
  const rows = [...document.querySelectorAll('tr[data-status]')];
  const shown = rows.filter(r => r.offsetParent !== null);
  const form = document.querySelector('form.kzcn-audit-filter');
  return {
    total: rows.length,
    shown: shown.length,
    statuses: [...new Set(shown.map(r => r.dataset.status))].sort(),
    chapters: [...new Set(shown.map(r => r.dataset.chapter))].sort(),
    count: form.querySelector('output').textContent.trim(),
    values: Object.fromEntries([...form.querySelectorAll('select')].map(s => [s.dataset.key, s.value])),
  };
}"""


def _tab_to(page, check, *, key="Tab", limit=MAX_TABS) -> dict:
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused and check(focused):
            return focused
    pytest.fail(f"{key} never reached the control")


def _choose(page, wanted: str) -> None:
    """Arrow down through the focused list (as a reader does, without opening it) to ``wanted``."""
    options = page.evaluate("document.activeElement.options.length")
    for _ in range(options):
        if page.evaluate("document.activeElement.value") == wanted:
            return
        page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.value") == wanted, f"arrow keys never reach {wanted!r}"


@pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1366", "390"])
def test_audit_filter_is_operated_with_the_keyboard_alone(open_as, screen):
    page = open_as(_page("audit"), width=screen["width"], height=screen["height"]).page
    before = page.evaluate(STATE)
    assert before["shown"] == before["total"] > 0
    assert before["count"] == f"{before['total']} of {before['total']} rows shown"

    # the controls come in reading order, each with a visible ring, forwards and back
    status = _tab_to(page, lambda f: f["key"] == "status")
    order = [status] + [_tab_to(page, lambda f: True, limit=1) for _ in range(3)]
    assert [f["key"] or f["text"] for f in order] == ["status", "cause", "chapter", "Show all rows"]
    assert all(f["ring"] and f["visible"] for f in order), order
    back = [_tab_to(page, lambda f: True, key="Shift+Tab", limit=1) for _ in range(3)]
    assert [f["key"] for f in back] == ["chapter", "cause", "status"]
    page.locator(FILTER).scroll_into_view_if_needed()
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS_DIR / f"audit-filter-keyboard-{screen['width']}.png"))

    _choose(page, "differs")
    by_status = page.evaluate(STATE)
    assert by_status["statuses"] == ["differs"]
    assert 0 < by_status["shown"] < before["total"]
    assert by_status["count"] == f"{by_status['shown']} of {before['total']} rows shown"

    chapter = by_status["chapters"][-1]  # a chapter that has rows of that status
    _tab_to(page, lambda f: f["key"] == "chapter", limit=2)
    _choose(page, chapter)
    both = page.evaluate(STATE)
    assert both["statuses"] == ["differs"] and both["chapters"] == [chapter]
    assert both["count"] == f"{both['shown']} of {before['total']} rows shown"
    assert both["shown"] <= by_status["shown"]
    page.screenshot(path=str(SCREENSHOTS_DIR / f"audit-filter-keyboard-chosen-{screen['width']}.png"))

    reset = _tab_to(page, lambda f: f["text"] == "Show all rows", limit=1)
    assert reset["ring"]
    page.keyboard.press("Enter")
    after = page.evaluate(STATE)
    assert after["shown"] == before["total"] and after["count"] == before["count"]
    assert set(after["values"].values()) == {""}, "the lists are not back to 'all'"
    assert page.evaluate(FOCUSED)["text"] == "Show all rows", "the focus left the button"

    # Space works as well as Enter, and Escape on a list leaves the choice and the focus alone
    _tab_to(page, lambda f: f["key"] == "status", key="Shift+Tab", limit=3)
    _choose(page, "differs")
    page.keyboard.press("Escape")
    assert page.evaluate(FOCUSED)["key"] == "status"
    assert page.evaluate(STATE)["statuses"] == ["differs"]
    _tab_to(page, lambda f: f["text"] == "Show all rows", limit=3)
    page.keyboard.press(" ")
    assert page.evaluate(STATE)["shown"] == before["total"]
    assert page.evaluate(FOCUSED)["text"] == "Show all rows"
