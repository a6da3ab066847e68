"""Generate a code set of realistic shape at any size, for the scale run.

The real graph (ontology + curated data) is kept once; every code, group and sourced link is
then replicated K times with its facets, add-on relations, groups and labels, and each replica's
add-on pairs get CMS-style edit nodes, as a full code set plus NCCI edit files would. The output
is N-Triples (one triple per line), so the triple count is exact.
"""
from __future__ import annotations

import math
import sys


def _base():
    from rdflib import RDF, URIRef

    from spinekg.graph.load import build_graph
    from spinekg.ontology.namespaces import CPT, GROUP, SK

    g = build_graph(user_data=False)
    codes = set(g.subjects(RDF.type, SK.ProcedureCode))
    groups = set(g.subjects(RDF.type, SK.CodeGroup))
    replicated = codes | groups
    per_replica = [(s, p, o) for s, p, o in g if s in replicated]
    shared = [(s, p, o) for s, p, o in g if s not in replicated]
    pairs = [(s, o) for s, o in g.subject_objects(SK.addOnTo)]
    return g, shared, per_replica, pairs, str(CPT), str(GROUP), URIRef, str(SK)


def generate(target_triples: int, out) -> int:
    """Write about `target_triples` N-Triples lines to the binary file `out`; return the exact count."""
    g, shared, per_replica, pairs, cpt, grp, URIRef, sk = _base()
    edit_triples = 6
    per_k = len(per_replica) + edit_triples * len(pairs)
    k_max = max(1, math.ceil((target_triples - len(shared)) / per_k))
    n = 0
    for s, p, o in shared:
        out.write(f"{s.n3()} {p.n3()} {o.n3()} .\n".encode())
        n += 1
    prefixes = (cpt, grp)

    def rename(term, k):
        if isinstance(term, URIRef):
            t = str(term)
            if t.startswith(prefixes):
                return f"<{t}-r{k}>"
        return term.n3()

    notation = "<http://www.w3.org/2004/02/skos/core#notation>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    for k in range(1, k_max + 1):
        lines = []
        for s, p, o in per_replica:
            obj = rename(o, k)
            if p.n3() == notation:
                obj = f'"{o}-r{k}"'
            lines.append(f"{rename(s, k)} {p.n3()} {obj} .\n")
        for i, (a, b) in enumerate(pairs):
            e = f"<urn:spinekg:scale:edit:{k}:{i}>"
            lines += [
                f"{e} {rdf_type} <{sk}NcciAddOnEdit> .\n",
                f"{e} <{sk}editAddOn> {rename(a, k)} .\n",
                f"{e} <{sk}editPrimary> {rename(b, k)} .\n",
                f'{e} <{sk}editType> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
                f'{e} <{sk}effectiveDate> "2013-04-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n',
                f'{e} <{sk}editImport> <urn:spinekg:scale:import> .\n',
            ]
        out.write("".join(lines).encode())
        n += len(lines)
    return n


if __name__ == "__main__":
    with open(sys.argv[2], "wb") as f:
        print(generate(int(float(sys.argv[1])), f))
