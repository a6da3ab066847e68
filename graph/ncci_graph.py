"""The user's NCCI imports as triples: AOC edits (sk:NcciAddOnEdit), PTP edits (sk:NcciPtpEdit, with
sk:notReportedWith between the codes) and MUE limits (sk:NcciMueLimit, on the codes they limit),
each pointing to an sk:UserImport node with the file, quarter, setting and digest.

The terms are declared in ontology/ncci.ttl; NCCI below is their closed namespace (a misspelt
term raises), kept in step with that file by tests/test_ncci_graph.py.
"""
from __future__ import annotations

from importlib.resources import files

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

NCCI_TTL = files("spinekg.ontology") / "ncci.ttl"
NCCI_SHAPES = files("spinekg.ontology") / "ncci-shapes.ttl"


class NCCI(DefinedNamespace):
    """The NCCI terms of https://w3id.org/spinekg/ontology# (declared in ontology/ncci.ttl)."""

    _NS = Namespace("https://w3id.org/spinekg/ontology#")
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


def _date(day):
    from rdflib import Literal
    from rdflib.namespace import XSD

    return Literal(day.isoformat(), datatype=XSD.date)


def _aoc(g, imp, imp_node) -> None:
    from rdflib import RDF, Literal

    from spinekg.ontology.namespaces import CPT, SK

    for addon, primary, etype, effective, deleted in imp.rows:
        node = URIRef(f"urn:spinekg:ncci:{imp.sha256[:16]}:aoc:{addon}:{primary or 'none'}:{effective.isoformat()}")
        g.add((node, RDF.type, SK.NcciAddOnEdit))
        g.add((node, SK.editAddOn, CPT[addon]))
        if primary:
            g.add((node, SK.editPrimary, CPT[primary]))
        g.add((node, SK.editType, Literal(etype)))
        g.add((node, SK.effectiveDate, _date(effective)))
        if deleted:
            g.add((node, SK.deletionDate, _date(deleted)))
        g.add((node, SK.editImport, imp_node))


def _ptp(g, imp, imp_node) -> None:
    from rdflib import RDF, Literal

    from spinekg.ontology.namespaces import CPT, SK

    for c1, c2, effective, deleted, modifier, rationale, before_1996 in imp.rows:
        node = URIRef(f"urn:spinekg:ncci:{imp.sha256[:16]}:ptp:{c1}:{c2}:{effective.isoformat()}")
        g.add((node, RDF.type, NCCI.NcciPtpEdit))
        g.add((node, NCCI.ptpColumn1, CPT[c1]))
        g.add((node, NCCI.ptpColumn2, CPT[c2]))
        g.add((node, NCCI.modifierIndicator, Literal(modifier)))
        g.add((node, SK.effectiveDate, _date(effective)))
        if deleted:
            g.add((node, SK.deletionDate, _date(deleted)))
        elif modifier != 9:
            g.add((CPT[c1], NCCI.notReportedWith, CPT[c2]))
        if rationale:
            g.add((node, NCCI.ptpRationale, Literal(rationale)))
        if before_1996:
            g.add((node, NCCI.inExistenceBefore1996, Literal(True)))
        g.add((node, NCCI.ncciImport, imp_node))


def _mue(g, imp, imp_node) -> None:
    from rdflib import RDF, Literal

    from spinekg.graph.ncci_layouts import quarter_start
    from spinekg.ontology.namespaces import CPT, SK

    for code, value, mai, rationale in imp.rows:
        node = URIRef(f"urn:spinekg:ncci:{imp.sha256[:16]}:mue:{code}")
        g.add((node, RDF.type, NCCI.NcciMueLimit))
        g.add((node, NCCI.mueCode, CPT[code]))
        g.add((CPT[code], NCCI.hasMueLimit, node))
        g.add((node, NCCI.mueValue, Literal(value)))
        g.add((node, NCCI.mueAdjudicationIndicator, Literal(mai)))
        if rationale:
            g.add((node, NCCI.mueRationale, Literal(rationale)))
        if imp.quarter:
            g.add((node, SK.effectiveDate, _date(quarter_start(imp.quarter))))
        g.add((node, NCCI.ncciImport, imp_node))
