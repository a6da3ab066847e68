"""The aggregate plans (graph/sparql/plans_aggregate.py): each answers exactly as its saved query
does (rows, order, variables, truncation) on the shipped store, on the shipped store perturbed at
random, and on random graphs; it steps aside for edited texts, bindings, stores that may change
and data it does not model; and it runs on the sealed query thread like any query."""
from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from spinekg.graph import sparql as S
from spinekg.graph.sparql import plans, plans_aggregate as A
from spinekg.graph.sparql import sandbox

SK = "https://w3id.org/spinekg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NAMES = [p.name for p in A.PLANS]


def nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def answer(engine, name: str, max_rows=None):
    r = engine.query(S.get_saved(name).text, {}, timeout=None, max_rows=max_rows)
    return r.variables, r.rows, r.truncated


def compare(store, counts: dict | None = None) -> None:
    """Planned and as written agree on every planned query; counts how often the plan answered."""
    fast = S.OxigraphEngine(store, read_only=True, cache=False)
    written = S.OxigraphEngine(store, read_only=False, cache=False)
    fast.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", timeout=None)  # plans start at an engine's second SELECT
    for name in NAMES:
        planned = A.answer(store, S.get_saved(name).text, {}, None)
        if counts is not None:
            counts[name] = counts.get(name, 0) + (planned is not None)
        expected = answer(written, name)
        if planned is not None:
            assert (planned.variables, planned.rows, planned.truncated) == expected, name
        assert answer(fast, name) == expected, name
        assert answer(fast, name, 3) == answer(written, name, 3), name
    # the plans that take a parameter, for every value the data offers and a few it does not
    for plan in A.PLANS:
        if not plan.params:
            continue
        (param,) = plan.params
        cls, prop = BOUND_VALUES[plan.name]
        values = {q.subject.value for q in store.quads_for_pattern(None, nn(RDF_TYPE), nn(cls), ox.DefaultGraph())
                  if isinstance(q.subject, ox.NamedNode)} if cls else set()
        if prop:
            values |= {q.object.value for q in store.quads_for_pattern(None, nn(prop), None, ox.DefaultGraph())
                       if isinstance(q.object, ox.NamedNode)}
        text = S.get_saved(plan.name).text
        for value in [S.Term.iri(v) for v in sorted(values)] + [S.Term.iri("https://w3id.org/spinekg/cpt/63001"),
                                                               S.Term.iri("urn:x:none"), S.Term.literal("63001-63053"),
                                                               S.Term.literal("x", lang="en")]:
            b = {param: value}
            planned = A.answer(store, text, b, None)
            if counts is not None:
                key = f"{plan.name}, bound"
                counts[key] = counts.get(key, 0) + (planned is not None)
            expected = written.query(text, b, timeout=None, max_rows=None)
            if planned is not None:
                assert planned.rows == expected.rows and planned.variables == expected.variables, (plan.name, value)
            got = fast.query(text, b, timeout=None, max_rows=None).rows
            if planned is None and plan.name in VALUES_FIRST:  # stepped aside for rows the ORDER BY ties:
                got, expected.rows = sorted(got, key=repr), sorted(expected.rows, key=repr)  # their order is free
            assert got == expected.rows, (plan.name, value)


VALUES_FIRST = {name for name, _ in plans.VALUES_FIRST.values()}
# a parameter's values to try: the members of a class, and the objects of a property
BOUND_VALUES = {"codes-in-group": (SK + "CodeGroup", None), "addons-of-primary": (SK + "PrimaryCode", SK + "addOnTo"),
                "per-unit-addons": (SK + "PrimaryCode", SK + "addOnTo"), "codes-by-approach": (None, SK + "approach")}


@pytest.fixture(scope="module")
def store():
    return S.load_store()


def test_every_plan_matches_its_saved_query_and_answers_on_the_shipped_store(store):
    """A failure here after editing a .rq file: check the plan against the new text, then
    update FINGERPRINTS (until then the query runs as written)."""
    assert set(A.FINGERPRINTS) == set(NAMES)
    for name in NAMES:
        text = S.get_saved(name).text
        assert A.fingerprint(text) == A.FINGERPRINTS[name], name
        assert A.plan_of(text).name == name
        got = A.answer(store, text, {}, None)
        assert got is not None and got.rows, name
    counts: dict = {}
    compare(store, counts)
    assert {k: v for k, v in counts.items() if k in NAMES} == dict.fromkeys(NAMES, 1)
    assert counts["codes-in-group, bound"] >= 50  # every range group
    assert counts["addons-of-primary, bound"] >= 50 and counts["per-unit-addons, bound"] >= 50  # every primary
    assert counts["codes-by-approach, bound"] >= 10  # every approach


