"""Each export is read back by the tool (or reference library) it is meant for."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import logging
import re
from collections import Counter
from datetime import datetime

import pytest

from spinekg.exports.registry import FORMATS, ExportSource, build


@pytest.fixture(scope="module")
def source(graph, catalog):
    return ExportSource(graph, catalog, version="0.1.0")


@pytest.fixture(scope="module")
def built(source):
    """Every format built once for the module: name -> Output."""
    return {name: build(fmt, source) for name, fmt in FORMATS.items()}


@pytest.fixture(scope="module")
def built_one(source):
    """One format built on first use (so one writer's fault does not fail the others' tests)."""
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = build(FORMATS[name], source)
        return cache[name]

    return get


def with_descriptor(catalog, changes: dict):
    """A copy of the catalog where some records carry a (test) descriptor or another label."""
    from spinekg.graph.model import Catalog

    codes = dict(catalog.codes)
    for code, fields in changes.items():
        codes[code] = dataclasses.replace(codes[code], **fields)
    return Catalog(codes, catalog.facet_values, catalog.groups, getattr(catalog, "descriptor_source", None))


# ---------------------------------------------------------------- RDF: turtle, nt, jsonld

RDF_FORMATS = {"turtle": ("turtle", "TURTLE"), "nt": ("nt", "N_TRIPLES"), "jsonld": ("json-ld", "JSON_LD")}


@pytest.mark.parametrize("name", list(RDF_FORMATS))
def test_rdf_export_is_isomorphic_with_the_graph(name, built, graph):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    back = Graph().parse(data=built[name].data, format=RDF_FORMATS[name][0])
    assert len(back) == len(graph) == built[name].counts["triples"]
    assert isomorphic(back, graph)


@pytest.mark.parametrize("name", list(RDF_FORMATS))
def test_pyoxigraph_loads_rdf_export(name, built, graph, catalog):
    import pyoxigraph

    store = pyoxigraph.Store()
    store.load(built[name].data, format=getattr(pyoxigraph.RdfFormat, RDF_FORMATS[name][1]))
    assert len(store) == len(graph)
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?x ; a <https://w3id.org/spinekg/ontology#ProcedureCode> }"
    n = int(next(iter(store.query(q)))["n"].value)
    assert n == len(catalog.codes)


def test_jsonld_uses_rdflibs_own_plugin_despite_rdflib_jsonld():
    """sssom pulls in rdflib-jsonld, which registers the same plugin names; rdflib's must win."""
    from rdflib import plugin
    from rdflib.parser import Parser
    from rdflib.serializer import Serializer

    for kind in (Parser, Serializer):
        cls = plugin.get("json-ld", kind)
        assert cls.__module__.startswith("rdflib.plugins."), cls.__module__


def test_nt_is_sorted_one_triple_per_line(built):
    lines = built["nt"].data.decode().splitlines()
    assert lines == sorted(lines)
    assert all(line.endswith(" .") for line in lines)


# ---------------------------------------------------------------- SKOS

SKOS_NS = "http://www.w3.org/2004/02/skos/core#"


@pytest.fixture(scope="module")
def skos(built):
    from rdflib import Graph

    return Graph().parse(data=built["skos"].data, format="turtle")


def test_skos_is_skos_only(skos):
    from rdflib import RDF

    predicates = set(skos.predicates())
    assert all(str(p).startswith(SKOS_NS) or p == RDF.type for p in predicates), predicates
    assert {str(o) for o in skos.objects(None, RDF.type)} == {SKOS_NS + "Concept", SKOS_NS + "ConceptScheme"}
    for name in ("notation", "prefLabel", "broader", "narrower", "inScheme", "topConceptOf", "hasTopConcept",
                 "exactMatch"):
        assert any(str(p) == SKOS_NS + name for p in predicates), name


def test_skos_holds_every_code_and_group(skos, catalog):
    from rdflib.namespace import SKOS

    notations = {str(n) for n in skos.objects(None, SKOS.notation)}
    assert set(catalog.codes) <= notations
    assert set(catalog.groups) <= notations


def test_skos_integrity_conditions(skos):
    import networkx as nx
    from rdflib import RDF
    from rdflib.namespace import SKOS

    concepts = set(skos.subjects(RDF.type, SKOS.Concept))
    schemes = set(skos.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(schemes) == 1
    scheme = next(iter(schemes))
    # S14: at most one prefLabel per language (and every concept has one)
    for c in concepts:
        langs = Counter(lit.language for lit in skos.objects(c, SKOS.prefLabel))
        assert langs and all(n == 1 for n in langs.values()), (c, langs)
        # S13: prefLabel and altLabel disjoint
        assert not set(skos.objects(c, SKOS.prefLabel)) & set(skos.objects(c, SKOS.altLabel))
        assert (c, SKOS.inScheme, scheme) in skos
    # notation unique in the scheme
    notations = Counter(str(n) for c in concepts for n in skos.objects(c, SKOS.notation))
    assert all(n == 1 for n in notations.values()), [k for k, n in notations.items() if n > 1]
    assert len(notations) == len(concepts)
    # broader/narrower are inverses and broader has no cycle
    broader = set(skos.subject_objects(SKOS.broader))
    assert broader == {(b, a) for a, b in skos.subject_objects(SKOS.narrower)}
    assert nx.is_directed_acyclic_graph(nx.DiGraph(list(broader)))
    # top concepts: exactly the concepts without broader; topConceptOf mirrors hasTopConcept
    tops = {c for c in concepts if (c, SKOS.broader, None) not in skos}
    assert tops == set(skos.subjects(SKOS.topConceptOf, scheme)) == set(skos.objects(scheme, SKOS.hasTopConcept))
    # S27/S46: exactMatch is disjoint with broader/narrower and never points inside the hierarchy wrongly
    exact = set(skos.subject_objects(SKOS.exactMatch))
    assert not exact & broader
    assert all(str(o).startswith("http://purl.bioontology.org/ontology/CPT/") for _, o in exact)


# ---------------------------------------------------------------- FHIR R4 (fhir.resources R4B models)

def _check_enums(model, path="") -> list[str]:
    """fhir.resources parses types and required elements but not code bindings: check enums too."""
    from pydantic import BaseModel

    problems = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name, None)
        if value is None:
            continue
        extra = field.json_schema_extra or {}
        allowed = extra.get("enum_values") if isinstance(extra, dict) else None
        for item in (value if isinstance(value, list) else [value]) if allowed else []:
            if item not in allowed:
                problems.append(f"{path}{name}={item!r} not in {allowed}")
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, BaseModel):
                problems += _check_enums(item, f"{path}{name}.")
    return problems


