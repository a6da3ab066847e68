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
        assert beside[addon] == {p for p in catalog[addon].add_on_to if p in members}
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
