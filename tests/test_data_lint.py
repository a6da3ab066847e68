"""Lint the curated data itself: one sub-test per code, messages that say what to fix."""
import re

import pytest
from rdflib import RDF, Graph
from rdflib.namespace import SKOS

from spinekg.graph.load import data_files
from spinekg.ontology.namespaces import BIOPORTAL_CPT, SK

FACET_PROPS = {"region": "SpinalRegion", "approach": "SurgicalApproach", "procedure": "ProcedureType",
               "lesionCompartment": "LesionCompartment", "lesionNature": "LesionNature", "unit": "CountedUnit",
               "variant": "TechniqueVariant", "indication": "Indication", "status": "CodeStatus"}
# Add-ons that the code set itself names as another add-on's primary: 63053 is reported with 63052, and the
# instrumentation, device and bone-graft add-ons name 22634 in their lists. Nothing else may be.
INSTRUMENT_AND_GRAFT_ADDONS = ("20930", "20931", "20936", "20937", "20938", "20939", "22840", "22841", "22842",
                               "22843", "22844", "22845", "22846", "22847", "22848", "22853", "22854", "22859")
ADDON_AS_PRIMARY = {("63053", "63052")} | {(a, "22634") for a in (*INSTRUMENT_AND_GRAFT_ADDONS, "22851")}


@pytest.fixture(scope="module")
def curated():
    """The curated files alone, without anything the loader materialises."""
    g = Graph()
    for path in data_files():
        g.parse(path, format="turtle")
    return g


def code_nodes():
    g = Graph()
    for path in data_files():
        g.parse(path, format="turtle")
    return sorted(str(g.value(s, SKOS.notation)) for s in
                  set(g.subjects(RDF.type, SK.PrimaryCode)) | set(g.subjects(RDF.type, SK.AddOnCode)))


CODES = code_nodes()


def node(curated, code):
    return next(curated.subjects(SKOS.notation, __import__("rdflib").Literal(code)))


def test_data_has_all_codes_of_the_first_range():
    assert len([c for c in CODES if "63001" <= c <= "63308"]) >= 85


@pytest.mark.parametrize("code", CODES)
def test_code_record(curated, graph, catalog, code):
    s = node(curated, code)
    assert re.fullmatch(r"[0-9]{5}", code), f"{code}: notation must be five digits"
    kinds = [k for k in (SK.PrimaryCode, SK.AddOnCode) if (s, RDF.type, k) in curated]
    assert len(kinds) == 1, f"{code}: must be typed exactly one of sk:PrimaryCode / sk:AddOnCode"
    assert str(s).endswith("/" + code), f"{code}: IRI must end in its notation"
    assert (s, SKOS.exactMatch, BIOPORTAL_CPT[code]) in curated, f"{code}: add skos:exactMatch <{BIOPORTAL_CPT[code]}>"
    for prop, cls in FACET_PROPS.items():
        for value in curated.objects(s, SK[prop]):
            assert (value, RDF.type, SK[cls]) in graph, f"{code}: sk:{prop} value {value} is not a declared sk:{cls}"
    rec = catalog[code]
    assert rec.label == rec.composed_label(), f"{code}: label is stale; run `python -m spinekg.graph.curate`"
    if rec.kind == "add-on":
        assert rec.add_on_to, f"{code}: an add-on needs at least one sk:addOnTo primary"
        assert code not in rec.add_on_to, f"{code}: an add-on cannot be its own primary"
        for primary in rec.add_on_to:
            assert primary in catalog, f"{code}: primary {primary} is not in the graph"
            if catalog[primary].kind == "add-on":
                assert (code, primary) in ADDON_AS_PRIMARY, f"{code}: primary {primary} is itself an add-on"
    else:
        assert not rec.add_on_to, f"{code}: a primary has no sk:addOnTo"
        assert not rec.each_additional_unit, f"{code}: sk:eachAdditionalUnit is for add-ons"
    if rec.min_units is not None or rec.each_additional_unit:
        assert rec.unit, f"{code}: counted codes need an sk:unit"
    group = catalog.groups[rec.group]
    first, last = rec.group.split("-")
    assert first <= code <= last, f"{code}: outside its group's range {rec.group}"
    assert group["label"], f"{code}: group {rec.group} has no label"


