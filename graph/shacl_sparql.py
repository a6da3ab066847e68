"""The SHACL shapes (ontology/shapes.ttl) as SPARQL queries on an Oxigraph store: `spinekg validate`
for large files.

pyshacl walks every focus node in Python over an rdflib graph (a 1M-triple file: minutes and
gigabytes). Here each constraint of the shapes becomes one SELECT that returns its violating focus
nodes, evaluated by Oxigraph over the whole store at once. The shapes files (ontology.shape_files()) stay the only
statement of the rules: the queries are generated from it, for the SHACL-core subset it uses
(targetClass / targetSubjectsOf / targetObjectsOf; minCount, maxCount, class, datatype, pattern,
nodeKind IRI, hasValue, languageIn, in, min/maxInclusive, lessThan, lessThanOrEquals, inverse
paths; node-level class, nodeKind IRI, xone / or / not over simple sub-shapes). A shape using anything else raises
NotImplementedError, so a new rule cannot be skipped silently. tests/test_shacl_sparql.py proves
the same violations as pyshacl on the shipped graph and on each crafted broken file.

Known differences: a constraint without sh:message gets a message naming its path (pyshacl words
one per constraint component; the shipped shapes give messages, except the NCCI edit shapes); and
literals are not checked for being well-formed for their datatype (Oxigraph
loads leniently); pyshacl's sh:datatype also rejects e.g. "x"^^xsd:integer.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
# rdflib binds these by default; validate.py prints IRIs with them (and spinekg's own prefixes)
DEFAULT_PREFIXES = {"rdf": RDF, "rdfs": RDFS, "owl": "http://www.w3.org/2002/07/owl#",
                    "xsd": "http://www.w3.org/2001/XMLSchema#", "sh": SH,
                    "skos": "http://www.w3.org/2004/02/skos/core#", "dcterms": "http://purl.org/dc/terms/",
                    "prov": "http://www.w3.org/ns/prov#", "schema": "https://schema.org/"}


@dataclass(frozen=True)
class Check:
    """One constraint as a query: SELECT ?this (and ?path's display) of the violating focus nodes."""
    query: str
    path: str  # display form of the result path ("-" for node-level constraints)
    message: str


def _iri(t) -> str:
    return f"<{t.value}>"


class _Shapes:
    def __init__(self, text: bytes):
        import pyoxigraph as ox

        self.ox = ox
        self.g = ox.Store()
        self.g.load(text, format=ox.RdfFormat.TURTLE)

    def objects(self, s, p):
        return [q.object for q in self.g.quads_for_pattern(s, self.ox.NamedNode(p), None)]

    def one(self, s, p):
        vals = self.objects(s, p)
        return vals[0] if vals else None

    def subjects(self, p, o):
        return [q.subject for q in self.g.quads_for_pattern(None, self.ox.NamedNode(p), o)]

    def rdf_list(self, node):
        out = []
        while node is not None and node.value != RDF + "nil":
            out.append(self.one(node, RDF + "first"))
            node = self.one(node, RDF + "rest")
        return out


def _term(t) -> str:
    return str(t)  # pyoxigraph writes N-Triples syntax, escaped


def _targets(sh: _Shapes, shape) -> str:
    parts = []
    for c in sh.objects(shape, SH + "targetClass"):
        parts.append(f"{{ ?this a ?targetType . ?targetType <{RDFS}subClassOf>* {_iri(c)} }}")
    for p in sh.objects(shape, SH + "targetSubjectsOf"):
        parts.append(f"{{ ?this {_iri(p)} ?targetAny }}")
    for p in sh.objects(shape, SH + "targetObjectsOf"):
        parts.append(f"{{ ?targetAny {_iri(p)} ?this }}")
    if not parts:
        return ""
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"


def _path(sh: _Shapes, path) -> tuple[str, str]:
    """(SPARQL path, display form) of a property shape's sh:path."""
    if isinstance(path, sh.ox.NamedNode):
        return _iri(path), path.value
    inv = sh.one(path, SH + "inversePath")
    if inv is not None and isinstance(inv, sh.ox.NamedNode):
        return "^" + _iri(inv), "^" + inv.value
    raise NotImplementedError(f"sh:path {path} is not an IRI or an inverse IRI path")


def _class_test(node: str, cls) -> str:
    return f"EXISTS {{ {node} a ?ct . ?ct <{RDFS}subClassOf>* {_iri(cls)} }}"


PROPERTY_KEYS = {SH + k for k in ("path", "message", "minCount", "maxCount", "class", "datatype", "pattern",
                                  "nodeKind", "hasValue", "languageIn", "in", "minInclusive", "maxInclusive",
                                  "lessThan", "lessThanOrEquals")}


def _property_checks(sh: _Shapes, prop, targets: str, fallback_message: str) -> list[Check]:
    keys = {q.predicate.value for q in sh.g.quads_for_pattern(prop, None, None)}
    unknown = keys - PROPERTY_KEYS
    if unknown:
        raise NotImplementedError(f"property shape uses {sorted(unknown)}")
    path, shown = _path(sh, sh.one(prop, SH + "path"))
    msg = sh.one(prop, SH + "message")
    # without sh:message pyshacl words its own per constraint; ours names the constraint instead
    message = msg.value if msg is not None else (fallback_message or f"constraint on {shown} not met")
    checks = []

    def per_value(condition: str):
        checks.append(Check(f"SELECT DISTINCT ?this WHERE {{ {targets} ?this {path} ?v FILTER ({condition}) }}", shown, message))

    n = sh.one(prop, SH + "minCount")
    if n is not None and int(n.value) > 0:
        checks.append(Check(f"SELECT ?this WHERE {{ {targets} OPTIONAL {{ ?this {path} ?v }} }} GROUP BY ?this "
                            f"HAVING (COUNT(DISTINCT ?v) < {int(n.value)})", shown, message))
    n = sh.one(prop, SH + "maxCount")
    if n is not None:
        checks.append(Check(f"SELECT ?this WHERE {{ {targets} ?this {path} ?v }} GROUP BY ?this "
                            f"HAVING (COUNT(DISTINCT ?v) > {int(n.value)})", shown, message))
    for c in sh.objects(prop, SH + "class"):
        per_value(f"!{_class_test('?v', c)}")
    for d in sh.objects(prop, SH + "datatype"):
        per_value(f"!isLiteral(?v) || datatype(?v) != {_iri(d)}")
    for r in sh.objects(prop, SH + "pattern"):
        per_value(f"isBlank(?v) || !REGEX(STR(?v), {_term(r)})")
    kinds = {SH + "IRI": "isIRI(?v)", SH + "Literal": "isLiteral(?v)", SH + "BlankNode": "isBlank(?v)",
             SH + "BlankNodeOrIRI": "(isBlank(?v) || isIRI(?v))", SH + "IRIOrLiteral": "(isIRI(?v) || isLiteral(?v))",
             SH + "BlankNodeOrLiteral": "(isBlank(?v) || isLiteral(?v))"}
    for k in sh.objects(prop, SH + "nodeKind"):
        if k.value not in kinds:
            raise NotImplementedError(f"sh:nodeKind {k.value}")
        per_value("!" + kinds[k.value])
    for v in sh.objects(prop, SH + "hasValue"):
        checks.append(Check(f"SELECT ?this WHERE {{ {targets} FILTER NOT EXISTS {{ ?this {path} {_term(v)} }} }}",
                            shown, message))
    for lst in sh.objects(prop, SH + "languageIn"):
        tags = " || ".join(f"langMatches(lang(?v), {_term(t)})" for t in sh.rdf_list(lst))
        per_value(f"!isLiteral(?v) || !({tags})")
    for lst in sh.objects(prop, SH + "in"):
        per_value("!(" + " || ".join(f"sameTerm(?v, {_term(t)})" for t in sh.rdf_list(lst)) + ")")
    for v in sh.objects(prop, SH + "minInclusive"):
        per_value(f"!COALESCE(?v >= {_term(v)}, false)")
    for v in sh.objects(prop, SH + "maxInclusive"):
        per_value(f"!COALESCE(?v <= {_term(v)}, false)")
    for op, key in (("<", "lessThan"), ("<=", "lessThanOrEquals")):
        for other in sh.objects(prop, SH + key):
            checks.append(Check(f"SELECT DISTINCT ?this WHERE {{ {targets} ?this {path} ?v . ?this {_iri(other)} ?w "
                                f"FILTER (!COALESCE(?v {op} ?w, false)) }}", shown, message))
    return checks


def _conforms(sh: _Shapes, shape) -> str:
    """A SPARQL boolean expression: ?this conforms to a simple sub-shape of xone/or/not."""
    parts = []
    path = sh.one(shape, SH + "path")
    for c in sh.objects(shape, SH + "class"):
        if path is None:
            parts.append(_class_test("?this", c))
    if path is not None:
        p, _ = _path(sh, path)
        n = sh.one(shape, SH + "minCount")
        if n is not None:
            if int(n.value) != 1:
                raise NotImplementedError("sh:minCount other than 1 inside sh:or/xone/not")
            parts.append(f"EXISTS {{ ?this {p} ?any }}")
        for v in sh.objects(shape, SH + "hasValue"):
            parts.append(f"EXISTS {{ ?this {p} {_term(v)} }}")
    for inner in sh.objects(shape, SH + "not"):
        parts.append(f"!({_conforms(sh, inner)})")
    keys = {q.predicate.value for q in sh.g.quads_for_pattern(shape, None, None)}
    if keys - {SH + k for k in ("path", "minCount", "hasValue", "class", "not")} or not parts:
        raise NotImplementedError(f"sub-shape with {sorted(keys)}")
    return " && ".join(f"({x})" for x in parts)


NODE_KEYS = {SH + k for k in ("targetClass", "targetSubjectsOf", "targetObjectsOf", "property", "message",
                              "xone", "or", "not", "nodeKind", "class")} | {RDF + "type"}


def compile_shapes(text: bytes) -> list[Check]:
    """Every constraint of a shapes file (Turtle bytes) as a Check."""
    import pyoxigraph as ox

    sh = _Shapes(text)
    checks = []
    for shape in sh.subjects(RDF + "type", ox.NamedNode(SH + "NodeShape")):
        unknown = {q.predicate.value for q in sh.g.quads_for_pattern(shape, None, None)} - NODE_KEYS
        if unknown:
            raise NotImplementedError(f"node shape {shape} uses {sorted(unknown)}")
        targets = _targets(sh, shape)
        if not targets:
            continue
        msg = sh.one(shape, SH + "message")
        message = msg.value if msg is not None else ""
        for prop in sh.objects(shape, SH + "property"):
            checks.extend(_property_checks(sh, prop, targets, message))

        def node_check(condition: str):
            checks.append(Check(f"SELECT ?this WHERE {{ {targets} FILTER ({condition}) }}", "-", message))

        for c in sh.objects(shape, SH + "class"):  # the focus node itself is an instance of the class
            checks.append(Check(f"SELECT ?this WHERE {{ {targets} FILTER (!{_class_test('?this', c)}) }}", "-",
                                message or f"focus node is not a {c.value}"))
        for k in sh.objects(shape, SH + "nodeKind"):
            if k.value != SH + "IRI":
                raise NotImplementedError(f"sh:nodeKind {k.value}")
            node_check("!isIRI(?this)")
        for lst in sh.objects(shape, SH + "xone"):
            node_check("(" + " + ".join(f"IF({_conforms(sh, s)}, 1, 0)" for s in sh.rdf_list(lst)) + ") != 1")
        for lst in sh.objects(shape, SH + "or"):
            node_check("!(" + " || ".join(f"({_conforms(sh, s)})" for s in sh.rdf_list(lst)) + ")")
        for inner in sh.objects(shape, SH + "not"):
            node_check(_conforms(sh, inner))
    return checks


def display(term, prefixes: dict[str, str]) -> str:
    """The form validate.py prints: a prefixed name where a prefix is bound, else N-Triples."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        iri = term.value
        cut = max(iri.rfind("#"), iri.rfind("/"))
        ns, local = iri[:cut + 1], iri[cut + 1:]
        for prefix, base in prefixes.items():
            if base == ns and local:
                return f"{prefix}:{local}"
        return f"<{iri}>"
    return str(term)


def file_prefixes(paths) -> dict[str, str]:
    """The @prefix declarations of Turtle files (rdflib binds them when it parses, and
    validate.py's output names IRIs with them)."""
    import pyoxigraph as ox

    out: dict[str, str] = {}
    for p in paths:
        if str(p).endswith(".ttl"):
            parser = ox.parse(path=str(p), format=ox.RdfFormat.TURTLE, lenient=True)
            for _ in parser:
                pass
            out.update(parser.prefixes)
    return out


def validate_store(store, *, progress: bool | None = None, prefixes: dict[str, str] | None = None):
    """Run every check on a pyoxigraph store; return graph.validate.Violation objects, sorted.
    `prefixes` adds names for the output (see file_prefixes). With progress (default: when
    stderr is a terminal), once a run passes a second, one line on stderr says which check of
    how many is running."""
    from spinekg.graph.validate import Violation
    from spinekg.ontology import shape_files
    from spinekg.ontology.namespaces import PREFIXES

    prefixes = {**DEFAULT_PREFIXES, **(prefixes or {}), **PREFIXES}
    checks = [c for f in shape_files() for c in compile_shapes(open(str(f), "rb").read())]
    show = sys.stderr.isatty() if progress is None else progress
    out, t0 = set(), time.perf_counter()
    for i, check in enumerate(checks, 1):
        if show and time.perf_counter() - t0 > 1.0:
            sys.stderr.write(f"\rvalidating: rule {i}/{len(checks)} ({time.perf_counter() - t0:.0f} s)")
            sys.stderr.flush()
        if check.path == "-":
            path = "-"
        elif check.path.startswith("^"):  # pyshacl prints an inverse path as a blank node id
            path = "^" + display(_named(check.path[1:]), prefixes)
        else:
            path = display(_named(check.path), prefixes)
        for sol in store.query(check.query):
            out.add(Violation(focus=display(sol["this"], prefixes), path=path, message=check.message))
    if show and time.perf_counter() - t0 > 1.0:
        sys.stderr.write("\n")
    return sorted(out)


def _named(iri: str):
    import pyoxigraph as ox

    return ox.NamedNode(iri)
