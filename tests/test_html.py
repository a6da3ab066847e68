"""The HTML explorer without a browser: what the file holds, render_html's options, the CLI."""
import dataclasses
import html.parser
import json
import re

import pytest

from spinekg.exports.html import render_html, script_json
from spinekg.graph.errors import SpinekgError, UnknownCode
from spinekg.graph.model import Catalog

PAYLOAD = "</script><img src=x onerror=alert(1)>"
DRAWN_KINDS = {"primary", "add-on", "group", "region", "approach", "procedure", "lesion compartment",
               "lesion nature"}
FACET_RELATIONS = {"region", "approach", "procedure", "lesionCompartment", "lesionNature"}


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []  # (tag, attrs dict)
        self.data_blocks = []
        self._in_data = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        self._in_data = tag == "script" and a.get("type") == "application/json"

    def handle_endtag(self, tag):
        self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.data_blocks.append(data)


def parse(text):
    p = _Tags()
    p.feed(text)
    return p


def page_data(text) -> dict:
    blocks = parse(text).data_blocks
    assert len(blocks) == 1, "exactly one JSON data block"
    return json.loads(blocks[0])


def expected_node_ids(catalog) -> set[str]:
    """From the networkx graph: every code, every range group, every facet value a code points to."""
    from spinekg.graph.network import load_network

    G = load_network()
    ids = set(catalog.codes) | {n for n, k in G.nodes(data="kind") if k == "group"}
    for code in catalog.codes:
        for _, target, rel in G.out_edges(code, data="relation"):
            if rel in FACET_RELATIONS:
                ids.add(target)
    return ids


def decoded_edges(data):
    ids = [n["id"] for n in data["nodes"]]
    return [(ids[e[0]], ids[e[1]], data["rels"][e[2]]) for e in data["edges"]]


@pytest.fixture(scope="module")
def full_html():
    from spinekg.graph.model import load_catalog

    return render_html(load_catalog())


def test_whole_graph_is_in_the_page(full_html, catalog):
    data = page_data(full_html)
    ids = {n["id"] for n in data["nodes"]}
    assert ids == expected_node_ids(catalog)
    assert {n["kind"] for n in data["nodes"]} == DRAWN_KINDS
    assert set(data["cards"]) == set(catalog.codes)
    # add-on edges go from the add-on to its primary
    add_on_edges = {(src, dst) for src, dst, rel in decoded_edges(data) if rel == "addOnTo"}
    assert ("63308", "63304") in add_on_edges and ("63304", "63308") not in add_on_edges
    for src, dst in add_on_edges:
        assert catalog[src].kind == "add-on" and dst in catalog[src].add_on_to


def test_kinds_differ_by_colour_and_shape(full_html):
    data = page_data(full_html)
    groups = data["options"]["groups"]
    assert set(groups) == DRAWN_KINDS
    shapes = [g["shape"] for g in groups.values()]
    colours = [g["color"]["background"] for g in groups.values()]
    assert len(set(shapes)) == len(shapes) and len(set(colours)) == len(colours)
    assert [k["kind"] for k in data["kinds"]] == list(groups)  # the legend lists every kind


def test_self_contained(full_html):
    tags = parse(full_html).tags
    for tag, attrs in tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value, re.I), f"<{tag} {name}={value!r}>"
    assert not [t for t, a in tags if t == "link"], "no linked stylesheets"
    assert not [a for t, a in tags if t == "script" and "src" in a], "no external scripts"
    assert "vis.Network" in full_html and "vis-network" in full_html  # the library is inlined
    assert "cdn" not in full_html.lower().split("<script>")[0]  # nothing in the head points at a CDN


def test_hostile_label_stays_text(catalog):
    hostile = dataclasses.replace(catalog["63304"], label=PAYLOAD, descriptor=PAYLOAD + "\u2028")
    cat = Catalog({**catalog.codes, "63304": hostile}, catalog.facet_values, catalog.groups)
    text = render_html(cat, title=PAYLOAD)
    assert PAYLOAD not in text
    assert "<img" not in text.lower()
    assert "\u2028" not in text
    data = page_data(text)  # the JSON block still parses back to the exact strings
    assert data["cards"]["63304"]["label"] == PAYLOAD
    assert data["cards"]["63304"]["descriptor"] == PAYLOAD + "\u2028"
    assert data["title"] == PAYLOAD
    assert "<title>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</title>" in text