def test_labels_unique(catalog):
    seen = {}
    for rec in catalog.codes.values():
        assert rec.label not in seen, f"{rec.code} and {seen.get(rec.label)} share the label {rec.label!r}"
        seen[rec.label] = rec.code


def test_groups_nest_within_parents(catalog):
    for notation, group in catalog.groups.items():
        parent = group["parent"]
        if parent:
            lo, hi = notation.split("-")
            plo, phi = parent.split("-")
            assert plo <= lo and hi <= phi, f"group {notation} lies outside its parent {parent}"


def test_each_code_file_holds_only_its_range():
    for path in data_files():
        m = re.fullmatch(r"codes-(\d{5})-(\d{5})\.ttl", path.name)
        if not m:
            continue
        g = Graph().parse(path, format="turtle")
        for code in g.objects(None, SKOS.notation):
            assert m[1] <= str(code) <= m[2], f"{path.name}: {code} belongs in another file"


def test_files_are_canonical():
    from spinekg.graph.curate import canonicalise, facet_names

    names = facet_names()
    for path in data_files():
        assert path.read_text(encoding="utf-8") == canonicalise(path, names), \
            f"{path.name} is not canonical: run `python -m spinekg.graph.curate`"


def test_no_descriptor_text_committed():
    """Labels are composed; official descriptor phrasing must not creep in, not even as a URL slug."""
    for path in data_files():
        text = path.read_text(encoding="utf-8").lower()
        spaced = re.sub(r"[-_/]+", " ", text)  # URL slugs spell descriptors with hyphens
        for phrase in ("list separately in addition", "(eg,", "vertebral body resection), partial or complete",
                       "vertebral body resection partial or complete", "andor nerve roots",
                       "in addition to code for primary procedure"):
            assert phrase not in text and phrase not in spaced, f"{path.name} contains descriptor-like text {phrase!r}"


# Facts from the definition of done and the official definitions, spot-checked.
@pytest.mark.parametrize("code,kind,regions,approaches,procedure,compartments", [
    ("63304", "primary", ["cervical"], ["anterior"], "corpectomy", ["intradural"]),
    ("63300", "primary", ["cervical"], ["anterior"], "corpectomy", ["extradural"]),
    ("63307", "primary", ["lumbar", "sacral"], ["retroperitoneal", "transperitoneal"], "corpectomy", ["intradural"]),
    ("63102", "primary", ["lumbar"], ["lateral extracavitary"], "corpectomy", []),
    ("63103", "add-on", ["thoracic", "lumbar"], ["lateral extracavitary"], "corpectomy", []),
    ("63271", "primary", ["thoracic"], ["posterior"], "laminectomy", ["intradural"]),
    ("63287", "primary", ["thoracic", "lumbar"], ["posterior"], "laminectomy", ["intramedullary"]),
    ("63056", "primary", ["lumbar"], ["lateral extraforaminal", "transfacet", "transpedicular"], "decompression", []),
])
def test_known_facts(catalog, code, kind, regions, approaches, procedure, compartments):
    rec = catalog[code]
    assert rec.kind == kind
    assert list(rec.regions) == regions
    assert list(rec.approaches) == approaches
    assert procedure in rec.procedures
    assert list(rec.lesion_compartments) == compartments


def test_known_addon_relations(catalog):
    assert catalog["63308"].add_on_to == tuple(f"6330{i}" for i in range(8))
    assert catalog["63103"].add_on_to == ("63101", "63102")
    assert catalog["63048"].add_on_to == ("63045", "63046", "63047")
    assert catalog["63035"].add_on_to == ("63020", "63030")
    assert catalog["63052"].add_on_to == ("22630", "22633")
    assert "63308" in catalog["63304"].add_ons


