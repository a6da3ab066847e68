/* spinekg explorer: filters, search, code cards and PNG export over a vis-network graph.
 * All data comes from the JSON block #spinekg-data and reaches the page through textContent only:
 * no text from the data is ever parsed as HTML. */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("spinekg-data").textContent);
  DATA.edges = DATA.edges.map(function (t) {
    return { from: t[0], to: t[1], relation: t[2], dense: t[3] === 1, arrows: t[2] === "addOnTo" ? "to" : "" };
  });
  var SVG = "http:" + "//www.w3.org/2000/svg"; // XML namespace name, never fetched
  var CODE_KINDS = { "primary": true, "add-on": true };
  var FACET_FIELDS = { region: "regions", approach: "approaches", procedure: "procedures" };
  var RELATION_NAMES = {}, RELATION_SHORT = {};
  DATA.relations.forEach(function (r) { RELATION_NAMES[r.relation] = r.name; RELATION_SHORT[r.relation] = r.short; });
  var KIND_INFO = {};
  DATA.kinds.forEach(function (k) { KIND_INFO[k.kind] = k; });

  // ---------- small DOM helpers (text only) ----------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") node.textContent = attrs[k];
        else if (k === "className") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function text(s) { return document.createTextNode(s == null ? "" : String(s)); }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  document.getElementById("page-title").textContent = DATA.title;

  // ---------- nodes and edges ----------
  var byId = {};
  DATA.nodes.forEach(function (n) {
    byId[n.id] = n;
    // tooltip as a DOM element built from text
    var tip = el("div", null, [
      el("strong", { text: CODE_KINDS[n.kind] ? n.id : n.label }),
      el("div", { text: (KIND_INFO[n.kind] ? KIND_INFO[n.kind].name : n.kind) }),
      el("div", { text: n.name })
    ]);
    n.title = tip;
  });
  var neighbours = {};  // id -> [{id, relation, edge}]
  DATA.edges.forEach(function (e, i) {
    e.id = "e" + i;
    var style = DATA.edge_styles[e.relation] || {};
    Object.keys(style).forEach(function (k) { e[k] = style[k]; });
    e.title = RELATION_SHORT[e.relation] || e.relation;
    (neighbours[e.from] = neighbours[e.from] || []).push({ id: e.to, edge: e });
    (neighbours[e.to] = neighbours[e.to] || []).push({ id: e.from, edge: e });
  });
  // group -> codes below it (transitively), for hiding empty groups
  var groupCodes = {};
  function codesUnder(gid) {
    if (groupCodes[gid]) return groupCodes[gid];
    var out = [];
    groupCodes[gid] = out;
    ((DATA.groups[gid] || {}).members || []).forEach(function (m) {
      if (DATA.groups[m]) out.push.apply(out, codesUnder(m));
      else out.push(m);
    });
    return out;
  }

  // arrows of add-ons reported with very many primaries join the drawing only around the selected
  // node: kept out of the network otherwise, they would bury the picture and fling those add-ons out
  var baseEdges = DATA.edges.filter(function (e) { return !e.dense; });
  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(baseEdges);
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, DATA.options);
  var ready = false;
  var statusEl = document.getElementById("status");

  // white background, so that a saved PNG is not transparent
  network.on("beforeDrawing", function (ctx) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
  });

  function settle() {
    if (ready) return;
    network.setOptions({ physics: { enabled: false } });  // settled: no endless jiggle
    network.fit({ animation: false });
    ready = true;
    document.getElementById("loading").hidden = true;
    updateStatus();
    if (DATA.focus) selectNode(DATA.focus, false);
  }
  network.once("stabilizationIterationsDone", settle);
  network.once("stabilized", settle);

  // ---------- filters ----------
  var state = { kind: {}, region: {}, approach: {}, procedure: {} };
  DATA.kinds.forEach(function (k) { state.kind[k.kind] = true; });
  Object.keys(FACET_FIELDS).forEach(function (f) {
    (DATA.filters[f] || []).forEach(function (v) { state[f][v] = true; });
  });
  var FILTER_TITLES = { kind: "Node kinds", region: "Regions", approach: "Approaches", procedure: "Procedure types" };

  function filterGroup(key, values, nameOf, decorate) {
    var boxes = [];
    var list = el("div", { className: "values" });
    values.forEach(function (v) {
      var box = el("input", { type: "checkbox" });
      box.checked = true;
      box.dataset.filter = key;
      box.dataset.value = v;
      box.addEventListener("change", function () { state[key][v] = box.checked; applyFilters(); });
      boxes.push(box);
      var row = el("label", { "data-value": v }, [box, decorate ? decorate(v) : null, text(" " + nameOf(v))]);
      list.appendChild(row);
    });
    function setAll(on) {
      boxes.forEach(function (b) { b.checked = on; state[key][b.dataset.value] = on; });
      applyFilters();
    }
    var all = el("button", { type: "button", text: "all", title: "tick all" });
    var none = el("button", { type: "button", text: "none", title: "untick all" });
    all.addEventListener("click", function () { setAll(true); });
    none.addEventListener("click", function () { setAll(false); });
    var fs = el("fieldset", { "data-filter-group": key }, [
      el("legend", { text: FILTER_TITLES[key] }),
      el("span", { className: "quick" }, [all, none]),
      list
    ]);
    return fs;
  }
  var filterHost = document.getElementById("filter-groups");
  Object.keys(FACET_FIELDS).forEach(function (f) {
    if ((DATA.filters[f] || []).length) filterHost.appendChild(filterGroup(f, DATA.filters[f], function (v) { return v; }));
  });

  function codeVisible(id) {
    var n = byId[id], card = DATA.cards[id];
    if (!state.kind[n.kind]) return false;
    return Object.keys(FACET_FIELDS).every(function (f) {
      var vals = card[FACET_FIELDS[f]];
      return !vals.length || vals.some(function (v) { return state[f][v]; });
    });
  }
  var visible = {};
  function applyFilters() {
    var vis = {};
    var anyCodeKind = Object.keys(CODE_KINDS).some(function (k) { return state.kind[k] && KIND_INFO[k]; });
    DATA.nodes.forEach(function (n) { if (CODE_KINDS[n.kind]) vis[n.id] = codeVisible(n.id); });
    DATA.nodes.forEach(function (n) {
      if (CODE_KINDS[n.kind]) return;
      if (!state.kind[n.kind]) { vis[n.id] = false; return; }
      if (n.kind === "group") {
        vis[n.id] = codesUnder(n.id).some(function (c) { return vis[c]; });
        return;
      }
      if (state[n.kind] && state[n.kind][n.label] === false) { vis[n.id] = false; return; }
      vis[n.id] = !anyCodeKind || (neighbours[n.id] || []).some(function (x) {
        return CODE_KINDS[byId[x.id].kind] && vis[x.id];
      });
    });
    visible = vis;
    nodes.update(DATA.nodes.map(function (n) { return { id: n.id, hidden: !vis[n.id] }; }));
    edges.update(baseEdges.map(function (e) { return { id: e.id, hidden: !(vis[e.from] && vis[e.to]) }; }));
    if (selectedId != null) { clearSelectionEdges(); showSelectionEdges(selectedId); }
    updateStatus();
  }

  function visibleNodeIds() {
    return DATA.nodes.filter(function (n) { return visible[n.id] !== false; }).map(function (n) { return n.id; });
  }
  function updateStatus() {
    var shown = visibleNodeIds();
    var codes = shown.filter(function (id) { return CODE_KINDS[byId[id].kind]; }).length;
    statusEl.textContent = codes + " codes, " + shown.length + " of " + DATA.nodes.length + " nodes shown" +
      (ready ? "" : " (laying out…)");
  }

  // ---------- legend (shapes drawn as SVG, names as text) ----------
  function swatch(shape, colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "26"); svg.setAttribute("height", "18"); svg.setAttribute("viewBox", "0 0 26 18");
    var s;
    function poly(points) { s = document.createElementNS(SVG, "polygon"); s.setAttribute("points", points); }
    switch (shape) {
      case "box": s = document.createElementNS(SVG, "rect"); s.setAttribute("x", "2"); s.setAttribute("y", "3");
        s.setAttribute("width", "22"); s.setAttribute("height", "12"); s.setAttribute("rx", "2"); break;
      case "ellipse": s = document.createElementNS(SVG, "ellipse"); s.setAttribute("cx", "13"); s.setAttribute("cy", "9");
        s.setAttribute("rx", "11"); s.setAttribute("ry", "6"); break;
      case "hexagon": poly("8,2 18,2 23,9 18,16 8,16 3,9"); break;
      case "star": poly("13,1 15.4,6.6 21.6,6.8 16.8,10.6 18.5,16.6 13,13.2 7.5,16.6 9.2,10.6 4.4,6.8 10.6,6.6"); break;
      case "triangle": poly("13,2 22,16 4,16"); break;
      case "triangleDown": poly("4,2 22,2 13,16"); break;
      case "diamond": poly("13,1 21,9 13,17 5,9"); break;
      case "square": s = document.createElementNS(SVG, "rect"); s.setAttribute("x", "6"); s.setAttribute("y", "2");
        s.setAttribute("width", "14"); s.setAttribute("height", "14"); break;
      default: s = document.createElementNS(SVG, "circle"); s.setAttribute("cx", "13"); s.setAttribute("cy", "9");
        s.setAttribute("r", "7");
    }
    s.setAttribute("fill", colour);
    s.setAttribute("stroke", "#111827");
    s.setAttribute("stroke-width", "1");
    svg.appendChild(s);
    return svg;
  }
  function edgeSwatch(relation, colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "26"); svg.setAttribute("height", "10"); svg.setAttribute("viewBox", "0 0 26 10");
    var line = document.createElementNS(SVG, "line");
    line.setAttribute("x1", "1"); line.setAttribute("y1", "5"); line.setAttribute("x2", relation === "addOnTo" ? "19" : "25");
    line.setAttribute("y2", "5"); line.setAttribute("stroke", colour);
    line.setAttribute("stroke-width", relation === "addOnTo" ? "3" : "2");
    svg.appendChild(line);
    if (relation === "addOnTo") {
      var head = document.createElementNS(SVG, "polygon");
      head.setAttribute("points", "18,1 25,5 18,9"); head.setAttribute("fill", colour);
      svg.appendChild(head);
    }
    return svg;
  }
  // the node-kind legend doubles as the node-kind filter
  document.getElementById("legend-kinds").appendChild(filterGroup("kind", DATA.kinds.map(function (k) { return k.kind; }),
    function (k) { return KIND_INFO[k].name; },
    function (k) { return swatch(KIND_INFO[k].shape, KIND_INFO[k].color); }));
  var legendRelations = document.getElementById("legend-relations");
  var usedRelations = {};
  DATA.edges.forEach(function (e) { usedRelations[e.relation] = true; });
  DATA.relations.forEach(function (r) {
    if (usedRelations[r.relation]) {
      legendRelations.appendChild(el("li", { "data-relation": r.relation }, [edgeSwatch(r.relation, r.color), el("span", { text: r.name })]));
    }
  });
  if (DATA.edges.some(function (e) { return e.dense; })) {
    legendRelations.appendChild(el("li", { className: "hint" }, [text(
      "Add-ons reported with more than " + DATA.dense_addon + " primaries (e.g. instrumentation) show their arrows when you select them or a primary.")]));
  }

  // ---------- selection, edge labels, side panel ----------
  var labelled = [], shownDense = [];
  function clearSelectionEdges() {
    if (shownDense.length) edges.remove(shownDense);
    var gone = {};
    shownDense.forEach(function (eid) { gone[eid] = true; });
    var reset = labelled.filter(function (eid) { return !gone[eid]; });
    if (reset.length) edges.update(reset.map(function (eid) { return { id: eid, label: "" }; }));
    labelled = []; shownDense = [];
  }
  function showSelectionEdges(id) {
    var add = [];
    (neighbours[id] || []).forEach(function (x) {
      if (x.edge.dense && visible[x.edge.from] && visible[x.edge.to]) add.push(x.edge);
    });
    if (add.length) { edges.add(add); shownDense = add.map(function (e) { return e.id; }); }
    var upd = [];
    (neighbours[id] || []).forEach(function (x) {
      if (x.edge.dense || edges.get(x.edge.id) === null) return;  // many arrows: colour says enough
      labelled.push(x.edge.id);
      upd.push({ id: x.edge.id, label: RELATION_SHORT[x.edge.relation] || x.edge.relation,
                 font: { size: 13, align: "middle", strokeWidth: 4, strokeColor: "#ffffff" } });
    });
    if (upd.length) edges.update(upd);
  }
  var selectedId = null;
  function selectNode(id, animate) {
    if (!byId[id]) return false;
    clearSelectionEdges();
    selectedId = id;
    showSelectionEdges(id);
    network.selectNodes([id], true);
    network.focus(id, { scale: Math.max(network.getScale(), 0.75), locked: false,
                        animation: animate === false ? false : { duration: 400, easingFunction: "easeInOutQuad" } });
    showCard(id);
    return true;
  }
  function deselect() {
    selectedId = null;
    clearSelectionEdges();
    network.unselectAll();
    hidePanel();
  }

  var panel = document.getElementById("panel");
  var cardEl = document.getElementById("card");
  document.getElementById("panel-close").addEventListener("click", deselect);
  function hidePanel() { panel.hidden = true; }

  function nodeLink(id, caption) {
    var b = el("button", { type: "button", className: "link", "data-node": id, text: caption || id });
    b.addEventListener("click", function () { selectNode(id); });
    return b;
  }
  function codeLabel(code) {
    if (DATA.cards[code]) return DATA.cards[code].label;
    if (code in DATA.other_labels) return DATA.other_labels[code] + " (not drawn on this page)";
    return "(not in the graph)";
  }
  function codeItem(code) {
    var left = byId[code] ? nodeLink(code) : el("span", { text: code });
    left.classList.add("code");
    return el("li", null, [left, text(codeLabel(code))]);
  }
  function relatedSection(title, list) {
    if (!list || !list.length) return null;
    return el("section", { "data-section": title }, [el("h3", { text: title }),
      el("ul", null, list.map(codeItem))]);
  }
  function units(c) {
    if (!c.unit) return null;
    if (c.each_additional_unit) return c.unit + ", reported once per additional " + c.unit;
    if (c.min_units == null) return c.unit;
    var hi = c.max_units == null ? "no upper limit" : String(c.max_units);
    return c.max_units === c.min_units ? c.unit + ", " + c.min_units : c.unit + ", " + c.min_units + " to " + hi;
  }
  function facetValues(kind, values) {
    // each value is a link to its node when it is drawn
    var dd = el("dd");
    values.forEach(function (v, i) {
      if (i) dd.appendChild(text(", "));
      var id = kind + ":" + v;
      dd.appendChild(byId[id] ? nodeLink(id, v) : text(v));
    });
    return dd;
  }
  function showCard(id) {
    var n = byId[id];
    clear(cardEl);
    var info = KIND_INFO[n.kind];
    var badge = el("span", { className: "badge", text: info ? info.name : n.kind });
    badge.style.background = info ? info.color : "#6b7280";
    if (CODE_KINDS[n.kind]) {
      var c = DATA.cards[id];
      cardEl.appendChild(el("h2", null, [text(c.code), badge]));
      cardEl.appendChild(el("p", { className: "label", text: c.label }));
      if (c.descriptor) {
        cardEl.appendChild(el("div", { className: "descriptor" }, [
          el("small", { text: "Descriptor from your licensed file" }), text(c.descriptor)]));
      }
      var dl = el("dl");
      function fact(name, dd) { if (dd) { dl.appendChild(el("dt", { text: name })); dl.appendChild(dd); } }
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
      if (c.procedures.length) fact("procedures", facetValues("procedure", c.procedures));
      if (c.lesion_compartments.length) fact("lesion compartment", facetValues("lesion compartment", c.lesion_compartments));
      if (c.lesion_natures.length) fact("lesion nature", facetValues("lesion nature", c.lesion_natures));
      var variants = c.variants.concat(c.indications.map(function (i) { return "for " + i; }));
      if (variants.length) fact("variants", el("dd", { text: variants.join(", ") }));
      var u = units(c);
      if (u) fact("units", el("dd", { text: u }));
      cardEl.appendChild(dl);
      [relatedSection("Reported with these primaries", c.add_on_to),
       relatedSection("Add-ons", c.add_ons),
       relatedSection("Siblings in " + c.group, c.siblings)].forEach(function (s) { if (s) cardEl.appendChild(s); });
    } else {
      cardEl.appendChild(el("h2", null, [text(n.kind === "group" ? n.label : n.name), badge]));
      if (n.kind === "group") cardEl.appendChild(el("p", { className: "label", text: n.name }));
      var linked = (neighbours[id] || []).filter(function (x) { return x.edge.to === id; })
        .map(function (x) { return x.id; }).sort();
      var sub = linked.filter(function (x) { return byId[x].kind === "group"; });
      var codes = linked.filter(function (x) { return CODE_KINDS[byId[x].kind]; });
      var up = (neighbours[id] || []).filter(function (x) { return x.edge.from === id && x.edge.relation === "broader"; });
      if (up.length) {
        cardEl.appendChild(el("h3", { text: "Within" }));
        cardEl.appendChild(el("ul", null, up.map(function (x) {
          return el("li", null, [nodeLink(x.id, byId[x.id].label), text(" " + byId[x.id].name)]);
        })));
      }
      if (sub.length) {
        cardEl.appendChild(el("h3", { text: "Smaller groups" }));
        cardEl.appendChild(el("ul", null, sub.map(function (g) {
          return el("li", null, [nodeLink(g, byId[g].label), text(" " + byId[g].name)]);
        })));
      }
      cardEl.appendChild(el("h3", { text: codes.length + " code" + (codes.length === 1 ? "" : "s") }));
      cardEl.appendChild(el("ul", null, codes.map(function (c) {
        return codeItem(c);
      })));
    }
    panel.hidden = false;
    panel.scrollTop = 0;
  }

  network.on("click", function (params) {
    if (params.nodes.length) selectNode(params.nodes[0]);
    else if (!params.edges.length) deselect();
  });

  // ---------- search ----------
  var search = document.getElementById("search");
  var results = document.getElementById("results");
  var current = [];
  var active = -1;
  function haystack(n) {
    var parts = [n.id, n.label, n.name, KIND_INFO[n.kind] ? KIND_INFO[n.kind].name : n.kind];
    return parts.join(" ").toLowerCase();
  }
  var HAY = DATA.nodes.map(function (n) { return { id: n.id, hay: haystack(n) }; });
  function find(query) {
    var q = query.trim().toLowerCase();
    if (!q) return [];
    if (byId[q] && CODE_KINDS[byId[q].kind]) return [q];
    var words = q.split(/[\s,]+/).filter(Boolean);
    var hits = HAY.filter(function (h) { return words.every(function (w) { return h.hay.indexOf(w) >= 0; }); });
    hits.sort(function (a, b) {
      var ca = CODE_KINDS[byId[a.id].kind] ? 1 : 0, cb = CODE_KINDS[byId[b.id].kind] ? 1 : 0;
      var pa = a.id.indexOf(q) === 0 ? 0 : 1, pb = b.id.indexOf(q) === 0 ? 0 : 1;
      return pa - pb || ca - cb || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    return hits.map(function (h) { return h.id; });
  }
  function showResults(ids) {
    clear(results);
    current = ids.slice(0, 40);
    active = current.length ? 0 : -1;
    if (!search.value.trim()) { results.hidden = true; return; }
    if (!current.length) {
      results.appendChild(el("li", { className: "empty", text: "no match" }));
    }
    current.forEach(function (id, i) {
      var n = byId[id];
      var b = el("button", { type: "button", "data-node": id, role: "option" }, [
        el("span", { className: "code", text: CODE_KINDS[n.kind] ? id : n.label }),
        text(CODE_KINDS[n.kind] ? n.name : "(" + (KIND_INFO[n.kind] ? KIND_INFO[n.kind].name : n.kind) + ")")
      ]);
      if (i === active) b.classList.add("active");
      b.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(id); });
      results.appendChild(el("li", null, [b]));
    });
    if (ids.length > current.length) {
      results.appendChild(el("li", { className: "empty", text: (ids.length - current.length) + " more — type more words" }));
    }
    results.hidden = false;
  }
  function choose(id) {
    results.hidden = true;
    selectNode(id);
  }
  search.addEventListener("input", function () { showResults(find(search.value)); });
  search.addEventListener("keydown", function (ev) {
    var buttons = results.querySelectorAll("button");
    if (ev.key === "Enter") {
      ev.preventDefault();
      var ids = current.length ? current : find(search.value);
      if (ids.length) choose(ids[Math.max(active, 0)]);
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!buttons.length) return;
      if (active >= 0 && buttons[active]) buttons[active].classList.remove("active");
      active = (active + (ev.key === "ArrowDown" ? 1 : buttons.length - 1)) % buttons.length;
      buttons[active].classList.add("active");
      buttons[active].scrollIntoView({ block: "nearest" });
    } else if (ev.key === "Escape") {
      results.hidden = true;
    }
  });
  search.addEventListener("blur", function () { results.hidden = true; });
  search.addEventListener("focus", function () { if (search.value.trim()) showResults(find(search.value)); });

  // ---------- toolbar ----------
  document.getElementById("fit").addEventListener("click", function () {
    network.fit({ animation: { duration: 400, easingFunction: "easeInOutQuad" } });
  });
  document.getElementById("save-png").addEventListener("click", function () {
    var canvas = container.querySelector("canvas");
    var a = document.createElement("a");
    a.download = "spinekg-view.png";
    a.href = canvas.toDataURL("image/png");  // a data: URL made here, nothing leaves the page
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
  });

  applyFilters();

  // ---------- hooks for tests and curious users (read-only views of the page state) ----------
  window.spinekg = {
    isReady: function () { return ready; },
    nodeCount: function () { return DATA.nodes.length; },
    edgeCount: function () { return DATA.edges.length; },
    drawnNodeCount: function () {
      var body = network.body;
      return body.nodeIndices.filter(function (id) { return !body.nodes[id].options.hidden; }).length;
    },
    visibleNodeIds: visibleNodeIds,
    selected: function () { return network.getSelectedNodes(); },
    select: function (id) { return selectNode(id, false); },
    domPosition: function (id) {
      var p = network.getPositions([id])[id];
      var d = network.canvasToDOM(p);
      var r = container.getBoundingClientRect();
      return { x: d.x + r.left, y: d.y + r.top };
    },
    network: network
  };
})();
