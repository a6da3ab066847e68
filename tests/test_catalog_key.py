"""The catalog, the network and what derives from them are keyed without the NCCI imports
(graph.compiled.catalog_key): an NCCI import must change none of them, and must not make the next
`show` rebuild the catalog through rdflib with every imported edit as triples."""
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
NCCI = FIXTURES / "ncci"
IMPORTS = [("ncci-ptp", NCCI / "ccipra-v321r0-f1.txt"), ("ncci-mue", NCCI / "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv"),
           ("ncci-addon", NCCI / "AOC_V2026Q1-MCR.txt")]


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path / "cache"))
    return tmp_path


def _import_all(cli, with_descriptors: bool = False) -> None:
    for command, path in IMPORTS + ([("descriptors", FIXTURES / "user" / "descriptors.csv")] if with_descriptors else []):
        r = cli("import", command, str(path))
        assert r.exit_code == 0, r.output


@pytest.mark.parametrize("with_descriptors", [False, True])
def test_the_ncci_edits_change_neither_catalog_nor_network(cli, home, with_descriptors):
    """The assumption catalog_key rests on: built with every kind of NCCI import or without, the
    catalog and the network are the same (and the imports did add triples, on the codes too)."""
    import networkx as nx

    from spinekg.graph.load import build_graph
    from spinekg.graph.model import catalog_from_graph
    from spinekg.graph.ncci_graph import NCCI
    from spinekg.graph.network import to_networkx

    _import_all(cli, with_descriptors)
    full, codes_only = build_graph(), build_graph(ncci=False)
    assert len(full) > len(codes_only) + 100
    catalog = catalog_from_graph(codes_only)
    on_codes = {str(s).rsplit("/", 1)[-1] for s in full.subjects(NCCI.notReportedWith)} | \
        {str(s).rsplit("/", 1)[-1] for s in full.subjects(NCCI.hasMueLimit)}
    assert on_codes & set(catalog.codes)  # the edits reach the code nodes the catalog reads
    assert not any(codes_only.triples((None, NCCI.notReportedWith, None)))
    assert catalog_from_graph(full).to_json() == catalog.to_json()
    assert nx.node_link_data(to_networkx(full), edges="edges") == nx.node_link_data(to_networkx(codes_only), edges="edges")
    if with_descriptors:  # the descriptors are the user import the catalog does read
        assert catalog.descriptor_source is not None


def test_catalog_key_follows_descriptors_not_ncci(cli, home):
    from spinekg.graph.compiled import cache_key, catalog_key

    before, before_all = catalog_key(), cache_key()
    assert before == before_all  # nothing imported: one key, so the cached files are shared
    _import_all(cli)
    assert catalog_key() == before and cache_key() != before_all  # the SPARQL store still sees the edits
    r = cli("import", "descriptors", str(FIXTURES / "user" / "descriptors.csv"))
    assert r.exit_code == 0, r.output
    assert catalog_key() != before


def test_show_after_an_ncci_import_reads_the_kept_catalog(cli, home, monkeypatch):
    """After the imports, `show`, `list`, `family` and `path` build nothing: a build would fail here."""
    from spinekg.graph import linkgraph, load, model, network

    def forget():  # what this process keeps: each command below reads the cache folder
        for cached in (model._load_catalog, network._load_network, linkgraph._link_graph):
            cached.cache_clear()

    forget()
    assert cli("show", "63304").exit_code == 0
    assert cli("path", "63304", "63308").exit_code == 0  # reads the network
    cache = home / "cache"
    kept = {p.name: p.read_bytes() for p in cache.glob("*.json")}
    assert any(n.startswith("catalog-") for n in kept) and any(n.startswith("network-") for n in kept)
    _import_all(cli)

    def no_build(*a, **kw):
        raise AssertionError("the graph was built again")

    monkeypatch.setattr(load, "build_graph", no_build)
    forget()
    for args in (("show", "63304", "-f", "json"), ("list", "--kind", "add-on"), ("family", "63304"),
                 ("path", "63304", "63308")):
        r = cli(*args)
        assert r.exit_code == 0, (args, r.output)
    assert json.loads(cli("show", "63304", "-f", "json").stdout)["code"] == "63304"
    for name, data in kept.items():  # the kept files are the ones read, unchanged
        assert (cache / name).read_bytes() == data, name
