"""networkx traversals: neighbours, shortest chains with named steps, compare, family."""
from __future__ import annotations

import json

import pytest

from spinekg.graph import traverse as T


def test_path_names_each_step_and_is_shortest(catalog):
    import networkx as nx

    from spinekg.graph.network import load_network

    d = T.path("63304", "63081")
    U = load_network().to_undirected()
    assert d["length"] == nx.shortest_path_length(U, "63304", "63081") == len(d["steps"])
    G = load_network()
    for s in d["steps"]:
        u, v = (s["from"], s["to"]) if s["direction"] == "forward" else (s["to"], s["from"])
        rels = {e["relation"] for e in G.get_edge_data(u, v).values()}
        assert set(s["relation"].split("/")) == rels
    assert d["text"].startswith("63304 ") and d["text"].endswith(" 63081")
    assert ("→" in d["text"]) or ("←" in d["text"])


def test_path_prefers_facets_and_is_stable():
    assert T.path("63304", "63081")["text"] == "63304 —region→ cervical ←region— 63081"


def test_path_through_a_shared_neighbour():
    d = T.path("63005", "63017")  # both lumbar posterior laminectomies
    assert d["length"] == 2
    first, second = d["steps"]
    assert first["to"] == second["from"]
    assert {first["direction"], second["direction"]} == {"forward", "backward"}
    assert first["relation"] == second["relation"]  # e.g. —region→ lumbar ←region—
    assert arrow_text(first) in d["text"] and arrow_text(second) in d["text"]


def arrow_text(s):
    return f"—{s['relation']}→" if s["direction"] == "forward" else f"←{s['relation']}—"


def test_path_addon_to_its_primary_is_one_step():
    d = T.path("63103", "63102")
    assert d["length"] == 1
    assert d["text"] == "63103 —addOnTo→ 63102"
    assert T.path("63102", "63103")["text"] == "63102 ←addOnTo— 63103"


def test_neighbors_depth_one_are_the_direct_relations(catalog):
    d = T.neighbors("63304")
    names = {(n["kind"], n["name"]) for n in d["neighbors"]}
    rec = catalog["63304"]
    assert {("region", r) for r in rec.regions} <= names
    assert {("approach", a) for a in rec.approaches} <= names
    assert {("add-on", a) for a in rec.add_ons} <= names
    assert ("group", "group 63300-63308") in names
    assert all(n["distance"] == 1 and n["via"] == "63304" for n in d["neighbors"])


def test_neighbors_depth_two_reaches_siblings():
    one = {n["node"] for n in T.neighbors("63304", 1)["neighbors"]}
    two = T.neighbors("63304", 2)["neighbors"]
    assert one < {n["node"] for n in two}
    assert any(n["node"] == "63305" and n["distance"] == 2 for n in two)
    assert all(n["distance"] == 2 for n in two if n["node"] not in one)


def test_compare_facet_by_facet():
    d = T.compare("63304", "63305")
    by = {f["facet"]: f for f in d["facets"]}
    assert by["region"]["only_63304"] == ["cervical"] and by["region"]["only_63305"] == ["thoracic"]
    assert by["lesion compartment"]["same"] and by["lesion compartment"]["shared"] == ["intradural"]
    assert set(d["differing"]) == {"region", "approach"}
    assert "both sit in group 63300-63308" in d["relations"]
    assert "63103 is an add-on reported with 63102" in T.compare("63103", "63102")["relations"]


def test_family_members_differ_in_exactly_one_facet(catalog):
    d = T.family("63001")
    assert "region" in d["family"] and "units" in d["family"]
    assert {m["code"] for m in d["family"]["region"]} >= {"63003", "63005", "63011"}
    assert "63015" in {m["code"] for m in d["family"]["units"]}
    mine = T.facet_values(catalog["63001"])
    for facet, members in d["family"].items():
        for m in members:
            theirs = T.facet_values(catalog[m["code"]])
            assert [f for f in T.FACET_ORDER if set(mine[f]) != set(theirs[f])] == [facet]


