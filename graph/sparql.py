"""SPARQL over the spine code graph: engines, safety checks, parameter binding, result formats.

* Engines: `OxigraphEngine` (pyoxigraph, the default: about a millisecond per saved query),
  `RdflibEngine` (rdflib's evaluator over `graph.load.load_graph()`, for cross-checking) and
  `RemoteEngine` (an external SPARQL 1.1 Protocol endpoint). All return a `Result`.
* Safety: `check_query` reads the query with a small SPARQL lexer (after the codepoint-escape
  step every SPARQL parser performs) and refuses, before anything runs, `SERVICE` in every form,
  `FROM`/`FROM NAMED`, `LOAD` and every update form. Queries run under a timeout and a row cap.
* Parameters are bound as RDF terms through the engine's own mechanism (pyoxigraph
  `substitutions`, rdflib `initBindings`); a remote endpoint has none, so there the terms are
  written as an escaped `VALUES` block inside the WHERE group — user text is never pasted.
* Saved queries: `graph/queries/*.rq`, each with `# title:`, `# description:` and `# param` lines.

Run as `python -m spinekg.graph.sparql worker ENGINE`, this module is the query worker that
`WorkerPool` starts (the HTTP server uses it so a timed-out query is really stopped: the worker
process is killed and replaced).
"""
from __future__ import annotations

import csv
import functools
import io
import json
import re
import threading
import time
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from spinekg.graph.errors import SpinekgError

QUERIES_DIR = files("spinekg.graph") / "queries"
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_INTEGER = XSD + "integer"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "nt", "jsonld")
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "table": "text/plain",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}


def default_prefixes() -> dict[str, str]:
    """Prefixes every query may use without declaring them (sk:, cpt:, grp:, skos:, ...)."""
    from spinekg.ontology.namespaces import PREFIXES

    return {**PREFIXES, "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#"}


# --------------------------------------------------------------------------------------------
# errors


class QueryRefused(SpinekgError):
    """The query asks for something a read-only, offline tool never does (HTTP 400)."""


class UpdateRefused(QueryRefused):
    """The request is a SPARQL update; the graph is read-only (HTTP 403)."""


class QuerySyntaxError(SpinekgError):
    """The query cannot be read (HTTP 400)."""


class QueryTimeout(SpinekgError):
    """The query ran past its time limit and was stopped (HTTP 503)."""


class EndpointError(SpinekgError):
    """An external SPARQL server could not be reached or refused the request (HTTP 502)."""


# --------------------------------------------------------------------------------------------
# the safety check: a SPARQL lexer


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_PN_CHARS = r"A-Za-z0-9_\u00B7-\U000EFFFF"
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][""" + _PN_CHARS + r"""]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[A-Za-z\u00C0-\U000EFFFF_][""" + _PN_CHARS + r"""\-.]*)?:(?:[""" + _PN_CHARS + r""":\-.%]|\\.)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*=<>!+\-/|^?$@])
    """,
    re.VERBOSE,
)
_QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING")


class Token(NamedTuple):
    kind: str
    text: str
    start: int  # offset in the unescaped text
    line: int


@dataclass(frozen=True)
class QueryInfo:
    form: str  # "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE"
    text: str  # the query after codepoint unescaping (what every SPARQL parser reads)
    tokens: tuple[Token, ...] = field(repr=False)
    variables: frozenset[str] = frozenset()

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def unescape_codepoints(text: str) -> str:
    """SPARQL 1.1 §19.2: `\\uXXXX` and `\\UXXXXXXXX` are replaced before parsing, anywhere."""
    def repl(m):
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except ValueError:  # beyond U+10FFFF
            raise QuerySyntaxError(f"invalid codepoint escape {m.group(0)}") from None

    return _ESCAPE.sub(repl, text)


def tokenize(text: str) -> list[Token]:
    tokens, pos, line = [], 0, 1
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise QuerySyntaxError(f"cannot read the query at line {line}: {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, m.group(), pos, line))
        line += m.group().count("\n")
        pos = m.end()
    return tokens


@functools.lru_cache(maxsize=512)
def check_query(query: str) -> QueryInfo:
    """Refuse, before execution, what a read-only offline query may not do; return its form.

    Raises UpdateRefused for any update, QueryRefused for SERVICE (plain, SILENT or with a
    variable), FROM / FROM NAMED and LOAD, QuerySyntaxError when the text cannot be read.
    """
    if not query.strip():
        raise QuerySyntaxError("the query is empty")
    text = unescape_codepoints(query)
    tokens = tokenize(text)
    words = [t for t in tokens if t.kind == "word"]
    form = None
    for t in words:
        up = t.text.upper()
        if up in ("BASE", "PREFIX"):
            continue
        if up in _QUERY_FORMS:
            form = up
            break
        if up in _UPDATE_WORDS:
            raise UpdateRefused(f"updates are not allowed: the graph is read-only ({up} at line {t.line})")
        break
    for t in words:
        up = t.text.upper()
        if up == "SERVICE":
            raise QueryRefused(f"SERVICE is not allowed: queries never reach other servers (line {t.line})")
        if up == "FROM":
            raise QueryRefused(f"FROM / FROM NAMED is not allowed: queries read only the spinekg graph (line {t.line})")
        if up == "LOAD":
            raise UpdateRefused(f"LOAD is not allowed: the graph is read-only and nothing is fetched (line {t.line})")
        if up in _UPDATE_WORDS:
            raise UpdateRefused(f"updates are not allowed: the graph is read-only ({up} at line {t.line})")
    if form is None:
        raise QuerySyntaxError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    variables = frozenset(t.text[1:] for t in tokens if t.kind == "var")
    return QueryInfo(form, text, tuple(tokens), variables)


# --------------------------------------------------------------------------------------------
# terms and results (engine-neutral, picklable, JSON-able)


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


# --------------------------------------------------------------------------------------------
# the store: the same graph as graph.load.load_graph(), in Oxigraph


MATERIALISE = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX sk: <https://w3id.org/spinekg/ontology#>
INSERT { ?x a ?super } WHERE { ?x a ?class . ?class rdfs:subClassOf+ ?super } ;
INSERT { ?primary sk:hasAddOn ?addon } WHERE { ?addon sk:addOnTo ?primary } ;
INSERT { ?g skos:topConceptOf sk:SpineCodes . sk:SpineCodes skos:hasTopConcept ?g }
WHERE { ?g a sk:CodeGroup FILTER NOT EXISTS { ?g skos:broader ?parent } }
"""


