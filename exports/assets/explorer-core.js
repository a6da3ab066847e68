/* spinekg explorer, core: the data, text-only DOM helpers, the view switcher, the URL fragment and
 * the code card. All data comes from the JSON block #spinekg-data and reaches the page through
 * textContent only: no text from the data is ever parsed as HTML. (Inlined with the other
 * explorer-*.js files into one function scope.) */
var DATA = JSON.parse(document.getElementById("spinekg-data").textContent);
var NODE_IDS = DATA.nodes.map(function (n) { return n.id; });
DATA.edges = DATA.edges.map(function (t, i) {
  var rel = DATA.rels[t[2]];
  return { id: "e" + i, from: NODE_IDS[t[0]], to: NODE_IDS[t[1]], relation: rel, dense: t[3] === 1,
           arrows: rel === "addOnTo" ? "to" : "" };
});
var SVG = "http:" + "//www.w3.org/2000/svg"; // XML namespace name, never fetched
var CODE_KINDS = { "primary": true, "add-on": true };
var RELATION_SHORT = {}, RELATION_NAMES = {}, KIND_INFO = {};
DATA.relations.forEach(function (r) { RELATION_NAMES[r.relation] = r.name; RELATION_SHORT[r.relation] = r.short; });
DATA.kinds.forEach(function (k) { KIND_INFO[k.kind] = k; });
var byId = {};
DATA.nodes.forEach(function (n) { byId[n.id] = n; });
var neighbours = {};  // id -> [{id, edge}]
DATA.edges.forEach(function (e) {
  (neighbours[e.from] = neighbours[e.from] || []).push({ id: e.to, edge: e });
  (neighbours[e.to] = neighbours[e.to] || []).push({ id: e.from, edge: e });
});

function el(tag, attrs, children) {
  var node = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
  }
  (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? text(c) : c); });
  return node;
}
function text(s) { return document.createTextNode(s == null ? "" : String(s)); }
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
function rangeText(g) { return g.replace("group:", "").replace("-", "\u2013"); }
function isCode(id) { return !!DATA.cards[id]; }
function codeLabel(code) {
  if (DATA.cards[code]) return DATA.cards[code].label;
  if (code in DATA.other_labels) return DATA.other_labels[code] + " (not on this page)";
  return "(not in the graph)";
}

document.getElementById("page-title").textContent = DATA.title;
var statusEl = document.getElementById("status");
var panel = document.getElementById("panel");
var cardEl = document.getElementById("card");

// ---------- state, views and the URL fragment ----------
var state = { view: "overview", selected: null, compare: [], family: null, focus: null };
var VIEWS = {};  // name -> {show(arg), labels(), hide()}
var ready = false;
var applyingHash = false;

