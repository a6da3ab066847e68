"""graph/model.FACETS is the one facet table: labels, records and compare/family read it."""
from dataclasses import fields

from spinekg.graph.labels import LabelFacts
from spinekg.graph.model import FACETS, CodeRecord, facet_name, load_catalog
from spinekg.graph.traverse import FACET_ORDER, facet_values


def test_every_facet_is_a_field_of_records_and_label_facts():
    record_fields = {f.name for f in fields(CodeRecord)}
    label_fields = {f.name for f in fields(LabelFacts)}
    assert set(FACETS) <= record_fields
    assert set(FACETS) <= label_fields


def test_facet_names_read_from_the_properties():
    assert facet_name("lesion_compartments") == "lesion compartment"
    assert facet_name("device_actions") == "device action"
    assert facet_name("regions") == "region"
    assert FACET_ORDER == ("region", "approach", "procedure", "lesion compartment", "lesion nature", "variant",
                           "indication", "access", "imaging", "agent", "delivery", "device", "device action",
                           "units", "kind")


def test_label_facts_and_facet_values_carry_each_record_facet():
    catalog = load_catalog()
    for code in ("63304", "64495", "22853", "62380"):
        rec = catalog.codes[code]
        facts = rec.label_facts()
        values = facet_values(rec)
        for key in FACETS:
            assert getattr(facts, key) == getattr(rec, key), (code, key)
            assert values[facet_name(key)] == tuple(sorted(getattr(rec, key))), (code, key)

    # the shipped labels are composed from these facts (graph/curate.py writes them)
    assert [c for c, rec in catalog.codes.items() if rec.composed_label() != rec.label] == []