def test_second_range_and_grafts(catalog):
    """The 22xxx spine codes and 2093x graft add-ons, with cross-range add-on relations."""
    assert len([c for c in catalog.codes if "22010" <= c <= "22899"]) >= 100
    assert {"20930", "20931", "20936", "20937", "20938", "20939"} <= set(catalog.codes)
    assert catalog["22853"].kind == "add-on" and "22633" in catalog["22853"].add_on_to
    assert {"63081", "63300", "22551", "22612"} <= set(catalog["22840"].add_on_to)
    assert catalog["22614"].add_on_to == ("22600", "22610", "22612", "22630", "22633")
    assert "22634" in catalog["20930"].add_on_to and "63081" not in catalog["20930"].add_on_to
    assert catalog["22513"].access == ("percutaneous",) and catalog["22513"].procedures == ("vertebral augmentation",)
    assert catalog["22520"].status == "deleted" and catalog["22520"].deleted_in == 2015
    assert "22554" in catalog["63081"].reported_with and "20930" in catalog["63081"].reported_with


def test_reported_with_links_carry_sources(graph):
    from rdflib import RDF
    from rdflib.namespace import DCTERMS

    links = set(graph.subject_objects(SK.reportedWith))
    assert links
    stated = {(graph.value(st, RDF.subject), graph.value(st, RDF.object))
              for st in graph.subjects(RDF.predicate, SK.reportedWith) if graph.value(st, DCTERMS.source)}
    assert links == stated, "every sk:reportedWith link needs a reified statement with dcterms:source"


PER_UNIT = {"22851": "vertebral defect or interspace", "22853": "interspace", "22854": "contiguous defect",
            "22859": "contiguous defect"}


def test_per_unit_addons(catalog):
    """Public pages say 'each interspace' / 'each contiguous defect': counted from the first unit."""
    for code, unit in PER_UNIT.items():
        rec = catalog[code]
        assert rec.counting == "per-unit" and not rec.each_additional_unit and rec.unit == unit, code
    assert {c for c, r in catalog.codes.items() if r.counting == "per-unit"} == set(PER_UNIT)


@pytest.mark.parametrize("code", CODES)
def test_counting_and_label_agree(catalog, code):
    rec = catalog[code]
    assert rec.counting in (None, "per-unit", "per-additional"), code
    assert rec.each_additional_unit == (rec.counting == "per-additional"), f"{code}: old flag out of step"
    if rec.counting == "per-unit":
        assert "each additional" not in rec.label, f"{code}: per-unit code labelled 'each additional'"
    if rec.counting == "per-additional":
        assert f"each additional {rec.unit}" in rec.label, code
    if "second level" in rec.variants:
        assert not re.search(r"\b1 (level|interspace)", rec.label), f"{code}: 'second level' and a count"


@pytest.mark.parametrize("code", CODES)
def test_evidence_and_sources(catalog, code):
    rec = catalog[code]
    assert rec.evidence in ("confirmed", "inferred", "unconfirmed"), f"{code}: add sk:evidence"
    if rec.evidence == "inferred":
        assert rec.inferred_from, f"{code}: say which sibling it was inferred from (sk:inferredFrom)"
        for sib in rec.inferred_from:
            assert catalog[sib].group == rec.group and catalog[sib].evidence != "inferred", \
                f"{code}: inferred from {sib}, which must be a code of the same group that is not itself inferred"
    else:
        assert rec.sources, f"{code}: add its public sources (dcterms:source)"
    if rec.evidence != "confirmed":
        assert rec.note, f"{code}: the editorial note explains what is not confirmed"
    for rel, entries in rec.link_evidence.items():
        for other, e in entries.items():
            assert e["evidence"] != rec.evidence, f"{code}: link evidence stated where it does not differ"
            if e["evidence"] == "inferred":
                assert e["inferred_from"], f"{code} -> {other}: an inferred link names its sibling"
    for url in rec.sources + rec.history_sources:
        assert url.startswith(("http://", "https://")), f"{code}: source {url} is not a URL"


