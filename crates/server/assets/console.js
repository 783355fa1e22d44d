// embargo console: progressive enhancement only. Every page works without
// this script; with it, search answers as you type and tables filter live.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var t = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  // Search as you type: the search form's fields are sent to the fragment
  // endpoint named by data-fragment, and the answer replaces #results.
  var form = document.querySelector("form[data-fragment]");
  if (form && window.fetch) {
    var target = document.getElementById(form.getAttribute("data-target") || "results");
    var seq = 0;
    var run = debounce(function () {
      var params = new URLSearchParams(new FormData(form));
      var mine = ++seq;
      target.setAttribute("aria-busy", "true");
      fetch(form.getAttribute("data-fragment") + "?" + params.toString(), {
        headers: { "Accept": "text/html" }, credentials: "same-origin"
      }).then(function (r) { return r.text(); }).then(function (html) {
        if (mine !== seq) return;
        target.innerHTML = html;
        target.removeAttribute("aria-busy");
        history.replaceState(null, "", form.getAttribute("action") + "?" + params.toString());
      }).catch(function () {
        if (mine !== seq) return;
        target.removeAttribute("aria-busy");
        target.innerHTML = '<p class="error-box">The server did not answer. Press Enter to search again.</p>';
      });
    }, 160);
    form.addEventListener("input", run);
    form.addEventListener("change", run);
  }

  // "/" focuses the main search box, as in most search tools.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (document.activeElement && document.activeElement.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    var q = document.querySelector("input[data-hotkey='/']");
    if (q) { e.preventDefault(); q.focus(); q.select(); }
  });

  // Live filter of table rows: <input data-filter-table="ID">.
  Array.prototype.forEach.call(document.querySelectorAll("input[data-filter-table]"), function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) return;
    var status = document.getElementById(input.getAttribute("data-filter-status") || "");
    function apply() {
      var needle = input.value.trim().toLowerCase();
      var shown = 0, rows = table.tBodies[0] ? table.tBodies[0].rows : [];
      Array.prototype.forEach.call(rows, function (row) {
        var kind = row.getAttribute("data-change") || "";
        var box = document.querySelector("input[data-kind-toggle='" + kind + "']");
        var kindOk = !box || box.checked;
        var ok = kindOk && (!needle || row.textContent.toLowerCase().indexOf(needle) >= 0);
        row.hidden = !ok;
        if (ok) shown++;
      });
      if (status) status.textContent = shown + " of " + rows.length + " rows shown";
    }
    input.addEventListener("input", apply);
    Array.prototype.forEach.call(document.querySelectorAll("input[data-kind-toggle]"), function (b) {
      b.addEventListener("change", apply);
    });
    apply();
  });

  // Confirmation for destructive buttons: <button data-confirm="...">.
  Array.prototype.forEach.call(document.querySelectorAll("[data-confirm]"), function (b) {
    b.addEventListener("click", function (e) {
      if (!window.confirm(b.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();