def test_only_the_written_text_is_planned():
    text = S.get_saved("multi-region-codes").text
    # comments and spacing are not the query
    assert A.plan_of(text.replace("# count first", "# a remark\n#   count first").replace(" .\n", " .\n\n")) is not None
    assert A.plan_of(text.replace("?regions > 1", "?regions > 2")) is None
    assert A.plan_of(text.replace("sk:region", "<https://w3id.org/spinekg/ontology#region>")) is None
    assert A.plan_of("SELECT * WHERE { ?s ?p ?o }") is None
    assert A.plan_of("\"unterminated") is None


def test_an_edited_query_runs_as_written(store):
    text = S.get_saved("multi-region-codes").text.replace("?regions > 1", "?regions > 2")
    fast = S.OxigraphEngine(store, read_only=True, cache=False)
    written = S.OxigraphEngine(store, read_only=False, cache=False)
    got = fast.query(text, {}, timeout=None)
    assert got.rows == written.query(text, {}, timeout=None).rows
    assert all(int(r[1].value) > 2 for r in got.rows)


def test_bindings_and_stores_that_may_change_run_as_written(store, monkeypatch):
    text = S.get_saved("multi-region-codes").text
    assert A.answer(store, text, {"code": S.Term.iri("https://w3id.org/spinekg/cpt/63001")}, None) is None
    group = {"group": S.Term.iri("https://w3id.org/spinekg/group/63001-63053")}
    assert A.answer(store, S.get_saved("codes-in-group").text, group, None).rows
    assert A.answer(store, S.get_saved("codes-in-group").text, {**group, "code": S.Term.iri("urn:x")}, None) is None
    bound = {"code": S.Term.iri("https://w3id.org/spinekg/cpt/22532")}
    fast = S.OxigraphEngine(store, read_only=True, cache=False)
    assert fast.query(text, bound, timeout=None).rows == S.OxigraphEngine(store, read_only=False).query(
        text, bound, timeout=None).rows

    def refuse(*a, **k):
        raise AssertionError("a plan for a store that may change")

    monkeypatch.setattr(A, "answer", refuse)
    mine = S.build_store()
    assert len(S.OxigraphEngine(mine).query(text, {}, timeout=None).rows) > 0


def test_plans_run_on_the_sealed_thread_and_leave_the_graph_alone(store, monkeypatch):
    seen = []
    plan = next(p for p in A.PLANS if p.name == "multi-region-codes")
    original = plan.rows
    monkeypatch.setitem(A._BY_PRINT, A.FINGERPRINTS[plan.name],
                        A.Plan(plan.name, plan.variables, lambda f: seen.append(sandbox.sealed_here()) or original(f),
                               plan.order))
    eng = S.OxigraphEngine(store, read_only=True, cache=False)
    size = len(store)
    eng.query(S.get_saved(plan.name).text, {}, timeout=None)  # the first SELECT runs as written
    seen.clear()
    for timeout in (None, 5.0):
        assert eng.query(S.get_saved(plan.name).text, {}, timeout=timeout).rows
    assert seen == [True, True] and len(store) == size


def test_a_plan_that_times_out_is_stopped(store, monkeypatch):
    import time

    plan = next(p for p in A.PLANS if p.name == "unit-counting")

    def slow(f):
        end = time.monotonic() + 5
        while time.monotonic() < end:  # pure Python: the timeout's interrupt stops it
            pass
        return plan.rows(f)

    monkeypatch.setitem(A._BY_PRINT, A.FINGERPRINTS[plan.name], A.Plan(plan.name, plan.variables, slow, plan.order))
    eng = S.OxigraphEngine(store, read_only=True, cache=False)
    eng.query("ASK { ?s ?p ?o }", timeout=None)
    eng.query("SELECT * WHERE { ?s ?p ?o } LIMIT 1", timeout=None)
    t = time.monotonic()
    with pytest.raises(S.QueryTimeout):
        eng.query(S.get_saved(plan.name).text, {}, timeout=0.2)
    assert time.monotonic() - t < 2