def test_unknown_codes_are_one_line_errors(cli):
    for args in (("path", "63304", "99999"), ("neighbors", "6330"), ("compare", "63304", "x"), ("family", "00000")):
        r = cli(*args)
        assert r.exit_code == 2 and r.stderr.startswith("error: unknown code")


def test_cli_text_and_json(cli):
    r = cli("path", "63103", "63102")
    assert r.exit_code == 0 and "63103 —addOnTo→ 63102" in r.stdout
    j = json.loads(cli("path", "63103", "63102", "--format", "json").stdout)
    assert j["steps"][0]["relation"] == "addOnTo"
    assert json.loads(cli("neighbors", "63304", "--format", "json").stdout)["code"] == "63304"
    assert "DIFF  region:" in cli("compare", "63304", "63305").stdout
    assert json.loads(cli("family", "63001", "-f", "json").stdout)["family"]["region"]
    assert "region differs" in cli("family", "63001").stdout
    assert cli("neighbors", "63304", "--depth", "0").exit_code == 2


@pytest.mark.parametrize("cmd", ["query", "neighbors", "path", "compare", "family", "find", "serve", "push"])
def test_help_has_a_runnable_example(cli, cmd):
    r = cli(cmd, "--help")
    assert r.exit_code == 0
    assert f"Example: spinekg {cmd}" in r.stdout


def test_compare_shows_addon_and_reported_with_differences():
    d = T.compare("63081", "63085")
    by = {f["facet"]: f for f in d["facets"]}
    assert by["add-ons"]["only_63081"] == ["63082"] and by["add-ons"]["only_63085"] == ["63086"]
    assert "22840" in by["add-ons"]["shared"]
    assert by["reported with"]["only_63081"] == ["22554"] and not by["reported with"]["only_63085"]
    assert {"region", "approach", "add-ons", "reported with"} == set(d["differing"])


def test_compare_three_or_four_codes(cli):
    d = T.compare("63081", "63085", "63304")
    by = {f["facet"]: f for f in d["facets"]}
    assert by["procedure"]["shared"] == ["corpectomy"] and by["procedure"]["only_63304"] == ["lesion excision"]
    r = cli("compare", "63081", "63085", "63304", "63300")
    assert r.exit_code == 0 and r.stdout.count("\n63") == 3 and "DIFF  add-ons:" in r.stdout
    for args in (("compare", "63081"), ("compare", "63081", "63082", "63085", "63086", "63087"), ("compare", "63081", "63081")):
        r = cli(*args)
        assert r.exit_code == 2 and r.stderr.startswith("error: compare"), args


def test_family_table_on_the_cli(cli):
    r = cli("family", "63081", "--table")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].startswith("63081-63091") and "columns: region; rows: approach" in lines[1]
    row = next(line for line in lines if line.startswith("anterior "))
    assert row.split() == ["anterior", "63081+63082", "\u2014", "\u2014", "\u2014"]
    assert cli("family", "63275-63290", "--table", "-f", "json").exit_code == 0
    r = cli("family", "63001-63308", "--table")
    assert r.exit_code == 2 and "holds no codes directly" in r.stderr
    assert cli("family", "99999", "--table").exit_code == 2


def test_compare_and_family_see_the_spine_section_facets(catalog):
    """64493 and 0216T differ only in imaging guidance (and their add-ons); family lists 0216T under imaging."""
    from spinekg.graph.traverse import compare, family

    d = compare("64493", "0216T")
    assert d["differing"] == ["imaging", "add-ons"]
    units = next(f for f in compare("64494", "64495")["facets"] if f["facet"] == "units")
    assert units["only_64494"] == ["covers units 2-2"] and units["only_64495"] == ["covers units 3 and beyond"]
    fam = family("64493", catalog)["family"]
    assert [m["code"] for m in fam["imaging"]] == ["0216T"]  # its ultrasound twin
    # the deleted unguided forerunner named an anaesthetic or steroid, so it differs in two facets
    assert set(compare("64493", "64475")["differing"]) >= {"imaging", "agent"}
    assert "0216T" not in [m["code"] for f, ms in fam.items() if f != "imaging" for m in ms]
