"""The embedded engines (Oxigraph, rdflib): check, bind, run under a timeout and a row cap."""
from __future__ import annotations

import errno
import functools
import threading
import time

from spinekg.graph.errors import SpinekgError
from spinekg.graph.sparql.binding import _VAR_NAME, bind_params
from spinekg.graph.sparql.errors import QueryRefused, QuerySyntaxError, QueryTimeout
from spinekg.graph.sparql.limits import MAX_TIMEOUT, check_timeout  # noqa: F401 (part of this module's interface)
from spinekg.graph.sparql.safety import QueryInfo, check_query
from spinekg.graph.sparql.saved import SavedQuery, get_saved
from spinekg.graph.sparql.store import load_store
from spinekg.graph.sparql.terms import Result, Term, _from_ox, default_prefixes, from_ox, from_rdflib, to_ox, to_rdflib

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
def _interrupt(thread: threading.Thread) -> None:
    """Raise QueryTimeout inside a worker thread: stops pure-Python evaluation (rdflib) and a
    streaming Oxigraph query at its next row. A query blocked inside Oxigraph is abandoned."""
    import ctypes

    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(QueryTimeout))


def call_with_timeout(fn, timeout: float | None, *, sandboxed: bool = True):
    """Run fn on a fresh thread that has no network (graph.sparql.sandbox), stopping it at the
    timeout; without a timeout, on a kept sealed thread (graph.sparql.sealed). A process already
    sealed (a query worker) runs fn on its own thread when unlimited."""
    from spinekg.graph.sparql import sandbox

    timeout = check_timeout(timeout)
    if timeout is None and (sandbox.sealed_here() or not sandboxed):
        return fn()
    if timeout is None and sandboxed:  # a kept sealed thread: no thread start, no filter install
        from spinekg.graph.sparql.sealed import run_sealed

        return run_sealed(fn)
    box: dict = {}

    def target():
        try:
            if sandboxed:
                sandbox.deny_network()
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 (handed to the caller)
            import traceback

            # drop the frames' locals here: Oxigraph result iterators must die on their own thread
            traceback.clear_frames(e.__traceback__)
            box["error"] = e

    t = threading.Thread(target=target, name="spinekg-query", daemon=True)
    t.start()
    t.join(timeout)
    if timeout is None:
        t.join()
    if t.is_alive():
        _interrupt(t)
        raise QueryTimeout(f"query timed out after {timeout:g} s (raise the limit with --timeout)")
    if "error" in box:
        raise box["error"]
    return box["value"]


def select_projection(info: QueryInfo) -> set[str] | None:
    """The variables a SELECT projects at the top level (None for SELECT * and other forms)."""
    return set(info.projection) if info.projection is not None else None


class Engine:
    """Runs checked queries. Subclasses implement `_execute(info, query, bindings, max_rows)`."""

    name = "engine"
    needs_network = False  # only the remote engine: every other one evaluates on a sealed thread

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
        try:
            result = call_with_timeout(lambda: self._execute(info, query, dict(bindings or {}), max_rows), timeout,
                                       sandboxed=not self.needs_network)
        except OSError as e:
            raise _network_denied(e) from None
        result.elapsed = time.perf_counter() - t0
        result.max_rows = max_rows
        return result

    def _execute(self, info: QueryInfo, query: str, bindings: dict[str, Term], max_rows: int | None) -> Result:
        raise NotImplementedError


