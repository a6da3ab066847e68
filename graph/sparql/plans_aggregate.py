"""Plans for the saved queries Oxigraph evaluates slowly (1-3 ms each; codes-in-group 0.5 ms),
and for the bound ones whose evaluation, mostly parsing and planning, still costs 0.2-0.4 ms
(addons-of-primary, per-unit-addons, codes-by-approach; a plan answers them in ~0.03 ms).

Each plan computes, on every call, its query's joins, groups, counts and order from the property
tables of graph/sparql/plans_facts.py (read once per read-only store), and answers as the query
does, row for row. A plan is tied to the exact query it was written for: the token stream of the
query (comments and spacing aside) must have the plan's fingerprint, so an edited .rq file, or
any other text, runs as written. A plan also steps aside (the query runs as written) when the
data holds what it does not model: a blank node or a non-IRI where the query orders or compares
IRIs, terms of different kinds in one ordered column, or rows the ORDER BY leaves tied (their
order is the engine's to choose). tests/test_plans_aggregate.py proves each plan equal to its
query on the shipped graph and on perturbed and random data.

The aggregates are computed in Python rather than handed to SPARQL as VALUES: parsing a VALUES
block of a few hundred rows costs Oxigraph more than the whole query (measured: 1.5 ms for 339).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Callable

from spinekg.graph.sparql.plans import fingerprint
from spinekg.graph.sparql.plans_facts import Facts, Unplannable, facts, integer, order, str_of  # noqa: F401 (order)
from spinekg.graph.sparql.terms import XSD, XSD_STRING, Result, Term

SK = "https://w3id.org/spinekg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LABEL = SKOS + "prefLabel"
FALSE = Term("literal", "false", XSD + "boolean")


@dataclass(frozen=True)
class Plan:
    name: str  # the saved query, whose text has the fingerprint FINGERPRINTS[name]
    variables: tuple[str, ...]  # the SELECT's projection, in order
    rows: Callable  # (Facts) -> the solutions, unordered; with `params`, (Facts, bindings) -> ...
    order: tuple[tuple[int, bool], ...]  # ORDER BY: (column, descending)
    params: frozenset = frozenset()  # the variables it may be called with bound


def _label_strs(f: Facts) -> dict:
    """STR() of each label: subject -> its labels as plain literals (derived once per store); a
    blank node as a label (STR is then an error, grouped or bound as unbound) is not modelled."""
    strs = f.derived("label STR", _build_label_strs)
    if strs is None:
        raise Unplannable("a blank node as a label")
    return strs


def _build_label_strs(f: Facts) -> dict | None:
    terms = f.terms
    out = {}
    for s, ls in f.objects(LABEL).items():
        strs = tuple(str_of(terms[i]) for i in ls)
        if None in strs:
            return None
        out[s] = strs
    return out


# ------------------------------------------------------------------------------------ the plans
def _value_sets(f: Facts, prop: str) -> dict:
    """subject -> frozenset of its objects for a property (derived once per store)."""
    return f.derived("sets " + prop, lambda f: {s: frozenset(o) for s, o in f.objects(prop).items()})


def _object_terms(f: Facts, prop: str) -> dict:
    """subject -> its objects' Terms for a property (derived once per store)."""
    return f.derived("terms " + prop, lambda f: {s: tuple(f.terms[i] for i in o) for s, o in f.objects(prop).items()})


def _region_masks(f: Facts) -> dict:
    """subject -> its regions as the bits of an int (bit i: the i-th region object), for those that
    have one (derived once per store): a union of regions is then an OR, a count a bit count."""
    bits: dict = {}
    return {s: sum(1 << bits.setdefault(r, len(bits)) for r in frozenset(rs))
            for s, rs in f.objects(SK + "region").items() if rs}


def _addons_spanning_regions(f: Facts) -> list:
    masks, add_on_to, addons = f.derived("region masks", _region_masks), f.objects(SK + "addOnTo"), f.typed(SK + "AddOnCode")
    terms, out, get = f.terms, [], masks.get
    for addon, primaries in add_on_to.items():
        have = list(filter(None, map(get, primaries)))  # the primaries that have a region
        if not have or addon not in addons:
            continue
        n = reduce(or_, have).bit_count()  # COUNT(DISTINCT ?region)
        if n > 1:
            out.append((terms[addon], integer(n), integer(len(have))))
    return out


UNSPECIFIED = Term("literal", "(unspecified)", XSD_STRING)


