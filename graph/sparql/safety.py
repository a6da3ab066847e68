"""The safety check: refuse SERVICE, FROM / FROM NAMED, LOAD and updates before anything runs."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from spinekg.graph.sparql.errors import QueryRefused, QuerySyntaxError, UpdateRefused
from spinekg.graph.sparql.lexer import Token, tokenize, unescape_codepoints

_QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING")

@dataclass(frozen=True)
class QueryInfo:
    form: str  # "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE"
    text: str  # the query after codepoint unescaping (what every SPARQL parser reads)
    tokens: tuple[Token, ...] = field(repr=False)
    variables: frozenset[str] = frozenset()

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


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

