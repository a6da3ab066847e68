"""Parameters: NAME=VALUE -> RDF terms, and the VALUES-block rewrite for servers without a binding API."""
from __future__ import annotations

import functools
import re

from spinekg.graph.errors import SpinekgError
from spinekg.graph.sparql.safety import QueryInfo
from spinekg.graph.sparql.saved import SavedQuery
from spinekg.graph.sparql.store import load_store
from spinekg.graph.sparql.terms import Term, default_prefixes

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
    # the plain strings: ontology.namespaces would import rdflib (~150 ms) for a code parameter
    from spinekg.ontology.prefixes import CPT_IRI_BASE, GROUP_IRI

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
        return Term.iri(CPT_IRI_BASE + v.upper())
    if ptype == "group" and _GROUP.match(v.upper()):
        return Term.iri(GROUP_IRI + v.upper())
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