@pytest.fixture(scope="module")
def fhir_doc(built_one):
    return json.loads(built_one("fhir").data)


def test_fhir_bundle_and_every_resource_validate(fhir_doc):
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    bundle = Bundle.model_validate(fhir_doc)
    assert bundle.type == "collection"
    assert _check_enums(bundle) == []
    kinds = Counter()
    for entry in fhir_doc["entry"]:
        kind = entry["resource"]["resourceType"]
        kinds[kind] += 1
        res = get_fhir_model_class(kind).model_validate(entry["resource"])
        assert _check_enums(res) == [], res.id
        assert entry["fullUrl"] == res.url
    assert kinds["CodeSystem"] == 2 and kinds["ConceptMap"] == 2 and kinds["ValueSet"] > 1
    assert len({e["fullUrl"] for e in fhir_doc["entry"]}) == len(fhir_doc["entry"])


def test_fhir_every_resource_has_a_narrative(fhir_doc):
    """dom-6: each resource carries generated XHTML text (well-formed, in the XHTML namespace)."""
    from xml.etree import ElementTree as ET

    for entry in fhir_doc["entry"]:
        res = entry["resource"]
        assert res["text"]["status"] == "generated", res["id"]
        div = ET.fromstring(res["text"]["div"])
        assert div.tag == "{http://www.w3.org/1999/xhtml}div" and "".join(div.itertext()).strip(), res["id"]


def test_fhir_codings_name_code_systems_in_the_bundle(fhir_doc):
    """Every valueCoding.system (and every compose include / ConceptMap source) is a CodeSystem the Bundle
    holds, and every coded value is one of that CodeSystem's concepts."""
    systems = {e["resource"]["url"]: {c["code"] for c in e["resource"]["concept"]}
               for e in fhir_doc["entry"] if e["resource"]["resourceType"] == "CodeSystem"}
    seen = 0
    for entry in fhir_doc["entry"]:
        res = entry["resource"]
        for c in res.get("concept", []):
            for p in c.get("property", []):
                if "valueCoding" in p:
                    seen += 1
                    assert p["valueCoding"]["code"] in systems[p["valueCoding"]["system"]], (c["code"], p)
        for inc in res.get("compose", {}).get("include", []):
            assert inc["system"] in systems
        for g in res.get("group", []):
            assert {el["code"] for el in g["element"]} <= systems[g["source"]]
    assert seen > 0


def test_fhir_validation_is_not_vacuous(fhir_doc):
    """The checks above do reject a broken resource."""
    import copy

    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    broken = copy.deepcopy(fhir_doc)
    del broken["entry"][0]["resource"]["status"]
    with pytest.raises(ValidationError):
        Bundle.model_validate(broken)
    broken = copy.deepcopy(fhir_doc)
    broken["entry"][0]["resource"]["content"] = "everything"
    assert _check_enums(Bundle.model_validate(broken))


def test_fhir_codesystem_content(fhir_doc, catalog):
    cs = fhir_doc["entry"][0]["resource"]
    assert cs["resourceType"] == "CodeSystem"
    assert cs["url"] and cs["version"] == "0.1.0" and cs["status"] in ("draft", "active")
    assert cs["content"] == "complete" and cs["hierarchyMeaning"] in ("is-a", "grouped-by", "part-of")
    from spinekg.exports.codeset import code_set_year

    assert f"{code_set_year(catalog)} CPT code set" in cs["description"]  # which year it describes
    declared = {p["code"]: p for p in cs["property"]}
    for needed in ("parent", "child", "region", "approach", "access", "procedure", "lesionCompartment",
                   "lesionNature", "unit", "variant", "indication", "addOnTo", "minUnits", "maxUnits", "evidence",
                   "inactive", "replacedBy", "deletedIn"):
        assert needed in declared, needed
    concepts = {c["code"]: c for c in cs["concept"]}
    assert len(concepts) == len(cs["concept"]) == cs["count"]
    assert set(concepts) == set(catalog.codes) | set(catalog.groups)
    value_key = {"code": "valueCode", "Coding": "valueCoding", "boolean": "valueBoolean", "integer": "valueInteger",
                 "string": "valueString"}
    for code, c in concepts.items():
        for p in c.get("property", []):
            assert p["code"] in declared, (code, p)
            assert value_key[declared[p["code"]]["type"]] in p, (code, p)
            if p["code"] in ("parent", "child", "addOnTo", "hasAddOn", "replacedBy"):
                assert p["valueCode"] in concepts, (code, p)
    for code, rec in catalog.codes.items():
        props = concepts[code]["property"]
        assert {"code": "parent", "valueCode": rec.group} in props
        assert {"code": "child", "valueCode": code} in concepts[rec.group]["property"]
        assert sorted(p["valueCoding"]["display"] for p in props if p["code"] == "region") == sorted(rec.regions)
        assert sorted(p["valueCode"] for p in props if p["code"] == "addOnTo") == sorted(rec.add_on_to)
        assert concepts[code]["display"] == rec.label
        status = next(p["valueCode"] for p in props if p["code"] == "status")
        assert status == ("retired" if rec.status == "deleted" else "active")
        assert ({"code": "inactive", "valueBoolean": True} in props) == (rec.status == "deleted")
        if rec.deleted_in:
            assert {"code": "deletedIn", "valueInteger": int(rec.deleted_in)} in props
        evidence = getattr(rec, "evidence", None)
        assert [p["valueCode"] for p in props if p["code"] == "evidence"] == ([evidence] if evidence else [])
        assert sorted(p["valueCode"] for p in props if p["code"] == "replacedBy") == sorted(
            getattr(rec, "replaced_by", ()) or ())