def user_triples() -> bytes:
    """The user's imports (licensed descriptors, CMS edits) as N-Triples, made by the same code
    graph.load uses; empty (and rdflib never imported) when there are none."""
    from spinekg.graph.userdata import user_files

    if not user_files():
        return b""
    from rdflib import Graph

    from spinekg.graph.load import add_user_data

    g = Graph()
    add_user_data(g)
    return g.serialize(format="nt", encoding="utf-8")


def build_store(extra: list[Path] | None = None, *, user_data: bool = True):
    """A pyoxigraph Store of ontology + data (+ the user's imports, + extra Turtle files), with
    the implied triples graph.load.materialise adds: the same graph as graph.load.load_graph()
    (a test proves it), without rdflib's 200 ms parse."""
    import pyoxigraph as ox

    from spinekg.graph.load import source_files

    store = ox.Store()
    for path in [*source_files(), *(extra or [])]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    if user_data:
        extra_nt = user_triples()
        if extra_nt:
            store.load(extra_nt, format=ox.RdfFormat.N_TRIPLES)
    store.update(MATERIALISE)
    return store


@functools.lru_cache(maxsize=2)
def _load_store(version: tuple):
    return build_store()


def load_store():
    """The shipped graph (+ the user's imports) in Oxigraph, built once per process (again only
    if the imports change). Treat it as read-only."""
    from spinekg.graph.load import graph_version

    return _load_store(graph_version())


def store_ntriples(store=None) -> bytes:
    """The default graph of a store as N-Triples (what `push` sends)."""
    import pyoxigraph as ox

    store = store if store is not None else load_store()
    triples = (q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)


# --------------------------------------------------------------------------------------------
# saved queries


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # code | group | region | approach | procedure | compartment | nature | integer | string | iri
    example: str
    description: str = ""


@dataclass(frozen=True)
class SavedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: str

    def example_params(self) -> dict[str, str]:
        return {p.name: p.example for p in self.params}

    def to_json(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description,
                "params": [vars(p) for p in self.params], "query": self.text}


PARAM_TYPES = ("code", "group", "region", "approach", "procedure", "compartment", "nature", "integer", "string", "iri")
_PARAM_LINE = re.compile(r'^#\s*param\s+([A-Za-z_]\w*)\s*:\s*(\w+)\s+("[^"]*"|\S+)\s*(?:[—-]+\s*(.*))?$')