# ------------------------------------------------------------------------------ perturbed data
PROPS = [SK + p for p in ("region", "addOnTo", "hasAddOn", "approach", "procedure", "unit", "minUnits", "maxUnits",
                          "eachAdditionalUnit", "lesionCompartment", "lesionNature")] + [
    SKOS + "prefLabel", SKOS + "exactMatch", SKOS + "broader", RDF_TYPE]


def _perturb(store, rng: random.Random, *, odd: bool) -> None:
    """Drop and add triples of every property the plans read; with `odd`, also what they do not
    model (blank-node labels, literal regions and codes, second labels: ties)."""
    quads = [q for p in PROPS for q in store.quads_for_pattern(None, nn(p), None, ox.DefaultGraph())]
    for q in rng.sample(quads, len(quads) // 10):
        store.remove(q)
    subjects = sorted({q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)})
    objects = [q.object for q in quads]
    regions = [nn(SK + r) for r in ("Cervical", "Thoracic", "Lumbar", "Sacral", "Coccygeal")]
    for _ in range(150):
        s = nn(rng.choice(subjects))
        p = rng.choice(PROPS)
        o = rng.choice(regions) if p == SK + "region" else rng.choice(objects)
        if p == RDF_TYPE:
            o = nn(SK + rng.choice(["PrimaryCode", "AddOnCode", "ProcedureCode", "CodeGroup"]))
        if p == SKOS + "prefLabel":
            o = ox.Literal(rng.choice(["laminectomy", "Ä label", "zz", "A", "a", "lumbar"]), language="en")
        store.add(ox.Quad(s, nn(p), o))
    if odd:
        s = nn(rng.choice(subjects))
        store.add(ox.Quad(s, nn(rng.choice(PROPS)), rng.choice([ox.BlankNode(), ox.Literal("x"), ox.Literal("7", datatype=nn(
            "http://www.w3.org/2001/XMLSchema#integer"))])))
        store.add(ox.Quad(ox.BlankNode(), nn(rng.choice(PROPS)), rng.choice(objects)))


@pytest.mark.parametrize("seed", range(6))
def test_plans_answer_as_written_on_perturbed_data(seed):
    counts: dict = {}
    for odd in (False, True):
        store = S.build_store()
        _perturb(store, random.Random(seed * 2 + odd), odd=odd)
        compare(store, counts)
    # the plans answered (not only stepped aside) on most of these stores
    assert sum(counts.values()) >= len(NAMES), counts


# --------------------------------------------------------------------------------- random data
def _random_store(rng: random.Random) -> ox.Store:
    store = ox.Store()
    add = lambda s, p, o: store.add(ox.Quad(s, nn(p), o))  # noqa: E731
    label = lambda: ox.Literal(rng.choice(["b", "a", "é", "B", "aa", "z z", "10", "9"]),  # noqa: E731
                               **rng.choice([{"language": "en"}, {}]))
    codes = [nn(f"https://w3id.org/spinekg/cpt/{rng.randrange(10**5):05d}") for _ in range(40)]
    values = {p: [nn(f"{SK}{p}-{i}") for i in range(5)] for p in ("approach", "procedure", "unit", "lesion")}
    regions = [nn(SK + r) for r in ("Cervical", "Thoracic", "Lumbar", "Sacral", "Other")]
    groups = [nn(f"https://w3id.org/spinekg/group/g{i}") for i in range(8)]
    single = rng.random() < 0.5  # one unit with one label per code: unit-counting's rows then do not tie
    for key, vs in values.items():
        for v in vs:
            for _ in range(rng.choice([0, 1, 1] if single and key == "unit" else [0, 1, 1, 1, 2])):
                add(v, SKOS + "prefLabel", label())
    for g in groups:
        add(g, RDF_TYPE, nn(SK + "CodeGroup"))
        add(g, SKOS + "prefLabel", label())
        if rng.random() < 0.7:
            add(g, SKOS + "broader", rng.choice(groups))
    for c in codes:
        if rng.random() < 0.9:
            add(c, RDF_TYPE, nn(SK + "ProcedureCode"))
        for kind in ("PrimaryCode", "AddOnCode"):
            if rng.random() < 0.5:
                add(c, RDF_TYPE, nn(SK + kind))
        add(c, SKOS + "prefLabel", ox.Literal(f"code {c.value[-5:]}", language="en"))
        for p, vs in (("region", regions), ("approach", values["approach"]), ("procedure", values["procedure"]),
                      ("unit", values["unit"]), ("lesionCompartment", values["lesion"]), ("lesionNature", values["lesion"])):
            for v in rng.sample(vs, rng.choice([0, 1] if single and p == "unit" else [0, 0, 1, 1, 2, 3])):
                add(c, SK + p, v)
        for p in ("minUnits", "maxUnits"):
            if rng.random() < 0.5:
                add(c, SK + p, ox.Literal(str(rng.randrange(1, 4)), datatype=nn("http://www.w3.org/2001/XMLSchema#integer")))
        if rng.random() < 0.3:
            add(c, SK + "eachAdditionalUnit", ox.Literal(rng.random() < 0.5))
        if rng.random() < 0.4:
            add(c, SKOS + "broader", rng.choice(groups))
        if rng.random() < 0.1:  # a code under a code: the path runs through it
            add(c, SKOS + "broader", rng.choice(codes))
        for other in rng.sample(codes, rng.choice([0, 0, 1, 3])):
            add(c, SK + "addOnTo", other)
            if rng.random() < 0.8:
                add(other, SK + "hasAddOn", c)
        if rng.random() < 0.3:
            add(c, SKOS + "exactMatch", nn(f"http://purl.bioontology.org/ontology/CPT/{c.value[-5:]}"))
    return store


