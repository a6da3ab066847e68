"""The public Python API: what `import spinekg` offers (each function imports what it needs)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover - typing only
    import networkx
    import pyoxigraph
    import rdflib

    from spinekg.graph.model import CodeRecord

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                               "positiveInteger", "negativeInteger", "nonPositiveInteger",
                               "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_FLOATS = {XSD + "decimal", XSD + "double", XSD + "float"}


def codes(*, as_frame: bool = False, kind: str | Sequence[str] | None = None,
          evidence: str | Sequence[str] | None = None, as_of: int | None = None,
          **filters: str | Sequence[str] | None):
    """Code records matching the filters `spinekg list` takes (region, approach, procedure, lesion,
    access, ... as a name or a list of names: any of them within a facet, every facet given),
    `evidence` levels, the code set `as_of` a year; a pandas DataFrame with `as_frame=True`."""
    from spinekg.graph.model import load_catalog
    from spinekg.graph.select import filter_codes

    def names(v):
        return None if v is None else ([v] if isinstance(v, str) else list(v))

    wanted = {k: names(v) for k, v in filters.items() if v}
    records = filter_codes(load_catalog(), kind=names(kind), evidence=names(evidence), as_of=as_of, **wanted)
    return to_pandas(records) if as_frame else records


def code(notation: str) -> "CodeRecord":
    """One code's record, e.g. `spinekg.code("63304").label`; unknown codes raise SpinekgError."""
    from spinekg.graph.model import load_catalog
    from spinekg.graph.select import get_code

    return get_code(load_catalog(), notation)


def to_pandas(records: Iterable["CodeRecord"]):
    """Records as a DataFrame with the one tabular schema (`spinekg list --format csv`'s columns,
    in its order; multi-valued facets stay lists). Needs pandas."""
    try:
        import pandas as pd
    except ModuleNotFoundError:
        from spinekg.graph.errors import SpinekgError

        raise SpinekgError("to_pandas needs pandas: pip install 'spinekg[pandas]'") from None
    from spinekg.graph.model import TABLE_COLUMNS, table_record

    return pd.DataFrame([table_record(r) for r in records], columns=list(TABLE_COLUMNS))


def graph() -> "rdflib.Graph":
    """The whole graph (ontology, data and your imports) as an rdflib Graph.

    (`spinekg.graph` is also the package of that name; calling it does the same: see graph/__init__.)
    """
    from spinekg.graph.load import load_graph

    return load_graph()


def store() -> "pyoxigraph.Store":
    """The same graph as a pyoxigraph Store (fast SPARQL; read it, do not write to it)."""
    from spinekg.graph.sparql import load_store

    return load_store()


def network() -> "networkx.MultiDiGraph":
    """The typed networkx multigraph that `neighbors`, `path` and the explorer use."""
    from spinekg.graph.network import load_network

    return load_network()


class Rows(list):
    """SELECT answers: a list of dicts of plain Python values, in the query's order.

    `.variables` names the columns; `.terms` keeps each row's RDF terms (engine-neutral Term tuples).
    """

    def __init__(self, variables: Sequence[str] = (), terms: Sequence[tuple] = ()):
        super().__init__()
        self.variables = list(variables)
        self.terms = list(terms)

    def to_pandas(self):
        """The rows as a DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ModuleNotFoundError:
            from spinekg.graph.errors import SpinekgError

            raise SpinekgError("to_pandas needs pandas: pip install 'spinekg[pandas]'") from None
        return pd.DataFrame(list(self), columns=self.variables)


def plain(term) -> Any:
    """One SPARQL term as a plain value: codes as "63304", facet values and groups by name,
    numbers as int/float, booleans as bool, other IRIs and literals as strings, unbound as None."""
    from spinekg.graph.model import load_catalog
    from spinekg.ontology.namespaces import CPT, SK

    if term is None:
        return None
    if term.kind == "uri":
        if term.value.startswith(str(CPT)):
            return term.value[len(str(CPT)):]
        if term.value.startswith(str(SK)):
            local = term.value[len(str(SK)):]
            return _facet_names(id(load_catalog())).get(local, local)
        return term.value
    if term.kind == "bnode":
        return "_:" + term.value
    if term.datatype in _INTEGERS:
        try:
            return int(term.value)
        except ValueError:
            return term.value
    if term.datatype in _FLOATS:
        try:
            return float(term.value)
        except ValueError:
            return term.value
    if term.datatype == XSD + "boolean":
        return term.value in ("true", "1")
    return term.value


_NAMES: dict[int, dict[str, str]] = {}


def _facet_names(key: int) -> dict[str, str]:
    """Facet value local name -> its short name ("LateralExtracavitary" -> "lateral extracavitary")."""
    if key not in _NAMES:
        from spinekg.graph.model import load_catalog

        _NAMES.clear()
        _NAMES[key] = {local: name for values in load_catalog().facet_values.values()
                       for name, local in values.items()}
    return _NAMES[key]


def query(sparql_or_name: str, *, raw: bool = False, timeout: float | None = 10.0, **params: str):
    """Run SPARQL text or a saved query by name, parameters bound safely (`code="63304"`).

    SELECT gives `Rows` of plain values, ASK a bool, CONSTRUCT/DESCRIBE `Rows` of
    subject/predicate/object; `raw=True` returns the engine-neutral Result with its terms.
    """
    from spinekg.graph import sparql

    text = sparql_or_name
    saved = None
    if not any(ch.isspace() for ch in text.strip()):
        saved = sparql.get_saved(text.strip())
        text = saved.text
    result = sparql.run(text, {k: str(v) for k, v in params.items()}, saved=saved, timeout=timeout)
    if raw:
        return result
    if result.form == "ASK":
        return bool(result.boolean)
    if result.is_graph:
        rows = Rows(["subject", "predicate", "object"], list(result.triples))
        rows.extend({"subject": plain(s), "predicate": plain(p), "object": plain(o)} for s, p, o in result.triples)
        return rows
    rows = Rows(list(result.variables), list(result.rows))
    rows.extend({v: plain(t) for v, t in zip(result.variables, row)} for row in result.rows)
    return rows


def find(*, procedure: str | Sequence[str] | None = None, region: str | Sequence[str] | None = None,
         approach: str | Sequence[str] | None = None, lesion: str | Sequence[str] | None = None,
         units: int | None = None, **facets: str | Sequence[str] | None) -> dict:
    """Which codes to report for an operation, how many times, and why (as `spinekg find`); `facets`
    takes access, imaging, agent, delivery, device and device_action too."""
    from spinekg.graph.finder import find as run
    from spinekg.graph.model import load_catalog

    return run(load_catalog(), procedure=procedure, region=region, approach=approach, lesion=lesion, units=units,
               **facets)


def path(a: str, b: str) -> dict:
    """The shortest chain of named relations between two codes (as `spinekg path`)."""
    from spinekg.graph.traverse import path as run

    return run(a, b)


def compare(a: str, b: str) -> dict:
    """Facet by facet, what two codes share and where they differ (as `spinekg compare`)."""
    from spinekg.graph.traverse import compare as run

    return run(a, b)


def render_html(*, codes: Iterable[str] | None = None, focus: str | None = None, depth: int = 1,
                **options: Any) -> str:
    """The explorer as one self-contained offline HTML string (as `spinekg explore`)."""
    from spinekg.exports.html import render_html as run
    from spinekg.graph.model import load_catalog

    return run(load_catalog(), codes=set(codes) if codes is not None else None, focus=focus, depth=depth, **options)
