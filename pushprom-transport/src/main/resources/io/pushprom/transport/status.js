// Sorts a table by the column whose header was clicked: numbers and times largest first, text
// from A; a second click turns the order round.
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (head, column) {
    var button = head.querySelector("button");
    if (!button) {
      return;
    }
    button.addEventListener("click", function () {
      var numeric = head.dataset.sort === "number";
      var current = head.getAttribute("aria-sort");
      var descending = current ? current === "ascending" : numeric;
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column];
        var y = b.cells[column];
        var order = numeric
          ? Number(x.dataset.v) - Number(y.dataset.v)
          : x.textContent.localeCompare(y.textContent);
        if (descending) {
          order = -order;
        }
        // Ties by the first column, from A, as the server lists them.
        return order || a.cells[0].textContent.localeCompare(b.cells[0].textContent);
      });
      rows.forEach(function (row) {
        body.appendChild(row);
      });
      Array.prototype.forEach.call(heads, function (other) {
        other.removeAttribute("aria-sort");
      });
      head.setAttribute("aria-sort", descending ? "descending" : "ascending");
    });
  });
});
