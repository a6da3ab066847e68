"""One entry point for the whole graph (ontology + curated data), parsed at most once per process."""
from __future__ import annotations

import functools
from pathlib import Path

# plain paths, not importlib.resources: the package is always installed as files (never zipped), and
# importlib.resources costs every cold command ~20-40 ms of imports
DATA_DIR = Path(__file__).resolve().parent / "data"


def data_files() -> list[Path]:
    """The curated Turtle files, in a stable order."""
    return sorted((Path(str(p)) for p in DATA_DIR.iterdir() if p.name.endswith(".ttl")), key=lambda p: p.name)


def ontology_files() -> list[Path]:
    """Every vocabulary file (ontology/*.ttl but SHACL shapes: shapes.ttl and any *-shapes.ttl), spinekg.ttl
    first, then the rest by name."""
    from spinekg.ontology import ONTOLOGY_FILE, SHAPES_FILE

    main, shapes = Path(str(ONTOLOGY_FILE)), Path(str(SHAPES_FILE))
    others = sorted((p for p in main.parent.glob("*.ttl")
                     if p not in (main, shapes) and not p.name.endswith("-shapes.ttl")), key=lambda p: p.name)
    return [main, *others]


def source_files() -> list[Path]:
    """Every file the graph is built from: the ontology first, then the data."""
    return [*ontology_files(), *data_files()]


def materialise(g) -> None:
    """Add the triples the vocabulary implies that the curated files leave implicit.

    Types follow rdfs:subClassOf (a sk:PrimaryCode is a sk:ProcedureCode and a skos:Concept);
    sk:hasAddOn is stated as the inverse of sk:addOnTo; root groups are top concepts.
    Analysts' SPARQL can then ask any of these without a reasoner.
    """
    from rdflib import RDF, RDFS
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    supers: dict = {}
    for sub, sup in g.subject_objects(RDFS.subClassOf):
        supers.setdefault(sub, set()).add(sup)

    def ancestors(cls, seen):
        for sup in supers.get(cls, ()):
            if sup not in seen:
                seen.add(sup)
                ancestors(sup, seen)
        return seen

    closure = {cls: ancestors(cls, set()) for cls in supers}
    for node, cls in list(g.subject_objects(RDF.type)):
        for sup in closure.get(cls, ()):
            g.add((node, RDF.type, sup))
    for addon, primary in list(g.subject_objects(SK.addOnTo)):
        g.add((primary, SK.hasAddOn, addon))
    for group in list(g.subjects(RDF.type, SK.CodeGroup)):
        if g.value(group, SKOS.broader) is None:
            g.add((group, SKOS.topConceptOf, SK.SpineCodes))
            g.add((SK.SpineCodes, SKOS.hasTopConcept, group))


def add_user_data(g, *, ncci_edits: bool = True, ntriples: list | None = None) -> None:
    """Add what the user imported (their licensed descriptors, CMS edits unless not ncci_edits), with
    provenance; with `ntriples`, the CMS edits go there as N-Triples text (graph.ncci_graph.add_imports)."""
    from spinekg.graph import descriptors, ncci

    record = descriptors.load_descriptors()
    if record is not None:
        descriptors.add_to_graph(g, record)
    if not ncci_edits:
        return
    edits = ncci.load_ncci()
    if edits is not None:
        ncci.add_to_graph(g, edits, ntriples=ntriples)


def build_graph(extra: list[Path] | None = None, *, user_data: bool = True, ncci: bool = True):
    """A fresh rdflib Graph of ontology + data (+ the user's imports, the NCCI edits among them
    unless not ncci; + extra files), with implied triples."""
    from rdflib import Graph

    from spinekg.ontology.namespaces import PREFIXES

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for path in [*source_files(), *(extra or [])]:
        g.parse(path, format="turtle")
    if user_data:
        add_user_data(g, ncci_edits=ncci)
    materialise(g)
    return g


def graph_version() -> tuple:
    """Changes whenever the user's imports change; caches of derived data key on it."""
    from spinekg.graph.userdata import user_files

    out = []
    for p in user_files():
        st = p.stat()
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


@functools.lru_cache(maxsize=2)
def _load_graph(version: tuple, ncci: bool):
    return build_graph(ncci=ncci)


def load_graph(*, ncci: bool = True):
    """The whole graph, parsed once per process (again only if the user's imports change). Read-only.
    With ncci=False, without the NCCI edits: what the catalog and the network are built from
    (graph.compiled.catalog_key)."""
    from spinekg.graph.userdata import ncci_path

    version = graph_version()
    # without NCCI imports both graphs are one: built (and its files parsed) once per process
    return _load_graph(version, ncci and any(name == str(ncci_path()) for name, _, _ in version))
