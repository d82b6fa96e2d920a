/* HIS Analyzer report: tabs, sortable tables, search, filters, paging and detail rows.
   Vanilla JS, no network. It only moves, shows and hides what the report already holds and
   clones the detail <template>s Python wrote; it never builds markup from data, so a value
   can never turn into code. */
(function () {
  "use strict";

  /* ---- tabs ---- */
  var tabs = Array.prototype.slice.call(document.querySelectorAll('[role="tab"]'));
  function selectTab(tab) {
    tabs.forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    });
  }
  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () { selectTab(tab); });
    tab.addEventListener("keydown", function (event) {
      var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      var next = tabs[(index + step + tabs.length) % tabs.length];
      selectTab(next);
      next.focus();
    });
  });

  /* ---- a table's rows: a main row plus its optional detail row, kept together ---- */
  function groupsOf(body) {
    var groups = [];
    Array.prototype.forEach.call(body.rows, function (row) {
      if (row.classList.contains("detail") && groups.length) {
        groups[groups.length - 1].detail = row;
      } else {
        groups.push({ row: row, detail: null, text: null, key: "" });
      }
    });
    return groups;
  }
  function searchText(group) {
    if (group.text === null) {
      var template = group.detail && group.detail.querySelector("template");
      group.text = (group.row.textContent + " " +
        (template ? template.content.textContent : "")).toLowerCase();
    }
    return group.text;
  }

  /* ---- sorting: numbers as numbers (before text), text by locale, empty cells last ---- */
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  function sortKey(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var raw = cell.getAttribute("data-sort");
    return (raw === null ? cell.textContent : raw).trim();
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b), xNumber = !isNaN(x), yNumber = !isNaN(y);
    if (xNumber && yNumber) return x - y;
    if (xNumber !== yNumber) return xNumber ? -1 : 1;
    return collator.compare(a, b);
  }
  function sortBy(table, th, index) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var direction = ascending ? 1 : -1;
    table.groups.forEach(function (group) { group.key = sortKey(group.row, index); });
    table.groups.sort(function (a, b) {
      if (!a.key || !b.key) return (a.key ? 0 : 1) - (b.key ? 0 : 1);
      return direction * compare(a.key, b.key);
    });
    var fragment = document.createDocumentFragment();
    table.groups.forEach(function (group) {
      fragment.appendChild(group.row);
      if (group.detail) fragment.appendChild(group.detail);
    });
    table.tBodies[0].appendChild(fragment);
    table.page = 0;
    table.render();
  }

  /* ---- search, filter selects and paging: only one page of rows is ever laid out ---- */
  function setUp(table) {
    table.groups = groupsOf(table.tBodies[0]);
    table.page = 0;
    var pageSize = Number(table.getAttribute("data-page-size")) || 200;
    var search = document.querySelector('input[data-search-for="' + table.id + '"]');
    var selects = Array.prototype.slice.call(
      document.querySelectorAll('select[data-filter-for="' + table.id + '"]'));
    var count = document.querySelector('[data-count-for="' + table.id + '"]');
    var pager = document.querySelector('[data-pager-for="' + table.id + '"]');
    var matches = [];

    function matchesOf() {
      var query = search ? search.value.trim().toLowerCase() : "";
      return table.groups.filter(function (group) {
        if (query && searchText(group).indexOf(query) === -1) return false;
        return selects.every(function (select) {
          if (!select.value) return true;
          var cell = group.row.cells[Number(select.getAttribute("data-column"))];
          var value = cell ? (cell.getAttribute("data-filter") || cell.textContent.trim()) : "";
          return value === select.value;
        });
      });
    }
    table.render = function () {
      matches = matchesOf();
      var pages = Math.max(Math.ceil(matches.length / pageSize), 1);
      table.page = Math.min(Math.max(table.page, 0), pages - 1);
      var first = table.page * pageSize, last = first + pageSize;
      var onPage = new Set(matches.slice(first, last));
      table.groups.forEach(function (group) {
        var shown = onPage.has(group);
        group.row.hidden = !shown;
        if (group.detail) group.detail.hidden = !(shown && group.row.classList.contains("open"));
      });
      if (count) {
        count.textContent = matches.length + " of " + table.groups.length + " " +
          count.getAttribute("data-noun");
      }
      if (pager) {
        pager.hidden = pages < 2;
        pager.querySelector(".range").textContent = matches.length ?
          (first + 1) + "\u2013" + Math.min(last, matches.length) + " of " + matches.length : "";
        pager.querySelector('[data-step="-1"]').disabled = table.page === 0;
        pager.querySelector('[data-step="1"]').disabled = table.page >= pages - 1;
      }
    };
    function restart() { table.page = 0; table.render(); }
    var typing = null;
    if (search) {
      // Wait for a pause in typing: a big report re-filters tens of thousands of rows.
      search.addEventListener("input", function () {
        clearTimeout(typing);
        if (table.groups.length > 2000) typing = setTimeout(restart, 250);
        else restart();
      });
    }
    selects.forEach(function (select) { select.addEventListener("change", restart); });
    if (pager) {
      pager.addEventListener("click", function (event) {
        var button = event.target.closest("button[data-step]");
        if (!button) return;
        table.page += Number(button.getAttribute("data-step"));
        table.render();
      });
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      var button = th.querySelector("button.sort");
      if (button) button.addEventListener("click", function () { sortBy(table, th, index); });
    });
    table.render();
  }

  /* ---- detail rows: a toggle per row; the detail is cloned from its template when opened ---- */
  Array.prototype.forEach.call(document.querySelectorAll("tr.row + tr.detail"), function (detail) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "toggle";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", "Show details");
    button.textContent = "\u25B8";
    detail.previousElementSibling.cells[0].appendChild(button);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.toggle");
    if (!button) return;
    var row = button.closest("tr");
    var detail = row.nextElementSibling;
    var open = !row.classList.contains("open");
    row.classList.toggle("open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "\u25BE" : "\u25B8";
    if (!detail || !detail.classList.contains("detail")) return;
    var template = detail.querySelector("template");
    if (open && template && !template.nextSibling) {
      template.parentNode.appendChild(template.content.cloneNode(true));
    }
    detail.hidden = !open;
  });

  /* ---- a table name in the overview opens its columns ---- */
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-goto-table]");
    if (!link) return;
    event.preventDefault();
    var select = document.querySelector("select[data-goto-target]");
    var table = document.getElementById(select.getAttribute("data-filter-for"));
    select.value = link.getAttribute("data-goto-table");
    table.page = 0;
    table.render();
    selectTab(document.getElementById("tab-columns-button"));
  });

  Array.prototype.forEach.call(document.querySelectorAll("table.data"), setUp);
})();
