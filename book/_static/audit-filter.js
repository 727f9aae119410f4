// Filter for the audit page: show only the rows of some statuses, causes or chapters.
// No dependencies. Rows carry data-status, data-cause and data-chapter (set at publish
// time by kzcn.publish.mark_audit_rows); the controls are built here, once per page.
(function () {
  "use strict";
  function values(rows, key) {
    var seen = {};
    rows.forEach(function (row) {
      var value = row.getAttribute("data-" + key);
      if (value !== null) { seen[value] = (seen[value] || 0) + 1; }
    });
    return Object.keys(seen).sort();
  }
  function select(label, key, options) {
    var wrap = document.createElement("label");
    wrap.className = "kzcn-audit-filter-field";
    wrap.style.marginRight = "1em";
    wrap.style.whiteSpace = "nowrap";
    wrap.appendChild(document.createTextNode(label + " "));
    var box = document.createElement("select");
    box.style.maxWidth = "16em";
    box.setAttribute("data-key", key);
    var all = document.createElement("option");
    all.value = "";
    all.textContent = "all";
    box.appendChild(all);
    options.forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value === "" ? "none" : value;
      box.appendChild(option);
    });
    wrap.appendChild(box);
    return wrap;
  }
  function init() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-status]"));
    if (!rows.length) { return; }
    var first = document.querySelector("table[id^='tbl-audit-'] tr[data-status]");
    var anchor = first ? first.closest("table") : null;
    var main = document.querySelector("main") || document.body;
    var form = document.createElement("form");
    form.className = "kzcn-audit-filter";
    form.setAttribute("role", "search");
    form.setAttribute("aria-label", "Filter the audit rows");
    form.style.display = "flex";
    form.style.flexWrap = "wrap";
    form.style.alignItems = "center";
    form.style.gap = "0.5em 0";
    form.style.margin = "1em 0";
    form.appendChild(select("Status", "status", values(rows, "status")));
    form.appendChild(select("Cause", "cause", values(rows, "cause")));
    form.appendChild(select("Chapter", "chapter", values(rows, "chapter")));
    // one button puts every list back to "all"; it keeps the focus, so a keyboard
    // reader goes on from where they were
    var reset = document.createElement("button");
    reset.type = "button";
    reset.className = "kzcn-audit-filter-reset";
    reset.textContent = "Show all rows";
    reset.style.marginRight = "1em";
    form.appendChild(reset);
    var count = document.createElement("output");
    count.setAttribute("aria-live", "polite");
    form.appendChild(count);
    function apply() {
      var wanted = {};
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (box) {
        if (box.value !== "" || box.selectedIndex > 0) { wanted[box.getAttribute("data-key")] = box.value; }
      });
      var shown = 0;
      rows.forEach(function (row) {
        var ok = Object.keys(wanted).every(function (key) {
          return row.getAttribute("data-" + key) === wanted[key];
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      count.textContent = shown + " of " + rows.length + " rows shown";
    }
    form.addEventListener("change", apply);
    reset.addEventListener("click", function () {
      Array.prototype.forEach.call(form.querySelectorAll("select"), function (box) { box.selectedIndex = 0; });
      apply();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    rows.forEach(function (row) { row.style.scrollMarginTop = "5em"; });
    var heading = anchor ? anchor.closest("section") : null;
    var target = document.getElementById("summary") || heading || main;
    target.parentNode.insertBefore(form, target);
    apply();
    // the form moved the page: bring a row named in the address back into view
    var wanted = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    if (wanted && wanted.hasAttribute("data-status")) { wanted.scrollIntoView(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