function stateHash() {
  if (state.view === "focus" && state.focus) return "#code=" + encodeURIComponent(state.focus);
  if (state.view === "compare" && state.compare.length) return "#compare=" + state.compare.join(",");
  if (state.view === "family" && state.family) return "#family=" + state.family.replace("group:", "");
  if (state.view === "graph") return "#view=graph";
  return "";
}
function writeHash() {
  if (applyingHash) return;
  var h = stateHash();
  if (h !== location.hash && !(h === "" && location.hash === "")) {
    // pushState keeps Back working and, unlike setting location.hash, fires no hashchange
    history.pushState(null, "", h || location.pathname + location.search);
  }
}
function show(view, arg) {
  Object.keys(VIEWS).forEach(function (v) { if (v !== view && VIEWS[v].hide) VIEWS[v].hide(); });
  ["overview", "family", "compare"].forEach(function (v) {
    document.getElementById("view-" + v).hidden = v !== view;
  });
  document.getElementById("view-net").hidden = !(view === "focus" || view === "graph");
  document.body.dataset.view = view;
  state.view = view;
  VIEWS[view].show(arg);
  if (typeof updateStatus === "function") updateStatus();
  document.querySelectorAll("#views button").forEach(function (b) {
    b.classList.toggle("on", b.dataset.go === view);
  });
  writeHash();
}
function parseHash() {
  var h = decodeURIComponent(location.hash.replace(/^#/, ""));
  var m = /^(code|compare|family|view)=(.*)$/.exec(h);
  if (!m) return { view: "overview" };
  if (m[1] === "code") return byId[m[2]] ? { view: "focus", arg: m[2] } : { view: "overview" };
  if (m[1] === "compare") {
    var codes = m[2].split(",").filter(function (c) { return isCode(c); }).slice(0, 4);
    return { view: "compare", arg: codes };
  }
  if (m[1] === "family") return DATA.families[m[2]] ? { view: "family", arg: m[2] } : { view: "overview" };
  return m[2] === "graph" ? { view: "graph" } : { view: "overview" };
}
function applyHash() {
  var want = parseHash();
  applyingHash = true;
  try { show(want.view, want.arg); } finally { applyingHash = false; }
}
window.addEventListener("hashchange", applyHash);
window.addEventListener("popstate", applyHash);

function go(id) {
  // where a link leads: codes and facet values to their focus view, groups to their family table
  if (id.indexOf("group:") === 0 && DATA.families[id.slice(6)]) show("family", id.slice(6));
  else if (byId[id]) show("focus", id);
}
function nodeLink(id, caption) {
  var b = el("button", { type: "button", className: "link", "data-node": id, text: caption || id });
  b.addEventListener("click", function () { go(id); });
  return b;
}
function addCompare(code) {
  if (state.compare.indexOf(code) < 0) {
    state.compare.push(code);
    if (state.compare.length > 4) state.compare.shift();
  }
  updateCompareButton();
}
function updateCompareButton() {
  document.getElementById("compare-button").textContent = "Compare (" + state.compare.length + ")";
}

// ---------- the card of a code ----------
function ordinal(n) {
  var t = n % 100 >= 10 && n % 100 <= 20 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th";
  return n + t;
}
function units(c) {
  if (!c.unit) return null;
  if (c.first_covered_unit != null) {  // an ordinal add-on: once for a span of units (as `spinekg show`)
    var first = c.first_covered_unit, last = c.last_covered_unit;
    if (last === first) return c.unit + ", reported once for the " + ordinal(first) + " " + c.unit;
    return c.unit + ", reported once for the " + ordinal(first) +
      (last == null ? " and every further " : " to the " + ordinal(last) + " ") + c.unit;
  }
  if (c.reported_per_unit) return c.unit + ", reported once for each " + c.unit;
  if (c.counting === "per-unit") return c.unit + ", reported once per " + c.unit + " from the first";
  if (c.each_additional_unit || c.counting === "per-additional") return c.unit + ", reported once per additional " + c.unit;
  if (c.min_units == null) return c.unit;
  var hi = c.max_units == null ? "no upper limit" : String(c.max_units);
  return c.max_units === c.min_units ? c.unit + ", " + c.min_units : c.unit + ", " + c.min_units + " to " + hi;
}
function codeItem(code) {
  var left = isCode(code) ? nodeLink(code) : el("span", { text: code });
  left.classList.add("code");
  return el("li", null, [left, text(codeLabel(code))]);
}
function relatedSection(title, list) {
  if (!list || !list.length) return null;
  return el("section", { "data-section": title }, [el("h3", { text: title }), el("ul", null, list.map(codeItem))]);
}
function facetValues(kind, values) {
  var dd = el("dd");
  values.forEach(function (v, i) {
    if (i) dd.appendChild(text(", "));
    var id = kind + ":" + v;
    dd.appendChild(byId[id] ? nodeLink(id, v) : text(v));
  });
  return dd;
}
function showCard(id) {
  clear(cardEl);
  var n = byId[id];
  if (!n) { panel.hidden = true; return; }
  var badge = el("span", { className: "badge", text: KIND_INFO[n.kind] ? KIND_INFO[n.kind].name : n.kind });
  badge.style.background = KIND_INFO[n.kind] ? KIND_INFO[n.kind].color : "#6b7280";
  if (isCode(id)) {
    var c = DATA.cards[id];
    cardEl.appendChild(el("h2", null, [text(c.code), badge]));
    cardEl.appendChild(el("p", { className: "label", text: c.label }));
    if (c.descriptor) {
      cardEl.appendChild(el("div", { className: "descriptor" }, [
        el("small", { text: "Descriptor from your licensed file" }), text(c.descriptor)]));
    }
    var actions = el("p", { className: "actions" });
    var cmp = el("button", { type: "button", className: "action", "data-action": "compare", text: "+ compare" });
    cmp.addEventListener("click", function () { addCompare(c.code); });
    actions.appendChild(cmp);
    if (DATA.families[c.group] && !(state.view === "family" && state.family === c.group)) {
      var fam = el("button", { type: "button", className: "action", "data-action": "family", text: "family table" });
      fam.addEventListener("click", function () { show("family", c.group); });
      actions.appendChild(fam);
    }
    if (state.view !== "focus" || state.focus !== c.code) {
      var foc = el("button", { type: "button", className: "action", "data-action": "focus", text: "focus view" });
      foc.addEventListener("click", function () { show("focus", c.code); });
      actions.appendChild(foc);
    }
    cardEl.appendChild(actions);
    var dl = el("dl");
    var fact = function (name, dd) { if (dd) { dl.appendChild(el("dt", { text: name })); dl.appendChild(dd); } };
    var status = c.status + (c.deleted_in ? " since " + c.deleted_in : "") + (c.added_in ? ", added " + c.added_in : "");
    fact("kind", el("dd", { text: c.kind + " (" + status + ")" }));
    if (c.group) {
      var gdd = el("dd");
      gdd.appendChild(byId["group:" + c.group] ? nodeLink("group:" + c.group, c.group) : text(c.group));
      gdd.appendChild(text(" " + c.group_label));
      fact("group", gdd);
    }
    if (c.regions.length) fact("regions", facetValues("region", c.regions));
    if (c.approaches.length) fact("approaches", facetValues("approach", c.approaches));
    if (c.access.length) fact("access", el("dd", { text: c.access.join(", ") }));
    if (c.procedures.length) fact("procedures", facetValues("procedure", c.procedures));
    if (c.lesion_compartments.length) fact("lesion compartment", facetValues("lesion compartment", c.lesion_compartments));
    if (c.lesion_natures.length) fact("lesion nature", facetValues("lesion nature", c.lesion_natures));
    var variants = c.variants.concat(c.indications.map(function (i) { return "for " + i; }));
    if (variants.length) fact("variants", el("dd", { text: variants.join(", ") }));
    [["imaging", c.imaging], ["agent", c.agents], ["delivery", c.delivery], ["device", c.devices],
     ["device action", c.device_actions]].forEach(function (f) {
      if (f[1].length) fact(f[0], el("dd", { text: f[1].join(", ") }));
    });
    var u = units(c);
    if (u) fact("units", el("dd", { text: u }));
    if (c.evidence) fact("evidence", el("dd", { text: c.evidence }));
    cardEl.appendChild(dl);
    if (c.note) cardEl.appendChild(el("p", { className: "note", text: c.note }));
    [relatedSection("Reported with these primaries", c.add_on_to),
     relatedSection("Add-ons", c.add_ons),
     relatedSection("Commonly reported with", c.reported_with),
     relatedSection("Siblings in " + c.group, c.siblings)].forEach(function (s) { if (s) cardEl.appendChild(s); });
    if (c.sources.length) {
      cardEl.appendChild(el("section", { "data-section": "Sources" }, [el("h3", { text: "Sources" }),
        el("ul", { className: "sources" }, c.sources.map(function (s) { return el("li", { text: s }); }))]));
    }
  } else {
    cardEl.appendChild(el("h2", null, [text(n.kind === "group" ? n.label : n.name), badge]));
    if (n.kind === "group") cardEl.appendChild(el("p", { className: "label", text: n.name }));
    var linked = (neighbours[id] || []).filter(function (x) { return x.edge.to === id; })
      .map(function (x) { return x.id; }).filter(isCode).sort();
    cardEl.appendChild(el("h3", { text: linked.length + " code" + (linked.length === 1 ? "" : "s") }));
    cardEl.appendChild(el("ul", null, linked.map(codeItem)));
  }
  panel.hidden = false;
  panel.scrollTop = 0;
}
function hidePanel() { panel.hidden = true; }
document.getElementById("panel-close").addEventListener("click", function () {
  hidePanel();
  if (VIEWS[state.view].deselect) VIEWS[state.view].deselect();
});

// ---------- labels drawn now (test hook): HTML labels carry data-label ----------
function htmlLabels(root) {
  var out = [];
  var vw = window.innerWidth, vh = window.innerHeight;
  root.querySelectorAll("[data-label]").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (!r.width || !r.height || r.bottom <= 0 || r.right <= 0 || r.top >= vh || r.left >= vw) return;
    var host = e.closest(".view");
    if (host) {  // clipped by the scrolling view: not drawn
      var h = host.getBoundingClientRect();
      if (r.bottom <= h.top || r.top >= h.bottom) return;
    }
    out.push({ id: e.dataset.label, text: e.textContent, x: r.left, y: r.top, width: r.width, height: r.height,
               fontPx: parseFloat(getComputedStyle(e).fontSize) });
  });
  return out;
}
