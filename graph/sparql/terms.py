"""Engine-neutral RDF terms and query results (picklable, JSON-able) and their conversions."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import NamedTuple

from spinekg.graph.sparql.errors import EndpointError

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
def default_prefixes() -> dict[str, str]:
    """Prefixes every query may use without declaring them (sk:, cpt:, grp:, skos:, ...)."""
    from spinekg.ontology.prefixes import PREFIXES  # strings only: rdflib stays out of a cold query

    return {**PREFIXES, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}

class Term(NamedTuple):
    kind: str  # "uri" | "literal" | "bnode"
    value: str
    datatype: str | None = None  # literals without a language tag (xsd:string when plain)
    lang: str | None = None

    @staticmethod
    def iri(value: str) -> "Term":
        return Term("uri", value)

    @staticmethod
    def literal(value, datatype: str | None = None, lang: str | None = None) -> "Term":
        if isinstance(value, bool):
            return Term("literal", "true" if value else "false", XSD + "boolean")
        if isinstance(value, int):
            return Term("literal", str(value), XSD_INTEGER)
        if lang:
            return Term("literal", str(value), None, lang.lower())
        return Term("literal", str(value), datatype or XSD_STRING)

    def n3(self) -> str:
        """N-Triples syntax, escaped by pyoxigraph."""
        return str(to_ox(self))

    def to_json(self) -> dict:
        if self.kind == "literal":
            d = {"type": "literal", "value": self.value}
            if self.lang:
                d["xml:lang"] = self.lang
            elif self.datatype and self.datatype != XSD_STRING:
                d["datatype"] = self.datatype
            return d
        return {"type": self.kind, "value": self.value}

    @staticmethod
    def from_json(d: dict) -> "Term":
        kind = d["type"]
        if kind in ("literal", "typed-literal"):
            return Term.literal(d["value"], d.get("datatype"), d.get("xml:lang"))
        if kind in ("uri", "bnode"):
            return Term(kind, d["value"])
        raise EndpointError(f"unsupported term type {kind!r} in results")


@dataclass
class Result:
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)  # tuples of Term | None
    boolean: bool | None = None
    triples: list[tuple] = field(default_factory=list)  # (Term, Term, Term)
    truncated: bool = False
    max_rows: int | None = None
    elapsed: float = 0.0

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    def __len__(self) -> int:
        return len(self.triples) if self.is_graph else len(self.rows)

    def to_wire(self) -> dict:
        return {"form": self.form, "variables": self.variables,
                "rows": [[list(t) if t else None for t in r] for r in self.rows],
                "boolean": self.boolean, "triples": [[list(t) for t in tr] for tr in self.triples],
                "truncated": self.truncated, "max_rows": self.max_rows, "elapsed": self.elapsed}

    @staticmethod
    def from_wire(d: dict) -> "Result":
        return Result(d["form"], d["variables"],
                      [tuple(Term(*t) if t else None for t in r) for r in d["rows"]],
                      d["boolean"], [tuple(Term(*t) for t in tr) for tr in d["triples"]],
                      d["truncated"], d["max_rows"], d["elapsed"])

    def canonical(self):
        """A comparable form: rows with blank nodes anonymised, triples as a sorted set."""
        if self.form == "ASK":
            return ("ASK", self.boolean)
        if self.is_graph:
            return ("GRAPH", sorted({" ".join("_:b" if t.kind == "bnode" else t.n3() for t in tr)
                                     for tr in self.triples}))
        anon = [tuple(("bnode",) if t is not None and t.kind == "bnode" else t for t in r) for r in self.rows]
        return ("SELECT", list(self.variables), anon)


def to_ox(term: Term):
    import pyoxigraph as ox

    if term.kind == "uri":
        return ox.NamedNode(term.value)
    if term.kind == "bnode":
        return ox.BlankNode(term.value)
    if term.lang:
        return ox.Literal(term.value, language=term.lang)
    return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype or XSD_STRING))


@functools.cache
def _ox_types():
    import pyoxigraph as ox

    return ox.NamedNode, ox.BlankNode, ox.Literal


def from_ox(node) -> Term | None:
    if node is None:
        return None
    return _from_ox(node)


@functools.lru_cache(maxsize=1 << 16)
def _from_ox(node) -> Term:
    """Terms are immutable and repeat across rows (codes, facet values): convert each one once."""
    named, blank, literal = _ox_types()
    kind = type(node)
    if kind is named:
        return Term("uri", node.value)
    if kind is literal:
        lang = node.language
        if lang:
            return Term("literal", node.value, None, lang)
        return Term("literal", node.value, node.datatype.value)
    if kind is blank:
        return Term("bnode", node.value)
    return Term("literal", str(node), XSD_STRING)  # RDF-star triple terms: shown as text


def to_rdflib(term: Term):
    from rdflib import BNode, Literal, URIRef

    if term.kind == "uri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    if term.lang:
        return Literal(term.value, lang=term.lang)
    if term.datatype in (None, XSD_STRING):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype))


def from_rdflib(node) -> Term | None:
    from rdflib import BNode, Literal, URIRef

    if node is None:
        return None
    if isinstance(node, URIRef):
        return Term("uri", str(node))
    if isinstance(node, BNode):
        return Term("bnode", str(node))
    if isinstance(node, Literal):
        if node.language:
            return Term("literal", str(node), None, node.language.lower())
        return Term("literal", str(node), str(node.datatype) if node.datatype else XSD_STRING)
    return Term("literal", str(node), XSD_STRING)

