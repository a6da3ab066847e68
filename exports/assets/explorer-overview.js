/* spinekg explorer, overview: one box per family (range group), under its section and top group,
 * laid out by the page's CSS grid in code order (the same picture every time). Facet values and
 * the add-ons shared across families are summarised on each box until the family is opened. */
var overviewEl = document.getElementById("view-overview");
var familyBoxes = {};
function regionsOf(codes) {
  var seen = {};
  codes.forEach(function (c) { DATA.cards[c].regions.forEach(function (r) { seen[r] = true; }); });
  return DATA.region_order.filter(function (r) { return seen[r]; });
}
(function buildOverview() {
  overviewEl.appendChild(el("p", { className: "intro", "data-label": "intro",
    text: "Each box is a family of near-twin codes (a range group). Open one for its table: rows and columns are the facets that vary inside it." }));
  DATA.overview.forEach(function (root) {
    var sec = el("section", { className: "root" });
    sec.appendChild(el("h2", { "data-label": "group:" + root.group, text: rangeText(root.group) + "  " + root.label }));
    root.sections.forEach(function (s) {
      var grid = el("div", { className: "families" });
      if (s.group !== root.group) {
        sec.appendChild(el("h3", { "data-label": "group:" + s.group, text: rangeText(s.group) + "  " + s.label }));
      }
      s.families.forEach(function (g) {
        var t = DATA.families[g];
        var prim = t.codes.filter(function (c) { return DATA.cards[c].kind === "primary"; }).length;
        var box = el("button", { type: "button", className: "family", "data-family": g }, [
          el("span", { className: "range", "data-label": "range:" + g, text: rangeText(g) }),
          el("span", { className: "name", "data-label": "name:" + g, text: t.label }),
          el("span", { className: "facts", "data-label": "facts:" + g,
            text: t.codes.length + " code" + (t.codes.length === 1 ? "" : "s") + " (" + prim + " primary)" +
                  (regionsOf(t.codes).length ? " \u00b7 " + regionsOf(t.codes).join(", ") : "") }),
          t.shared_addons.length ? el("span", { className: "shared", "data-label": "shared:" + g,
            text: "+ " + t.shared_addons.length + " shared add-on" + (t.shared_addons.length === 1 ? "" : "s") }) : null,
          el("span", { className: "match", "data-label": "match:" + g })
        ]);
        box.addEventListener("click", function () { show("family", g); });
        familyBoxes[g] = box;
        grid.appendChild(box);
      });
      sec.appendChild(grid);
    });
    overviewEl.appendChild(sec);
  });
})();
function overviewFilter() {
  var on = filtering();
  Object.keys(familyBoxes).forEach(function (g) {
    var t = DATA.families[g];
    var n = t.codes.filter(codePasses).length;
    var box = familyBoxes[g];
    box.classList.toggle("dim", on && n === 0);
    box.querySelector(".match").textContent = on ? n + " of " + t.codes.length + " match the filters" : "";
    box.querySelector(".match").hidden = !on;
  });
}
filterListeners.push(overviewFilter);
VIEWS.overview = {
  show: function () { hidePanel(); state.family = null; overviewFilter(); },
  labels: function () { return htmlLabels(overviewEl); }
};

// ---------- family table ----------
var familyEl = document.getElementById("view-family");
var familySelected = null;
function familyShow(g) {
  var t = DATA.families[g];
  state.family = g;
  familySelected = null;
  clear(familyEl);
  familyEl.appendChild(el("p", { className: "crumbs" }, [
    (function () { var b = el("button", { type: "button", className: "link", text: "\u2190 all families" });
      b.addEventListener("click", function () { show("overview"); }); return b; })()]));
  familyEl.appendChild(el("h2", { "data-label": "title", text: rangeText(g) + "  " + t.label }));
  var axes = t.column_facet ? "Columns: " + t.column_facet + (t.row_facets.length ? "; rows: " + t.row_facets.join(" \u00d7 ") : "") +
    ". An empty cell is a combination no code covers." : "Every code of this family has the same facets.";
  familyEl.appendChild(el("p", { className: "axes", "data-label": "axes", text: axes }));
  var table = el("table", { className: "family-table", "data-family": g });
  var head = el("tr");
  t.row_facets.forEach(function (f) { head.appendChild(el("th", { scope: "col", className: "rowhead", "data-label": "head:" + f, text: f })); });
  t.columns.forEach(function (c) { head.appendChild(el("th", { scope: "col", "data-label": "col:" + c, text: c })); });
  table.appendChild(el("thead", null, [head]));
  var body = el("tbody");
  t.rows.forEach(function (r, ri) {
    var tr = el("tr");
    r.key.forEach(function (k, ki) { tr.appendChild(el("th", { scope: "row", "data-label": "row:" + ri + ":" + ki, text: k })); });
    r.cells.forEach(function (cell, ci) {
      var td = el("td", { "data-row": String(ri), "data-col": t.columns[ci] });
      if (!cell.length) { td.classList.add("empty"); td.appendChild(el("span", { className: "none", text: "\u2014" })); }
      cell.forEach(function (entry) {
        var item = el("div", { className: "entry" });
        item.appendChild(codeChip(entry.code));
        entry.addons.forEach(function (a) { item.appendChild(text(" + ")); item.appendChild(codeChip(a, true)); });
        td.appendChild(item);
      });
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  table.appendChild(body);
  familyEl.appendChild(el("div", { className: "table-wrap" }, [table]));
  if (t.shared_addons.length) {
    familyEl.appendChild(el("h3", { text: "Add-ons shared with other families" }));
    var ul = el("p", { className: "shared-list" });
    t.shared_addons.forEach(function (a, i) { if (i) ul.appendChild(text(", ")); ul.appendChild(codeChip(a, true)); });
    familyEl.appendChild(ul);
  }
  familyFilter();
  hidePanel();
}
function codeChip(code, addon) {
  var b = el("button", { type: "button", className: "chip" + (addon ? " addon" : ""), "data-code": code, "data-label": "chip:" + code,
    text: code, title: codeLabel(code) });
  b.addEventListener("click", function () { familySelect(code); });
  return b;
}
function linkedCodes(code) {
  var c = DATA.cards[code], out = {};
  out[code] = true;
  if (c) c.add_ons.concat(c.add_on_to, c.reported_with).forEach(function (x) { out[x] = true; });
  return out;
}
function familySelect(code) {
  familySelected = code;
  var linked = linkedCodes(code);
  familyEl.querySelectorAll(".chip").forEach(function (b) {
    b.classList.toggle("dim", !linked[b.dataset.code]);
    b.classList.toggle("selected", b.dataset.code === code);
  });
  state.selected = code;
  if (isCode(code)) showCard(code);
}
function familyFilter() {
  if (state.view !== "family") return;
  var on = filtering();
  familyEl.querySelectorAll(".chip").forEach(function (b) {
    b.classList.toggle("filtered", on && isCode(b.dataset.code) && !codePasses(b.dataset.code));
  });
}
filterListeners.push(familyFilter);
VIEWS.family = {
  show: function (g) { familyShow(g); },
  deselect: function () {
    familySelected = null; state.selected = null;
    familyEl.querySelectorAll(".chip").forEach(function (b) { b.classList.remove("dim", "selected"); });
  },
  labels: function () { return htmlLabels(familyEl); },
  hide: function () { state.family = null; }
};
