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
    cell.classList.remove("kzcn-note-dismissed");
    const box = cell.getBoundingClientRect();
    note.style.position = "fixed";
    note.style.left = Math.max(4, Math.min(box.left, window.innerWidth - note.offsetWidth - 4)) + "px";
    const below = box.bottom + 4;
    const above = box.top - note.offsetHeight - 4;
    note.style.top = (below + note.offsetHeight < window.innerHeight || above < 0 ? below : above) + "px";
  }

  function repairTooltips() {
    document.querySelectorAll(".kzcn-cell").forEach(function (cell) {
      cell.addEventListener("mouseenter", function () { place(cell); });
      cell.addEventListener("focus", function () { place(cell); });
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

  ready(function () {
    repairTocButtons();
    repairTooltips();
    closeBoxesOnEscape();
  });
})();