def _codes_by_lesion(f: Facts) -> list:
    comp, nature, labels = f.objects(SK + "lesionCompartment"), f.objects(SK + "lesionNature"), f.objects(LABEL)
    codes, terms = f.typed(SK + "ProcedureCode"), f.terms

    def strs(values):  # COALESCE(STR(?label), "(unspecified)") over the values' labels
        return [str_of(terms[lb]) or UNSPECIFIED for v in values for lb in labels.get(v, ())] or [UNSPECIFIED]

    out = []
    for code in dict.fromkeys([*comp, *nature]):
        if code not in codes:
            continue
        cls, nls = strs(comp.get(code, ())), strs(nature.get(code, ()))
        for label in labels.get(code, ()):
            c, lb = terms[code], terms[label]
            out.extend((cl, nl, c, lb) for cl in cls for nl in nls)
    return out


def _codes_per_procedure(f: Facts) -> list:
    procedure, labels = f.objects(SK + "procedure"), _label_strs(f)
    primaries, addons = f.typed(SK + "PrimaryCode"), f.typed(SK + "AddOnCode")
    per_p: dict = {}  # procedure -> [primaries, add-ons] naming it (one row per code and kind)
    for code, ps in procedure.items():
        pr, ad = code in primaries, code in addons
        if pr or ad:
            for p in ps:
                c = per_p.get(p)
                if c is None:
                    c = per_p[p] = [0, 0]
                c[0] += pr
                c[1] += ad
    counts: dict = {}  # STR(label) -> [primaries, add-ons]
    for p, (pr, ad) in per_p.items():
        for key in labels.get(p, ()):
            c = counts.get(key)
            if c is None:
                c = counts[key] = [0, 0]
            c[0] += pr
            c[1] += ad
    return [(k, integer(a), integer(b)) for k, (a, b) in counts.items()]


def _external_mappings(f: Facts) -> list:
    terms = f.terms
    return [(terms[c], terms[m]) for c, ms in f.objects(SKOS + "exactMatch").items() for m in ms]


def _group_hierarchy(f: Facts) -> list:
    broader, labels, codes = f.objects(SKOS + "broader"), f.objects(LABEL), f.typed(SK + "ProcedureCode")
    counts, terms, parent_terms = dict.fromkeys(f.typed(SK + "CodeGroup"), 0), f.terms, _object_terms(f, SKOS + "broader")
    for code, gs in broader.items():
        if code in codes:
            for g in gs:
                if g in counts:
                    counts[g] += 1
    out = []
    for g, n in counts.items():
        parents = parent_terms.get(g, (None,))
        out.extend((terms[g], parent, integer(n), terms[label]) for label in labels.get(g, ()) for parent in parents)
    return out


def _multi_region_codes(f: Facts) -> list:
    codes, terms = f.typed(SK + "ProcedureCode"), f.terms
    return [(terms[c], integer(n)) for c, rs in f.objects(SK + "region").items() if (n := len(set(rs))) > 1 and c in codes]


def _primaries_without_addons(f: Facts) -> list:
    labels, has_add_on, terms = f.objects(LABEL), f.objects(SK + "hasAddOn"), f.terms
    return [(terms[c], terms[lb]) for c in f.typed(SK + "PrimaryCode") if c not in has_add_on for lb in labels.get(c, ())]


REGIONS = ("Cervical", "Thoracic", "Lumbar", "Sacral")  # the matrix's columns, in order


def _region_approach_matrix(f: Facts) -> list:
    region, approach, labels = f.objects(SK + "region"), f.objects(SK + "approach"), _label_strs(f)
    if not f.derived("IRI objects region", lambda f: all(f.terms[o].kind == "uri" for os in region.values() for o in os)):
        raise Unplannable("a region that is no IRI")  # `?region = sk:Cervical` on a literal: not modelled
    codes = f.typed(SK + "ProcedureCode")
    column = {i: n for n, r in enumerate(REGIONS) if (i := f.id_of(SK + r)) is not None}
    per_a: dict = {}  # approach -> ([rows per region column], [codes])
    for code, approaches in approach.items():
        rs = region.get(code)
        if not rs or code not in codes:
            continue
        hits = [n for r in rs if (n := column.get(r)) is not None]
        for a in approaches:
            g = per_a.get(a)
            if g is None:
                g = per_a[a] = ([0, 0, 0, 0], [])
            g[1].append(code)
            sums = g[0]
            for n in hits:
                sums[n] += 1
    groups: dict = {}  # STR(approach label) -> ([sums], {codes})
    for a, (sums, cs) in per_a.items():
        for key in labels.get(a, ()):
            g = groups.get(key)
            if g is None:
                g = groups[key] = ([0, 0, 0, 0], set())
            g[0][:] = [x + y for x, y in zip(g[0], sums)]
            g[1].update(cs)
    return [(k, *(integer(x) for x in sums), integer(len(cs))) for k, (sums, cs) in groups.items()]