def parse_saved(name: str, text: str, path: str = "") -> SavedQuery:
    title, desc, params = None, [], []
    current = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _PARAM_LINE.match(line)
        if m:
            ptype = m.group(2)
            if ptype not in PARAM_TYPES:
                raise SpinekgError(f"saved query {name}: unknown parameter type {ptype!r}")
            params.append(Param(m.group(1), ptype, m.group(3).strip('"'), (m.group(4) or "").strip()))
            current = None
            continue
        body = line[1:].strip()
        if body.lower().startswith("title:"):
            title, current = body[6:].strip(), None
        elif body.lower().startswith("description:"):
            desc, current = [body[12:].strip()], "description"
        elif current == "description" and body:
            desc.append(body)
    if not title or not desc:
        raise SpinekgError(f"saved query {name}: needs '# title:' and '# description:' header lines")
    return SavedQuery(name, title, " ".join(desc), tuple(params), text, path)


@functools.cache
def saved_queries() -> dict[str, SavedQuery]:
    """The saved query library, by name (file name without .rq), sorted."""
    out = {}
    for p in sorted(QUERIES_DIR.iterdir(), key=lambda p: p.name):
        if p.name.endswith(".rq"):
            name = p.name[:-3]
            out[name] = parse_saved(name, p.read_text(encoding="utf-8"), str(p))
    return out