def _network_denied(e: OSError) -> SpinekgError:
    if e.errno == errno.EACCES or isinstance(e, PermissionError):
        return QueryRefused("the query tried to open a network connection; queries never reach other servers")
    return SpinekgError(f"query failed: {e}")


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
    _selects = 0  # SELECTs evaluated (the aggregate plans start at the second)

    def __init__(self, store=None, *, cache: bool | None = None, read_only: bool | None = None):
        """`read_only`: the store never changes, so saved queries may run as plans over keys
        derived once (graph.sparql.plans); by default the shared store (load_store) and the
        stores graph.persist.open_dataset returns (graph.warmstore.ReadOnlyStore) are.
        `cache`: keep answers for repeated queries (graph.sparql.answers); by default when read-only.
        Pass True only for a store nothing changes."""
        from spinekg.graph.sparql.store import is_shared
        from spinekg.graph.warmstore import ReadOnlyStore

        self.store = store if store is not None else load_store()
        self.read_only = (is_shared(self.store) or isinstance(self.store, ReadOnlyStore)) if read_only is None else read_only
        self.cache = self.read_only if cache is None else cache
        self.prefixes = default_prefixes()

    def plan(self, text: str, bindings: dict | None = None) -> str | None:
        """The faster equivalent of a saved query's text for these bindings (graph.sparql.plans);
        only over a store that does not change (read_only)."""
        if not self.read_only:
            return None
        from spinekg.graph.sparql.plans import plan_for

        return plan_for(self.store, text, bindings or {})

    def _execute(self, info, query, bindings, max_rows):
        if not self.cache:
            return self._evaluate(info, bindings, max_rows)
        from spinekg.graph.sparql import answers

        key = (info.text, tuple(sorted(bindings.items())), max_rows)
        result = answers.get(self.store, key)
        if result is None:
            result = self._evaluate(info, bindings, max_rows)
            answers.put(self.store, key, result)
        return result

    def _evaluate(self, info, bindings, max_rows):
        import pyoxigraph as ox

        if self.read_only and info.form == "SELECT":
            # from the engine's second SELECT on: a lone query (a cold CLI run) skips the plans'
            # import and tables (~25 ms), which pay off only when queries repeat
            self._selects += 1
            if self._selects > 1:
                from spinekg.graph.sparql.plans_aggregate import answer

                planned = answer(self.store, info.text, bindings, max_rows)  # None: no plan, run as written
                if planned is not None:
                    return planned
        plan = self.plan(info.text, bindings)  # its parameters are in its text already
        subs = None if plan else {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
        try:
            try:
                res = self.store.query(plan or info.text, prefixes=self.prefixes, substitutions=subs or None,
                                       default_graph=ox.DefaultGraph(), named_graphs=[])
            except SyntaxError:
                if not plan:
                    raise
                # an IRI a lenient load let in that a query cannot spell: run the saved text instead
                res = self.store.query(info.text, prefixes=self.prefixes, default_graph=ox.DefaultGraph(), named_graphs=[],
                                       substitutions={ox.Variable(k): to_ox(v) for k, v in bindings.items()} or None)
        except SyntaxError as e:
            raise QuerySyntaxError(f"invalid query: {e}") from None
        except OSError as e:
            raise _network_denied(e) from None
        except RuntimeError as e:
            raise SpinekgError(f"query failed: {e}") from None
        if isinstance(res, ox.QueryBoolean):
            return Result("ASK", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            rows, truncated = _cap(_rows(res, len(variables)), max_rows)
            return Result("SELECT", variables, rows, truncated=truncated)
        triples, truncated = _cap(((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in res), max_rows)
        return Result(info.form, triples=triples, truncated=truncated)


_TERMS: dict = {}  # pyoxigraph term -> Term: a plain dict is ~3x cheaper per look-up than lru_cache
_TERMS_MAX = 1 << 17


def _rows(solutions, width: int):
    """Solutions as tuples of Terms; each distinct term converted once (codes and facet values repeat)."""
    if len(_TERMS) > _TERMS_MAX:
        _TERMS.clear()
    get, idx = _TERMS.get, range(width)
    for sol in solutions:
        row = []
        for i in idx:
            t = sol[i]
            if t is None:
                row.append(None)
                continue
            v = get(t)
            if v is None:
                v = _TERMS[t] = _from_ox(t)
            row.append(v)
        yield tuple(row)


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
        try:
            res = self.graph.query(prepared, initBindings={k: to_rdflib(v) for k, v in bindings.items()})
        except OSError as e:
            raise _network_denied(e) from None
        except (QueryTimeout, SpinekgError, MemoryError):
            raise
        except Exception as e:  # noqa: BLE001 (rdflib's evaluator raises plain exceptions on bad input)
            raise SpinekgError(f"query failed: {' '.join(str(e).split()) or type(e).__name__}") from None
        if res.type == "ASK":
            return Result("ASK", boolean=bool(res.askAnswer))
        if res.type == "SELECT":
            variables = [str(v) for v in res.vars]
            rows, truncated = _cap((tuple(from_rdflib(row[i]) for i in range(len(variables))) for row in res), max_rows)
            return Result("SELECT", variables, rows, truncated=truncated)
        triples, truncated = _cap((tuple(from_rdflib(x) for x in t) for t in res.graph), max_rows)
        return Result(info.form, triples=triples, truncated=truncated)


ENGINES = {"oxigraph": OxigraphEngine, "rdflib": RdflibEngine}


def make_engine(name: str = "oxigraph", endpoint: str | None = None) -> Engine:
    if endpoint:
        from spinekg.graph.sparql.remote import RemoteEngine

        return RemoteEngine(endpoint)
    if name not in ENGINES:
        raise SpinekgError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
    return ENGINES[name]()


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