def test_fhir_facet_code_system(fhir_doc, catalog):
    facets = next(e["resource"] for e in fhir_doc["entry"] if e["resource"]["url"] == "https://w3id.org/spinekg/ontology")
    concepts = {c["code"]: c for c in facets["concept"]}
    for key, values in catalog.facet_values.items():
        used = {v for r in catalog.codes.values() for v in getattr(r, key)}
        for short, local in values.items():
            if short in used:
                assert concepts[local]["display"] == short, local
    assert concepts["Lumbar"]["property"] == [{"code": "parent", "valueCode": "SpinalRegion"}]
    assert {"code": "notSelectable", "valueBoolean": True} in concepts["SpinalRegion"]["property"]


def test_fhir_value_sets_per_region_approach_procedure(fhir_doc, catalog):
    """One intensional ValueSet per facet value; expanding it (the service's $expand) gives exactly the
    codes with that value."""
    from spinekg.fhir.expand import members_of
    from spinekg.fhir.terminology import Terminology

    cs = fhir_doc["entry"][0]["resource"]
    term = Terminology([e["resource"] for e in fhir_doc["entry"]], "0.1.0")
    sets = {e["resource"]["id"]: e["resource"] for e in fhir_doc["entry"] if e["resource"]["resourceType"] == "ValueSet"}
    for key, facet in (("regions", "region"), ("approaches", "approach"), ("procedures", "procedure")):
        for value in {v for r in catalog.codes.values() for v in getattr(r, key)}:
            vs_id = f"spinekg-{facet}-{re.sub(r'[^a-z0-9]+', '-', value.lower()).strip('-')}"
            assert vs_id in sets, vs_id
            (include,) = sets[vs_id]["compose"]["include"]
            assert include["system"] == cs["url"]
            assert include["filter"] == [{"property": facet, "op": "=", "value": catalog.facet_values[key][value]}]
            got = {code for _, code in members_of(term, sets[vs_id])}
            assert got == {r.code for r in catalog.codes.values() if value in getattr(r, key)}, vs_id


def test_fhir_concept_maps_follow_the_graph(fhir_doc, graph, catalog):
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import CPT, SK

    maps = {e["resource"]["id"]: e["resource"] for e in fhir_doc["entry"] if e["resource"]["resourceType"] == "ConceptMap"}
    bioportal = next(g for g in maps["spinekg-cpt"]["group"] if g["target"] == "http://purl.bioontology.org/ontology/CPT")
    got = {(el["code"], g["target"] + "/" + t["code"]) for g in [bioportal] for el in g["element"] for t in el["target"]}
    want = {(code, str(o)) for code in catalog.codes for o in graph.objects(CPT[code], SKOS.exactMatch)
            if "bioontology" in str(o)}
    assert got == want and got
    assert all("display" not in t for el in bioportal["element"] for t in el["target"])  # no AMA text
    (uberon,) = maps["spinekg-region-uberon"]["group"]
    got = {(el["code"], t["code"]) for el in uberon["element"] for t in el["target"]}
    want = {(local, "UBERON:" + str(o).rsplit("_", 1)[1]) for local in ("Cervical", "Thoracic", "Lumbar", "Sacral")
            for o in graph.objects(SK[local], SKOS.exactMatch) if "UBERON" in str(o)}
    assert got == want and len(got) == 4


def test_fhir_descriptor_becomes_designation(graph, catalog):
    code = next(iter(catalog.codes))
    src = ExportSource(graph, with_descriptor(catalog, {code: {"descriptor": "Test descriptor text"}}), version="1")
    doc = json.loads(build(FORMATS["fhir"], src).data)
    concept = next(c for c in doc["entry"][0]["resource"]["concept"] if c["code"] == code)
    (d,) = concept["designation"]
    assert d["value"] == "Test descriptor text" and d["language"] == "en"
    # the R4 designation-use value set holds SNOMED CT 900000000000003001 and 900000000000013009
    assert (d["use"]["system"], d["use"]["code"]) == ("http://snomed.info/sct", "900000000000013009")
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(doc)


# ---------------------------------------------------------------- OMOP CDM v5.4

