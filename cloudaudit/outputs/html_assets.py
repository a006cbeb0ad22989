"""The stylesheet and script inlined into the HTML report (no file, font or CDN is fetched).

The Content-Security-Policy of the page allows exactly these two blocks, by hash: if untrusted
text ever slipped through unescaped, the browser would still refuse to run it."""

STYLE = """
:root { --fg: #1d232a; --muted: #5b6570; --line: #d9dee3; --bg: #ffffff; --band: #f5f7f9;
  --critical: #8b0000; --high: #c62828; --medium: #b45f06; --low: #4a6fa5; --info: #607080;
  --fail: #c62828; --error: #9a6700; --pass: #2e7d32; --muted-status: #6b7280; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; padding: 1.5rem 2rem 3rem; color: var(--fg); background: var(--bg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--band); padding: .5rem .75rem; border-radius: 4px; }
.scope, .tool { color: var(--muted); margin: 0; }
.headline { font-size: 1.1rem; font-weight: 600; margin: .75rem 0; }
.tiles { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.tile { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; min-width: 8rem; }
.tile .number { display: block; font-size: 1.6rem; font-weight: 700; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .45rem .6rem; border-bottom: 1px solid var(--line); }
th { background: var(--band); font-weight: 600; }
table.counts { width: auto; }
table.counts td, table.counts th { text-align: right; }
table.counts td:first-child, table.counts th:first-child { text-align: left; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 3px; color: #fff; font-size: .8rem; font-weight: 600; white-space: nowrap; }
.sev-critical { background: var(--critical); } .sev-high { background: var(--high); }
.sev-medium { background: var(--medium); } .sev-low { background: var(--low); } .sev-info { background: var(--info); }
.st-FAIL { background: var(--fail); } .st-ERROR { background: var(--error); } .st-PASS { background: var(--pass); }
.st-MUTED, .st-NOT_APPLICABLE { background: var(--muted-status); }
.rid { color: var(--muted); word-break: break-all; }
.filters { display: flex; flex-wrap: wrap; gap: 1rem; margin: 0 0 1rem; }
.filters fieldset { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; margin: 0; }
.filters legend { font-weight: 600; padding: 0 .25rem; }
.filters label { margin-right: .8rem; white-space: nowrap; cursor: pointer; }
details summary { cursor: pointer; color: var(--muted); }
.shown { color: var(--muted); }
ul.issues li { margin: .25rem 0; }
@media print { .filters, .shown { display: none; } details > *:not(summary) { display: block; } }
"""

SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings tbody tr.finding"));
  var shownCount = document.getElementById("shown-count");
  var noMatch = document.getElementById("no-match");
  var dimensions = ["severity", "provider", "status"];

  function chosen(dimension) {
    var values = {};
    var boxes = form.querySelectorAll("fieldset[data-filter='" + dimension + "'] input[type='checkbox']");
    Array.prototype.forEach.call(boxes, function (box) { if (box.checked) { values[box.value] = true; } });
    return values;
  }

  function apply() {
    var filters = dimensions.map(function (dimension) { return [dimension, chosen(dimension)]; });
    var shown = 0;
    rows.forEach(function (row) {
      var visible = filters.every(function (filter) { return filter[1][row.dataset[filter[0]]] === true; });
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    shownCount.textContent = String(shown);
    noMatch.hidden = shown !== 0;
  }

  form.addEventListener("change", apply);
  apply();
})();
"""
