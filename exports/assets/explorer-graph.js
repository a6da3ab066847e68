/* spinekg explorer, graph views on one vis-network canvas:
 *  - focus: one node in the centre, its relations in columns by relation (positions computed here,
 *    no physics), hubs with more than DATA.hub links as count nodes that expand on click; the plan
 *    follows exports/focus_plan.py rule for rule;
 *  - graph: every node, force layout once, then still.
 * Selecting a node fades everything not linked to it and keeps its neighbours in view. */
var container = document.getElementById("network");
var caption = document.getElementById("net-caption");
var nodesDS = new vis.DataSet([]), edgesDS = new vis.DataSet([]);
var network = null, netMode = null, netSelected = null, expanded = {};
var ADJ = (function () {
  var adj = {};
  NODE_IDS.forEach(function (n) { adj[n] = {}; });
  DATA.edges.forEach(function (e) {
    if (e.from === e.to) return;
    if (!(e.to in adj[e.from])) adj[e.from][e.to] = e.relation;
    if (!(e.from in adj[e.to])) adj[e.to][e.from] = e.relation;
  });
  var out = {};
  Object.keys(adj).forEach(function (n) {
    out[n] = Object.keys(adj[n]).map(function (m) { return [adj[n][m], m]; })
      .sort(function (a, b) { return cmp(a[0], b[0]) || cmp(a[1], b[1]); });
  });
  return out;
})();
function focusPlan(focus, depth) {
  var drawn = {}, frontier = [focus], hubs = [], focusCollapsed = {}, parent = {};
  drawn[focus] = 0;
  var isBig = function (u) { return ADJ[u].length > DATA.hub; };
  for (var d = 1; d <= depth; d++) {
    var next = [];
    frontier.slice().sort(cmp).forEach(function (u) {
      var nbrs = ADJ[u].filter(function (x) { return !(x[1] in drawn); });
      if (u !== focus && byId[u].kind !== "group" && isBig(u)) {
        if (!CODE_KINDS[byId[u].kind]) hubs.push(u);  // a code hub opens by focusing it instead
        return;
      }
      if (u === focus) {
        var byRel = {}, keep = [];
        nbrs.forEach(function (x) { (byRel[x[0]] = byRel[x[0]] || []).push(x[1]); });
        Object.keys(byRel).forEach(function (rel) {
          if (byRel[rel].length > DATA.hub) focusCollapsed[rel] = byRel[rel].slice().sort(cmp);
          else keep = keep.concat(byRel[rel].map(function (v) { return [rel, v]; }));
        });
        nbrs = keep;
      }
      nbrs.forEach(function (x) {
        if (!(x[1] in drawn)) { drawn[x[1]] = d; parent[x[1]] = [u, x[0]]; next.push(x[1]); }
      });
    });
    frontier = next;
  }
  frontier.forEach(function (u) {
    if (!CODE_KINDS[byId[u].kind] && byId[u].kind !== "group" && isBig(u)) hubs.push(u);
  });
  var collapsed = {};
  Object.keys(focusCollapsed).sort().forEach(function (rel) {
    var hidden = focusCollapsed[rel].filter(function (v) { return !(v in drawn); });
    if (hidden.length) collapsed[focus + "|" + rel] = hidden;
  });
  hubs.slice().sort(cmp).forEach(function (u) {
    var hidden = ADJ[u].map(function (x) { return x[1]; }).filter(function (v) { return !(v in drawn); }).sort(cmp);
    if (hidden.length) collapsed[u] = hidden;
  });
  return { drawn: Object.keys(drawn).sort(cmp), collapsed: collapsed, depthOf: drawn, parent: parent };
}
var FACET_REL = { region: 1, approach: 1, procedure: 1, lesionCompartment: 1, lesionNature: 1 };
function side(id, plan) {
  // facet values go left of the centre, codes and groups right; further rings further out
  var n = byId[id];
  return CODE_KINDS[n.kind] || n.kind === "group" ? 1 : -1;
}
function buildFocus(focus, depth) {
  var plan = focusPlan(focus, depth);
  // expanded count nodes draw their hidden neighbours one ring further out
  Object.keys(expanded).forEach(function (key) {
    (plan.collapsed[key] || []).forEach(function (v) {
      if (!(v in plan.depthOf)) {
        var hub = key.indexOf("|") > 0 ? focus : key;
        plan.depthOf[v] = plan.depthOf[hub] + 1; plan.parent[v] = [hub, "expanded"]; plan.drawn.push(v);
      }
    });
    delete plan.collapsed[key];
  });
  var columns = {};
  plan.drawn.forEach(function (id) {
    if (id === focus) return;
    var col = plan.depthOf[id] * side(id, plan);
    (columns[col] = columns[col] || []).push(id);
  });
  Object.keys(plan.collapsed).forEach(function (key) {
    var hub = key.indexOf("|") > 0 ? focus : key;
    var col = (plan.depthOf[hub] + 1) * (hub === focus ? 1 : side(hub, plan));
    (columns[col] = columns[col] || []).push("count:" + key);
  });
  var pos = {}; pos[focus] = { x: 0, y: 0 };
  var relOrder = function (id) {
    if (id.indexOf("count:") === 0) return "zz" + id;
    var p = plan.parent[id];
    return (p ? p[1] : "") + "|" + (byId[id].kind) + "|" + id;
  };
  // spacing from the canvas: at the scale that keeps 20 px labels at 12 px or more, fit the
  // columns across and fold a long column into side-by-side sub-columns only when it must
  var minScale = 0.62, step = 72;
  var W = container.clientWidth || 800, H = container.clientHeight || 600;
  var cols = Object.keys(columns).map(Number).concat([0]);
  var span = Math.max.apply(null, cols) - Math.min.apply(null, cols);
  var spacing = Math.max(190, Math.min(260, (W / minScale - 200) / Math.max(1, span)));
  var per = Math.max(5, Math.floor((H / minScale - 60) / step));
  Object.keys(columns).forEach(function (col) {
    var ids = columns[col].sort(function (a, b) { return cmp(relOrder(a), relOrder(b)); });
    var rows = Math.min(per, ids.length), out = Number(col) < 0 ? -1 : 1;
    ids.forEach(function (id, i) {
      pos[id] = { x: Number(col) * spacing + out * Math.floor(i / per) * 120, y: (i % per - (rows - 1) / 2) * step };
    });
  });
  var nodes = plan.drawn.map(function (id) {
    var n = byId[id];
    return { id: id, label: n.label, group: n.group, shape: n.shape, title: tooltip(n), x: pos[id].x, y: pos[id].y,
             font: { size: id === focus ? 24 : 20 } };
  });
  Object.keys(plan.collapsed).forEach(function (key) {
    var hub = key.indexOf("|") > 0 ? focus : key;
    var rel = key.indexOf("|") > 0 ? key.split("|")[1] : null;
    var k = plan.collapsed[key].length;
    var what = rel === "addOnTo" ? (DATA.cards[focus] && DATA.cards[focus].kind === "add-on" ? "primaries" : "add-ons")
      : rel ? RELATION_SHORT[rel] || rel
      : plan.collapsed[key].every(isCode) ? (k === 1 ? "code" : "codes") : "more";
    nodes.push({ id: "count:" + key, label: "+" + k + " " + what, title: "click to show these " + k, shape: "box", x: pos["count:" + key].x,
                 y: pos["count:" + key].y, color: { background: "#f3f4f6", border: "#6b7280" }, font: { size: 20, color: "#111827" },
                 count: key, hub: hub });
  });
  var drawnSet = {};
  plan.drawn.forEach(function (id) { drawnSet[id] = true; });
  var edges = DATA.edges.filter(function (e) { return drawnSet[e.from] && drawnSet[e.to]; }).map(styledEdge);
  nodes.forEach(function (n) {
    if (n.count) edges.push({ id: "edge:" + n.id, from: n.hub, to: n.id, dashes: true, color: { color: "#9ca3af" } });
  });
  return { nodes: nodes, edges: edges, plan: plan };
}
function tooltip(n) {
  return el("div", null, [el("strong", { text: CODE_KINDS[n.kind] ? n.id : n.label }),
    el("div", { text: KIND_INFO[n.kind] ? KIND_INFO[n.kind].name : n.kind }), el("div", { text: n.name })]);
}
function styledEdge(e) {
  var out = { id: e.id, from: e.from, to: e.to, relation: e.relation, arrows: e.arrows };
  var style = DATA.edge_styles[e.relation] || {};
  Object.keys(style).forEach(function (k) { out[k] = style[k]; });
  out.title = RELATION_SHORT[e.relation] || e.relation;
  return out;
}
function ensureNetwork() {
  if (network) return;
  network = new vis.Network(container, { nodes: nodesDS, edges: edgesDS }, DATA.options);
  network.on("beforeDrawing", function (ctx) {  // white, so that a saved PNG is not transparent
    ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore();
  });
  network.on("click", function (params) {
    if (params.nodes.length) {
      var id = params.nodes[0];
      var n = nodesDS.get(id);
      if (n && n.count) { expanded[n.count] = true; drawFocus(state.focus, false); return; }
      netSelect(id);
    } else if (!params.edges.length) netDeselect();
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length && byId[params.nodes[0]]) show("focus", params.nodes[0]);
  });
}
var lastFocusPlan = null;
function drawFocus(id, fresh) {
  ensureNetwork();
  if (fresh) expanded = {};
  var depth = (DATA.focus === id && DATA.depth != null) ? DATA.depth : DATA.focus_depth;
  showCard(id);  // first: the card narrows the canvas the layout is sized for
  network.setSize("100%", "100%");
  var built = buildFocus(id, depth);
  lastFocusPlan = built.plan;
  network.setOptions({ physics: { enabled: false }, layout: { hierarchical: { enabled: false } } });
  nodesDS.clear(); edgesDS.clear();
  nodesDS.add(built.nodes); edgesDS.add(built.edges);
  var n = byId[id];
  caption.textContent = (isCode(id) ? id + "  " + n.name : n.label + " (" + (KIND_INFO[n.kind] || {}).name + ")") +
    ". Left: facet values; right: group and related codes; grey boxes: click to open.";
  netSelected = null;
  network.redraw();
  network.fit({ animation: false });
  if (network.getScale() > 1.1) network.moveTo({ scale: 1.1 });
  // never smaller than labels a class can read: the edges of a very wide view pan into sight
  if (network.getScale() < 0.62) network.moveTo({ scale: 0.62, position: network.getViewPosition() });
}
var graphBuilt = false;
function drawGraph() {
  ensureNetwork();
  graphBuilt = false;
  document.getElementById("loading").hidden = false;
  var done = function () {
    if (graphBuilt || state.view !== "graph") return;
    graphBuilt = true;
    network.setOptions({ physics: { enabled: false } });
    network.fit({ animation: false });
    document.getElementById("loading").hidden = true;
    graphFilter();
    updateStatus();
  };
  nodesDS.clear(); edgesDS.clear();
  network.setOptions(DATA.options);
  network.once("stabilizationIterationsDone", done);
  nodesDS.add(DATA.nodes.map(function (n) { return { id: n.id, label: n.label, group: n.group, shape: n.shape, title: tooltip(n), level: n.level }; }));
  edgesDS.add(DATA.edges.filter(function (e) { return !e.dense; }).map(styledEdge));
  network.stabilize(DATA.options.physics.stabilization.iterations);  // lay out once, then stop
  caption.textContent = "Every code, range group and facet value. Instrumentation-style add-ons with many primaries show their arrows when selected.";
}
function graphFilter() {
  if (state.view !== "graph" || !network) return;
  var on = filtering();
  var upd = [];
  DATA.nodes.forEach(function (n) {
    if (isCode(n.id)) upd.push({ id: n.id, hidden: on && !codePasses(n.id) });
  });
  nodesDS.update(upd);
  updateStatus();
}
filterListeners.push(graphFilter);
function linkedIds(id) {
  var out = {}; out[id] = true;
  edgesDS.get().forEach(function (e) { if (e.from === id) out[e.to] = true; if (e.to === id) out[e.from] = true; });
  (neighbours[id] || []).forEach(function (x) { if (nodesDS.get(x.id)) out[x.id] = true; });
  return out;
}
function netSelect(id) {
  if (!nodesDS.get(id)) return false;
  netSelected = id;
  state.selected = id;
  var linked = linkedIds(id);
  nodesDS.update(nodesDS.get().map(function (n) { return { id: n.id, opacity: linked[n.id] ? 1 : 0.15 }; }));
  if (state.view === "graph") {  // the add-ons with many primaries join the drawing around the selection
    var dense = (neighbours[id] || []).filter(function (x) { return x.edge.dense; }).map(function (x) { return styledEdge(x.edge); });
    if (dense.length) edgesDS.update(dense);
  }
  edgesDS.update(edgesDS.get().map(function (e) {
    var on = e.from === id || e.to === id;
    return { id: e.id, hidden: false, width: on ? 2.5 : 0.5, label: on && e.relation ? RELATION_SHORT[e.relation] || "" : "",
             font: { size: 13, align: "middle", strokeWidth: 4, strokeColor: "#ffffff" } };
  }));
  network.selectNodes([id], false);
  network.fit({ nodes: Object.keys(linked), animation: false });  // its facet values stay in view
  if (byId[id]) showCard(id);
  return true;
}
function netDeselect() {
  netSelected = null;
  state.selected = null;
  if (!network) return;
  nodesDS.update(nodesDS.get().map(function (n) { return { id: n.id, opacity: 1 }; }));
  edgesDS.update(edgesDS.get().map(function (e) {
    var style = DATA.edge_styles[e.relation] || {};
    return { id: e.id, width: style.width || 1, label: "" };
  }));
  network.unselectAll();
}
function dimmedIds() {
  if (!network || !netSelected) return [];
  return nodesDS.get().filter(function (n) { return n.opacity != null && n.opacity < 1; }).map(function (n) { return n.id; }).sort(cmp);
}
function canvasLabels() {
  if (!network) return [];
  var r = container.getBoundingClientRect(), scale = network.getScale(), out = [];
  nodesDS.get().forEach(function (n) {
    var body = network.body.nodes[n.id];
    if (!body || body.options.hidden || !body.labelModule || !body.labelModule.size) return;
    var s = body.labelModule.size;
    if (!s.width) return;
    var a = network.canvasToDOM({ x: s.left, y: s.top }), b = network.canvasToDOM({ x: s.left + s.width, y: s.top + s.height });
    var box = { id: n.id, text: String(body.options.label || ""), x: a.x + r.left, y: a.y + r.top,
                width: b.x - a.x, height: b.y - a.y, fontPx: body.options.font.size * scale };
    if (box.x + box.width <= r.left || box.y + box.height <= r.top || box.x >= r.right || box.y >= r.bottom) return;
    out.push(box);
  });
  return out;
}
VIEWS.focus = {
  show: function (id) { state.focus = id; state.selected = id; drawFocus(id, true); updateStatus(); },
  deselect: netDeselect,
  labels: canvasLabels,
  hide: function () { state.focus = null; }
};
VIEWS.graph = {
  show: function () { hidePanel(); state.selected = null; drawGraph(); },
  deselect: netDeselect,
  labels: canvasLabels
};
