"""What the plans' modules share: one bounded read for the tables (per_store.at_most), one limit of stores per
cache (per_store.KEPT_STORES) and one {saved text: name} map of the pairwise queries."""
from __future__ import annotations

import itertools

from spinekg.graph import sparql as S
from spinekg.graph.sparql import answers, per_store, plans, plans_facts


def test_at_most_reads_one_past_the_limit_and_no_further():
    counted = itertools.count()
    items = (next(counted) for _ in range(100))
    assert per_store.at_most(items, 3) is None
    assert next(counted) == 4  # the limit, and one more to know there are more
    assert per_store.at_most(iter(range(3)), 3) == [0, 1, 2]


def test_the_tables_read_through_the_bounded_read(monkeypatch):
    calls = []
    real = per_store.at_most
    monkeypatch.setattr(per_store, "at_most", lambda items, limit: calls.append(limit) or real(items, limit))
    store = S.build_store()
    plans_facts.facts(store).typed("https://w3id.org/spinekg/ontology#ProcedureCode")
    assert calls == [plans_facts.MAX_PER_TABLE]


def test_every_per_store_cache_keeps_the_same_number_of_stores():
    assert per_store.PerStore().stores == per_store.KEPT_STORES
    for cache in (answers._by_store, plans_facts._tables, plans._indexes):
        assert cache.stores == per_store.KEPT_STORES


def test_the_pairwise_queries_are_found_by_their_text():
    lib = S.saved_queries()
    assert plans._pairwise() == {lib[name].text: name for name in plans.BUILDERS}
    assert plans._pairwise() is plans._pairwise()  # read once per library
    assert plans._rule("one-facet-apart").name == "one-facet-apart"


def test_addons_spanning_regions_ors_the_primaries_region_masks(monkeypatch):
    from spinekg.graph.sparql import plans_aggregate as A

    store = S.build_store()
    f = plans_facts.facts(store)
    rows = A._addons_spanning_regions(f)
    masks = f._derived["region masks"]  # the regions of each primary as bits, derived once
    assert rows and all(isinstance(m, int) and m for m in masks.values())
    assert {bin(m).count("1") for m in masks.values()} >= {1, 2}  # codes of one region and of two
    region = f.objects(A.SK + "region")
    assert set(masks) == {s for s, rs in region.items() if rs}
