/* icsgraph pages: sortable tables, the static site's date filter, question forms and search.
   Plain script, no network: it only reads the page and puts text in it with textContent. */
(function () {
  "use strict";
  function fold(s) { return (s || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, " ").trim(); }
  function cellText(row, i) { var c = row.cells[i]; return c ? c.textContent.trim() : ""; }

  // sortable tables: a button in each column header
  document.querySelectorAll("table.ics-sortable").forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, i) {
      var button = th.querySelector("button.ics-sort");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = rows.every(function (r) { var t = cellText(r, i); return t === "" || !isNaN(Number(t)); });
        rows.sort(function (a, b) {
          var x = cellText(a, i), y = cellText(b, i);
          var d = numeric ? (Number(x) - Number(y)) : x.localeCompare(y, "en", {numeric: true, sensitivity: "base"});
          return up ? d : -d;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  // static site: a date parameter filters the rows of the answer in the page
  document.querySelectorAll("input[data-filter-table]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var n = table.tHead.rows[0].cells.length, col = -1;
    for (var i = 0; i < n && col < 0; i++) {
      var dated = rows.filter(function (r) { return /^\d{4}-\d{2}-\d{2}$/.test(cellText(r, i)); }).length;
      if (dated > 0 && dated === rows.filter(function (r) { return cellText(r, i) !== ""; }).length) { col = i; }
    }
    var count = document.querySelector('[data-count-for="' + table.id + '"]');
    function apply() {
      var day = input.value, shown = 0;
      rows.forEach(function (r) {
        var keep = col < 0 || !day || cellText(r, col) < day;
        r.hidden = !keep;
        if (keep) { shown++; }
      });
      if (count) { count.textContent = String(shown); }
    }
    input.addEventListener("input", apply);
    input.addEventListener("change", apply);
    apply();
  });

  // static site: a question's form goes to the page that answers the chosen name
  document.querySelectorAll("form[data-static-form]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var message = form.querySelector(".ics-static-error");
      var blocks = form.querySelectorAll("script.ics-answers");
      var chosen = null, asked = "";
      Array.prototype.forEach.call(blocks, function (block) {
        var input = form.querySelector('[name="' + block.getAttribute("data-param") + '"]');
        var answers = JSON.parse(block.textContent);
        var wanted = fold(input.value);
        var hit = answers.find(function (a) { return a.names.some(function (n) { return fold(n) === wanted; }); });
        if (!hit && wanted) {
          var part = answers.filter(function (a) { return a.names.some(function (n) { return fold(n).indexOf(wanted) >= 0; }); });
          if (part.length === 1) { hit = part[0]; }
        }
        if (chosen === null || (hit && input.value !== input.defaultValue)) { chosen = hit || null; asked = input.value; }
      });
      if (chosen) { window.location.href = chosen.href; return; }
      if (message) { message.hidden = false; message.textContent = "Nothing is called \u201c" + asked + "\u201d: choose a name from the list."; }
    });
  });

  // static site: search the names in the page
  var index = document.getElementById("search-index");
  if (index) {
    var entries = JSON.parse(index.textContent);
    var q = new URLSearchParams(window.location.search).get("q") || "";
    var box = document.getElementById("q");
    if (box && q) { box.value = q; }
    var out = document.getElementById("search-results");
    var wanted = fold(q);
    if (wanted && out) {
      var hits = [];
      entries.forEach(function (e) {
        var best = null, matched = null;
        [e[0]].concat(e[3]).forEach(function (name, k) {
          var f = fold(name), s = f === wanted ? 0 : (f.indexOf(wanted) === 0 ? 1 : (f.indexOf(wanted) >= 0 ? 2 : 9));
          if (s < 9 && (best === null || s < best)) { best = s; matched = k ? name : null; }
        });
        if (best !== null) { hits.push([best, e, matched]); }
      });
      hits.sort(function (a, b) { return a[0] - b[0] || a[1][0].localeCompare(b[1][0]); });
      out.textContent = "";
      var h = document.createElement("h2");
      h.className = "govuk-heading-m";
      h.textContent = hits.length + (hits.length === 1 ? " result" : " results") + " for \u201c" + q + "\u201d";
      out.appendChild(h);
      var ul = document.createElement("ul");
      ul.className = "govuk-list";
      hits.slice(0, 200).forEach(function (hit) {
        var li = document.createElement("li"), a = document.createElement("a"), span = document.createElement("span");
        a.className = "govuk-link"; a.href = hit[1][2]; a.textContent = hit[1][0];
        span.className = "ics-meta"; span.textContent = " " + hit[1][1] + (hit[2] ? " - also called \u201c" + hit[2] + "\u201d" : "");
        li.appendChild(a); li.appendChild(span); ul.appendChild(li);
      });
      out.appendChild(ul);
    }
  }
})();