def _codes_in_group(f: Facts, bindings: dict) -> list:
    """`?directGroup skos:broader* ?group`: every node reached from the group down the inverse
    of skos:broader, the group itself included (a path is a set: each pair once)."""
    labels, codes = f.objects(LABEL), f.typed(SK + "ProcedureCode")
    narrower = f.derived("inverse broader", lambda f: _inverse(f.objects(SKOS + "broader")))
    groups = f.typed(SK + "CodeGroup")
    if "group" in bindings:
        g = f.id_of_term(bindings["group"])
        targets = [g] if g in groups else []
    else:
        targets = list(groups)
    terms, out = f.terms, []
    for g in targets:
        seen, todo = {g}, [g]
        while todo:
            for n in narrower.get(todo.pop(), ()):
                if n not in seen:
                    seen.add(n)
                    todo.append(n)
        tg = terms[g]
        for d in seen:
            td = terms[d]
            for c in narrower.get(d, ()):  # ?code skos:broader ?directGroup
                if c in codes:
                    tc = terms[c]
                    out.extend((tg, tc, td, terms[lb]) for lb in labels.get(c, ()))
    return out


def _bound(f: Facts, bindings: dict, name: str, members) -> tuple | frozenset:
    """The members a parameter leaves: the bound value's number when it is one of them (a value
    the tables do not hold is none), every member when unbound."""
    if name not in bindings:
        return members
    i = f.id_of_term(bindings[name])
    return (i,) if i in members else ()


def _addons_of_primary(f: Facts, bindings: dict) -> list:
    has_add_on, labels, terms = f.objects(SK + "hasAddOn"), f.objects(LABEL), f.terms
    each, false = _object_terms(f, SK + "eachAdditionalUnit"), (FALSE,)  # COALESCE(?each, false)
    out = []
    for p in _bound(f, bindings, "primary", f.typed(SK + "PrimaryCode")):
        tp = terms[p]
        for a in has_add_on.get(p, ()):
            ta, es = terms[a], each.get(a, false)
            out.extend((tp, ta, e, terms[lb]) for lb in labels.get(a, ()) for e in es)
    return out


TRUE = Term("literal", "true", XSD + "boolean")


def _per_unit_addons(f: Facts, bindings: dict) -> list:
    unit, has_add_on, each = f.objects(SK + "unit"), f.objects(SK + "hasAddOn"), f.objects(SK + "eachAdditionalUnit")
    mins, maxs = _object_terms(f, SK + "minUnits"), _object_terms(f, SK + "maxUnits")
    labels, terms, true, none = _label_strs(f), f.terms, f.id_of_term(TRUE), (None,)
    out = []
    for p in _bound(f, bindings, "primary", f.typed(SK + "PrimaryCode")):
        us, addons = unit.get(p), has_add_on.get(p)
        if not us or not addons:
            continue
        per_unit = [terms[a] for a in addons if true in each.get(a, ())]  # ?addon sk:eachAdditionalUnit true
        strs = [s for u in us for s in labels.get(u, ())]  # STR(?ul)
        tp, lo, hi = terms[p], mins.get(p, none), maxs.get(p, none)
        out.extend((tp, s, a, b, ad) for ad in per_unit for s in strs for a in lo for b in hi)
    return out


ADD_ON, PRIMARY = Term("literal", "add-on", XSD_STRING), Term("literal", "primary", XSD_STRING)


def _codes_by_approach(f: Facts, bindings: dict) -> list:
    codes, addons, labels, terms = f.typed(SK + "ProcedureCode"), f.typed(SK + "AddOnCode"), f.objects(LABEL), f.terms
    if "approach" in bindings:
        a = f.id_of_term(bindings["approach"])
        by = f.derived("inverse approach", lambda f: _inverse(f.objects(SK + "approach")))
        pairs = [(a, c) for c in by.get(a, ())]
    else:
        pairs = [(a, c) for c, approaches in f.objects(SK + "approach").items() for a in approaches]
    out = []
    for a, c in pairs:
        if c in codes:
            ta, tc, kind = terms[a], terms[c], ADD_ON if c in addons else PRIMARY
            out.extend((ta, tc, kind, terms[lb]) for lb in labels.get(c, ()))
    return out


def _inverse(table: dict) -> dict:
    out: dict = {}
    for s, os in table.items():
        for o in os:
            out.setdefault(o, []).append(s)
    return out


