// nanocat explorer: fills, filters and sorts the catalyst table from window.NANOCAT_DATA (assets/data.js).
// Product, FE and cell filters apply to one and the same measurement; FE bounds are intervals:
// ">80" is [80, 100], "<10" is [0, 10], so "FE >= X" keeps a measurement whose lower end is >= X.
(function () {
  "use strict";
  var data = (window.NANOCAT_DATA || {}).catalysts || [];
  var body = document.querySelector("#catalysts tbody");
  var sortKey = "id", sortDir = 1;
  function $(id) { return document.getElementById(id); }
  function text(v) { return v === null || v === undefined || v === "" ? "\u2013" : String(v); }
  function cell(tr, content, cls) {
    var td = document.createElement("td");
    if (content instanceof Node) { td.appendChild(content); } else { td.textContent = text(content); }
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }
  function measurementMatches(c, product, minFe, cellName) {
    if (!product && isNaN(minFe) && !cellName) { return true; }
    return c.measurements.some(function (m) {
      return (!product || m.product === product) && (isNaN(minFe) || m.fe_low >= minFe) &&
        (!cellName || m.cell === cellName);
    });
  }
  function keep(c) {
    var metal = $("f-metal").value, product = $("f-product").value, cellName = $("f-cell").value;
    var hyd = $("f-hydrides").value, model = $("f-model").value;
    var minFe = parseFloat($("f-minfe").value), q = $("f-text").value.trim().toLowerCase();
    return (!metal || c.metals.indexOf(metal) >= 0) && (!hyd || c.hydrides === hyd) &&
      (!model || c.model === model) && (!q || c.search.indexOf(q) >= 0) &&
      measurementMatches(c, product, minFe, cellName);
  }
  function compare(a, b) {
    var x = a[sortKey], y = b[sortKey];
    if (Array.isArray(x)) { x = x.join(","); y = y.join(","); }
    var xn = x === null || x === undefined || x === "", yn = y === null || y === undefined || y === "";
    if (xn || yn) { return xn === yn ? 0 : (xn ? 1 : -1); }  // empty cells last in both directions
    if (typeof x === "number" && typeof y === "number") { return sortDir * (x - y); }
    return sortDir * String(x).localeCompare(String(y), undefined, {numeric: true, sensitivity: "base"});
  }
  var shown = null;
  function state() {
    return ["f-metal", "f-product", "f-minfe", "f-cell", "f-hydrides", "f-model", "f-text"].map(function (id) {
      return $(id).value;
    }).concat([sortKey, sortDir]).join("\u0001");
  }
  function render() {
    // rebuild only when something changed: a blur's "change" event must not replace the row being clicked
    if (state() === shown) { return; }
    shown = state();
    var rows = data.filter(keep).sort(compare);
    body.textContent = "";
    rows.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-id", c.id);
      var a = document.createElement("a");
      a.href = c.href; a.textContent = c.id; a.className = "catalyst-link";
      cell(tr, a, "l");
      cell(tr, c.formula || c.label, "l formula");
      cell(tr, c.kind, "l");
      cell(tr, c.model, "l");
      cell(tr, c.metals.join(" "), "l");
      cell(tr, c.electron_count);
      cell(tr, c.hydrides, "l");
      cell(tr, c.products.join(" "), "l");
      cell(tr, c.best, "l");
      cell(tr, c.cells.join(", "), "l");
      cell(tr, c.n_measurements);
      body.appendChild(tr);
    });
    $("count").textContent = rows.length + " of " + data.length + " catalysts";
    document.querySelectorAll("th.sortable").forEach(function (th) {
      th.classList.toggle("asc", th.getAttribute("data-key") === sortKey && sortDir === 1);
      th.classList.toggle("desc", th.getAttribute("data-key") === sortKey && sortDir === -1);
    });
  }
  document.querySelectorAll("#filters select, #filters input").forEach(function (el) {
    el.addEventListener("input", render);
    el.addEventListener("change", render);
  });
  $("f-reset").addEventListener("click", function () { $("filters").reset(); render(); });
  document.querySelectorAll("th.sortable").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      sortDir = key === sortKey ? -sortDir : 1;
      sortKey = key;
      render();
    });
  });
  render();
})();
