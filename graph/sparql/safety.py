"""The safety check, decided on rdflib's SPARQL parse tree and algebra: refuse SERVICE, FROM, LOAD and updates."""
from __future__ import annotations

import functools
import sys
from typing import NamedTuple

from spinekg.graph.sparql.errors import QueryRefused, QuerySyntaxError, UpdateRefused
from spinekg.graph.sparql.lexer import tokenize, unescape_codepoints

MAX_QUERY_CHARS = 256 * 1024  # rdflib's parser reads ~40 KB/s of VALUES data: bound the time a check takes
MAX_NESTING = 64  # brackets of any kind; deeper queries are refused before any parser recurses into them
CACHE_CHARS = 16 * 1024  # parse results of queries up to this size are kept (keyed by text)
_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}
_UPDATES = {"Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD", "Move": "MOVE",
            "Copy": "COPY", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
            "Modify": "DELETE/INSERT"}


class QueryInfo(NamedTuple):  # immutable; a NamedTuple is built at import ~10x faster than a dataclass
    form: str  # "SELECT" | "ASK" | "CONSTRUCT" | "DESCRIBE"
    text: str  # the query after codepoint unescaping (what every SPARQL parser reads, and what engines run)
    variables: frozenset[str] = frozenset()  # every variable the query mentions
    projection: frozenset[str] | None = None  # a SELECT's projected variables; None for SELECT * and other forms
    expensive: bool = False  # a triple pattern of three variables or an unanchored path: may run long

    @property
    def is_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")

    @property
    def tokens(self):
        """The lexer's tokens (for text rewriting such as the VALUES block of a remote query)."""
        return tuple(tokenize(self.text))


def check_query(query: str) -> QueryInfo:
    """Refuse, before execution, what a read-only offline query may not do; return its form.

    Raises UpdateRefused for any update (LOAD included), QueryRefused for SERVICE anywhere and
    FROM / FROM NAMED, QuerySyntaxError (one line, with line and column) when the text is not a
    SPARQL query or exceeds the size and nesting limits.
    """
    if len(query) <= CACHE_CHARS:
        return _check_cached(query)
    return _check(query)


@functools.lru_cache(maxsize=1024)
def _check_cached(query: str) -> QueryInfo:
    """rdflib's parser takes 10 ms to 1 s per query: a verdict, once reached, is kept on disk too
    (keyed by the text's hash, this module's code and the parser's version), so a saved or
    repeated query is parsed once per machine. The sandbox, not this cache, is the last word."""
    import hashlib

    digest = hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    known = _disk_verdicts().get(digest)
    if known is not None:
        try:
            return _from_verdict(query, known)
        except (KeyError, TypeError, ValueError):
            pass  # a damaged entry: decide again
    try:
        info = _check(query)
    except (QueryRefused, QuerySyntaxError) as e:
        _remember(digest, {"error": type(e).__name__, "message": str(e)})
        raise
    _remember(digest, {"form": info.form, "variables": sorted(info.variables), "expensive": info.expensive,
                       "projection": None if info.projection is None else sorted(info.projection)})
    return info


def _from_verdict(query: str, v: dict) -> QueryInfo:
    if "error" in v:
        cls = {c.__name__: c for c in (QueryRefused, UpdateRefused, QuerySyntaxError)}[v["error"]]
        raise cls(str(v["message"]))
    projection = None if v["projection"] is None else frozenset(map(str, v["projection"]))
    if v["form"] not in _FORMS.values():
        raise ValueError(v["form"])
    return QueryInfo(v["form"], unescape_codepoints(query), frozenset(map(str, v["variables"])), projection,
                     bool(v["expensive"]))


@functools.cache
def _disk_key() -> str:
    import hashlib
    import os
    from importlib.util import find_spec
    from pathlib import Path

    here = Path(__file__)
    h = hashlib.sha256()
    for name in ("safety.py", "lexer.py"):
        h.update(here.with_name(name).read_bytes())
    # the parser's identity without importlib.metadata (20-40 ms a start): where its package is
    # installed and that file's size and mtime, which any upgrade or reinstall changes
    for dist in ("rdflib", "pyparsing"):
        spec = find_spec(dist)
        origin = spec.origin if spec and spec.origin else ""
        st = os.stat(origin) if origin else None
        h.update(f"{dist}:{origin}:{st.st_size if st else 0}:{st.st_mtime_ns if st else 0}".encode())
    return h.hexdigest()[:32]


_VERDICTS: dict | None = None
MAX_VERDICTS = 2000


def _disk_verdicts() -> dict:
    global _VERDICTS
    if _VERDICTS is None:
        from spinekg.graph.compiled import read_cached

        data = read_cached(_disk_key(), "querycheck")
        _VERDICTS = data if isinstance(data, dict) else {}
    return _VERDICTS


def _remember(digest: str, verdict: dict) -> None:
    from spinekg.graph.compiled import write_cached

    verdicts = _disk_verdicts()
    verdicts[digest] = verdict
    while len(verdicts) > MAX_VERDICTS:
        verdicts.pop(next(iter(verdicts)))
    write_cached(_disk_key(), verdicts, "querycheck")