def test_script_json_escapes():
    out = script_json({"a": "<b>&\u2028\u2029"})
    assert out == '{"a":"\\u003cb\\u003e\\u0026\\u2028\\u2029"}'
    assert json.loads(out) == {"a": "<b>&\u2028\u2029"}


def test_focus_plan_by_relation_with_hubs_collapsed(catalog):
    """The focus view around 63304: its facets, group and siblings; big hubs become count nodes."""
    from spinekg.exports.html import render_page

    text, info = render_page(catalog, focus="63304", depth=2)
    data = page_data(text)
    assert data["focus"] == "63304" and data["depth"] == 2
    from spinekg.exports import focus_plan

    kinds = {n["id"]: n["kind"] for n in data["nodes"]}
    adj = focus_plan.adjacency(list(kinds), decoded_edges(data))
    plan = focus_plan.plan(adj, kinds, "63304", 2)
    drawn = set(plan["drawn"])
    assert {"63304", "group:63300-63308", "region:cervical", "approach:anterior", "63300", "63308"} <= drawn
    # 13 add-ons (more than 8): one count node; cervical (60 codes) is not walked through
    assert "63304|addOnTo" in plan["collapsed"] and "22840" not in drawn
    assert len(plan["collapsed"]["region:cervical"]) > 8 and "63081" not in drawn
    assert len(drawn) < 40  # not the 185 nodes of the old ego graph
    assert info == {"codes": len(catalog.codes), "nodes_drawn": len(drawn), "hubs_collapsed": len(plan["collapsed"])}
    assert focus_plan.plan(adj, kinds, "63304", 0) == {"drawn": ["63304"], "collapsed": {}}


def test_depth_without_focus_is_an_error(catalog):
    with pytest.raises(SpinekgError, match="--depth needs --focus CODE"):
        render_html(catalog, depth=3)


def test_codes_subset(catalog):
    wanted = {str(c) for c in range(63300, 63309)}
    data = page_data(render_html(catalog, codes=wanted))
    nodes = {n["id"]: n["kind"] for n in data["nodes"]}
    assert {i for i, k in nodes.items() if k in ("primary", "add-on")} == wanted
    assert "group:63300-63308" in nodes and "group:63001-63308" in nodes  # the group and its parent
    assert "region:cervical" in nodes and "approach:lateral extracavitary" not in nodes
    assert set(data["filters"]["region"]) == {"cervical", "thoracic", "lumbar", "sacral"}


def test_hierarchical_layout_levels(catalog):
    data = page_data(render_html(catalog, codes={"63304", "63308"}, layout="hierarchical"))
    assert data["options"]["layout"]["hierarchical"]["enabled"] is True
    levels = {n["id"]: n["level"] for n in data["nodes"]}
    assert levels["group:63001-63308"] < levels["group:63300-63308"] < levels["63304"] < levels["63308"]


@pytest.mark.parametrize("kwargs, message", [
    ({"layout": "radial"}, "unknown layout 'radial'; valid values: force, hierarchical"),
    ({"depth": -1}, "depth must be"),
    ({"focus": "63304", "codes": {"63300"}}, "focus code 63304 is not among the selected codes"),
])
def test_bad_options(catalog, kwargs, message):
    with pytest.raises(SpinekgError, match=re.escape(message)):
        render_html(catalog, **kwargs)


def test_unknown_codes(catalog):
    with pytest.raises(UnknownCode, match="unknown code 63999"):
        render_html(catalog, focus="63999")
    with pytest.raises(UnknownCode):
        render_html(catalog, codes={"63304", "12345"})