def _unit_counting(f: Facts) -> list:
    unit, codes, addons = f.objects(SK + "unit"), f.typed(SK + "ProcedureCode"), f.typed(SK + "AddOnCode")
    mins, maxs = _object_terms(f, SK + "minUnits"), _object_terms(f, SK + "maxUnits")
    each, labels, terms = _object_terms(f, SK + "eachAdditionalUnit"), _label_strs(f), f.terms
    add_on, primary = ADD_ON, PRIMARY
    none, false = (None,), (FALSE,)
    out = []
    for code, us in unit.items():
        if code not in codes:
            continue
        c, kind = terms[code], add_on if code in addons else primary
        lo, hi, ea = mins.get(code, none), maxs.get(code, none), each.get(code, false)
        single = len(lo) == len(hi) == len(ea) == 1
        for u in us:
            for s in labels.get(u, ()):
                if single:
                    out.append((c, kind, s, lo[0], hi[0], ea[0]))
                else:
                    out.extend((c, kind, s, a, b, e) for a in lo for b in hi for e in ea)
    return out


PLANS = (
    Plan("addons-of-primary", ("primary", "addon", "eachAdditionalUnit", "label"), _addons_of_primary,
         ((0, False), (1, False)), frozenset({"primary"})),
    Plan("addons-spanning-regions", ("addon", "regions", "primaries"), _addons_spanning_regions,
         ((1, True), (0, False))),
    Plan("codes-by-approach", ("approach", "code", "kind", "label"), _codes_by_approach, ((0, False), (1, False)),
         frozenset({"approach"})),
    Plan("codes-by-lesion", ("compartment", "nature", "code", "label"), _codes_by_lesion,
         ((0, False), (1, False), (2, False))),
    Plan("codes-in-group", ("group", "code", "directGroup", "label"), _codes_in_group, ((0, False), (1, False)),
         frozenset({"group"})),
    Plan("codes-per-procedure", ("procedure", "primaries", "addons"), _codes_per_procedure, ((0, False),)),
    Plan("external-mappings", ("concept", "match"), _external_mappings, ((0, False), (1, False))),
    Plan("group-hierarchy", ("group", "parent", "codes", "label"), _group_hierarchy, ((0, False),)),
    Plan("multi-region-codes", ("code", "regions"), _multi_region_codes, ((0, False),)),
    Plan("per-unit-addons", ("primary", "unit", "minUnits", "maxUnits", "addon"), _per_unit_addons,
         ((0, False), (4, False)), frozenset({"primary"})),
    Plan("primaries-without-addons", ("code", "label"), _primaries_without_addons, ((0, False),)),
    Plan("region-approach-matrix", ("approach", "cervical", "thoracic", "lumbar", "sacral", "codes"),
         _region_approach_matrix, ((0, False),)),
    Plan("unit-counting", ("code", "kind", "unit", "minUnits", "maxUnits", "eachAdditionalUnit"), _unit_counting,
         ((0, False),)),
)


# ---------------------------------------------------------------------------------- the engine
# The queries the plans were written for (and proven equal to): fingerprint() of each saved text.
# A changed .rq file no longer matches and runs as written (tests/test_plans_aggregate.py fails
# until its plan is checked against the new text and the print updated).
FINGERPRINTS = {
    "addons-of-primary": "13175f5c4b7586fa440d537b",
    "codes-by-approach": "31cb3d634b36d7a1b1fc313f",
    "per-unit-addons": "da982184a0a58d90139b6865",
    "codes-in-group": "d392a95ce3e78ca19c2a0610",
    "addons-spanning-regions": "fa765cfbfddadfcca62632ac",
    "codes-by-lesion": "e46bde3d7094206778cafdbb",
    "codes-per-procedure": "fe266c184fecc1680af02b67",
    "external-mappings": "f664ca8f313f61b376c5b09c",
    "group-hierarchy": "b0f823afc0bdea0207f101f8",
    "multi-region-codes": "063a14a5140ea21d00d297b1",
    "primaries-without-addons": "656737d27d56a606b2f45a2a",
    "region-approach-matrix": "87d53983749f8e87596284ce",
    "unit-counting": "fe7c08a237a15c000f8548dd",
}
_BY_PRINT = {FINGERPRINTS[p.name]: p for p in PLANS if p.name in FINGERPRINTS}


def plan_of(text: str) -> Plan | None:
    return _BY_PRINT.get(fingerprint(text))


def answer(store, text: str, bindings: dict, max_rows: int | None) -> Result | None:
    """The query's answer by its plan over a read-only store, or None (no plan for this text,
    a binding the plan does not take, or data it does not model): then the query runs as written."""
    plan = plan_of(text)
    if plan is None or not plan.params.issuperset(bindings):
        return None
    try:
        got = plan.rows(facts(store), bindings) if plan.params else plan.rows(facts(store))
        rows = order(got, plan.order)
    except Unplannable:
        return None
    truncated = max_rows is not None and len(rows) > max_rows
    return Result("SELECT", list(plan.variables), rows[:max_rows] if truncated else rows, truncated=truncated)
