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

from spinekg.graph.ncci_layouts import CODE_RE
from spinekg.ontology import CPT_IRI_BASE as CPT_IRI
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


def add_imports(g, imports, *, ntriples: list | None = None) -> None:
    """The imports into the rdflib Graph `g`: their sk:UserImport nodes and every edit's triples;
    with `ntriples`, the edits are appended there as N-Triples text instead (for the Oxigraph store,
    graph.sparql.store.user_triples). A stored row no file could have given (a store edited by
    hand) leaves every NCCI import out, with the damaged-store warning."""
    from spinekg.graph.userdata import damaged, import_node_iri, ncci_path

    try:
        text = "".join(line for imp in imports
                       for line in edit_lines(imp, import_node_iri(f"ncci-{imp.kind}", imp.sha256)))
    except DamagedRow as e:
        damaged(ncci_path(), "ncci-addon", "NCCI imports", str(e), strict=False)
        return
    for imp in imports:
        _import_node(g, imp)
    if ntriples is not None:
        ntriples.append(text)
    elif text:
        g.parse(data=text, format="nt")


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


# The edits as N-Triples lines, written directly: an import keeps every row touching a code in the
# graph (100k+ for a PTP release), and rdflib's Graph.add costs ~30 us a triple, so a 112k-edit
# import took 26 s to add and 24 s more for the SPARQL store, where these lines load in about 1 s.
XSD_NS = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
TRUE = f'"true"^^<{XSD_NS}boolean>'


class DamagedRow(ValueError):
    """A stored row whose code or text cannot be an IRI or literal (the store was edited by hand)."""


def _code_iri(code, *, optional: bool = False) -> str | None:
    if optional and not code:
        return None
    if not isinstance(code, str) or not CODE_RE.match(code):
        raise DamagedRow(f"{code!r} is not a code")
    return f"<{CPT_IRI}{code}>"


def _integer(value) -> str:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DamagedRow(f"{value!r} is not a number")
    return f'"{value}"^^<{XSD_NS}integer>'


def _text(value) -> str:
    """A plain literal in N-Triples (its escapes: backslash, quote, line feed, carriage return)."""
    if not isinstance(value, str):
        raise DamagedRow(f"{value!r} is not a text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise DamagedRow(f"{value!r} is not a text") from None
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


@functools.lru_cache(maxsize=1 << 14)
def _date(day) -> str:
    return f'"{day.isoformat()}"^^<{XSD_NS}date>'


def _terms(*names: str) -> list[str]:
    """The terms as N-Triples IRIs, each checked against the closed namespaces (a misspelt term raises)."""
    from spinekg.ontology.namespaces import SK

    ns = str(SK._NS)
    for n in names:
        if n not in NCCI.__annotations__:
            getattr(SK, n)
    return [f"<{ns}{n}>" for n in names]


def edit_lines(imp, import_node: str) -> list[str]:
    """The N-Triples lines of one import's edits, pointing at `import_node` (its sk:UserImport IRI).
    Raises DamagedRow for a stored row no file could have given (graph.ncci_store validated each
    row at import; only a store edited since has one)."""
    import re

    if not isinstance(imp.sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", imp.sha256):
        raise DamagedRow(f"{imp.sha256!r} is not a SHA-256")
    return {"aoc": _aoc, "ptp": _ptp, "mue": _mue}[imp.kind](imp, f"<{import_node}>", f"urn:spinekg:ncci:{imp.sha256[:16]}")


def _aoc(imp, imp_node: str, base: str) -> list[str]:
    kind, p_addon, p_primary, p_type, p_eff, p_del, p_imp = _terms(
        "NcciAddOnEdit", "editAddOn", "editPrimary", "editType", "effectiveDate", "deletionDate", "editImport")
    out = []
    add = out.append
    for addon, primary, etype, effective, deleted in imp.rows:
        a, pr = _code_iri(addon), _code_iri(primary, optional=True)
        node = f"<{base}:aoc:{addon}:{primary or 'none'}:{effective.isoformat()}>"
        add(f"{node} {RDF_TYPE} {kind} .\n{node} {p_addon} {a} .\n")
        if pr:
            add(f"{node} {p_primary} {pr} .\n")
        add(f"{node} {p_type} {_integer(etype)} .\n{node} {p_eff} {_date(effective)} .\n")
        if deleted:
            add(f"{node} {p_del} {_date(deleted)} .\n")
        add(f"{node} {p_imp} {imp_node} .\n")
    return out


def _ptp(imp, imp_node: str, base: str) -> list[str]:
    kind, p_c1, p_c2, p_mod, p_eff, p_del, p_not, p_rat, p_old, p_imp = _terms(
        "NcciPtpEdit", "ptpColumn1", "ptpColumn2", "modifierIndicator", "effectiveDate", "deletionDate",
        "notReportedWith", "ptpRationale", "inExistenceBefore1996", "ncciImport")
    mods = {m: _integer(m) for m in (0, 1, 9)}
    out = []
    add = out.append
    for c1, c2, effective, deleted, modifier, rationale, before_1996 in imp.rows:
        code1, code2 = _code_iri(c1), _code_iri(c2)
        if modifier not in mods:
            raise DamagedRow(f"{modifier!r} is not a modifier indicator")
        node = f"<{base}:ptp:{c1}:{c2}:{effective.isoformat()}>"
        add(f"{node} {RDF_TYPE} {kind} .\n{node} {p_c1} {code1} .\n{node} {p_c2} {code2} .\n"
            f"{node} {p_mod} {mods[modifier]} .\n{node} {p_eff} {_date(effective)} .\n")
        if deleted:
            add(f"{node} {p_del} {_date(deleted)} .\n")
        elif modifier != 9:
            add(f"{code1} {p_not} {code2} .\n")
        if rationale:
            add(f"{node} {p_rat} {_text(rationale)} .\n")
        if before_1996:
            add(f"{node} {p_old} {TRUE} .\n")
        add(f"{node} {p_imp} {imp_node} .\n")
    return out


def _mue(imp, imp_node: str, base: str) -> list[str]:
    from spinekg.graph.ncci_layouts import quarter_start

    kind, p_code, p_has, p_val, p_mai, p_rat, p_eff, p_imp = _terms(
        "NcciMueLimit", "mueCode", "hasMueLimit", "mueValue", "mueAdjudicationIndicator", "mueRationale",
        "effectiveDate", "ncciImport")
    start = _date(quarter_start(imp.quarter)) if imp.quarter else None
    out = []
    add = out.append
    for code, value, mai, rationale in imp.rows:
        c = _code_iri(code)
        node = f"<{base}:mue:{code}>"
        add(f"{node} {RDF_TYPE} {kind} .\n{node} {p_code} {c} .\n{c} {p_has} {node} .\n"
            f"{node} {p_val} {_integer(value)} .\n{node} {p_mai} {_integer(mai)} .\n")
        if rationale:
            add(f"{node} {p_rat} {_text(rationale)} .\n")
        if start is not None:
            add(f"{node} {p_eff} {start} .\n")
        add(f"{node} {p_imp} {imp_node} .\n")
    return out