def test_render_writes_nothing(catalog, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    render_html(catalog, focus="63304")
    assert list(tmp_path.iterdir()) == []


# ---------- CLI ----------

def test_explore_writes_one_file(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("explore", "--no-open")
    assert r.exit_code == 0, r.output
    assert [p.name for p in tmp_path.iterdir()] == ["spinekg-explorer.html"]  # no lib/ folder
    text = (tmp_path / "spinekg-explorer.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "wrote spinekg-explorer.html" in r.stdout
    # the README's first command, run again, refreshes its own page (issue 14)
    r = cli("explore", "--no-open")
    assert r.exit_code == 0 and r.stdout.startswith("refreshed spinekg-explorer.html")
    assert [p.name for p in tmp_path.iterdir()] == ["spinekg-explorer.html"]


def test_explore_output_and_overwrite(cli, tmp_path):
    out = tmp_path / "spine.html"
    assert cli("explore", "-o", str(out), "--no-open").exit_code == 0
    out.write_text("keep me")
    r = cli("explore", "-o", str(out), "--no-open")
    assert r.exit_code == 2
    assert r.stderr.strip() == f"error: {out} already exists; use --force to overwrite it"
    assert out.read_text() == "keep me"
    assert cli("explore", "-o", str(out), "--no-open", "--force").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spine.html"]  # no temporary left behind


def test_explore_bad_layout_and_folder(cli, tmp_path):
    r = cli("explore", "-o", str(tmp_path / "x.html"), "--no-open", "--layout", "radial")
    assert r.exit_code == 2 and r.stderr.strip() == "error: unknown layout 'radial'; valid values: force, hierarchical"
    r = cli("explore", "-o", str(tmp_path / "missing" / "x.html"), "--no-open")
    assert r.exit_code == 2 and "does not exist" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_explore_open_and_no_open(cli, tmp_path, monkeypatch):
    import webbrowser

    opened = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    out = tmp_path / "a.html"
    assert cli("explore", "-o", str(out)).exit_code == 0
    assert opened == [out.resolve().as_uri()]
    assert cli("explore", "-o", str(tmp_path / "b.html"), "--no-open").exit_code == 0
    assert len(opened) == 1


def test_explore_help_has_example(cli):
    r = cli("explore", "--help")
    assert r.exit_code == 0 and "Example: spinekg explore" in r.stdout


def test_page_size_within_budget(full_html):
    assert len(full_html.encode("utf-8")) <= 1.2 * 1024 * 1024


def test_same_bytes_whatever_the_hash_seed(tmp_path):
    """Deterministic bytes: two processes with different hash seeds write the same page."""
    import os
    import subprocess
    import sys

    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"page-{seed}.html"
        # each process its own cache, so both render the page (the explorer keeps rendered pages)
        env = {**os.environ, "PYTHONHASHSEED": seed, "SPINEKG_CACHE": str(tmp_path / f"cache-{seed}")}
        subprocess.run([sys.executable, "-m", "spinekg", "explore", "-o", str(out), "--no-open"], env=env,
                       check=True, capture_output=True, timeout=120)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_page_carries_families_search_and_overview(full_html, catalog):
    from spinekg.exports.family_table import family_groups

    data = page_data(full_html)
    assert sorted(data["families"]) == family_groups(catalog)
    listed = [f for root in data["overview"] for s in root["sections"] for f in s["families"]]
    assert sorted(listed) == family_groups(catalog) and len(listed) == len(set(listed))
    roots = [root["group"] for root in data["overview"]]
    assert roots[0] == "62263-63746" and roots[-1].endswith("T")  # the range holding 63001-63308 first, Category III last
    strings = data["search"]["strings"]
    by_id = {e[0]: e for e in data["search"]["entries"]}
    tlif = {strings[i] for i in by_id["22630"][3][::2]}
    assert "tlif" in tlif and "plif" in tlif
    assert data["cards"]["63081"]["reported_with"] and "22554" in data["cards"]["63081"]["reported_with"]


def test_spine_section_filters_cards_and_region_order(catalog):
    """The page offers a filter per spine-section facet with exactly the values its codes carry,
    puts them on each card, and orders regions with the sacroiliac joint after the sacrum."""
    from spinekg.graph.labels import REGION_ORDER

    data = page_data(render_html(catalog))
    for key, attr in (("imaging", "imaging"), ("agent", "agents"), ("delivery", "delivery"),
                      ("device", "devices"), ("device_action", "device_actions")):
        assert data["filters"][key] == sorted({v for r in catalog.codes.values() for v in getattr(r, attr)}), key
        assert data["filters"][key], key
    assert "sacroiliac joint" in data["filters"]["region"] and "region:sacroiliac joint" in {n["id"] for n in data["nodes"]}
    assert data["region_order"] == list(REGION_ORDER) and REGION_ORDER[-1] == "sacroiliac joint"
    card = data["cards"]["64495"]
    assert card["imaging"] == ["fluoroscopy or CT"] and (card["first_covered_unit"], card["last_covered_unit"]) == (3, None)
    assert data["cards"]["62290"]["reported_per_unit"] is True
    assert data["cards"]["62362"]["devices"] == ["programmable pump"]
