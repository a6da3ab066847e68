"""Result writers: SPARQL JSON/XML, CSV, TSV and a text table for rows; Turtle, N-Triples, JSON-LD for graphs."""
from __future__ import annotations

import io
import json
import re

from spinekg.graph.errors import SpinekgError
from spinekg.graph.sparql.terms import XSD, XSD_STRING, Result, Term, default_prefixes, to_ox
from spinekg.graph.textsafe import spreadsheet_cell, terminal_text, xml_text

SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "rdfxml")
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "table": "text/plain",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                              "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger")}


def compact(iri: str) -> str:
    for prefix, ns in sorted(default_prefixes().items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and re.match(r"^[A-Za-z0-9_\-]*$", iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def _plain(t: Term | None) -> str:
    """A CSV cell: the bare value, neutralised for spreadsheets (a well-formed number stays as it is)."""
    if t is None:
        return ""
    if t.kind == "uri":
        return spreadsheet_cell(t.value)
    if t.kind == "bnode":
        return "_:" + t.value
    if t.datatype in _NUMERIC and _NUMBER.match(t.value):
        return t.value
    return spreadsheet_cell(t.value)


def _table_cell(t: Term | None) -> str:
    if t is None:
        return ""
    if t.kind == "uri":
        return terminal_text(compact(t.value))
    if t.kind == "bnode":
        return "_:" + terminal_text(t.value)
    return " ".join(terminal_text(t.value).split())


def format_table(r: Result) -> str:
    if r.form == "ASK":
        return "true" if r.boolean else "false"
    header = [terminal_text(v) for v in r.variables]
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


def _x(text: str) -> str:
    """XML character data that stays well-formed (no controls, no lone surrogates) and keeps a CR."""
    from xml.sax.saxutils import escape  # xml.sax pulls in urllib and email: only for XML answers

    return escape(xml_text(text), {"\r": "&#13;"})


def _qa(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(xml_text(text), {"\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def format_xml(r: Result) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "  <head>"]
    out += [f"    <variable name={_qa(v)}/>" for v in r.variables]
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
                    inner = f"<uri>{_x(t.value)}</uri>"
                elif t.kind == "bnode":
                    inner = f"<bnode>{_x(t.value)}</bnode>"
                elif t.lang:
                    inner = f"<literal xml:lang={_qa(t.lang)}>{_x(t.value)}</literal>"
                elif t.datatype and t.datatype != XSD_STRING:
                    inner = f"<literal datatype={_qa(t.datatype)}>{_x(t.value)}</literal>"
                else:
                    inner = f"<literal>{_x(t.value)}</literal>"
                out.append(f"      <binding name={_qa(v)}>{inner}</binding>")
            out.append("    </result>")
        out.append("  </results>")
    out.append("</sparql>")
    return "\n".join(out)


def format_csv(r: Result) -> str:
    import csv  # here: the default table output (a cold CLI query) does not need it

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
    # N-Triples terms start with < " or _: (never a formula); the cell rule is applied all the same
    lines += ["\t".join(spreadsheet_cell(t.n3()) if t is not None else "" for t in row) for row in r.rows]
    return "\n".join(lines) + "\n"


def format_graph(r: Result, fmt: str) -> str:
    import pyoxigraph as ox

    formats = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
               "rdfxml": ox.RdfFormat.RDF_XML}
    rows = r.triples
    if fmt == "rdfxml":  # XML 1.0 cannot carry control characters even escaped: keep the document well-formed
        rows = [tuple(t._replace(value=xml_text(t.value)) if t.kind == "literal" else t for t in tr) for tr in rows]
    triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in rows]
    kw = {"prefixes": default_prefixes()} if fmt in ("turtle", "jsonld", "rdfxml") else {}
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




# ------------------------------------------------------------------ compact cells for analysts
_CPT = "https://w3id.org/spinekg/cpt/"
_GRP = "https://w3id.org/spinekg/group/"
_SK = "https://w3id.org/spinekg/ontology#"


def _facet_names() -> dict[str, str]:
    """sk: local name of each facet value -> its short name ("LateralExtracavitary" -> "lateral extracavitary"),
    from the catalog's facet table, kept on its own in the compiled cache (same key): a cold query
    reads ~2 KB instead of importing the model and reading the whole catalog (~30 ms)."""
    from spinekg.graph.compiled import catalog_key, read_cached, write_cached

    key = catalog_key()
    names = read_cached(key, "facetnames")
    if names is None or not all(isinstance(v, str) for v in names.values()):
        from spinekg.graph.model import load_catalog

        names = {local: name for values in load_catalog().facet_values.values() for name, local in values.items()}
        write_cached(key, names, "facetnames")
    return names


def compact_result(r: Result) -> Result:
    """The same rows with codes as "63304", groups as "63300-63308", facet values by name and other
    IRIs as prefixed names (plain literals), for `query --compact`; graphs and ASK are unchanged."""
    if r.is_graph or r.form == "ASK":
        return r
    names = _facet_names()

    def cell(t: Term | None) -> Term | None:
        if t is None or t.kind != "uri":
            return t
        v = t.value
        if v.startswith(_CPT):
            return Term.literal(v[len(_CPT):])
        if v.startswith(_GRP):
            return Term.literal(v[len(_GRP):])
        if v.startswith(_SK) and v[len(_SK):] in names:
            return Term.literal(names[v[len(_SK):]])
        short = compact(v)
        return Term.literal(short[1:-1] if short.startswith("<") else short)

    rows = [tuple(cell(t) for t in row) for row in r.rows]
    return Result(r.form, list(r.variables), rows, r.boolean, [], r.truncated, r.max_rows, r.elapsed)