# From the OMOP CDM v5.4 DDL (vocabulary tables): column, type, NOT NULL
V54 = {
    "CONCEPT": [("concept_id", "integer", 1), ("concept_name", "varchar(255)", 1), ("domain_id", "varchar(20)", 1),
                ("vocabulary_id", "varchar(20)", 1), ("concept_class_id", "varchar(20)", 1),
                ("standard_concept", "varchar(1)", 0), ("concept_code", "varchar(50)", 1),
                ("valid_start_date", "date", 1), ("valid_end_date", "date", 1), ("invalid_reason", "varchar(1)", 0)],
    "CONCEPT_RELATIONSHIP": [("concept_id_1", "integer", 1), ("concept_id_2", "integer", 1),
                             ("relationship_id", "varchar(20)", 1), ("valid_start_date", "date", 1),
                             ("valid_end_date", "date", 1), ("invalid_reason", "varchar(1)", 0)],
    "CONCEPT_ANCESTOR": [("ancestor_concept_id", "integer", 1), ("descendant_concept_id", "integer", 1),
                         ("min_levels_of_separation", "integer", 1), ("max_levels_of_separation", "integer", 1)],
    "CONCEPT_SYNONYM": [("concept_id", "integer", 1), ("concept_synonym_name", "varchar(1000)", 1),
                        ("language_concept_id", "integer", 1)],
    "VOCABULARY": [("vocabulary_id", "varchar(20)", 1), ("vocabulary_name", "varchar(255)", 1),
                   ("vocabulary_reference", "varchar(255)", 0), ("vocabulary_version", "varchar(255)", 0),
                   ("vocabulary_concept_id", "integer", 1)],
    "CONCEPT_CLASS": [("concept_class_id", "varchar(20)", 1), ("concept_class_name", "varchar(255)", 1),
                      ("concept_class_concept_id", "integer", 1)],
    "DOMAIN": [("domain_id", "varchar(20)", 1), ("domain_name", "varchar(255)", 1), ("domain_concept_id", "integer", 1)],
    "RELATIONSHIP": [("relationship_id", "varchar(20)", 1), ("relationship_name", "varchar(255)", 1),
                     ("is_hierarchical", "varchar(1)", 1), ("defines_ancestry", "varchar(1)", 1),
                     ("reverse_relationship_id", "varchar(20)", 1), ("relationship_concept_id", "integer", 1)],
}
REQUIRED_TABLES = {"CONCEPT", "CONCEPT_RELATIONSHIP", "CONCEPT_ANCESTOR", "VOCABULARY", "CONCEPT_CLASS", "DOMAIN",
                   "RELATIONSHIP"}


def read_omop(files: dict[str, bytes]) -> dict[str, list[dict]]:
    out = {}
    for name, data in files.items():
        reader = csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE)
        out[name.removesuffix(".csv")] = list(reader)
        out[name.removesuffix(".csv") + ":header"] = reader.fieldnames
    return out


@pytest.fixture(scope="module")
def omop(built_one):
    return read_omop(built_one("omop").files)


def test_omop_tables_columns_and_types(omop):
    assert REQUIRED_TABLES <= {k for k in omop if ":" not in k}
    for table, columns in V54.items():
        assert omop[table + ":header"] == [c for c, _, _ in columns], table
        for i, row in enumerate(omop[table]):
            for col, typ, not_null in columns:
                v = row[col]
                where = f"{table} row {i + 2} {col}={v!r}"
                if v == "":
                    assert not not_null, where
                    continue
                if typ == "integer":
                    assert re.fullmatch(r"-?\d+", v) and -2**31 <= int(v) < 2**31, where
                elif typ == "date":
                    datetime.strptime(v, "%Y%m%d")
                else:
                    assert len(v) <= int(typ[8:-1]), where
    assert all(len(omop[t]) > 0 for t in REQUIRED_TABLES)


def test_omop_concept_ids_local_unique_and_derived_from_identity(omop, catalog):
    ids = [int(r["concept_id"]) for r in omop["CONCEPT"]]
    assert len(ids) == len(set(ids))
    assert all(2_000_000_000 <= i < 2**31 for i in ids)
    by_code = {r["concept_code"]: int(r["concept_id"]) for r in omop["CONCEPT"] if r["vocabulary_id"] == "SpineKG"}
    category_iii = [c for c in catalog.codes if not c.isdigit()]
    assert category_iii  # the Category III codes (0200T) are exported too
    for code in catalog.codes:
        if code.isdigit():  # the ids published for five-digit codes stay as they were
            assert by_code[code] == 2_000_000_000 + int(code)
        else:  # four digits and T: a block of their own above the hashed ids
            assert re.fullmatch(r"\d{4}T", code) and by_code[code] == 2_147_100_000 + int(code[:4])
    hashed = [i for c, i in by_code.items() if c not in catalog.codes]
    assert hashed and max(hashed) < 2_147_100_000 <= min(by_code[c] for c in category_iii)


def test_omop_code_ids_by_notation():
    from spinekg.exports.omop import code_concept_id

    assert code_concept_id("63304") == 2_000_063_304
    assert code_concept_id("0200T") == 2_147_100_200 and code_concept_id("9999T") == 2_147_109_999 < 2**31
    assert code_concept_id("0200X") is None and code_concept_id("6330") is None and code_concept_id("٦٣٣٠٤") is None