def test_plans_answer_as_written_on_random_graphs():
    counts: dict = {}
    for seed in range(40):
        compare(_random_store(random.Random(seed)), counts)
    # every plan answered on some graphs (ties from second labels make the others step aside)
    assert all(counts.get(name, 0) >= 3 for name in NAMES), counts


def test_a_store_too_big_to_table_runs_as_written(monkeypatch):
    from spinekg.graph.sparql import plans_facts

    store = S.build_store()
    monkeypatch.setattr(plans_facts, "MAX_PER_TABLE", 50)  # the shipped graph has more labels and codes
    for name in NAMES:
        assert A.answer(store, S.get_saved(name).text, {}, None) is None, name
    # a table too big leaves no numbered terms behind (at 10M triples they would be ~100k per property)
    assert len(plans_facts.facts(store).terms) <= 100  # the tables that fit (63); 335 when the rest were numbered
    compare(store)
    monkeypatch.setattr(plans_facts, "MAX_PER_TABLE", 10**6)
    fresh = S.build_store()
    assert all(A.answer(fresh, S.get_saved(name).text, {}, None) is not None for name in NAMES)


def test_the_order_is_oxigraphs_or_none():
    T, n = S.Term, S.Term.literal
    rows = [(n("é"), n(2)), (n("Z"), n(1)), (n("a"), n(3)), (n("a"), n(10))]
    assert A.order(list(rows), ((0, False), (1, True))) == [rows[1], rows[3], rows[2], rows[0]]
    with pytest.raises(A.Unplannable):  # tied on the key, different rows: the engine's choice
        A.order(list(rows), ((0, False),))
    for odd in (T.iri("urn:x"), n("x", lang="en"), T("bnode", "b0"), None, T("literal", "1_0", S.XSD + "integer")):
        with pytest.raises(A.Unplannable):
            A.order([(n("a"),), (odd,)], ((0, False),))
    with pytest.raises(A.Unplannable):  # descending text is not modelled
        A.order([(n("a"),), (n("b"),)], ((0, True),))
    # the same through Oxigraph: code point order, integers by value
    q = ("SELECT ?s ?n WHERE { VALUES (?s ?n) { (\"é\" 2) (\"Z\" 1) (\"a\" 3) (\"a\" 10) } } ORDER BY ?s DESC(?n)")
    store = ox.Store()
    assert [tuple(r) for r in S.OxigraphEngine(store, read_only=False).query(q, timeout=None).rows] == A.order(
        list(rows), ((0, False), (1, True)))


def test_a_lone_query_runs_as_written_and_the_next_ones_as_plans(store, monkeypatch):
    """A cold CLI run asks one query: it skips the plans' import and tables."""
    calls = []
    real = A.answer
    monkeypatch.setattr(A, "answer", lambda *a: calls.append(a[1]) or real(*a))
    eng = S.OxigraphEngine(store, read_only=True, cache=False)
    text = S.get_saved("unit-counting").text
    first, second = eng.query(text, {}, timeout=None), eng.query(text, {}, timeout=None)
    assert calls == [text] and first.rows == second.rows
