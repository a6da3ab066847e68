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
