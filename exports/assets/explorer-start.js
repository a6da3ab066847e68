/* spinekg explorer, start: toolbar, legend, status line, the test hooks, then the view the URL
 * fragment names (#code=63304, #compare=63081,63085, #family=63081-63091, #view=graph). */
function updateStatus() {
  var n = passingCodes().length, total = Object.keys(DATA.cards).length;
  var where = { overview: "families", family: "family table", compare: "comparison", focus: "focus view", graph: "whole graph" }[state.view];
  statusEl.textContent = where + " \u00b7 " + (filtering() ? n + " of " + total + " codes match the filters" : total + " codes");
}
document.querySelectorAll("#views button").forEach(function (b) {
  b.addEventListener("click", function () { show(b.dataset.go); });
});
document.getElementById("fit").addEventListener("click", function () {
  if (network && (state.view === "focus" || state.view === "graph")) network.fit({ animation: { duration: 300, easingFunction: "easeInOutQuad" } });
});
document.getElementById("print").addEventListener("click", function () { window.print(); });
document.getElementById("save-png").addEventListener("click", function () {
  var canvas = container.querySelector("canvas");
  if (!canvas) return;
  var a = document.createElement("a");
  a.download = "spinekg-view.png";
  a.href = canvas.toDataURL("image/png");  // a data: URL made here, nothing leaves the page
  document.body.appendChild(a);
  a.click();
  document.body.removeChild(a);
});
(function legend() {
  var host = document.getElementById("legend-kinds");
  var ul = el("ul");
  DATA.kinds.forEach(function (k) {
    var sw = el("span", { className: "swatch" }); sw.style.background = k.color;
    ul.appendChild(el("li", { "data-kind": k.kind }, [sw, el("span", { text: k.name })]));
  });
  host.appendChild(ul);
  var rels = document.getElementById("legend-relations");
  var used = {};
  DATA.edges.forEach(function (e) { used[e.relation] = true; });
  DATA.relations.forEach(function (r) {
    if (!used[r.relation]) return;
    var sw = el("span", { className: "line" }); sw.style.background = r.color;
    rels.appendChild(el("li", { "data-relation": r.relation }, [sw, el("span", { text: r.name })]));
  });
})();
updateCompareButton();
filterChanged();

window.spinekg = {
  isReady: function () { return ready && (state.view !== "graph" || graphBuilt); },
  state: function () {
    return { view: state.view, selected: state.selected, compare: state.compare.slice(),
             family: state.view === "family" ? state.family : null, focus: state.view === "focus" ? state.focus : null };
  },
  labels: function () { return VIEWS[state.view].labels(); },
  search: function (q) { return rank(q); },
  select: function (id) {
    if (state.view === "family") { familySelect(id); return true; }
    return netSelect(id);
  },
  dimmed: function () {
    if (state.view === "family") {
      return Array.prototype.map.call(familyEl.querySelectorAll(".chip.dim"), function (b) { return b.dataset.code; });
    }
    return dimmedIds();
  },
  focusPlan: function (id, depth) { var p = focusPlan(id, depth); return { drawn: p.drawn, collapsed: p.collapsed }; },
  drawnNodeIds: function () { return nodesDS.get().filter(function (n) { return !n.hidden; }).map(function (n) { return n.id; }).sort(cmp); },
  visibleCodes: passingCodes,
  show: function (view, arg) { show(view, arg); },
  domPosition: function (id) {
    var p = network.getPositions([id])[id];
    var d = network.canvasToDOM(p);
    var r = container.getBoundingClientRect();
    return { x: d.x + r.left, y: d.y + r.top };
  },
  network: function () { return network; }
};
if (DATA.focus && !location.hash) history.replaceState(null, "", "#code=" + DATA.focus);
applyHash();
ready = true;
