/* spinekg explorer, compare: 2-4 codes side by side, differing facets highlighted, shared ones
 * muted, their add-ons and reported-with codes, and the shortest chain of relations between them. */
var compareEl = document.getElementById("view-compare");
var COMPARE_ROWS = [["kind", function (c) { return [c.kind]; }], ["group", function (c) { return [c.group]; }],
  ["regions", function (c) { return c.regions; }], ["approaches", function (c) { return c.approaches; }],
  ["access", function (c) { return c.access; }], ["procedures", function (c) { return c.procedures; }],
  ["lesion compartment", function (c) { return c.lesion_compartments; }], ["lesion nature", function (c) { return c.lesion_natures; }],
  ["variants", function (c) { return c.variants.concat(c.indications); }],
  ["imaging", function (c) { return c.imaging; }], ["agent", function (c) { return c.agents; }],
  ["delivery", function (c) { return c.delivery; }], ["device", function (c) { return c.devices; }],
  ["device action", function (c) { return c.device_actions; }],
  ["units", function (c) { var u = units(c); return u ? [u] : []; }],
  ["add-ons", function (c) { return c.add_ons; }], ["primaries", function (c) { return c.add_on_to; }],
  ["reported with", function (c) { return c.reported_with; }]];
var REL_RANK = ["region", "approach", "procedure", "lesionCompartment", "lesionNature", "broader", "addOnTo", "reportedWith"];
function shortestPath(a, b) {
  // breadth first over the drawn relations, neighbours in a fixed order (facets first, as `spinekg path`)
  if (a === b) return [a];
  var prev = {}; prev[a] = null;
  var queue = [a];
  var order = function (x) { var i = REL_RANK.indexOf(x[0]); return i < 0 ? REL_RANK.length : i; };
  while (queue.length) {
    var u = queue.shift();
    var nb = ADJ[u].slice().sort(function (x, y) { return order(x) - order(y) || cmp(x[1], y[1]); });
    for (var i = 0; i < nb.length; i++) {
      var v = nb[i][1];
      if (v in prev) continue;
      prev[v] = u;
      if (v === b) {
        var path = [b];
        while (prev[path[0]] !== null) path.unshift(prev[path[0]]);
        return path;
      }
      queue.push(v);
    }
  }
  return null;
}
function nodeName(id) { var n = byId[id]; return isCode(id) ? id : n.kind === "group" ? rangeText(id) : n.label; }
function compareShow(codes) {
  if (codes) state.compare = codes.slice(0, 4);
  updateCompareButton();
  clear(compareEl);
  hidePanel();
  var cs = state.compare;
  compareEl.appendChild(el("h2", { "data-label": "title", text: "Compare " + (cs.length ? cs.join(", ") : "codes") }));
  if (cs.length < 2) {
    compareEl.appendChild(el("p", { className: "hint-big", "data-label": "hint",
      text: "Pick two to four codes: open a code's card and press “+ compare”, or link to #compare=63081,63085." }));
    return;
  }
  var table = el("table", { className: "compare-table" });
  var head = el("tr", null, [el("th", { text: "" })]);
  cs.forEach(function (c) {
    var rm = el("button", { type: "button", className: "link", "data-remove": c, text: "remove" });
    rm.addEventListener("click", function () { state.compare = state.compare.filter(function (x) { return x !== c; }); show("compare"); });
    head.appendChild(el("th", { scope: "col" }, [nodeLink(c), el("div", { className: "label", "data-label": "label:" + c, text: DATA.cards[c].label }), rm]));
  });
  table.appendChild(el("thead", null, [head]));
  var body = el("tbody");
  COMPARE_ROWS.forEach(function (row) {
    var vals = cs.map(function (c) { return row[1](DATA.cards[c]).slice().sort(); });
    if (vals.every(function (v) { return !v.length; })) return;
    var same = vals.every(function (v) { return v.join("|") === vals[0].join("|"); });
    var tr = el("tr", { className: same ? "same" : "differs", "data-facet": row[0] },
      [el("th", { scope: "row", "data-label": "facet:" + row[0], text: row[0] + (same ? "" : " \u2260") })]);
    vals.forEach(function (v, i) {
      var others = {};
      vals.forEach(function (w, j) { if (j !== i) w.forEach(function (x) { others[x] = (others[x] || 0) + 1; }); });
      var td = el("td");
      if (!v.length) td.appendChild(el("span", { className: "none", text: "\u2014" }));
      v.forEach(function (x, k) {
        if (k) td.appendChild(text(", "));
        var shared = others[x] === cs.length - 1;
        var span = el("span", { className: shared ? "shared" : "only", text: x });
        td.appendChild(span);
      });
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  table.appendChild(body);
  compareEl.appendChild(el("div", { className: "table-wrap" }, [table]));
  compareEl.appendChild(el("h3", { text: "How they are linked" }));
  var ul = el("ul", { className: "paths" });
  var facts = [];  // the same sentences as `spinekg compare`
  cs.forEach(function (a) {
    cs.forEach(function (b) {
      if (a !== b && DATA.cards[a].add_on_to.indexOf(b) >= 0) facts.push(a + " is an add-on reported with " + b);
      if (a < b && DATA.cards[a].reported_with.indexOf(b) >= 0) facts.push(a + " and " + b + " are commonly reported together");
    });
  });
  if (cs.every(function (c) { return DATA.cards[c].group === DATA.cards[cs[0]].group; })) {
    facts.push((cs.length === 2 ? "both" : "all") + " sit in group " + DATA.cards[cs[0]].group);
  }
  facts.forEach(function (f) { ul.appendChild(el("li", { className: "fact", text: f })); });
  for (var i = 0; i + 1 < cs.length; i++) {
    var p = shortestPath(cs[i], cs[i + 1]);
    var li = el("li", { "data-path": cs[i] + "," + cs[i + 1] });
    if (!p) li.appendChild(text(cs[i] + " and " + cs[i + 1] + ": no chain of relations"));
    else p.forEach(function (id, k) {
      if (k) li.appendChild(el("span", { className: "rel", text: " \u2014" + (ADJ[p[k - 1]].filter(function (x) { return x[1] === id; })[0] || [""])[0] + "\u2014 " }));
      li.appendChild(nodeLink(id, nodeName(id)));
    });
    ul.appendChild(li);
  }
  compareEl.appendChild(ul);
}
VIEWS.compare = {
  show: function (codes) { compareShow(codes); },
  labels: function () { return htmlLabels(compareEl); }
};
