// Sortable tables and the zero-shot / supervised filter. No network, no inline script (the
// pages' Content-Security-Policy allows only this file).
// Click (or Enter on) a header to sort its table: numbers by their data-v value, text otherwise;
// empty cells always last; a second click reverses.
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead ? table.tHead.rows[0].cells : [];
  Array.prototype.forEach.call(heads, function (th, col) {
    th.tabIndex = 0;
    th.setAttribute("role", "columnheader");
    var sort = function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute("aria-sort") !== "ascending";
      rows.sort(function (a, b) {
        var ca = a.cells[col], cb = b.cells[col];
        if (!ca || !cb) { return 0; }
        var x = ca.getAttribute("data-v"), y = cb.getAttribute("data-v");
        if (x === null || y === null) {
          x = ca.textContent.trim(); y = cb.textContent.trim();
          return asc ? x.localeCompare(y) : y.localeCompare(x);
        }
        if (x === "" || y === "") { return (x === "") - (y === ""); }
        return asc ? parseFloat(x) - parseFloat(y) : parseFloat(y) - parseFloat(x);
      });
      rows.forEach(function (r) { body.appendChild(r); });
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    };
    th.addEventListener("click", function (ev) { if (ev.target.tagName !== "A") { sort(); } });
    th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { sort(); } });
  });
});
var filter = document.getElementById("setting");
if (filter) {
  filter.addEventListener("change", function () {
    document.querySelectorAll("table.main tbody tr").forEach(function (tr) {
      var sup = tr.getAttribute("data-supervised") === "1";
      tr.hidden = !(filter.value === "all" || (filter.value === "supervised") === sup);
    });
  });
}
