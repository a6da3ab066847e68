import subprocess
import sys


def test_graph_has_ontology_data_and_implied_triples(graph):
    from rdflib import RDF

    from spinekg.ontology.namespaces import CPT, SK

    assert (CPT["63304"], RDF.type, SK.ProcedureCode) in graph  # subclass closure
    assert (CPT["63304"], SK.hasAddOn, CPT["63308"]) in graph  # inverse of addOnTo
    assert (SK.Cervical, RDF.type, SK.SpinalRegion) in graph  # ontology included


def test_files_parsed_once_per_process():
    code = (
        "import rdflib\n"
        "calls = []\n"
        "orig = rdflib.Graph.parse\n"
        "def counting(self, *a, **k):\n"
        "    calls.append(1)\n"
        "    return orig(self, *a, **k)\n"
        "rdflib.Graph.parse = counting\n"
        "from spinekg.graph.load import load_graph, source_files\n"
        "from spinekg.graph.model import load_catalog\n"
        "g1 = load_graph(); load_catalog(); g2 = load_graph(); load_catalog()\n"
        "assert g1 is g2\n"
        "assert len(calls) == len(source_files()), (len(calls), len(source_files()))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_ontology_file_but_the_shapes_is_loaded(tmp_path, monkeypatch):
    """A vocabulary file dropped into ontology/ (e.g. external declarations) joins the graph; shapes.ttl never does."""
    from pathlib import Path

    from spinekg.graph import load
    from spinekg.ontology import ONTOLOGY_FILE, SHAPES_FILE

    names = [p.name for p in load.ontology_files()]
    assert names[0] == "spinekg.ttl" and not [n for n in names if n.endswith("shapes.ttl")]
    for src in (ONTOLOGY_FILE, SHAPES_FILE):
        (tmp_path / Path(str(src)).name).write_bytes(Path(str(src)).read_bytes())
    (tmp_path / "external.ttl").write_text("<urn:x:a> a <http://www.w3.org/2002/07/owl#Class> .\n", encoding="utf-8")
    (tmp_path / "more-shapes.ttl").write_text("<urn:x:shape> a <http://www.w3.org/ns/shacl#NodeShape> .\n", encoding="utf-8")
    monkeypatch.setattr("spinekg.ontology.ONTOLOGY_FILE", tmp_path / "spinekg.ttl")
    monkeypatch.setattr("spinekg.ontology.SHAPES_FILE", tmp_path / "shapes.ttl")
    assert [p.name for p in load.ontology_files()] == ["spinekg.ttl", "external.ttl"]
    from rdflib import OWL, RDF, URIRef

    g = load.build_graph(user_data=False)
    assert (URIRef("urn:x:a"), RDF.type, OWL.Class) in g
