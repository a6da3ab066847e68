"""Per-store caches (graph/sparql/per_store.py) keep a few stores' entries and never keep a
dropped dataset alive: the answers and plan tables of a store open_dataset returned go with it."""
import gc
import weakref

import pyoxigraph as ox

from spinekg.graph import persist, sparql
from spinekg.graph.sparql import answers, plans, plans_facts
from spinekg.graph.sparql.per_store import PerStore
from spinekg.graph.warmstore import ReadOnlyStore

SK = "https://w3id.org/spinekg/ontology#"


def test_entries_per_store_bounded_and_plain_stores_held():
    cache = PerStore(2)
    a, b, c = ox.Store(), ox.Store(), ox.Store()
    made = []
    assert cache.get(a, lambda: made.append("a") or "A") == "A"
    assert cache.get(a, lambda: made.append("a") or "A2") == "A" and made == ["a"]  # kept
    cache.get(b, lambda: "B")
    cache.get(a, lambda: "A3")  # a is now the newest
    cache.get(c, lambda: "C")  # b, the oldest, goes
    assert len(cache) == 2 and cache.get(b, lambda: "B2") == "B2"  # made again
    assert cache.get(c, lambda: "C2") == "C" and cache.get(a, lambda: "A4") == "A4"  # a went for b


def test_a_collected_store_loses_its_entry():
    cache = PerStore(4)
    store = ReadOnlyStore(ox.Store())
    ref = weakref.ref(store)
    cache.get(store, lambda: ["a big table"])
    assert len(cache) == 1
    del store
    gc.collect()
    assert ref() is None and len(cache) == 0  # the entry did not keep it alive, and is gone


def test_a_dropped_dataset_is_freed_with_its_answers_and_tables(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "codes.nt"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    data.write_text("".join(f"<urn:x:{i}> {rdf_type} <{SK}ProcedureCode> .\n<urn:x:{i}> <{SK}region> <{SK}Lumbar> .\n"
                            for i in range(50)), encoding="utf-8")
    store = persist.open_dataset([data])
    saved = sparql.saved_queries()["multi-region-codes"]
    planned = sparql.OxigraphEngine(store, cache=False)
    for _ in range(2):  # a plan from the engine's second SELECT
        planned.query(saved.text, {}, timeout=None, max_rows=None)
    engine = sparql.OxigraphEngine(store)
    engine.query(saved.text, {}, timeout=None, max_rows=None)  # an answer kept
    pairs = sparql.saved_queries()["one-facet-apart"]
    planned.query(pairs.text, {}, timeout=None, max_rows=None)  # every code's pair keys built
    assert any(plans._indexes.get(store, dict).values())
    inner = store.current
    assert answers._table(store) and plans_facts.facts(store).terms  # answers kept, tables read
    ref = weakref.ref(store)
    del store, engine, planned
    gc.collect()
    assert ref() is None  # neither the answers, the tables nor the pair keys hold it
    assert inner is not None
