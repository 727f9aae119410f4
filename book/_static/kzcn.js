/* Small repairs to the book's pages (loaded on every page by kzcn.sphinxext). */
(function () {
  "use strict";

  function ready(callback) {
    if (document.readyState !== "loading") callback();
    else document.addEventListener("DOMContentLoaded", callback);
  }

  /* The table-of-contents button on narrow screens.  sphinx-book-theme 1.3 puts a
     second ".primary-toggle" button in the article header, but pydata-sphinx-theme
     0.17 and sphinx-book-theme both bind only the first one (in the hidden top bar:
     pydata-sphinx-theme issue 2451).  Every other such button passes its click on
     to the first, so both themes' handlers run as designed. */
  function repairTocButtons() {
    const buttons = Array.from(document.querySelectorAll(".primary-toggle"));
    const bound = buttons[0];
    buttons.slice(1).forEach(function (button) {
      button.setAttribute("aria-controls", "pst-primary-sidebar");
      button.addEventListener(
        "click",
        function (event) {
          event.preventDefault();
          event.stopImmediatePropagation();
          bound.click();
        },
        true
      );
    });
  }

  /* Tooltips of table cells (printed value, difference): shown on hover and on
     keyboard focus by CSS; here they are placed on screen (a table that scrolls
     sideways would otherwise cut them off) and Escape hides them (WCAG 1.4.13). */
  function place(cell) {
    const note = cell.querySelector(".kzcn-note");
    if (!note) return;
    const box = cell.getBoundingClientRect();
    note.style.position = "fixed";
    note.style.left = Math.max(4, Math.min(box.left, window.innerWidth - note.offsetWidth - 4)) + "px";
    const below = box.bottom + 4;
    const above = box.top - note.offsetHeight - 4;
    note.style.top = (below + note.offsetHeight < window.innerHeight || above < 0 ? below : above) + "px";
  }

  function repairTooltips() {
    document.querySelectorAll(".kzcn-cell").forEach(function (cell) {
      /* a new hover or focus shows the note again; scrolling only moves it (a note
         hidden with Escape stays hidden while the page scrolls to the focused cell) */
      function show() {
        cell.classList.remove("kzcn-note-dismissed");
        place(cell);
      }
      cell.addEventListener("mouseenter", show);
      cell.addEventListener("focus", show);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      document.querySelectorAll(".kzcn-cell").forEach(function (cell) {
        cell.classList.add("kzcn-note-dismissed");
      });
    });
    window.addEventListener("scroll", function () {
      const active = document.activeElement;
      if (active && active.classList && active.classList.contains("kzcn-cell")) place(active);
    }, { passive: true });
  }

  /* Escape closes the cite or provenance box that holds the focus (or was just
     opened) and puts the focus back on its summary line. */
  function closeBoxesOnEscape() {
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      const active = document.activeElement;
      const box = active && active.closest && active.closest("details[open]");
      if (!box) return;
      box.open = false;
      const summary = box.querySelector("summary");
      if (summary) summary.focus();
    });
  }

  /* The theme lets a reader Tab to a box that scrolls (a wide table, long code)
     so that it can be scrolled with the arrow keys.  A stop in the Tab order needs a
     role and a name (WCAG 4.1.2): such a box becomes a named region while it is
     focusable, and plain again when it is not. */
  const SCROLLING = "pre, .nboutput > .output_area, .cell_output > .output, .jp-RenderedHTMLCommon, " +
    ".pst-scrollable-table-container";

  function nameOf(box) {
    const caption = box.querySelector("caption");
    if (caption) return caption.textContent.replace(/\s+/g, " ").trim() + " (scrolls sideways)";
    // landmarks need distinct names: number the boxes of each kind in page order
    const kind = box.matches("pre") ? "Code" : "Output";
    const same = Array.from(document.querySelectorAll(SCROLLING)).filter(function (other) {
      return !other.querySelector("caption") && other.matches("pre") === box.matches("pre");
    });
    return kind + " " + (same.indexOf(box) + 1) + " (scrolls)";
  }

  function nameScrollingBoxes() {
    const main = document.getElementById("main-content");
    if (!main) return;
    const update = function (box) {
      if (box.tabIndex === 0) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box));
      } else if (box.getAttribute("role") === "region" && box.hasAttribute("aria-label")) {
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    };
    main.querySelectorAll(SCROLLING).forEach(update);
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        if (record.attributeName === "tabindex" && record.target.matches(SCROLLING)) update(record.target);
      });
    }).observe(main, { subtree: true, attributes: true, attributeFilter: ["tabindex"] });
  }

  /* The book title at the top of the side bar sits outside any landmark: the side
     bar as a whole is the book's navigation. */
  function landmarkSidebar() {
    const sidebar = document.getElementById("pst-primary-sidebar");
    if (sidebar && !sidebar.getAttribute("role")) {
      sidebar.setAttribute("role", "navigation");
      sidebar.setAttribute("aria-label", "Book");
    }
  }

  /* The theme's search buttons show "Search Ctrl+K" but are named "Search" (WCAG
     2.5.3: the name must contain the visible words); without the label, the name is
     what the button shows. */
  function nameButtonsByTheirText() {
    document.querySelectorAll(".search-button__button[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    // MyST-NB's "Show code cell source" lines are labelled "Toggle hidden content"
    document.querySelectorAll("summary[aria-label]").forEach(function (summary) {
      if (summary.textContent.trim()) summary.removeAttribute("aria-label");
    });
  }

  /* Printed, the cite and provenance boxes are open (and closed again after). */
  function openBoxesForPrint() {
    let opened = [];
    window.addEventListener("beforeprint", function () {
      opened = Array.from(document.querySelectorAll("details.kzcn-cite:not([open]), details.kzcn-provenance:not([open])"));
      opened.forEach(function (box) { box.open = true; });
    });
    window.addEventListener("afterprint", function () {
      opened.forEach(function (box) { box.open = false; });
      opened = [];
    });
  }

  /* A wide table scrolls inside its box; its caption stays as wide as the box (and
     sticks to its left edge), so it is never cut off (kzcn.css reads the width). */
  function fitCaptions() {
    const boxes = document.querySelectorAll(".pst-scrollable-table-container");
    const measure = function () {
      boxes.forEach(function (box) {
        box.style.setProperty("--kzcn-box-width", box.clientWidth + "px");
      });
    };
    measure();
    window.addEventListener("resize", measure);
  }

  ready(function () {
    fitCaptions();
    openBoxesForPrint();
    repairTocButtons();
    repairTooltips();
    closeBoxesOnEscape();
    landmarkSidebar();
    nameButtonsByTheirText();
    nameScrollingBoxes();
  });
})();
