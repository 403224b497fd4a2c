// Click a header of a table.sortable to sort its body rows; cells may carry data-sort (number or text).
(function () {
  "use strict";
  function key(cell) {
    const raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    const n = Number(raw);
    return raw !== "" && !Number.isNaN(n) ? { n: n } : { s: raw.toLowerCase() };
  }
  function compare(a, b) {
    if ("n" in a && "n" in b) return a.n - b.n;
    if ("n" in a) return -1;
    if ("n" in b) return 1;
    return a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
  }
  function sortBy(table, th) {
    const index = Array.prototype.indexOf.call(th.parentNode.children, th);
    const dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
    for (const other of th.parentNode.children) other.removeAttribute("aria-sort");
    th.setAttribute("aria-sort", dir);
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort(function (r1, r2) {
      const c = compare(key(r1.cells[index]), key(r2.cells[index]));
      return dir === "ascending" ? c : -c;
    });
    for (const r of rows) body.appendChild(r);
  }
  for (const table of document.querySelectorAll("table.sortable")) {
    if (!table.tHead || !table.tBodies.length) continue;
    for (const th of table.tHead.rows[0].cells) {
      th.addEventListener("click", function () { sortBy(table, th); });
    }
  }
})();