def test_omop_every_facet_value_is_an_attribute_concept(omop, catalog):
    """Each facet of the records (FACETS, the spine-section ones included) and the counted unit is a
    concept class; every value a code carries is a related attribute concept, named as in the records."""
    from spinekg.exports.omop import FACET_CLASSES
    from spinekg.graph.model import FACETS

    assert set(FACETS) | {"unit"} == set(FACET_CLASSES)
    names = {int(r["concept_id"]): (r["concept_class_id"], r["concept_name"]) for r in omop["CONCEPT"]}
    by_code = {r["concept_code"]: int(r["concept_id"]) for r in omop["CONCEPT"] if r["concept_class_id"].endswith("Code")}
    rels = {(int(r["concept_id_1"]), r["relationship_id"], int(r["concept_id_2"])) for r in omop["CONCEPT_RELATIONSHIP"]}
    got, expected = set(), set()
    for a, rel, b in rels:
        if a in by_code.values() and names[b][0] in {v[0] for v in FACET_CLASSES.values()}:
            got.add((a, rel, names[b]))
    for code, rec in catalog.codes.items():
        for key, (cls, _, _, rel, _) in FACET_CLASSES.items():
            for value in ((rec.unit,) if rec.unit else ()) if key == "unit" else getattr(rec, key):
                expected.add((by_code[code], rel, (cls, value)))
    assert got == expected
    assert (by_code["64493"], "SKG has imaging", ("SKG Imaging Guidance", "fluoroscopy or CT")) in got
    assert any(rel == "SKG has dev action" for _, rel, _ in got) and any(rel == "SKG has device" for _, rel, _ in got)


def test_omop_ids_do_not_shift_when_codes_are_left_out(omop, graph, catalog):
    """Ids come from identity, not enumeration order: a subset gets the same ids for the same concepts."""
    few = [c for c in catalog.codes if c.startswith("633")]
    sub = read_omop(build(FORMATS["omop"], ExportSource(graph, catalog, few, version="0.1.0")).files)
    full = {(r["concept_class_id"], r["concept_code"], r["concept_name"]): r["concept_id"] for r in omop["CONCEPT"]}
    part = {(r["concept_class_id"], r["concept_code"], r["concept_name"]): r["concept_id"] for r in sub["CONCEPT"]}
    assert part and all(full[k] == v for k, v in part.items())
    assert {r["concept_code"] for r in sub["CONCEPT"] if r["concept_class_id"].endswith("Code")} == set(few)


def test_omop_referential_integrity(omop):
    """Every official v5.4 foreign key of the vocabulary tables holds within the export alone
    (tests/test_omop_load.py proves it again in PostgreSQL and DuckDB)."""
    concept_ids = {r["concept_id"] for r in omop["CONCEPT"]}
    rel_ids = {r["relationship_id"] for r in omop["RELATIONSHIP"]}
    classes = {r["concept_class_id"] for r in omop["CONCEPT_CLASS"]}
    vocabularies = {r["vocabulary_id"] for r in omop["VOCABULARY"]}
    domains = {r["domain_id"] for r in omop["DOMAIN"]}
    for r in omop["CONCEPT"]:
        assert r["vocabulary_id"] in vocabularies and r["concept_class_id"] in classes and r["domain_id"] in domains, r
    for r in omop["CONCEPT_RELATIONSHIP"]:
        assert r["concept_id_1"] in concept_ids and r["concept_id_2"] in concept_ids
        assert r["relationship_id"] in rel_ids
    for r in omop["CONCEPT_ANCESTOR"]:
        assert r["ancestor_concept_id"] in concept_ids and r["descendant_concept_id"] in concept_ids
    for r in omop["CONCEPT_SYNONYM"]:
        assert r["concept_id"] in concept_ids and r["language_concept_id"] in concept_ids
    for table, column in (("VOCABULARY", "vocabulary_concept_id"), ("CONCEPT_CLASS", "concept_class_concept_id"),
                          ("DOMAIN", "domain_concept_id"), ("RELATIONSHIP", "relationship_concept_id")):
        for r in omop[table]:
            assert r[column] in concept_ids, (table, r)
    for table, key in (("CONCEPT", "concept_id"), ("VOCABULARY", "vocabulary_id"), ("DOMAIN", "domain_id"),
                       ("CONCEPT_CLASS", "concept_class_id"), ("RELATIONSHIP", "relationship_id")):
        keys = [r[key] for r in omop[table]]
        assert len(keys) == len(set(keys)), table


def test_omop_standard_concepts_map_to_themselves(omop):
    """The standard ETL join (source concept -'Maps to'-> standard concept) finds every code."""
    rows = {(r["concept_id_1"], r["concept_id_2"], r["relationship_id"]) for r in omop["CONCEPT_RELATIONSHIP"]
            if not r["invalid_reason"]}
    standard = {r["concept_id"] for r in omop["CONCEPT"] if r["standard_concept"] == "S"}
    assert standard
    for cid in standard:
        assert (cid, cid, "Maps to") in rows and (cid, cid, "Mapped from") in rows
    assert {a for a, b, rel in rows if rel == "Maps to" and a == b} == standard
    maps_to = next(r for r in omop["RELATIONSHIP"] if r["relationship_id"] == "Maps to")
    assert maps_to["reverse_relationship_id"] == "Mapped from"


