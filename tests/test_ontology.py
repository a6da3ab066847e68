"""The vocabulary: closed namespace in step with the Turtle, every facet value documented."""
import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import SKOS

from importlib.resources import files

from spinekg.ontology import ONTOLOGY_FILE
from spinekg.ontology.namespaces import SK

FACET_CLASSES = ["SpinalRegion", "SurgicalApproach", "ProcedureType", "LesionCompartment",
                 "LesionNature", "CountedUnit", "TechniqueVariant", "Indication", "CodeStatus",
                 # the spine section's facets (ontology/spine-section.ttl)
                 "ImagingGuidance", "Agent", "Delivery", "Device", "DeviceAction"]


def vocabulary():
    """Every vocabulary file (spinekg.ttl and the ontology/*.ttl beside it), as the loader reads them."""
    from spinekg.graph.load import ontology_files

    g = Graph()
    for path in ontology_files():
        g.parse(str(path), format="turtle")
    return g


@pytest.fixture(scope="module")
def onto():
    return vocabulary()


def test_misspelt_term_raises():
    with pytest.raises(AttributeError):
        SK.Cervicle  # noqa: B018


def test_namespace_lists_exactly_the_ontology_terms():
    # SK closes the terms of spinekg.ttl and spine-section.ttl; ncci.ttl has its own closed class (graph/ncci_graph.py)
    onto = Graph()
    for path in (ONTOLOGY_FILE, files("spinekg.ontology") / "spine-section.ttl"):
        onto.parse(str(path), format="turtle")
    ns = str(SK._NS)
    in_ttl = {str(t)[len(ns):] for t in onto.all_nodes() if isinstance(t, URIRef) and str(t).startswith(ns)}
    in_py = set(SK.__annotations__)
    assert in_ttl - in_py == set(), "add these terms to ontology/namespaces.py"
    assert in_py - in_ttl == set(), "these namespace terms are not defined in spinekg.ttl"


def test_contract_terms_exist(onto):
    for cls in ["ProcedureCode", "PrimaryCode", "AddOnCode", "CodeGroup", *FACET_CLASSES]:
        assert (SK[cls], RDF.type, OWL.Class) in onto, cls
    assert (SK.PrimaryCode, OWL.disjointWith, SK.AddOnCode) in onto
    assert (SK.hasAddOn, OWL.inverseOf, SK.addOnTo) in onto
    assert (SK.ProcedureCode, RDFS.subClassOf, SKOS.Concept) in onto
    for prop in ["region", "approach", "procedure", "lesionCompartment", "lesionNature", "unit",
                 "minUnits", "maxUnits", "eachAdditionalUnit", "addOnTo", "hasAddOn"]:
        assert onto.value(SK[prop], RDFS.domain) is not None, f"{prop} has no rdfs:domain"
        assert onto.value(SK[prop], RDFS.range) is not None, f"{prop} has no rdfs:range"


def facet_values():
    g = vocabulary()
    return sorted((str(v).rsplit("#", 1)[-1], cls) for cls in FACET_CLASSES for v in g.subjects(RDF.type, SK[cls]))


@pytest.mark.parametrize("local,cls", facet_values())
def test_facet_value_is_documented(onto, local, cls):
    v = SK[local]
    assert onto.value(v, RDFS.label) is not None, f"sk:{local} needs an rdfs:label"
    labels = list(onto.objects(v, SKOS.prefLabel))
    assert len(labels) == 1, f"sk:{local} needs exactly one skos:prefLabel"
    assert not str(labels[0])[0].isupper(), f"sk:{local}: short names start in lowercase"
    definition = onto.value(v, SKOS.definition)
    assert definition is not None and "\n" not in str(definition), f"sk:{local} needs a one-line skos:definition"


def test_short_names_unique_within_each_facet(onto):
    for cls in FACET_CLASSES:
        names = [str(onto.value(v, SKOS.prefLabel)) for v in onto.subjects(RDF.type, SK[cls])]
        assert len(names) == len(set(names)), cls


def test_regions_map_to_uberon(onto):
    expected = {"Cervical": "0006072", "Thoracic": "0006073", "Lumbar": "0006074", "Sacral": "0006075"}
    for local, uberon in expected.items():
        assert (SK[local], SKOS.exactMatch, URIRef(f"http://purl.obolibrary.org/obo/UBERON_{uberon}")) in onto
