"""Per-store tables of triples, for the aggregate plans of graph/sparql/plans_aggregate.py.

Oxigraph evaluates the aggregate saved queries in 1-3 ms on the shipped graph, mostly in
per-row look-ups and in a sort that decodes every term at every comparison. A plan instead reads
the few properties a query touches once per read-only store into Python dicts of engine-neutral
Terms (graph/sparql/terms.py), and computes the query's joins, groups and order from them on each
call. The tables live in memory beside the store and never in it; a store that may change never
gets any (OxigraphEngine only asks for read-only stores).
"""
from __future__ import annotations

import re
import threading
import weakref
from operator import eq, itemgetter

from spinekg.graph.sparql import per_store
from spinekg.graph.sparql.per_store import KEPT_STORES, PerStore
from spinekg.graph.sparql.terms import XSD_INTEGER, XSD_STRING, Term, _from_ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# Tables are read for stores of the shipped graph's order (a few thousand triples per property);
# a bigger one (a million-triple data set opened read-only) stays with Oxigraph, whose evaluation
# is then faster than Python's and needs no second copy of the data in memory.
MAX_PER_TABLE = 100_000
_tables = PerStore(KEPT_STORES)  # store -> Facts


class Unplannable(Exception):
    """The data holds something a plan does not model, or too much of it: the query runs as written."""


class Facts:
    """The default graph's triples of one store, read a property (or a class) at a time. Terms are
    numbered (`terms[i]` is term i): the plans join and count small ints, which hash ~10x faster
    than Terms, and turn them into Terms only for the rows they answer."""

    def __init__(self, store):
        try:  # not held when it can be helped: the tables must not keep a dropped dataset alive
            self._store = weakref.ref(store)
        except TypeError:  # a plain pyoxigraph Store
            self._store = lambda: store
        self.terms: list[Term] = []
        self._ids: dict = {}  # pyoxigraph term -> number
        self._objects: dict[str, dict | None] = {}  # None: too many triples to table
        self._typed: dict[str, frozenset | bool] = {}  # False: too many members
        self._derived: dict[str, object] = {}
        self._lock = threading.Lock()

    @property
    def store(self):
        return self._store()

    def _id(self, node) -> int:
        i = self._ids.get(node)
        if i is None:
            i = self._ids[node] = len(self.terms)
            self.terms.append(_from_ox(node))
        return i

    def id_of(self, iri: str) -> int | None:
        """The number of an IRI the tables hold (None when they hold no such term)."""
        import pyoxigraph as ox

        return self._ids.get(ox.NamedNode(iri))

    def id_of_term(self, term: Term) -> int | None:
        """The number of a Term the tables hold (None when they hold no such term)."""
        from spinekg.graph.sparql.terms import to_ox

        try:
            return self._ids.get(to_ox(term))
        except (TypeError, ValueError):  # not a term pyoxigraph can make: none the store holds
            return None

    def objects(self, prop: str) -> dict[int, tuple[int, ...]]:
        """subject -> its objects for a property, in the store's order (read once)."""
        got = self._objects.get(prop, False)
        if not got:
            import pyoxigraph as ox

            with self._lock:
                got = self._objects.get(prop, False)
                if got is None:
                    raise Unplannable(f"more than {MAX_PER_TABLE} triples of <{prop}>")
                if got is False:
                    quads = _capped(self.store.quads_for_pattern(None, ox.NamedNode(prop), None, ox.DefaultGraph()))
                    if quads is None:  # nothing numbered: a table too big leaves no terms behind
                        self._objects[prop] = None
                        raise Unplannable(f"more than {MAX_PER_TABLE} triples of <{prop}>")
                    per: dict = {}
                    for q in quads:
                        per.setdefault(self._id(q.subject), []).append(self._id(q.object))
                    got = self._objects[prop] = {s: tuple(o) for s, o in per.items()}
        return got

    def derived(self, name: str, build):
        """A table computed once from the others (e.g. the labels' STR()): build(self), kept."""
        got = self._derived.get(name)
        if got is None:
            got = self._derived[name] = build(self)
        return got

    def typed(self, cls: str) -> frozenset:
        """The subjects of `rdf:type cls` (read once)."""
        got = self._typed.get(cls)
        if got is None:
            import pyoxigraph as ox

            with self._lock:
                got = self._typed.get(cls)
                if got is None:
                    quads = _capped(self.store.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), ox.NamedNode(cls),
                                                                 ox.DefaultGraph()))
                    got = self._typed[cls] = False if quads is None else frozenset(self._id(q.subject) for q in quads)
        if got is False:
            raise Unplannable(f"more than {MAX_PER_TABLE} members of <{cls}>")
        return got