def test_omop_deleted_codes_are_ended_and_marked(graph, catalog):
    deleted = [c for c, r in catalog.codes.items() if r.status == "deleted"]
    assert deleted
    # one deleted code replaced by an active one (CodeRecord.replaced_by, from the evidence branch;
    # before it lands only 'D' is checked)
    active = next(c for c, r in catalog.codes.items() if r.status == "active")
    changes = {deleted[0]: {"replaced_by": (active,)}} if hasattr(catalog.codes[deleted[0]], "replaced_by") else {}
    omop = read_omop(build(FORMATS["omop"], ExportSource(graph, with_descriptor(catalog, changes), version="1")).files)
    concept = {r["concept_code"]: r for r in omop["CONCEPT"] if r["vocabulary_id"] == "SpineKG"}
    by_id = {r["concept_id"]: r for r in omop["CONCEPT"]}
    for code in deleted:
        rec, row = catalog.codes[code], concept[code]
        replacements = changes.get(code, {}).get("replaced_by") or getattr(rec, "replaced_by", ())
        replaced = bool(replacements)
        assert row["invalid_reason"] == ("U" if replaced else "D") and row["standard_concept"] == ""
        for r in omop["CONCEPT_RELATIONSHIP"]:
            if row["concept_id"] not in (r["concept_id_1"], r["concept_id_2"]):
                continue
            if r["relationship_id"] in ("Concept replaced by", "Concept replaces", "Maps to", "Mapped from"):
                assert replaced and not r["invalid_reason"], r
                continue
            assert r["invalid_reason"] == "D" and r["valid_end_date"] == row["valid_end_date"] != "20991231", r
        if replaced:
            new = concept[replacements[0]]["concept_id"]
            rels = {(r["concept_id_1"], r["concept_id_2"], r["relationship_id"]) for r in omop["CONCEPT_RELATIONSHIP"]}
            assert {(row["concept_id"], new, "Concept replaced by"), (row["concept_id"], new, "Maps to"),
                    (new, row["concept_id"], "Concept replaces")} <= rels
    assert all(by_id[r["concept_id_1"]]["invalid_reason"] == "" and by_id[r["concept_id_2"]]["invalid_reason"] == ""
               for r in omop["CONCEPT_RELATIONSHIP"] if not r["invalid_reason"]
               and r["relationship_id"] not in ("Concept replaced by", "Concept replaces", "Maps to", "Mapped from"))


def test_omop_vocabulary_says_which_year(omop, catalog):
    from spinekg.exports.codeset import code_set_year

    (row,) = [r for r in omop["VOCABULARY"] if r["vocabulary_id"] == "SpineKG"]
    assert f"{code_set_year(catalog)} CPT code set" in row["vocabulary_version"]


def test_omop_synonyms_are_neutralised_and_have_a_language(graph, catalog):
    code = next(iter(catalog.codes))
    src = ExportSource(graph, with_descriptor(catalog, {code: {"descriptor": "=HYPERLINK(\"x\")"}}), version="1")
    omop = read_omop(build(FORMATS["omop"], src).files)
    (syn,) = omop["CONCEPT_SYNONYM"]
    assert syn["concept_synonym_name"] == "'=HYPERLINK(\"x\")"
    language = next(r for r in omop["CONCEPT"] if r["concept_id"] == syn["language_concept_id"])
    assert language["concept_name"].startswith("English")


def test_omop_every_relationship_has_its_reverse(omop):
    reverse = {r["relationship_id"]: r["reverse_relationship_id"] for r in omop["RELATIONSHIP"]}
    assert all(reverse[reverse[k]] == k for k in reverse)
    rows = {(r["concept_id_1"], r["concept_id_2"], r["relationship_id"]) for r in omop["CONCEPT_RELATIONSHIP"]}
    missing = [(a, b, rel) for a, b, rel in rows if (b, a, reverse[rel]) not in rows]
    assert not missing, missing[:5]


def test_omop_ancestors_match_the_group_hierarchy(omop, catalog):
    cid = {}
    for r in omop["CONCEPT"]:
        if r["vocabulary_id"] == "SpineKG":
            cid[r["concept_code"]] = int(r["concept_id"])
    expected = set()
    standard = {int(r["concept_id"]) for r in omop["CONCEPT"] if r["standard_concept"] in ("S", "C")}
    for s in standard:
        expected.add((s, s, 0, 0))
    for code, rec in catalog.codes.items():
        if cid[code] not in standard:
            continue
        g, depth = rec.group, 1
        while g:
            expected.add((cid[g], cid[code], depth, depth))
            g, depth = catalog.groups[g].get("parent"), depth + 1
    for grp, info in catalog.groups.items():
        g, depth = info.get("parent"), 1
        while g:
            expected.add((cid[g], cid[grp], depth, depth))
            g, depth = catalog.groups[g].get("parent"), depth + 1
    got = {(int(r["ancestor_concept_id"]), int(r["descendant_concept_id"]), int(r["min_levels_of_separation"]),
            int(r["max_levels_of_separation"])) for r in omop["CONCEPT_ANCESTOR"]}
    assert got == expected


def test_omop_concepts_match_catalog(omop, catalog):
    codes = {r["concept_code"]: r for r in omop["CONCEPT"] if r["concept_class_id"] in ("SKG Primary Code", "SKG Add-on Code")}
    assert set(codes) == set(catalog.codes)
    for code, rec in catalog.codes.items():
        row = codes[code]
        assert row["concept_name"] == rec.label[:255] and row["domain_id"] == "Procedure"
        assert (row["invalid_reason"] in ("D", "U")) == (rec.status == "deleted")
        assert row["standard_concept"] == ("" if rec.status == "deleted" else "S")
        if rec.status == "deleted" and rec.deleted_in:  # valid until the end of the year before deletion
            assert row["valid_end_date"] == f"{int(rec.deleted_in) - 1}1231"
        else:
            assert row["valid_end_date"] == "20991231"
        assert row["valid_start_date"] == (f"{rec.added_in}0101" if rec.added_in else "19700101")


