"""Family tables against the catalog: every code sits in exactly the cells its facets name."""
import pytest

from spinekg.exports.family_table import JOINED, NONE, build_table, facet, family_groups


def families():
    from spinekg.graph.model import load_catalog

    return family_groups(load_catalog())


def expected_cells(rec, table):
    key = tuple((" + " if f in JOINED else " or ").join(facet(rec, f)) or NONE for f in table["row_facets"])
    cols = (list(facet(rec, table["column_facet"])) or [NONE]) if table["column_facet"] else ["all"]
    return {(key, c) for c in cols}


def hosts(catalog, addon, members, main):
    """The main codes of the family an add-on is reported with, directly or after an in-family
    add-on it follows (64492 is reported with 64490, and after 64491, itself beside 64490)."""
    direct = {p for p in catalog[addon].add_on_to if p in members}
    out = direct & main
    for p in direct - main:
        out |= hosts(catalog, p, members, main)
    return out


@pytest.mark.parametrize("group", families())
def test_every_code_in_exactly_its_cells(catalog, group):
    t = build_table(catalog, group)
    members = [c for c in catalog.groups[group]["members"] if c in catalog.codes]
    assert sorted(t["main"] + t["attached"]) == sorted(members)
    where: dict[str, set] = {}
    beside: dict[str, set] = {}
    for row in t["rows"]:
        for col, cell in zip(t["columns"], row["cells"]):
            for entry in cell:
                where.setdefault(entry["code"], set()).add((tuple(row["key"]), col))
                for a in entry["addons"]:
                    beside.setdefault(a, set()).add(entry["code"])
    for code in t["main"]:
        assert where[code] == expected_cells(catalog[code], t), f"{group}: {code} is in the wrong cells"
    for addon in t["attached"]:  # beside each of its primaries in the family, nowhere else
        assert beside[addon] == hosts(catalog, addon, set(members), set(t["main"]))
    # the varying facets are the axes: a facet left out is the same for every code
    for name in ("region", "approach", "lesion compartment", "lesion nature", "units"):
        if name not in t["row_facets"] and name != t["column_facet"]:
            assert len({facet(catalog[c], name) for c in t["main"]}) == 1, f"{group}: {name} varies"


def test_corpectomy_table_is_approach_by_region(catalog):
    t = build_table(catalog, "63081-63091")
    assert t["column_facet"] == "region" and t["row_facets"] == ["approach"]
    assert t["columns"] == ["cervical", "thoracic", "lumbar", "sacral"]
    anterior = next(r for r in t["rows"] if r["key"] == ["anterior"])
    assert anterior["cells"][0] == [{"code": "63081", "addons": ["63082"]}]
    assert anterior["cells"][1:] == [[], [], []]  # visibly empty: no anterior thoracic code here
    assert t["empty_cells"] > 0


def test_lesion_table_rows_are_compartments(catalog):
    t = build_table(catalog, "63275-63290")
    assert t["column_facet"] == "region" and "lesion compartment" in t["row_facets"]


def test_ordinal_add_ons_sit_beside_the_primary_in_level_order(catalog):
    """Facet joint injections: 64491 covers the second level, 64492 the third and beyond; both sit
    beside 64490 (64492 is also reported with 64491), and the units say which level each covers."""
    from spinekg.exports.family_table import table_text, units

    t = build_table(catalog, "64490-64495")
    entries = {e["code"]: e["addons"] for r in t["rows"] for cell in r["cells"] for e in cell}
    assert entries == {"64490": ["64491", "64492"], "64493": ["64494", "64495"]}
    assert [units(catalog[c]) for c in ("64490", "64491", "64492")] == ["1 level", "2nd level", "3rd and further levels"]
    assert "64490+64491+64492" in table_text(t)
    assert units(catalog["62290"]) == "per level"  # discography: once for each level