def _check(query: str) -> QueryInfo:
    if not query.strip():
        raise QuerySyntaxError("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(f"the query is {len(query):,} characters long; the limit is {MAX_QUERY_CHARS:,}")
    text = unescape_codepoints(query)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise QuerySyntaxError(f"the query is not valid UTF-8 (an undecodable byte or a lone surrogate "
                               f"at character {e.start + 1})") from None
    _check_nesting(text)
    from rdflib.plugins.sparql import algebra, parser

    _enough_recursion()
    try:
        parsed = parser.parseQuery(text)
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply to read") from None
    except Exception as e:  # noqa: BLE001 (pyparsing's ParseException and friends)
        _refuse_update(text)
        raise QuerySyntaxError(parse_error_line(text, e)) from None
    query_node = parsed[1]
    if dict.get(query_node, "datasetClause"):
        raise QueryRefused("FROM / FROM NAMED is not allowed: queries read only the spinekg graph")
    try:
        from spinekg.graph.sparql.terms import default_prefixes

        tree = algebra.translateQuery(parsed, initNs=default_prefixes())
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply to read") from None
    except Exception as e:  # noqa: BLE001 (undeclared prefixes, bad aggregates, ...)
        raise QuerySyntaxError(f"invalid query: {' '.join(str(e).split())}") from None
    nodes = list(_walk(tree.algebra))
    if any(n.name == "ServiceGraphPattern" for n in nodes) or any(n.name == "ServiceGraphPattern" for n in _walk(query_node)):
        raise QueryRefused("SERVICE is not allowed: queries never reach other servers")
    if dict.get(tree.algebra, "datasetClause"):
        raise QueryRefused("FROM / FROM NAMED is not allowed: queries read only the spinekg graph")
    form = _FORMS.get(query_node.name)
    if form is None:
        raise QuerySyntaxError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")
    return QueryInfo(form, text, frozenset(_variables(parsed)), _projection(query_node), _expensive(nodes))


def _refuse_update(text: str) -> None:
    """A text that is not a query but parses as an update is refused as an update (HTTP 403)."""
    from rdflib.plugins.sparql import parser

    try:
        update = parser.parseUpdate(text)
    except Exception:  # noqa: BLE001 (neither a query nor an update: the query's syntax error stands)
        return
    kinds = [_UPDATES.get(r.name, r.name) for r in dict.get(update, "request") or []]
    if "LOAD" in kinds:
        raise UpdateRefused("LOAD is not allowed: the graph is read-only and nothing is fetched")
    raise UpdateRefused(f"updates are not allowed: the graph is read-only ({', '.join(kinds) or 'update'})")


def parse_error_line(text: str, e: Exception) -> str:
    """pyparsing's multi-line dump -> `invalid query at line L, column C: unexpected 'TOKEN'`."""
    loc = getattr(e, "loc", None)
    if not isinstance(loc, int):
        return f"invalid query: {' '.join(str(e).split())}"
    line = text.count("\n", 0, loc) + 1
    column = loc - (text.rfind("\n", 0, loc) + 1) + 1
    rest = text[loc:].lstrip()
    if not rest:
        return f"invalid query at line {line}, column {column}: the query ends too early"
    token = rest.split(None, 1)[0][:40]
    return f"invalid query at line {line}, column {column}: unexpected {token!r}"


def _check_nesting(text: str) -> None:
    depth = deepest = 0
    try:
        tokens = tokenize(text)
    except QuerySyntaxError:
        tokens = []  # the lexer is stricter than the grammar in corners: the parser decides those
    for t in tokens:
        if t.kind == "punct" and t.text in "{([":
            depth += 1
            if depth > MAX_NESTING:
                raise QuerySyntaxError(f"the query nests brackets more than {MAX_NESTING} deep (line {t.line})")
        elif t.kind == "punct" and t.text in "})]":
            depth -= 1
        deepest = max(deepest, depth)
    if not tokens and text.count("{") + text.count("(") > MAX_NESTING * 4:
        # unreadable by the lexer and bracket-heavy: refuse rather than recurse
        opened = max(text.count("{"), text.count("("))
        raise QuerySyntaxError(f"the query holds {opened} brackets that cannot be read; the nesting limit is {MAX_NESTING}")


@functools.cache
def _enough_recursion() -> None:
    # pyparsing recurses ~25 Python frames per bracket level; Python frames use no C stack (3.11+)
    if sys.getrecursionlimit() < 4000:
        sys.setrecursionlimit(4000)


def _walk(x):
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [x]
    while stack:
        x = stack.pop()
        if isinstance(x, CompValue):
            yield x
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif hasattr(x, "asList") and not isinstance(x, str):  # pyparsing ParseResults
            stack.extend(list(x))


def _variables(parsed) -> set[str]:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    out, stack = set(), [parsed]
    while stack:
        x = stack.pop()
        if isinstance(x, Variable):
            out.add(str(x))
        elif isinstance(x, CompValue):
            stack.extend(x.values())
        elif isinstance(x, (list, tuple)) or (hasattr(x, "asList") and not isinstance(x, str)):
            stack.extend(list(x))
    return out


def _projection(query_node) -> frozenset[str] | None:
    if query_node.name != "SelectQuery" or not dict.get(query_node, "projection"):
        return None
    return frozenset(str(dict.get(v, "var") or dict.get(v, "evar")) for v in query_node["projection"])


def _expensive(nodes) -> bool:
    """A cost guess for admission control (the fast lane), never for safety."""
    from rdflib.paths import Path
    from rdflib.term import Variable

    for n in nodes:
        if n.name == "BGP":
            for s, p, o in dict.get(n, "triples") or []:
                if isinstance(s, Variable) and isinstance(o, Variable) and (isinstance(p, (Variable, Path))):
                    return True
    return False
