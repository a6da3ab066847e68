"""The pair keys (graph/precompute.py) on data where many codes share one facet combination, as a
big data set's do: the scale generator's replicas (bench/scale.py: each code again as 63304-r1,
-r2, ... with the same facets). The keys are worked out once per combination and then stand for
every code that has it; the plans must still answer exactly as the saved queries do."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from spinekg.graph import precompute
from spinekg.graph import sparql as S

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
PAIRWISE = [name for name, _ in precompute.RULES]
CPT = "https://w3id.org/spinekg/cpt/"


@pytest.fixture(scope="module")
def store():
    import scale

    buf = io.BytesIO()
    scale.generate(45_000, buf)  # the shipped graph's codes twice over: -r1 and -r2
    s = ox.Store()
    s.load(buf.getvalue(), format=ox.RdfFormat.N_TRIPLES)
    return s


def answers(engine, name, code):
    bindings = {"code": S.Term.iri(code)} if code else {}
    return engine.query(S.get_saved(name).text, bindings, timeout=None, max_rows=None).canonical()


def test_codes_of_one_combination_share_a_signature(store):
    for rule in precompute.rules():
        index = precompute.build_index(store, rule)
        a, b = f"<{CPT}63304-r1>", f"<{CPT}63304-r2>"
        assert index.signature[a] == index.signature[b]
        assert {a, b} <= set(index.codes_of[index.signature[a]])
        assert len(index.codes_of) < len(index.signature) / 1.9  # a combination per pair of replicas (or fewer)


@pytest.mark.parametrize("name", PAIRWISE)
def test_plans_answer_as_the_queries_on_shared_combinations(store, name):
    fast = S.OxigraphEngine(store, read_only=True, cache=False)
    written = S.OxigraphEngine(store, read_only=False, cache=False)
    assert fast.plan(S.get_saved(name).text, {"code": S.Term.iri(f"{CPT}63304-r1")})
    found = 0
    for code in ("63304-r1", "63304-r2", "63103-r1", "63090-r2", "22633-r1", "63001-r2", "20930-r1"):
        got = answers(fast, name, CPT + code)
        assert got == answers(written, name, CPT + code), code
        found += len(got[2])
    assert found > 0


def test_all_pairs_are_each_codes_pairs(store):
    """The unbound call (every code at once) lists what the per-code calls list, code by code
    (the per-code answers are the ones compared with the queries above)."""
    for rule in precompute.rules():
        index = precompute.build_index(store, rule)
        every = index.pairs(None)
        assert sorted(every) == sorted(p for c in index.signature for p in index.pairs(c))
        assert len(every) > len(index.signature)
