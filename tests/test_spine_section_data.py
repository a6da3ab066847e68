"""The spine-section data (issue 17), checked before it is wired into the loader.

The section's files live in graph/data/ (synonyms merged into synonyms.ttl) with their vocabulary in
ontology/spine-section.ttl and ontology/spine-section-shapes.ttl. These tests build the vocabulary + all data + the staged files,
run SHACL, lint every new code and pin facts that public pages state. Category III notations (0213T) need the
notation rules of shapes.ttl widened; `contract_shapes` widens exactly those and nothing else.
"""
import re
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from spinekg.graph.load import data_files, materialise, ontology_files
from spinekg.ontology import ONTOLOGY_FILE, SHAPES_FILE
from spinekg.ontology.namespaces import BIOPORTAL_CPT, PREFIXES

ROOT = Path(__file__).resolve().parent.parent
STAGED = [ROOT / "graph" / "data" / n for n in ("codes-62263-64636.ttl", "codes-27278-27280.ttl", "codes-category-iii.ttl",
                                             "groups-spine-section.ttl", "reported-with-spine-section.ttl")]
SYNONYMS = ROOT / "graph" / "data" / "synonyms.ttl"
ONTO2 = ROOT / "ontology" / "spine-section.ttl"
SHAPES2 = ROOT / "ontology" / "spine-section-shapes.ttl"
SK = PREFIXES["sk"]
NOTATION = re.compile(r"[0-9]{4}[0-9T]")

FACETS = {"region": "SpinalRegion", "approach": "SurgicalApproach", "procedure": "ProcedureType",
          "lesionCompartment": "LesionCompartment", "lesionNature": "LesionNature", "unit": "CountedUnit",
          "variant": "TechniqueVariant", "indication": "Indication", "status": "CodeStatus", "access": "Access",
          "imaging": "ImagingGuidance", "agent": "Agent", "delivery": "Delivery", "device": "Device",
          "deviceAction": "DeviceAction"}
NEW_CLASSES = ["ImagingGuidance", "Agent", "Delivery", "Device", "DeviceAction"]
# The code set names these add-ons as each other's primaries ("third and any additional level" follows
# "second level"); nothing else in the section may point at an add-on.
ADDON_AS_PRIMARY = {("64492", "64491"), ("64495", "64494"), ("0215T", "0214T"), ("0218T", "0217T")}
DESCRIPTOR_PHRASES = ("list separately in addition", "(eg,", "not including neurolytic substances",
                      "in addition to code for primary procedure", "including needle or catheter placement",
                      "paravertebral facet (zygapophyseal) joint", "anesthetic agent(s) and/or steroid")


def sk(name):
    return URIRef(SK + name)


@pytest.fixture(scope="module")
def onto():
    g = Graph()
    for path in [*ontology_files(), ONTO2]:
        g.parse(str(path))
    return g


@pytest.fixture(scope="module")
def staged():
    g = Graph()
    for path in STAGED:
        g.parse(path)
    return g


@pytest.fixture(scope="module")
def whole(onto):
    g = Graph()
    g += onto
    for path in [*data_files(), *STAGED]:
        g.parse(path)
    materialise(g)
    return g


def new_codes():
    g = Graph()
    for path in STAGED:
        g.parse(path)
    kinds = set(g.subjects(RDF.type, sk("PrimaryCode"))) | set(g.subjects(RDF.type, sk("AddOnCode")))
    return sorted(str(g.value(s, SKOS.notation)) for s in kinds)


CODES = new_codes()


def contract_shapes():
    """shapes.ttl with the notation rules widened to Category III codes (a no-op once shapes.ttl has them)."""
    text = Path(str(SHAPES_FILE)).read_text(encoding="utf-8")
    for old, new in [('sh:pattern "^[0-9]{5}$"', 'sh:pattern "^[0-9]{4}[0-9T]$"'),
                     ("CPT/[0-9]{5}$", "CPT/[0-9]{4}[0-9T]$"),
                     ('sh:pattern "^[0-9]{5}-[0-9]{5}$" ; sh:message "a group', 'sh:pattern "^[0-9]{4}[0-9T]-[0-9]{4}[0-9T]$" ; sh:message "a group')]:
        text = text.replace(old, new)
    return Graph().parse(data=text, format="turtle").parse(str(SHAPES2))