# ---------------------------------------------------------------- SSSOM

@pytest.fixture(scope="module")
def sssom_file(built_one, tmp_path_factory):
    path = tmp_path_factory.mktemp("sssom") / "spinekg.sssom.tsv"
    path.write_bytes(built_one("sssom").data)
    return path


def test_sssom_py_parses_and_validates(sssom_file, caplog):
    from sssom.constants import SchemaValidationType as V
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    with caplog.at_level(logging.WARNING):
        msdf = parse_sssom_table(sssom_file)
    # no redefined built-in prefix, no non-standard metadata (what strict mode means; strict=True
    # itself is unusable in sssom 0.4.21: it inverts the metadata check and rejects valid files)
    assert not [r for r in caplog.records if "prefix" in r.getMessage().lower() or "metadata" in r.getMessage().lower()]
    reports = validate(msdf, [V.JsonSchema, V.PrefixMapCompleteness, V.StrictCurieFormat], fail_on_error=True)
    assert all(not rep.results for rep in reports.values())
    assert msdf.metadata["license"].startswith("https://")
    assert set(msdf.df["mapping_justification"]) == {"semapv:ManualMappingCuration"}


def test_sssom_validation_is_not_vacuous(sssom_file, tmp_path):
    from sssom.constants import SchemaValidationType as V
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    bad = tmp_path / "bad.sssom.tsv"
    bad.write_text(sssom_file.read_text().replace("semapv:ManualMappingCuration", "semapv:GutFeeling"))
    with pytest.raises(Exception):
        validate(parse_sssom_table(bad), [V.JsonSchema], fail_on_error=True)


def test_sssom_mappings_match_the_graph(sssom_file, graph, catalog):
    from rdflib import RDF
    from rdflib.namespace import SKOS
    from sssom.parsers import parse_sssom_table

    from spinekg.ontology.namespaces import SK

    df = parse_sssom_table(sssom_file).df
    assert "object_label" not in df.columns  # BioPortal's label of a CPT code is the AMA descriptor
    pairs = set(zip(df["subject_id"], df["object_id"]))
    for region in graph.subjects(RDF.type, SK.SpinalRegion):
        for target in graph.objects(region, SKOS.exactMatch):
            local, uberon = str(region).rsplit("#", 1)[1], str(target).rsplit("_", 1)[1]
            assert (f"sk:{local}", f"UBERON:{uberon}") in pairs
            assert re.fullmatch(r"\d{7}", uberon)
    for code in catalog.codes:
        assert (f"cpt:{code}", f"bioportal.cpt:{code}") in pairs
    assert set(df["predicate_id"]) == {"skos:exactMatch"}


# ---------------------------------------------------------------- GraphML, GEXF, Cytoscape.js

def _signature(G):
    nodes = {str(n): {k: v for k, v in d.items() if k in ("kind", "label", "iri", "code")} for n, d in G.nodes(data=True)}
    edges = Counter((str(u), str(v), d.get("relation")) for u, v, d in G.edges(data=True))
    return nodes, edges


READERS = {
    "graphml": lambda b: __import__("networkx").read_graphml(io.BytesIO(b), force_multigraph=True),
    "gexf": lambda b: __import__("networkx").read_gexf(io.BytesIO(b)),
    "cytoscape": lambda b: __import__("networkx").cytoscape_graph(json.loads(b)),
}


@pytest.mark.parametrize("name", list(READERS))
def test_networkx_reads_network_exports_back(name, built_one, source):
    G = source.network()
    back = READERS[name](built_one(name).data)
    assert back.is_directed()
    assert _signature(back) == _signature(G)
    assert built_one(name).counts == {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()}


def test_network_exports_carry_every_facet_of_the_records(built_one, catalog):
    """GraphML edges for each facet value a record names, the spine section's included (64495 -imaging->
    fluoroscopy or CT), so a graph tool sees the same facets as `spinekg show`."""
    G = READERS["graphml"](built_one("graphml").data)
    kind_of = {"regions": "region", "approaches": "approach", "procedures": "procedure",
               "lesion_compartments": "lesion compartment", "lesion_natures": "lesion nature",
               "variants": "variant", "indications": "indication", "imaging": "imaging", "agents": "agent",
               "delivery": "delivery", "devices": "device", "device_actions": "device action"}
    edges = {(str(u), str(v)) for u, v in G.edges()}
    for code, rec in catalog.codes.items():
        for key, kind in kind_of.items():
            for value in getattr(rec, key):
                assert (code, f"{kind}:{value}") in edges, (code, key, value)
    assert G.nodes["imaging:fluoroscopy or CT"]["kind"] == "imaging"
    assert ("62362", "device action:insertion") in edges and ("62362", "device:programmable pump") in edges


def test_network_edge_ids_are_unique(built_one):
    ids = re.findall(rb'<edge [^>]*id="([^"]+)"', built_one("gexf").data)
    assert ids and len(ids) == len(set(ids))
    doc = json.loads(built_one("cytoscape").data)
    edge_ids = [e["data"]["id"] for e in doc["elements"]["edges"]]
    assert len(edge_ids) == len(set(edge_ids))
    assert b"lastmodifieddate" not in built_one("gexf").data


