"""Counted units' ontology local names, read from the graph (sk:CountedUnit individuals and their
skos:prefLabel): the catalog records only a unit's short name, and the names do not all follow
one spelling rule ('vertebral defect or interspace' is sk:DefectOrInterspace)."""
from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _from_store() -> dict[str, str]:
    from spinekg.graph.sparql import load_store

    q = ("SELECT ?u ?label WHERE { ?u a <https://w3id.org/spinekg/ontology#CountedUnit> ; "
         "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }")
    return {row["label"].value: row["u"].value.rsplit("#", 1)[1] for row in load_store().query(q)}


def unit_local_name(short: str) -> str:
    """The local name of the unit whose short name is `short` ('vertebral segment' -> 'VertebralSegment')."""
    found = _from_store().get(short)
    if found is None:
        from spinekg.exports.registry import unit_local

        return unit_local(short)  # a unit the shipped graph does not hold: the usual spelling
    return found