def get_saved(name: str) -> SavedQuery:
    lib = saved_queries()
    if name not in lib:
        import difflib

        close = difflib.get_close_matches(name, list(lib), n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise SpinekgError(f"no saved query named {name!r}{hint}; `spinekg query --list` shows them")
    return lib[name]


# --------------------------------------------------------------------------------------------
# parameters: name=value -> RDF terms


_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CODE = re.compile(r"^[0-9]{4}[0-9A-Z]$")
_GROUP = re.compile(r"^[0-9]{4}[0-9A-Z]-[0-9]{4}[0-9A-Z]$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
FACET_CLASSES = {"region": "SpinalRegion", "approach": "SurgicalApproach", "procedure": "ProcedureType",
                 "compartment": "LesionCompartment", "nature": "LesionNature"}


def parse_param_args(items: list[str] | None) -> dict[str, str]:
    """`["code=63304", ...]` -> {"code": "63304"}; the value may contain anything."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not _VAR_NAME.match(name):
            raise SpinekgError(f"--param needs NAME=VALUE with NAME a variable name, got {item!r}")
        if name in out:
            raise SpinekgError(f"--param {name} given twice")
        out[name] = value
    return out


def facet_names() -> dict[str, dict[str, str]]:
    """facet type -> {normalised name: IRI}, read from the store (labels and local names)."""
    return _facet_names(load_store())


@functools.lru_cache(maxsize=2)
def _facet_names(store) -> dict[str, dict[str, str]]:
    import pyoxigraph as ox

    from spinekg.graph.select import normalise

    out: dict[str, dict[str, str]] = {}
    for ptype, cls in FACET_CLASSES.items():
        names: dict[str, str] = {}
        q = ("SELECT ?v ?l WHERE { ?v a <https://w3id.org/spinekg/ontology#" + cls + "> . "
             "OPTIONAL { ?v <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } }")
        for sol in store.query(q):
            iri = sol["v"].value
            names[normalise(iri.rsplit("#", 1)[-1])] = iri
            if isinstance(sol["l"], ox.Literal):
                names[normalise(sol["l"].value)] = iri
        out[ptype] = names
    return out


def _facet_labels(ptype: str) -> list[str]:
    store = load_store()
    cls = FACET_CLASSES[ptype]
    q = ("SELECT ?l WHERE { ?v a <https://w3id.org/spinekg/ontology#" + cls + "> ; "
         "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }")
    return sorted({s["l"].value for s in store.query(q)})


def bind_value(value: str, ptype: str | None, notes: list[str] | None = None) -> Term:
    """One parameter value as an RDF term. Never raises for a strange value: what is not a
    well-formed code/group/facet/number/IRI becomes a plain string literal (it matches nothing)."""
    from spinekg.ontology.namespaces import CPT, GROUP

    notes = notes if notes is not None else []
    v = value.strip()
    if ptype is None:  # undeclared: infer
        if v.startswith("<") and v.endswith(">"):
            ptype, v = "iri", v[1:-1]
        elif _CODE.match(v):
            ptype = "code"
        elif _GROUP.match(v):
            ptype = "group"
        elif _INTEGER.match(v):
            ptype = "integer"
        elif re.match(r"^[a-z]+:[A-Za-z0-9_\-]+$", v) and v.split(":")[0] in default_prefixes():
            prefix, local = v.split(":", 1)
            ptype, v = "iri", default_prefixes()[prefix] + local
        else:
            return Term.literal(value)
    if ptype == "code" and _CODE.match(v.upper()):
        return Term.iri(str(CPT[v.upper()]))
    if ptype == "group" and _GROUP.match(v.upper()):
        return Term.iri(str(GROUP[v.upper()]))
    if ptype == "integer" and _INTEGER.match(v):
        return Term.literal(int(v))
    if ptype in FACET_CLASSES:
        from spinekg.graph.select import normalise

        iri = facet_names().get(ptype, {}).get(normalise(v))
        if iri:
            return Term.iri(iri)
        notes.append(f"{value!r} is not a known {ptype}; known: {', '.join(_facet_labels(ptype))}")
        return Term.literal(value)
    if ptype == "iri":
        import pyoxigraph as ox

        try:
            ox.NamedNode(v)
            if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", v):
                return Term.iri(v)
        except ValueError:
            pass
        notes.append(f"{value!r} is not an absolute IRI; bound as a string")
        return Term.literal(value)
    if ptype != "string":
        notes.append(f"{value!r} is not a well-formed {ptype}; bound as a string, so it matches nothing")
    return Term.literal(value)


def bind_params(values: dict[str, str], saved: SavedQuery | None = None,
                notes: list[str] | None = None) -> dict[str, Term]:
    """Parameter values -> {variable: Term}, typed by the saved query's `# param` lines."""
    declared = {p.name: p for p in saved.params} if saved else {}
    if saved is not None:
        unknown = [n for n in values if n not in declared]
        if unknown:
            names = ", ".join(declared) or "none"
            raise SpinekgError(f"saved query {saved.name} has no parameter {unknown[0]!r} (its parameters: {names})")
    notes = notes if notes is not None else []
    out = {}
    for name, value in values.items():
        term = bind_value(value, declared[name].type if name in declared else None, notes)
        if term.kind == "uri" and declared.get(name) and declared[name].type == "code":
            if not _code_exists(term.value):
                notes.append(f"code {value.strip()} is not in the graph")
        out[name] = term
    return out


def _code_exists(iri: str) -> bool:
    import pyoxigraph as ox

    return bool(load_store().query(
        "ASK { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n }",
        substitutions={ox.Variable("c"): ox.NamedNode(iri)}))


# --------------------------------------------------------------------------------------------
# engines


def _interrupt(thread: threading.Thread) -> None:
    """Raise QueryTimeout inside a worker thread: stops pure-Python evaluation (rdflib) and a
    streaming Oxigraph query at its next row. A query blocked inside Oxigraph is abandoned."""
    import ctypes

    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(QueryTimeout))


def call_with_timeout(fn, timeout: float | None):
    if timeout is None or timeout <= 0:
        return fn()
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 (handed to the caller)
            import traceback

            # drop the frames' locals here: Oxigraph result iterators must die on their own thread
            traceback.clear_frames(e.__traceback__)
            box["error"] = e

    t = threading.Thread(target=target, name="spinekg-query", daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        _interrupt(t)
        raise QueryTimeout(f"query timed out after {timeout:g} s (raise the limit with --timeout)")
    if "error" in box:
        raise box["error"]
    return box["value"]


def select_projection(info: QueryInfo) -> set[str] | None:
    """The variables a SELECT projects at the top level (None for SELECT * and other forms)."""
    if info.form != "SELECT":
        return None
    out, depth, started = set(), 0, False
    for t in info.tokens:
        if not started:
            started = t.kind == "word" and t.text.upper() == "SELECT"
            continue
        if t.text == "*" and depth == 0:
            return None
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif t.text == "{" or (t.kind == "word" and t.text.upper() in ("WHERE", "FROM")):
            break
        elif t.kind == "var":
            out.add(t.text[1:])
    return out


class Engine:
    """Runs checked queries. Subclasses implement `_execute(info, query, bindings, max_rows)`."""

    name = "engine"

    def query(self, query: str, bindings: dict[str, Term] | None = None, *,
              timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = DEFAULT_MAX_ROWS) -> Result:
        info = check_query(query)  # refuses before anything runs
        for name in bindings or {}:
            if not _VAR_NAME.match(name):
                raise SpinekgError(f"invalid parameter name {name!r}")
            if name not in info.variables:
                raise SpinekgError(f"the query has no variable ?{name} to bind")
        projection = select_projection(info)
        missing = [n for n in bindings or {} if projection is not None and n not in projection]
        if missing:
            raise SpinekgError(f"parameter ?{missing[0]} must be in the SELECT projection (or use SELECT *)")
        t0 = time.perf_counter()
        result = call_with_timeout(lambda: self._execute(info, query, dict(bindings or {}), max_rows), timeout)
        result.elapsed = time.perf_counter() - t0
        result.max_rows = max_rows
        return result

    def _execute(self, info: QueryInfo, query: str, bindings: dict[str, Term], max_rows: int | None) -> Result:
        raise NotImplementedError


def _cap(rows_iter, max_rows):
    rows, truncated = [], False
    for row in rows_iter:
        if max_rows is not None and len(rows) >= max_rows:
            truncated = True
            break
        rows.append(row)
    return rows, truncated


class OxigraphEngine(Engine):
    name = "oxigraph"

    def __init__(self, store=None):
        self.store = store if store is not None else load_store()
        self.prefixes = default_prefixes()

    def _execute(self, info, query, bindings, max_rows):
        import pyoxigraph as ox

        subs = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
        try:
            res = self.store.query(info.text, prefixes=self.prefixes, substitutions=subs or None,
                                   default_graph=ox.DefaultGraph(), named_graphs=[])
        except SyntaxError as e:
            raise QuerySyntaxError(f"invalid query: {e}") from None
        except (OSError, RuntimeError) as e:
            raise SpinekgError(f"query failed: {e}") from None
        if isinstance(res, ox.QueryBoolean):
            return Result("ASK", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            idx = range(len(variables))
            rows, truncated = _cap((tuple([from_ox(sol[i]) for i in idx]) for sol in res), max_rows)
            return Result("SELECT", variables, rows, truncated=truncated)
        triples, truncated = _cap(((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in res), max_rows)
        return Result(info.form, triples=triples, truncated=truncated)


@functools.lru_cache(maxsize=256)
def _prepared(text: str):
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text, initNs=default_prefixes())


class RdflibEngine(Engine):
    name = "rdflib"

    def __init__(self, graph=None):
        if graph is None:
            from spinekg.graph.load import load_graph

            graph = load_graph()
        self.graph = graph

    def _execute(self, info, query, bindings, max_rows):
        try:
            prepared = _prepared(info.text)
        except Exception as e:  # pyparsing errors and friends
            raise QuerySyntaxError(f"invalid query: {' '.join(str(e).split())}") from None
        res = self.graph.query(prepared, initBindings={k: to_rdflib(v) for k, v in bindings.items()})
        if res.type == "ASK":
            return Result("ASK", boolean=bool(res.askAnswer))
        if res.type == "SELECT":
            variables = [str(v) for v in res.vars]
            rows, truncated = _cap((tuple(from_rdflib(row[i]) for i in range(len(variables))) for row in res), max_rows)
            return Result("SELECT", variables, rows, truncated=truncated)
        triples, truncated = _cap((tuple(from_rdflib(x) for x in t) for t in res.graph), max_rows)
        return Result(info.form, triples=triples, truncated=truncated)


def values_block(info: QueryInfo, bindings: dict[str, Term]) -> str:
    """The query text with the bindings as a `VALUES` block at the start of the WHERE group
    (for servers without a binding API). Terms are written by pyoxigraph, fully escaped."""
    if not bindings:
        return info.text
    names = sorted(bindings)
    block = "VALUES (" + " ".join("?" + n for n in names) + ") { (" + " ".join(bindings[n].n3() for n in names) + ") } "
    toks = info.tokens
    i, depth = 0, 0
    # skip the CONSTRUCT template, unless it is the short form CONSTRUCT WHERE { }
    if info.form == "CONSTRUCT":
        k = next(j for j, t in enumerate(toks) if t.kind == "word" and t.text.upper() == "CONSTRUCT")
        if k + 2 < len(toks) and toks[k + 1].text.upper() == "WHERE" and toks[k + 2].text == "{":
            # short form CONSTRUCT WHERE { T }: spell it out as CONSTRUCT { T } WHERE { VALUES … T }
            j, depth = k + 2, 0
            while j < len(toks):
                depth += {"{": 1, "}": -1}.get(toks[j].text, 0)
                if depth == 0:
                    break
                j += 1
            text = info.text
            open_, close = toks[k + 2].start, toks[j].start
            body = text[open_ + 1:close]
            return (text[:toks[k + 1].start] + "{" + body + "} WHERE { " + block + body + "}"
                    + text[close + 1:])
        if not (k + 1 < len(toks) and toks[k + 1].text.upper() == "WHERE"):
            i = k + 1
            while i < len(toks) and toks[i].text != "{":
                i += 1
            depth = 0
            while i < len(toks):
                depth += {"{": 1, "}": -1}.get(toks[i].text, 0)
                i += 1
                if depth == 0:
                    break
    paren = 0
    while i < len(toks):
        t = toks[i]
        if t.text == "(":
            paren += 1
        elif t.text == ")":
            paren -= 1
        elif t.text == "{" and paren == 0:
            break
        i += 1
    if i >= len(toks):
        raise SpinekgError("parameters need a WHERE { } clause to bind into")
    brace = toks[i]
    nxt = toks[i + 1] if i + 1 < len(toks) else None
    text = info.text
    if nxt is not None and nxt.kind == "word" and nxt.text.upper() == "SELECT":  # sub-select group
        depth, j = 0, i
        while j < len(toks):
            depth += {"{": 1, "}": -1}.get(toks[j].text, 0)
            if depth == 0:
                break
            j += 1
        close = toks[j].start
        return text[:brace.start + 1] + " " + block + "{ " + text[brace.start + 1:close] + " } " + text[close:]
    return text[:brace.start + 1] + " " + block + text[brace.start + 1:]


class RemoteEngine(Engine):
    """An external SPARQL 1.1 Protocol endpoint (e.g. `oxigraph serve`'s /query)."""

    name = "remote"

    def __init__(self, url: str, http_timeout: float = DEFAULT_TIMEOUT):
        self.url = check_url(url)
        self.http_timeout = http_timeout

    def query(self, query, bindings=None, *, timeout=DEFAULT_TIMEOUT, max_rows=DEFAULT_MAX_ROWS):
        if timeout:
            self.http_timeout = timeout
        return super().query(query, bindings, timeout=timeout, max_rows=max_rows)

    def _execute(self, info, query, bindings, max_rows):
        from urllib.parse import urlencode

        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in default_prefixes().items())
        text = prologue + values_block(info, bindings)
        accept = "application/n-triples" if info.is_graph else "application/sparql-results+json"
        body = http_request(self.url, "POST", urlencode({"query": text}).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                            self.http_timeout)
        if info.is_graph:
            import pyoxigraph as ox

            try:
                parsed = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
                triples, truncated = _cap(((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in parsed), max_rows)
            except SyntaxError as e:
                raise EndpointError(f"the endpoint sent unreadable N-Triples: {e}") from None
            return Result(info.form, triples=triples, truncated=truncated)
        try:
            data = json.loads(body)
        except ValueError:
            raise EndpointError("the endpoint did not answer with SPARQL results JSON") from None
        if "boolean" in data:
            return Result("ASK", boolean=bool(data["boolean"]))
        variables = list(data.get("head", {}).get("vars", []))
        rows, truncated = _cap((tuple(Term.from_json(b[v]) if v in b else None for v in variables)
                                for b in data.get("results", {}).get("bindings", [])), max_rows)
        return Result("SELECT", variables, rows, truncated=truncated)


def check_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpinekgError(f"endpoint must be an http:// or https:// URL, got {url!r}")
    return url


def http_request(url: str, method: str, body: bytes | None, headers: dict, timeout: float) -> bytes:
    """One HTTP request without redirects; loopback hosts bypass any configured proxy."""
    import ipaddress
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    handlers = [NoRedirect()] + ([urllib.request.ProxyHandler({})] if loopback else [])
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": "spinekg", **headers})
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.read()
    except urllib.error.HTTPError as e:
        detail = " ".join(e.read(300).decode("utf-8", "replace").split())
        raise EndpointError(f"{url} answered {e.code} {e.reason}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as e:
        raise EndpointError(f"cannot reach {url}: {e.reason}") from None
    except TimeoutError:
        raise QueryTimeout(f"{url} did not answer within {timeout:g} s") from None
    except OSError as e:
        raise EndpointError(f"cannot reach {url}: {e}") from None


ENGINES = {"oxigraph": OxigraphEngine, "rdflib": RdflibEngine}


def make_engine(name: str = "oxigraph", endpoint: str | None = None) -> Engine:
    if endpoint:
        return RemoteEngine(endpoint)
    if name not in ENGINES:
        raise SpinekgError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    return ENGINES[name]()


def push(endpoint: str, graph_iri: str | None = None, *, append: bool = False,
         timeout: float = 60.0) -> int:
    """Load the graph into a SPARQL 1.1 Graph Store Protocol endpoint (PUT replaces the target
    graph, POST with append=True adds to it). Returns the number of triples sent."""
    from urllib.parse import urlencode, urlsplit, urlunsplit

    import pyoxigraph as ox

    parts = urlsplit(check_url(endpoint))
    if graph_iri is not None:
        try:
            ox.NamedNode(graph_iri)
        except ValueError:
            raise SpinekgError(f"--graph must be an absolute IRI, got {graph_iri!r}") from None
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", graph_iri):
            raise SpinekgError(f"--graph must be an absolute IRI, got {graph_iri!r}")
        target = urlencode({"graph": graph_iri})
    else:
        target = "default"
    query = f"{parts.query}&{target}" if parts.query else target
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
    data = store_ntriples()
    http_request(url, "POST" if append else "PUT", data, {"Content-Type": "application/n-triples"}, timeout)
    return data.count(b"\n")


# --------------------------------------------------------------------------------------------
# running a query the way the CLI and the server do


def run(query: str, params: dict[str, str] | None = None, *, saved: SavedQuery | None = None,
        engine: Engine | None = None, timeout: float | None = DEFAULT_TIMEOUT,
        max_rows: int | None = DEFAULT_MAX_ROWS, notes: list[str] | None = None) -> Result:
    """Check, bind and run one query."""
    check_query(query)
    bindings = bind_params(params or {}, saved, notes)
    engine = engine or OxigraphEngine()
    return engine.query(query, bindings, timeout=timeout, max_rows=max_rows)


def run_saved(name: str, params: dict[str, str] | None = None, **kw) -> Result:
    saved = get_saved(name)
    return run(saved.text, params, saved=saved, **kw)


# --------------------------------------------------------------------------------------------
# formatting


def compact(iri: str) -> str:
    for prefix, ns in sorted(default_prefixes().items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and re.match(r"^[A-Za-z0-9_\-]*$", iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _plain(t: Term | None) -> str:
    if t is None:
        return ""
    if t.kind == "uri":
        return t.value
    if t.kind == "bnode":
        return "_:" + t.value
    return t.value


def _table_cell(t: Term | None) -> str:
    if t is None:
        return ""
    if t.kind == "uri":
        return compact(t.value)
    if t.kind == "bnode":
        return "_:" + t.value
    return " ".join(t.value.split())


def format_table(r: Result) -> str:
    if r.form == "ASK":
        return "true" if r.boolean else "false"
    header = list(r.variables)
    body = [[_table_cell(t) for t in row] for row in r.rows]
    widths = [max([len(h)] + [len(row[i]) for row in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in body]
    n = len(r.rows)
    lines.append(f"({n} row{'s' if n != 1 else ''}{', truncated' if r.truncated else ''})")
    return "\n".join(lines)


def format_json(r: Result) -> str:
    if r.form == "ASK":
        return json.dumps({"head": {}, "boolean": bool(r.boolean)})
    bindings = [{v: t.to_json() for v, t in zip(r.variables, row) if t is not None} for row in r.rows]
    return json.dumps({"head": {"vars": r.variables}, "results": {"bindings": bindings}},
                      indent=2, ensure_ascii=False)


def format_xml(r: Result) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
    out += [f"    <variable name={quoteattr(v)}/>" for v in r.variables]
    out.append("  </head>")
    if r.form == "ASK":
        out.append(f"  <boolean>{'true' if r.boolean else 'false'}</boolean>")
    else:
        out.append("  <results>")
        for row in r.rows:
            out.append("    <result>")
            for v, t in zip(r.variables, row):
                if t is None:
                    continue
                if t.kind == "uri":
                    inner = f"<uri>{xml_escape(t.value)}</uri>"
                elif t.kind == "bnode":
                    inner = f"<bnode>{xml_escape(t.value)}</bnode>"
                elif t.lang:
                    inner = f"<literal xml:lang={quoteattr(t.lang)}>{xml_escape(t.value)}</literal>"
                elif t.datatype and t.datatype != XSD_STRING:
                    inner = f"<literal datatype={quoteattr(t.datatype)}>{xml_escape(t.value)}</literal>"
                else:
                    inner = f"<literal>{xml_escape(t.value)}</literal>"
                out.append(f"      <binding name={quoteattr(v)}>{inner}</binding>")
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>")
    return "\n".join(out)


def format_csv(r: Result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if r.form == "ASK":
        w.writerow(["boolean"])
        w.writerow(["true" if r.boolean else "false"])
    else:
        w.writerow(r.variables)
        w.writerows([_plain(t) for t in row] for row in r.rows)
    return buf.getvalue()


def format_tsv(r: Result) -> str:
    if r.form == "ASK":
        return "?boolean\n" + ("true" if r.boolean else "false") + "\n"
    lines = ["\t".join("?" + v for v in r.variables)]
    lines += ["\t".join(t.n3() if t is not None else "" for t in row) for row in r.rows]
    return "\n".join(lines) + "\n"


def format_graph(r: Result, fmt: str) -> str:
    import pyoxigraph as ox

    formats = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD}
    triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in r.triples]
    kw = {"prefixes": default_prefixes()} if fmt in ("turtle", "jsonld") else {}
    try:
        data = ox.serialize(triples, format=formats[fmt], **kw)
    except TypeError:  # a pyoxigraph without prefixes= for this format
        data = ox.serialize(triples, format=formats[fmt])
    return data.decode("utf-8")


SELECT_WRITERS = {"table": format_table, "json": format_json, "xml": format_xml, "csv": format_csv, "tsv": format_tsv}


def format_result(r: Result, fmt: str | None = None) -> str:
    """Serialise a result; `fmt=None` picks table for SELECT/ASK and turtle for graphs."""
    if r.is_graph:
        fmt = fmt or "turtle"
        if fmt not in GRAPH_FORMATS:
            raise SpinekgError(f"--format {fmt} is for SELECT/ASK results; a {r.form} query gives a graph: "
                               f"use {', '.join(GRAPH_FORMATS)}")
        return format_graph(r, fmt)
    fmt = fmt or "table"
    if fmt not in SELECT_WRITERS:
        raise SpinekgError(f"--format {fmt} is for graphs; a {r.form} query gives results: "
                           f"use {', '.join(SELECT_FORMATS)}")
    return SELECT_WRITERS[fmt](r)


# --------------------------------------------------------------------------------------------
# isolated workers: a timed-out query is stopped by killing its process


class _Worker:
    def __init__(self, engine: str):
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, "-m", "graph.sparql", "worker", engine],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     cwd=str(Path(__file__).resolve().parent.parent))
        self.buf = b""
        ready = self.read_line(time.monotonic() + 120)
        if ready != b"ready":
            self.kill()
            raise SpinekgError(f"the {engine} query worker did not start")

    def read_line(self, deadline: float) -> bytes | None:
        import os
        import select

        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise SpinekgError("the query worker stopped unexpectedly")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def ask(self, request: dict, timeout: float) -> dict | None:
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        self.proc.stdin.flush()
        line = self.read_line(time.monotonic() + timeout)
        return None if line is None else json.loads(line)

    def kill(self) -> None:
        try:
            self.proc.kill()
        finally:
            self.proc.wait()

    @property
    def pid(self) -> int:
        return self.proc.pid


class WorkerPool:
    """N query worker processes, each with its own copy of the graph. A query that runs past its
    timeout is really stopped: its worker is killed and a fresh one takes its place."""

    def __init__(self, engine: str = "oxigraph", workers: int = 2):
        if engine not in ENGINES:
            raise SpinekgError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        self.engine = engine
        import queue

        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.all: set[_Worker] = set()
        self.lock = threading.Lock()
        self.closed = False
        for _ in range(max(1, workers)):
            self._add(_Worker(engine))

    def _add(self, w: _Worker) -> None:
        with self.lock:
            if self.closed:
                w.kill()
                return
            self.all.add(w)
        self.idle.put(w)

    def _replace(self, w: _Worker) -> None:
        with self.lock:
            self.all.discard(w)
        w.kill()
        if not self.closed:
            threading.Thread(target=lambda: self._add(_Worker(self.engine)), daemon=True).start()

    def pids(self) -> list[int]:
        with self.lock:
            return sorted(w.pid for w in self.all)

    def query(self, query: str, bindings: dict[str, Term] | None = None, *,
              timeout: float | None = DEFAULT_TIMEOUT, max_rows: int | None = DEFAULT_MAX_ROWS) -> Result:
        import queue

        check_query(query)
        limit = timeout if timeout and timeout > 0 else 3600.0
        t0 = time.monotonic()
        try:
            w = self.idle.get(timeout=limit)
        except queue.Empty:
            raise QueryTimeout(f"the server is busy: no query worker was free within {limit:g} s") from None
        remaining = max(0.01, limit - (time.monotonic() - t0))
        try:
            answer = w.ask({"query": query, "bindings": {k: list(v) for k, v in (bindings or {}).items()},
                            "max_rows": max_rows}, remaining)
        except BaseException:
            self._replace(w)
            raise
        if answer is None:
            self._replace(w)
            raise QueryTimeout(f"query timed out after {limit:g} s and was stopped")
        self.idle.put(w)
        if "error" in answer:
            cls = {c.__name__: c for c in (QueryRefused, UpdateRefused, QuerySyntaxError, QueryTimeout)}.get(
                answer["type"], SpinekgError)
            raise cls(answer["error"])
        return Result.from_wire(answer)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers = list(self.all)
            self.all.clear()
        for w in workers:
            w.kill()


def _worker_main(engine_name: str) -> None:
    import sys

    engine = ENGINES[engine_name]()
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        req = json.loads(line)
        try:
            result = engine.query(req["query"], {k: Term(*v) for k, v in req["bindings"].items()},
                                  timeout=None, max_rows=req["max_rows"])
            answer = result.to_wire()
        except SpinekgError as e:
            answer = {"error": str(e), "type": type(e).__name__}
        except Exception as e:  # noqa: BLE001 (reported to the parent as one line)
            answer = {"error": f"query failed: {e}", "type": "SpinekgError"}
        out.write(json.dumps(answer).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "worker":
        _worker_main(sys.argv[2])
    else:
        sys.exit("usage: python -m spinekg.graph.sparql worker oxigraph|rdflib")