def test_staged_files_exist():
    assert {p.name for p in STAGED} >= {"codes-62263-64636.ttl", "codes-27278-27280.ttl",
                                       "codes-category-iii.ttl", "groups-spine-section.ttl"}
    assert len(CODES) >= 110


def test_shacl_passes(whole):
    from pyshacl import validate

    conforms, _, text = validate(whole, shacl_graph=contract_shapes(), inference="none", advanced=False)
    assert conforms, text[:3000]


def test_new_vocabulary_is_documented(onto):
    local = Graph().parse(str(ONTO2))
    for cls in NEW_CLASSES:
        assert (sk(cls), RDFS.subClassOf, sk("Facet")) in local, f"sk:{cls} must be a sk:Facet subclass"
    for prop in ["imaging", "agent", "delivery", "device", "deviceAction"]:
        assert local.value(sk(prop), RDFS.domain) is not None and local.value(sk(prop), RDFS.range) is not None, prop
    values = [(v, c) for c in FACETS.values() for v in local.subjects(RDF.type, sk(c))]
    assert len(values) >= 60
    for value, cls in values:
        labels = list(local.objects(value, SKOS.prefLabel))
        assert len(labels) == 1 and local.value(value, RDFS.label) is not None, f"{value}: one prefLabel and an rdfs:label"
        assert not str(labels[0])[0].isupper(), f"{value}: short names start in lowercase"
        definition = local.value(value, SKOS.definition)
        assert definition is not None and "\n" not in str(definition), f"{value}: one-line skos:definition"
        assert (value, RDF.type, sk(cls)) not in Graph().parse(str(ONTOLOGY_FILE)), f"{value} is already in spinekg.ttl"
    for cls in FACETS.values():  # short names stay unique within a facet across both files
        names = [str(onto.value(v, SKOS.prefLabel)) for v in onto.subjects(RDF.type, sk(cls))]
        assert len(names) == len(set(names)), f"sk:{cls}: duplicate short names"


@pytest.mark.parametrize("code", CODES)
def test_code_record(whole, staged, code):
    s = URIRef(PREFIXES["cpt"] + code)
    assert NOTATION.fullmatch(code), f"{code}: notation is four digits and a digit or T"
    kinds = [k for k in ("PrimaryCode", "AddOnCode") if (s, RDF.type, sk(k)) in staged]
    assert len(kinds) == 1, f"{code}: exactly one of sk:PrimaryCode / sk:AddOnCode"
    assert (s, SKOS.exactMatch, BIOPORTAL_CPT[code]) in staged, f"{code}: skos:exactMatch its BioPortal IRI"
    assert (s, SKOS.inScheme, sk("SpineCodes")) in staged
    for prop, cls in FACETS.items():
        for value in staged.objects(s, sk(prop)):
            assert (value, RDF.type, sk(cls)) in whole, f"{code}: sk:{prop} value {value} is not a declared sk:{cls}"
    assert list(staged.objects(s, sk("procedure"))), f"{code}: at least one sk:procedure"
    sources = [str(u) for u in staged.objects(s, DCTERMS.source)]
    assert sources, f"{code}: dcterms:source"
    for url in sources:
        assert url.startswith(("http://", "https://")), url
        assert "openpayer.com" not in url and "genhealth.ai" not in url, f"{code}: {url} spells the descriptor in its slug"
    evidence = staged.value(s, sk("evidence"))
    assert evidence in {sk("Confirmed"), sk("Inferred"), sk("Unconfirmed")}, f"{code}: sk:evidence"
    if evidence == sk("Inferred"):
        assert staged.value(s, sk("inferredFrom")) is not None, f"{code}: say which sibling (sk:inferredFrom)"
    category = staged.value(s, sk("category"))
    assert category == (sk("CategoryIII") if code.endswith("T") else sk("CategoryI")), f"{code}: sk:category"
    deleted = staged.value(s, sk("deletedIn"))
    assert (staged.value(s, sk("status")) == sk("Deleted")) == (deleted is not None), f"{code}: status and sk:deletedIn agree"
    for year in (deleted, staged.value(s, sk("addedIn"))):
        assert year is None or (isinstance(year, Literal) and 1990 < int(year) <= 2026), f"{code}: year {year!r}"
    for repl in staged.objects(s, DCTERMS.isReplacedBy):
        assert (repl, SKOS.notation, None) in whole, f"{code}: replacement {repl} is not in the graph"
    primaries = [str(whole.value(p, SKOS.notation)) for p in staged.objects(s, sk("addOnTo"))]
    if kinds == ["AddOnCode"]:
        assert primaries, f"{code}: an add-on needs a primary"
        for p in primaries:
            assert p in CODES or p.isdigit(), p
            if (URIRef(PREFIXES["cpt"] + p), RDF.type, sk("AddOnCode")) in whole:
                assert (code, p) in ADDON_AS_PRIMARY, f"{code}: primary {p} is itself an add-on"
    else:
        assert not primaries and staged.value(s, sk("eachAdditionalUnit")) is None, f"{code}: primaries have no sk:addOnTo"
    assert kinds == ["AddOnCode"] or staged.value(s, sk("eachUnit")) is None, f"{code}: sk:eachUnit is for add-ons"
    has_year = staged.value(s, sk("addedIn")) is not None or deleted is not None
    history = list(staged.objects(s, sk("historySource")))
    assert not history or has_year, f"{code}: sk:historySource without a year"
    counted = any(staged.value(s, sk(p)) is not None for p in ("minUnits", "eachAdditionalUnit", "eachUnit"))
    assert not counted or staged.value(s, sk("unit")) is not None, f"{code}: counted codes need an sk:unit"
    group = staged.value(s, SKOS.broader)
    first, last = str(whole.value(group, SKOS.notation)).split("-")
    assert first <= code <= last, f"{code}: outside its group {first}-{last}"
    assert whole.value(group, SKOS.prefLabel) is not None


