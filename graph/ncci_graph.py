"""The user's NCCI imports as triples: AOC edits (sk:NcciAddOnEdit), PTP edits (sk:NcciPtpEdit, with
sk:notReportedWith between the codes) and MUE limits (sk:NcciMueLimit, on the codes they limit),
each pointing to an sk:UserImport node with the file, quarter, setting and digest.

The terms are declared in ontology/ncci.ttl; NCCI below is their closed namespace (a misspelt
term raises), kept in step with that file by tests/test_ncci_graph.py.
"""
from __future__ import annotations

import functools
from importlib.resources import files

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from spinekg.ontology.prefixes import SK_IRI

NCCI_TTL = files("spinekg.ontology") / "ncci.ttl"
NCCI_SHAPES = files("spinekg.ontology") / "ncci-shapes.ttl"


class NCCI(DefinedNamespace):
    """The NCCI terms of https://w3id.org/spinekg/ontology# (declared in ontology/ncci.ttl)."""

    _NS = Namespace(SK_IRI)  # the one sk: namespace
    _fail = True

    NcciEdit: URIRef
    NcciPtpEdit: URIRef
    NcciMueLimit: URIRef
    ncciImport: URIRef
    ptpColumn1: URIRef
    ptpColumn2: URIRef
    modifierIndicator: URIRef
    ptpRationale: URIRef
    inExistenceBefore1996: URIRef
    notReportedWith: URIRef
    mueCode: URIRef
    hasMueLimit: URIRef
    mueValue: URIRef
    mueAdjudicationIndicator: URIRef
    mueRationale: URIRef
    ncciFileKind: URIRef
    ncciSetting: URIRef
    ncciQuarter: URIRef
    ncciVersion: URIRef
    coversFrom: URIRef
    coversUntil: URIRef


def add_imports(g, imports) -> None:
    for imp in imports:
        node = _import_node(g, imp)
        {"aoc": _aoc, "ptp": _ptp, "mue": _mue}[imp.kind](g, imp, node)


def _import_node(g, imp):
    from rdflib import Literal
    from rdflib.namespace import XSD

    from spinekg.graph.ncci_layouts import quarter_end, quarter_start
    from spinekg.graph.userdata import add_import_node

    node = add_import_node(g, f"ncci-{imp.kind}", imp.record())
    g.add((node, NCCI.ncciFileKind, Literal(imp.kind.upper())))
    if imp.setting:
        g.add((node, NCCI.ncciSetting, Literal(imp.setting)))
    if imp.version:
        g.add((node, NCCI.ncciVersion, Literal(imp.version)))
    if imp.quarter:
        g.add((node, NCCI.ncciQuarter, Literal(imp.quarter)))
        g.add((node, NCCI.coversFrom, Literal(quarter_start(imp.quarter).isoformat(), datatype=XSD.date)))
        g.add((node, NCCI.coversUntil, Literal(quarter_end(imp.quarter).isoformat(), datatype=XSD.date)))
    return node


@functools.lru_cache(maxsize=1 << 14)
def _date(day):
    from rdflib import Literal
    from rdflib.namespace import XSD

    return Literal(day.isoformat(), datatype=XSD.date)


def _terms(*names: str) -> list[URIRef]:
    """Plain URIRefs for the terms: a DefinedNamespace attribute costs tens of µs per access."""
    from spinekg.ontology.namespaces import SK

    ns = str(SK._NS)
    for n in names:
        if n not in NCCI.__annotations__:
            getattr(SK, n)  # raises for a misspelt term
    return [URIRef(ns + n) for n in names]


def _aoc(g, imp, imp_node) -> None:
    from rdflib import RDF, Literal

    from spinekg.ontology.namespaces import CPT

    kind, p_addon, p_primary, p_type, p_eff, p_del, p_imp = _terms(
        "NcciAddOnEdit", "editAddOn", "editPrimary", "editType", "effectiveDate", "deletionDate", "editImport")
    add = g.add
    for addon, primary, etype, effective, deleted in imp.rows:
        node = URIRef(f"urn:spinekg:ncci:{imp.sha256[:16]}:aoc:{addon}:{primary or 'none'}:{effective.isoformat()}")
        add((node, RDF.type, kind))
        add((node, p_addon, CPT[addon]))
        if primary:
            add((node, p_primary, CPT[primary]))
        add((node, p_type, Literal(etype)))
        add((node, p_eff, _date(effective)))
        if deleted:
            add((node, p_del, _date(deleted)))
        add((node, p_imp, imp_node))


def _ptp(g, imp, imp_node) -> None:
    from rdflib import RDF, Literal

    from spinekg.ontology.namespaces import CPT

    kind, p_c1, p_c2, p_mod, p_eff, p_del, p_not, p_rat, p_old, p_imp = _terms(
        "NcciPtpEdit", "ptpColumn1", "ptpColumn2", "modifierIndicator", "effectiveDate", "deletionDate",
        "notReportedWith", "ptpRationale", "inExistenceBefore1996", "ncciImport")
    add, true = g.add, Literal(True)
    mods = {m: Literal(m) for m in (0, 1, 9)}
    for c1, c2, effective, deleted, modifier, rationale, before_1996 in imp.rows:
        node = URIRef(f"urn:spinekg:ncci:{imp.sha256[:16]}:ptp:{c1}:{c2}:{effective.isoformat()}")
        code1, code2 = CPT[c1], CPT[c2]
        add((node, RDF.type, kind))
        add((node, p_c1, code1))
        add((node, p_c2, code2))
        add((node, p_mod, mods[modifier]))
        add((node, p_eff, _date(effective)))
        if deleted:
            add((node, p_del, _date(deleted)))
        elif modifier != 9:
            add((code1, p_not, code2))
        if rationale:
            add((node, p_rat, Literal(rationale)))
        if before_1996:
            add((node, p_old, true))
        add((node, p_imp, imp_node))


def _mue(g, imp, imp_node) -> None:
    from rdflib import RDF, Literal

    from spinekg.graph.ncci_layouts import quarter_start
    from spinekg.ontology.namespaces import CPT

    kind, p_code, p_has, p_val, p_mai, p_rat, p_eff, p_imp = _terms(
        "NcciMueLimit", "mueCode", "hasMueLimit", "mueValue", "mueAdjudicationIndicator", "mueRationale",
        "effectiveDate", "ncciImport")
    start = _date(quarter_start(imp.quarter)) if imp.quarter else None
    for code, value, mai, rationale in imp.rows:
        node = URIRef(f"urn:spinekg:ncci:{imp.sha256[:16]}:mue:{code}")
        g.add((node, RDF.type, kind))
        g.add((node, p_code, CPT[code]))
        g.add((CPT[code], p_has, node))
        g.add((node, p_val, Literal(value)))
        g.add((node, p_mai, Literal(mai)))
        if rationale:
            g.add((node, p_rat, Literal(rationale)))
        if start is not None:
            g.add((node, p_eff, start))
        g.add((node, p_imp, imp_node))