def _capped(quads) -> list | None:
    """The quads, or None when there are more than MAX_PER_TABLE."""
    return per_store.at_most(quads, MAX_PER_TABLE)


def facts(store) -> Facts:
    return _tables.get(store, lambda: Facts(store))


_STR: dict = {}
_INT: dict = {}


def str_of(term: Term | None) -> Term | None:
    """SPARQL STR(): the lexical form or IRI as a plain literal; unbound for a blank node (an error)."""
    if term is None or term.kind == "bnode":
        return None
    got = _STR.get(term.value)
    if got is None:
        if len(_STR) > 1 << 16:
            _STR.clear()
        got = _STR[term.value] = Term("literal", term.value, XSD_STRING)
    return got


def integer(n: int) -> Term:
    """An xsd:integer literal, as COUNT and SUM give it."""
    got = _INT.get(n)
    if got is None:
        got = Term.literal(n)
        if len(_INT) < 4096:
            _INT[n] = got
    return got


# ------------------------------------------------------------------------------------ the order
_INTEGER = re.compile(r"[+-]?[0-9]+")
_PLAIN = (("uri", None, None), ("literal", XSD_STRING, None))  # ordered by code point
# a Term's kind, datatype and lang, each read alone: Terms are tuples (C-level access), and three
# sets of strings are built ~2x faster than one set of (kind, datatype, lang) tuples
_KIND, _DATATYPE, _LANG, _VALUE = itemgetter(0), itemgetter(2), itemgetter(3), itemgetter(1)
_INT_KEYS: dict = {}  # an integer literal's lexical form -> its value (the forms repeat: counts)


def _int_key(lexical: str) -> int:
    got = _INT_KEYS.get(lexical)
    if got is None:
        if not _INTEGER.fullmatch(lexical):
            raise Unplannable("an ordered column the plan does not order")
        got = int(lexical)
        if len(_INT_KEYS) < 4096:
            _INT_KEYS[lexical] = got
    return got


def _column_keys(rows: list, col: int, desc: bool) -> list:
    """Sort keys for one ORDER BY column as Oxigraph orders it, when every value is of one kind
    whose order is plain: IRIs and plain strings by code point (Rust's byte order on UTF-8),
    integers by value. Unplannable otherwise (unbound, blank nodes, language-tagged or other
    typed literals, mixed kinds, descending text)."""
    values = list(map(itemgetter(col), rows))
    try:
        kinds = set(map(_KIND, values))
    except TypeError:  # None is no tuple
        raise Unplannable("an unbound value in an ordered column") from None
    datatypes, langs = set(map(_DATATYPE, values)), set(map(_LANG, values))
    if len(kinds) > 1 or len(datatypes) > 1 or len(langs) > 1:
        raise Unplannable("terms of different kinds in an ordered column")
    kind = (kinds.pop(), datatypes.pop(), langs.pop()) if values else _PLAIN[0]
    if kind in _PLAIN and not desc:
        return list(map(_VALUE, values))
    if kind == ("literal", XSD_INTEGER, None):
        keys = list(map(_int_key, map(_VALUE, values)))
        return [-k for k in keys] if desc else keys
    raise Unplannable("an ordered column the plan does not order")


def order(rows: list, by: tuple[tuple[int, bool], ...]) -> list:
    """The rows in ORDER BY order; Unplannable for a column the plan does not order, or rows
    that tie on every key yet differ (their order is the engine's to choose)."""
    keys = [_column_keys(rows, col, desc) for col, desc in by]
    full = keys[0] if len(keys) == 1 else list(zip(*keys))
    idx = sorted(range(len(rows)), key=full.__getitem__)
    ordered = [full[i] for i in idx]
    if any(map(eq, ordered, ordered[1:])):  # some keys tie: are their rows the same?
        for a, b in zip(idx, idx[1:]):
            if full[a] == full[b] and rows[a] != rows[b]:
                raise Unplannable("rows the ORDER BY leaves tied")
    return [rows[i] for i in idx]
