/* spinekg explorer, filters: the same rule as `spinekg list`. Ticked values of one facet combine
 * with OR (a code needs any of them), facets combine with AND; a facet with nothing ticked does
 * not filter. Codes without a region leave a region filter unless "keep" is ticked. */
var FACET_FIELDS = { region: "regions", approach: "approaches", procedure: "procedures",
  imaging: "imaging", agent: "agents", delivery: "delivery", device: "devices", device_action: "device_actions" };
var FILTER_TITLES = { region: "Regions", approach: "Approaches", procedure: "Procedure types",
  imaging: "Imaging guidance", agent: "Agents", delivery: "Delivery", device: "Devices", device_action: "Device actions" };
var filterState = { keepRegionless: false };
Object.keys(FACET_FIELDS).forEach(function (f) { filterState[f] = {}; });
var filterListeners = [];
function ticked(f) { return Object.keys(filterState[f]).filter(function (v) { return filterState[f][v]; }); }
function codePasses(code) {
  var c = DATA.cards[code];
  return Object.keys(FACET_FIELDS).every(function (f) {
    var want = ticked(f);
    if (!want.length) return true;
    var have = c[FACET_FIELDS[f]];
    if (f === "region" && !have.length) return filterState.keepRegionless;
    return have.some(function (v) { return filterState[f][v]; });
  });
}
function filtering() { return Object.keys(FACET_FIELDS).some(function (f) { return ticked(f).length > 0; }); }
function passingCodes() { return Object.keys(DATA.cards).filter(codePasses); }
var regionless = Object.keys(DATA.cards).filter(function (c) { return !DATA.cards[c].regions.length; });

function filterChanged() {
  var note = document.getElementById("filter-note");
  var n = passingCodes().length;
  var parts = [n + " of " + Object.keys(DATA.cards).length + " codes match."];
  if (ticked("region").length && regionless.length) {
    parts.push(filterState.keepRegionless
      ? regionless.length + " codes without a region (instrumentation, device and graft add-ons…) are kept."
      : regionless.length + " codes without a region (instrumentation, device and graft add-ons…) are left out, as `spinekg list --region` leaves them out.");
  }
  note.textContent = parts.join(" ");
  filterListeners.forEach(function (f) { f(); });
  updateStatus();
}
function filterGroup(key, values) {
  var list = el("div", { className: "values" });
  values.forEach(function (v) {
    var box = el("input", { type: "checkbox" });
    box.dataset.filter = key;
    box.dataset.value = v;
    box.addEventListener("change", function () { filterState[key][v] = box.checked; filterChanged(); });
    list.appendChild(el("label", { "data-value": v }, [box, text(" " + v)]));
  });
  var clearBtn = el("button", { type: "button", text: "clear", title: "untick all (no filter on this facet)" });
  clearBtn.addEventListener("click", function () {
    list.querySelectorAll("input").forEach(function (b) { b.checked = false; filterState[key][b.dataset.value] = false; });
    filterChanged();
  });
  return el("fieldset", { "data-filter-group": key }, [el("legend", { text: FILTER_TITLES[key] }),
    el("span", { className: "quick" }, [clearBtn]), list]);
}
(function buildFilters() {
  document.getElementById("filter-rule").textContent =
    "Ticked boxes in one list combine with OR (any of them); the lists combine with AND. " +
    "Nothing ticked in a list: no filter. The same as spinekg list --region A --region B --approach C.";
  var host = document.getElementById("filter-groups");
  Object.keys(FACET_FIELDS).forEach(function (f) {
    if ((DATA.filters[f] || []).length) host.appendChild(filterGroup(f, DATA.filters[f]));
    if (f === "region" && regionless.length) {
      var keep = el("input", { type: "checkbox", id: "keep-regionless" });
      keep.addEventListener("change", function () { filterState.keepRegionless = keep.checked; filterChanged(); });
      host.appendChild(el("label", { className: "keep" }, [keep,
        text(" keep the " + regionless.length + " codes without a region when filtering by region")]));
    }
  });
})();
