"""The SHACL shapes pass on the shipped data and catch each kind of breakage."""
from pathlib import Path

import pytest

from spinekg.graph.validate import validate

FIXTURES = Path(__file__).parent / "fixtures"
# broken fixture -> (focus node, words the violation message must contain)
BROKEN = {
    "two_kinds.ttl": ("cpt:63304", "exactly one of sk:PrimaryCode or sk:AddOnCode"),
    "addon_without_primary.ttl": ("cpt:63999", "at least one primary"),
    "bad_notation.ttl": ("cpt:6399", "five-digit"),
    "wrong_facet_class.ttl": ("cpt:63304", "sk:region values"),
    "max_below_min.ttl": ("cpt:63001", "greater than sk:maxUnits"),
    "duplicate_notation.ttl": ('"63304"', "more than one"),
    "primary_with_addon_to.ttl": ("cpt:63304", "not an add-on"),
    "undocumented_facet.ttl": ("ex:Coccygeal", "skos:prefLabel"),
    "reported_with_no_source.ttl": ("<urn:x:claim>", "dcterms:source"),
    "inferred_without_sibling.ttl": ("cpt:63304", "sk:inferredFrom"),
    "code_without_evidence.ttl": ("cpt:63998", "exactly one sk:evidence"),
    "per_unit_and_per_additional.ttl": ("cpt:22853", "cannot also be sk:eachAdditionalUnit"),
    "year_as_gyear.ttl": ("cpt:22867", "xsd:integer year"),
    "link_without_evidence.ttl": ("<urn:x:link>", "exactly one sk:evidence"),
    # spine-section shapes (ontology/spine-section-shapes.ttl)
    "ordinal_first_unit_below_two.ttl": ("cpt:22527", "integer of 2 or more"),
    "ordinal_unit_on_primary.ttl": ("cpt:64490", "only an add-on"),
    "per_unit_on_addon.ttl": ("cpt:22527", "only a primary"),
    "device_action_without_device.ttl": ("cpt:63001", "names its sk:device"),
    "last_covered_without_first.ttl": ("cpt:22527", "needs sk:firstCoveredUnit"),
    "spine_facet_wrong_class.ttl": ("cpt:64490", "sk:imaging values"),
}


def test_shipped_graph_conforms():
    assert validate() == []


def test_well_formed_extra_file_conforms():
    assert validate([FIXTURES / "extra_ok.ttl"]) == []


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_fixture_is_caught(name):
    focus, words = BROKEN[name]
    violations = validate([FIXTURES / "broken" / name])
    assert violations, f"{name} passed SHACL but should not"
    assert any(v.focus == focus and words in v.message for v in violations), \
        f"{name}: expected a violation on {focus} mentioning {words!r}; got {[str(v) for v in violations]}"


def test_every_broken_fixture_is_listed():
    assert sorted(p.name for p in (FIXTURES / "broken").glob("*.ttl")) == sorted(BROKEN)
