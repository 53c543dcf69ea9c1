// Click a header to sort its table (numbers by value, "–" last); a second click reverses.
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var asc = th.getAttribute("data-dir") !== "asc";
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
        if (x === null) { x = a.cells[col].textContent; y = b.cells[col].textContent; return asc ? x.localeCompare(y) : y.localeCompare(x); }
        x = x === "" ? -Infinity : parseFloat(x); y = y === "" ? -Infinity : parseFloat(y);
        return asc ? x - y : y - x;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("data-dir"); });
      th.setAttribute("data-dir", asc ? "asc" : "desc");
    });
  });
});
// Zero-shot / supervised filter on the main table.
var filter = document.getElementById("setting");
if (filter) {
  filter.addEventListener("change", function () {
    document.querySelectorAll("#main tbody tr").forEach(function (tr) {
      var sup = tr.getAttribute("data-supervised") === "1";
      tr.style.display = (filter.value === "all" || (filter.value === "supervised") === sup) ? "" : "none";
    });
  });
}