def test_groups_nest(whole):
    for group in whole.subjects(RDF.type, sk("CodeGroup")):
        parent = whole.value(group, SKOS.broader)
        if parent is not None:
            lo, hi = str(whole.value(group, SKOS.notation)).split("-")
            plo, phi = str(whole.value(parent, SKOS.notation)).split("-")
            assert plo <= lo and hi <= phi, f"{group} lies outside {parent}"


def test_no_two_codes_share_every_fact(staged):
    """Near-twins must differ in at least one fact, or labels and the finder cannot tell them apart."""
    ignore = {SKOS.notation, SKOS.exactMatch, SKOS.prefLabel, DCTERMS.source, sk("evidence"), sk("inferredFrom"),
              SKOS.broader, sk("addedIn"), sk("deletedIn"), DCTERMS.isReplacedBy, sk("status"), sk("addOnTo"),
              sk("category")}
    seen = {}
    for code in CODES:
        s = URIRef(PREFIXES["cpt"] + code)
        facts = frozenset((p, o) for p, o in staged.predicate_objects(s) if p not in ignore)
        assert facts not in seen, f"{code} and {seen.get(facts)} have the same facts"
        seen[facts] = code


def test_files_are_canonical(onto):
    from spinekg.graph.curate import canonical_text, relabel

    names = {s: str(o) for s, o in onto.subject_objects(SKOS.prefLabel)}
    for path in STAGED:
        g = Graph().parse(path)
        relabel(g, names)
        assert path.read_text(encoding="utf-8") == canonical_text(g), f"{path.name} is not canonical"


def test_no_descriptor_text():
    for path in [*STAGED, ONTO2]:
        text = path.read_text(encoding="utf-8").lower()
        spaced = re.sub(r"[-_/]+", " ", text)
        for phrase in DESCRIPTOR_PHRASES:
            assert phrase not in text and phrase not in spaced, f"{path.name} contains descriptor-like text {phrase!r}"


@pytest.fixture(scope="module")
def catalog(whole):
    from spinekg.graph.model import catalog_from_graph

    return catalog_from_graph(whole)