def test_evidence_notes_are_explanations_only(catalog):
    """Every free-text note that says something is unconfirmed sits on a code whose data says so too."""
    for rec in catalog.codes.values():
        if rec.note and re.search(r"not (yet )?confirmed|no public page", rec.note, re.I):
            open_links = any(e["evidence"] != "confirmed" for entries in rec.link_evidence.values()
                             for e in entries.values())
            assert rec.evidence != "confirmed" or open_links, f"{rec.code}: the note says unconfirmed, the data does not"


@pytest.mark.parametrize("code", CODES)
def test_history(catalog, code):
    rec = catalog[code]
    if rec.status == "deleted":
        assert rec.deleted_in, f"{code}: a deleted code needs sk:deletedIn"
    else:
        assert rec.deleted_in is None and not rec.replaced_by, f"{code}: an active code has no deletion"
    if rec.added_in and rec.deleted_in:
        assert rec.added_in < rec.deleted_in, code
    for new in rec.replaced_by:
        assert new in catalog and catalog[new].status == "active", f"{code}: replacement {new} must be in the graph"
        assert catalog[new].added_in is None or catalog[new].added_in <= rec.deleted_in, \
            f"{code}: replacement {new} came after the deletion"


def test_known_history(catalog):
    assert catalog["22851"].status == "deleted" and catalog["22851"].deleted_in == 2017
    assert catalog["22851"].replaced_by == ("22853", "22854", "22859")
    assert [catalog[c].replaced_by for c in ("22520", "22521", "22522")] == [("22510",), ("22511",), ("22512",)]
    assert catalog["22305"].deleted_in == 2017 and catalog["22305"].replaced_by == ()
    assert {c: catalog[c].added_in for c in ("22010", "22523", "22853", "22836")} == \
        {"22010": 2006, "22523": 2006, "22853": 2017, "22836": 2024}


def test_years_are_integers_not_gyear(curated):
    from rdflib import XSD

    for prop in (SK.addedIn, SK.deletedIn):
        for s, o in curated.subject_objects(prop):
            assert o.datatype == XSD.integer, f"{s}: {prop} must be xsd:integer (OWL 2 DL has no xsd:gYear)"


def test_no_rdf_statement_typing(graph):
    from rdflib import RDF

    assert not list(graph.subjects(RDF.type, RDF.Statement)), "type reified links sk:LinkStatement"


def test_link_statements_state_links_that_exist(graph):
    from rdflib import RDF

    for st in graph.subjects(RDF.type, SK.LinkStatement):
        triple = (graph.value(st, RDF.subject), graph.value(st, RDF.predicate), graph.value(st, RDF.object))
        assert triple in graph, f"{st}: states {triple}, which is not in the graph"


def test_dated_range_links_point_only_at_codes_of_that_year(graph, catalog):
    """A link expanded from a range of a dated source names exactly the codes that range held that year
    (63081 -> 22851, never -> 22853/22854, which came in 2017)."""
    from rdflib import RDF
    from rdflib.namespace import DCTERMS

    from spinekg.graph.select import in_code_set

    def notation(n):
        return str(graph.value(n, SKOS.notation))

    dated = list(graph.subjects(DCTERMS.date, None))
    assert dated
    expanded: dict = {}
    for st in dated:
        year = int(graph.value(st, DCTERMS.date))
        s, o = notation(graph.value(st, RDF.subject)), notation(graph.value(st, RDF.object))
        for code in (s, o):
            assert in_code_set(catalog[code], year), f"{st}: {code} was not a code in {year}, the source's year"
        rng = graph.value(st, SK.sourceRange)
        if rng is not None:
            lo, hi = str(rng).split("-")
            assert lo <= o <= hi, f"{st}: {o} lies outside the source's range {rng}"
            expanded.setdefault((s, str(rng), year, str(graph.value(st, DCTERMS.source))), set()).add(o)
    for (s, rng, year, src), got in expanded.items():
        lo, hi = rng.split("-")
        held = {c for c, r in catalog.codes.items() if lo <= c <= hi and in_code_set(r, year)}
        assert got == held, f"{s} with {rng} of {src} as of {year}: missing {sorted(held - got)}, extra {sorted(got - held)}"
    assert "22851" in catalog["63081"].reported_with
    assert not {"22853", "22854"} & set(catalog["63081"].reported_with)
