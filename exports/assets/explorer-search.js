/* spinekg explorer, search: the same index and the same ranking as graph/search.py (`spinekg search`),
 * so the page and the CLI answer the same words in the same order. */
var W = { prefix: 50, part: 20, whole: 2 };
var KIND_RANK = { "primary": 0, "add-on": 0, "group": 1 };
var INDEX = DATA.search.entries.map(function (e) {
  var fields = [];
  for (var i = 0; i < e[3].length; i += 2) fields.push([DATA.search.strings[e[3][i]], e[3][i + 1]]);
  return { id: e[0], kind: e[1], code: e[2], fields: fields };
});
function normalise(s) {
  return s.toLowerCase().replace(/[\u2010-\u2015]/g, "-").replace(/\s+/g, " ").trim();
}
function wordScore(e, w) {
  var score = 0;
  if (e.code && /^[0-9]+t?$/.test(w)) {  // five digits, or a Category III code's four and "t" (0213t)
    var code = e.code.toLowerCase();
    if (code.indexOf(w) === 0) score = W.prefix;
    else if (code.indexOf(w) >= 0) score = W.part;
  }
  for (var i = 0; i < e.fields.length; i++) {
    var weight = e.fields[i][1] + (e.fields[i][0] === w ? W.whole : 0);
    if (weight > score && e.fields[i][0].indexOf(w) >= 0) score = weight;
  }
  return score;
}
function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
function rank(query) {
  var q = normalise(query);
  if (!q) return [];
  var m = /^(\d{4}[\dt])\s*-\s*(\d{4}[\dt])$/.exec(q);
  if (m) {
    var lo = m[1].toUpperCase(), hi = m[2].toUpperCase();
    var groups = INDEX.filter(function (e) { return e.kind === "group" && e.code === lo + "-" + hi; });
    var codes = INDEX.filter(function (e) { return CODE_KINDS[e.kind] && e.code >= lo && e.code <= hi; });
    return groups.concat(codes).map(function (e) { return e.id; });
  }
  var ws = q.split(/[\s,;]+/).filter(Boolean);
  var scored = [];
  INDEX.forEach(function (e) {
    var total = 0;
    for (var i = 0; i < ws.length; i++) {
      var s = wordScore(e, ws[i]);
      if (!s) return;
      total += s;
    }
    var kr = e.kind in KIND_RANK ? KIND_RANK[e.kind] : 2;
    scored.push([e.code && e.code.toLowerCase() === q && e.kind !== "group" ? 0 : 1, -total, kr, e.id]);
  });
  scored.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || cmp(a[3], b[3]); });
  return scored.map(function (s) { return s[3]; });
}

// ---------- the search box ----------
var searchBox = document.getElementById("search");
var results = document.getElementById("results");
var current = [], active = -1;
function resultCaption(id) {
  var n = byId[id];
  if (!n) return [id, ""];
  if (isCode(id)) return [id, n.name];
  if (n.kind === "group") return [rangeText(id), n.name + " (family)"];
  return [n.label, "(" + (KIND_INFO[n.kind] ? KIND_INFO[n.kind].name : n.kind) + ")"];
}
function showResults(ids) {
  clear(results);
  current = ids.slice(0, 40);
  active = current.length ? 0 : -1;
  if (!searchBox.value.trim()) { results.hidden = true; return; }
  if (!current.length) results.appendChild(el("li", { className: "empty", text: "no match" }));
  current.forEach(function (id, i) {
    var cap = resultCaption(id);
    var b = el("button", { type: "button", "data-node": id, role: "option" }, [el("span", { className: "code", text: cap[0] }), text(cap[1])]);
    if (i === active) b.classList.add("active");
    b.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(id); });
    results.appendChild(el("li", null, [b]));
  });
  if (ids.length > current.length) {
    results.appendChild(el("li", { className: "empty", text: (ids.length - current.length) + " more \u2014 type more words" }));
  }
  results.hidden = false;
}
function choose(id) {
  results.hidden = true;
  go(id);
}
searchBox.addEventListener("input", function () { showResults(rank(searchBox.value)); });
searchBox.addEventListener("keydown", function (ev) {
  var buttons = results.querySelectorAll("button");
  if (ev.key === "Enter") {
    ev.preventDefault();
    var ids = current.length ? current : rank(searchBox.value);
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
searchBox.addEventListener("blur", function () { results.hidden = true; });
searchBox.addEventListener("focus", function () { if (searchBox.value.trim()) showResults(rank(searchBox.value)); });