def test_issue_examples(catalog, staged):
    """The issue's definition of done, on the data side."""
    c = catalog
    assert c["64484"].kind == "add-on" and c["64484"].add_on_to == ("64483",) and c["64484"].each_additional_unit
    assert c["64484"].unit == "level" and c["64483"].regions == ("lumbar", "sacral")
    assert c["64492"].add_on_to == ("64490", "64491") and c["64495"].add_on_to == ("64493", "64494")
    assert c["64494"].add_on_to == ("64493",) and c["64480"].add_on_to == ("64479",)
    assert c["64636"].add_on_to == ("64635",) and c["64636"].unit == "facet joint"
    facet_lumbar = sorted(k for k, r in c.codes.items() if "facet joint injection" in r.procedures
                          and "lumbar" in r.regions and r.status == "active" and k.isdigit())
    assert facet_lumbar == ["64493", "64494", "64495"]
    imaging = {str(o).rsplit("#", 1)[-1] for o in staged.objects(URIRef(PREFIXES["cpt"] + "64493"), sk("imaging"))}
    assert imaging == {"FluoroscopyOrCT"}


@pytest.mark.parametrize("code,field,value", [
    ("62322", "regions", ("lumbar", "sacral")),
    ("62321", "approaches", ("interlaminar",)),
    ("64479", "approaches", ("transforaminal",)),
    ("63650", "access", ("percutaneous",)),
    ("62380", "access", ("endoscopic",)),
    ("27279", "regions", ("sacroiliac joint",)),
    ("0275T", "regions", ("lumbar",)),
    ("63621", "add_on_to", ("63620",)),
    ("64629", "add_on_to", ("64628",)),
    ("0222T", "add_on_to", ("0219T", "0220T", "0221T")),
    ("64470", "status", "deleted"),
])
def test_known_facts(catalog, code, field, value):
    assert getattr(catalog[code], field) == value


@pytest.mark.parametrize("code,prop,values", [
    ("62323", "imaging", {"FluoroscopyOrCT"}), ("62320", "imaging", {"NoImagingGuidance"}),
    ("0216T", "imaging", {"UltrasoundGuidance"}), ("62281", "agent", {"NeurolyticAgent"}),
    ("62327", "delivery", {"CatheterInfusion"}), ("62362", "device", {"ProgrammablePump"}),
    ("63688", "deviceAction", {"DeviceRevision", "DeviceRemoval"}), ("63685", "device", {"PulseGenerator"}),
])
def test_new_facets(staged, code, prop, values):
    got = {str(o).rsplit("#", 1)[-1] for o in staged.objects(URIRef(PREFIXES["cpt"] + code), sk(prop))}
    assert got == values


def test_history(staged):
    def year(code, prop):
        v = staged.value(URIRef(PREFIXES["cpt"] + code), sk(prop))
        return int(v) if v is not None else None

    assert year("64490", "addedIn") == 2010 and year("64470", "deletedIn") == 2010
    assert year("64633", "addedIn") == 2012 and year("64622", "deletedIn") == 2012
    assert year("27278", "addedIn") == 2024 and year("0775T", "deletedIn") == 2024
    assert year("62310", "addedIn") == 2000 and year("62310", "deletedIn") == 2017
    aorn = URIRef("https://aorn.org/outpatient-surgery/the-magazine/article/2010-april-coding-billing")
    assert (URIRef(PREFIXES["cpt"] + "64470"), sk("historySource"), aorn) in staged
    replaced = {str(o).rsplit("/", 1)[-1] for o in staged.objects(URIRef(PREFIXES["cpt"] + "0775T"), DCTERMS.isReplacedBy)}
    assert replaced == {"27278"}


def test_reported_with_links_are_stated_with_sources(staged, whole):
    links = set(staged.subject_objects(sk("reportedWith")))
    assert links, "the section states at least one reported-with link"
    stated = set()
    for st in staged.subjects(RDF.type, sk("LinkStatement")):
        assert staged.value(st, RDF.predicate) == sk("reportedWith")
        assert staged.value(st, DCTERMS.source) is not None, f"{st}: dcterms:source"
        assert staged.value(st, sk("evidence")) is not None, f"{st}: sk:evidence"
        stated.add((staged.value(st, RDF.subject), staged.value(st, RDF.object)))
    assert links == stated, "every sk:reportedWith link needs its sk:LinkStatement"
    for s, o in links:
        assert (s, SKOS.notation, None) in whole and (o, SKOS.notation, None) in whole, f"{s} -> {o}: both ends are codes"