def test_cytoscape_data_is_an_object(built_one):
    """cytoscape.js reads the top-level `data` (and each element's) as an object; networkx's own
    list of pairs loses the name and version."""
    doc = json.loads(built_one("cytoscape").data)
    assert doc["data"] == {"name": "spinekg", "version": "0.1.0"}
    assert all(isinstance(e["data"], dict) for kind in ("nodes", "edges") for e in doc["elements"][kind])


# ---------------------------------------------------------------- CSV

def test_csv_one_row_per_code(built, catalog):
    rows = list(csv.DictReader(io.StringIO(built["csv"].data.decode("utf-8"))))
    assert [r["code"] for r in rows] == list(catalog.codes)
    for row in rows:
        rec = catalog.codes[row["code"]]
        assert row["regions"] == "|".join(rec.regions)
        assert row["add_on_to"] == "|".join(rec.add_on_to)
        assert row["kind"] == rec.kind and row["group"] == rec.group
        assert row["iri"] == f"https://w3id.org/spinekg/cpt/{rec.code}"


def test_csv_neutralises_formula_cells_and_carries_descriptors(graph, catalog):
    a, b, c = list(catalog.codes)[:3]
    cat = with_descriptor(catalog, {a: {"label": "=HYPERLINK(\"x\")"}, b: {"descriptor": "@SUM(A1)"},
                                    c: {"descriptor": "-2+3", "label": "+1"}})
    out = build(FORMATS["csv"], ExportSource(graph, cat, [a, b, c], version="1"))
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(out.data.decode("utf-8")))}
    assert rows[a]["label"] == "'=HYPERLINK(\"x\")"
    assert rows[b]["descriptor"] == "'@SUM(A1)"
    assert rows[c]["descriptor"] == "'-2+3" and rows[c]["label"] == "'+1"
    for row in rows.values():
        assert all(v[:1] not in "=+-@" or v == "" for v in row.values())


# ---------------------------------------------------------------- descriptors and subsets

def test_descriptor_appears_in_skos_and_omop(graph, catalog):
    from rdflib import Graph, Literal
    from rdflib.namespace import SKOS

    code = [c for c in catalog.codes if c.isdigit()][5]
    src = ExportSource(graph, with_descriptor(catalog, {code: {"descriptor": "Licensed text"}}), version="1")
    g = Graph().parse(data=build(FORMATS["skos"], src).data, format="turtle")
    node = next(g.subjects(SKOS.notation, Literal(code)))
    assert Literal("Licensed text", lang="en") in set(g.objects(node, SKOS.definition))
    syn = read_omop(build(FORMATS["omop"], src).files)["CONCEPT_SYNONYM"]
    assert [(r["concept_id"], r["concept_synonym_name"]) for r in syn] == [(str(2_000_000_000 + int(code)), "Licensed text")]


def test_subset_exports_hold_only_the_selected_codes(graph, catalog):
    from rdflib import RDF, Graph
    from rdflib.namespace import SKOS

    from spinekg.graph.select import filter_codes
    from spinekg.ontology.namespaces import SK

    picked = [r.code for r in filter_codes(catalog, region=["cervical"], procedure=["corpectomy"])]
    assert picked
    src = ExportSource(graph, catalog, picked, version="1")
    g = Graph().parse(data=build(FORMATS["turtle"], src).data, format="turtle")
    assert sorted(str(g.value(c, SKOS.notation)) for c in g.subjects(RDF.type, SK.ProcedureCode)) == sorted(picked)
    groups = {str(g.value(c, SKOS.notation)) for c in g.subjects(RDF.type, SK.CodeGroup)}
    needed = set()
    for code in picked:
        grp = catalog.codes[code].group
        while grp:
            needed.add(grp)
            grp = catalog.groups[grp].get("parent")
    assert groups == needed
    assert (None, RDF.type, SK.SpinalRegion) in g  # the ontology stays whole
    cs = json.loads(build(FORMATS["fhir"], src).data)["entry"][0]["resource"]
    assert cs["content"] == "fragment"
    assert {c["code"] for c in cs["concept"]} == set(picked) | needed
    rows = list(csv.DictReader(io.StringIO(build(FORMATS["csv"], src).data.decode())))
    assert [r["code"] for r in rows] == sorted(picked)
    G = READERS["graphml"](build(FORMATS["graphml"], src).data)
    assert {n for n, k in G.nodes(data="kind") if k in ("primary", "add-on")} == set(picked)


def test_export_unit_codes_are_the_ontology_names(graph, fhir_doc, omop):
    """FHIR and OMOP name each counted unit by its ontology local name (read from the graph, since
    not every unit's name follows one spelling rule from its short name)."""
    from rdflib import RDF
    from rdflib.namespace import SKOS

    from spinekg.ontology.namespaces import SK

    units = {str(graph.value(u, SKOS.prefLabel)): str(u).rsplit("#", 1)[1]
             for u in graph.subjects(RDF.type, SK.CountedUnit)}
    used = {r.unit for r in ExportSource(graph).records() if r.unit}
    assert units and used <= set(units)
    facets = next(e["resource"] for e in fhir_doc["entry"] if e["resource"]["id"] == "spinekg-facets")
    fhir_units = {c["display"]: c["code"] for c in facets["concept"]
                  if {"code": "parent", "valueCode": "CountedUnit"} in c.get("property", [])}
    assert fhir_units == {short: units[short] for short in used}
    omop_units = {r["concept_name"]: r["concept_code"] for r in omop["CONCEPT"] if r["concept_class_id"] == "SKG Counted Unit"}
    assert omop_units == {short: units[short] for short in used}