def test_imaging_reported_separately(staged):
    """Where a page says image guidance is billed on its own, the code says so (cross-range link to imaging codes)."""
    separate = sorted(str(staged.value(s, SKOS.notation)) for s in staged.subjects(sk("imaging"), sk("ImagingSeparate")))
    assert separate == ["62267", "62268", "62290", "62291"]


def test_synonyms_are_sourced(staged, whole):
    """Coders' names for the section (ESI, RFA, SCS ...) sit on the section's nodes, each with its page and
    our note; they live in graph/data/synonyms.ttl, the one file graph/search.py reads."""
    syn = Graph().parse(SYNONYMS)
    section = set(staged.subjects()) | set(Graph().parse(str(ONTO2)).subjects())
    labels = {(s, o) for s, o in syn.subject_objects(SKOS.altLabel) if s in section}
    assert len(labels) >= 10
    stated = set()
    for st in syn.subjects(RDF.predicate, SKOS.altLabel):
        if syn.value(st, RDF.subject) not in section:
            continue
        assert syn.value(st, DCTERMS.source) is not None and syn.value(st, SKOS.scopeNote) is not None, st
        stated.add((syn.value(st, RDF.subject), syn.value(st, RDF.object)))
    assert labels == stated
    for subject, _ in labels:
        assert (subject, RDF.type, None) in whole, f"{subject} is not a node of the graph"


def _values(staged, code, prop):
    return {str(o).rsplit("#", 1)[-1].rsplit("/", 1)[-1] for o in staged.objects(URIRef(PREFIXES["cpt"] + code), sk(prop))}


@pytest.mark.parametrize("code", ["64470", "64472", "64475", "64476"])
def test_pre_2010_facet_codes_name_anaesthetic_or_steroid(staged, code):
    """The deleted facet-joint family named an anaesthetic and/or steroid (its 64475 page), not the broader
    "diagnostic or therapeutic agent" of the 64490-64495 family that replaced it."""
    assert _values(staged, code, "agent") == {"AnaestheticOrSteroid"}


@pytest.mark.parametrize("code,level", [("62304", "Confirmed"), ("62361", "Confirmed"), ("64475", "Confirmed"),
                                        ("64470", "Inferred"), ("0627T", "Inferred"), ("63600", "Unconfirmed"),
                                        ("63660", "Inferred")])
def test_second_read_evidence(staged, code, level):
    assert _values(staged, code, "evidence") == {level}


def test_codes_added_in_the_second_read(staged, catalog):
    assert _values(staged, "62294", "lesionNature") == {"ArteriovenousMalformation"}
    assert _values(staged, "62294", "procedure") == {"EndovascularOcclusion"}
    assert catalog["63660"].status == "deleted" and _values(staged, "63660", "deletedIn") == {"2010"}
    replaced = {str(o).rsplit("/", 1)[-1] for o in staged.objects(URIRef(PREFIXES["cpt"] + "63660"), DCTERMS.isReplacedBy)}
    assert replaced == {"63661", "63662", "63663", "63664"}
    assert _values(staged, "0784T", "variant") == {"IntegratedNeurostimulator"}
    assert _values(staged, "0784T", "device") == {"ElectrodeArray"}
    for code, primary, region in [("0095T", "22864", "cervical"), ("0098T", "22861", "cervical"),
                                  ("0164T", "22865", "lumbar"), ("0165T", "22862", "lumbar")]:
        rec = catalog[code]
        assert rec.kind == "add-on" and rec.add_on_to == (primary,) and rec.each_additional_unit, code
        assert rec.unit == "interspace" and rec.regions == (region,), code


@pytest.mark.parametrize("code", ["27278", "27279"])
def test_si_fusion_codes_are_unilateral_in_2026(staged, code):
    assert "Unilateral" in _values(staged, code, "variant")
