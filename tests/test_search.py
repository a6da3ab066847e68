"""Search with coders' words: the synonyms are data with sources, and rank by the documented rules."""
import pytest

from spinekg.graph.search import build_index, rank, synonyms

WORDS = {  # query -> ids that must come first, in this order
    "63304": ["63304"],
    "ACDF": ["22551", "22552"],
    "TLIF": ["22630", "22632", "22633", "22634"],
    "PLIF": ["22630", "22632", "22633", "22634"],
    "ALIF": ["22558", "22585"],
    "XLIF": ["22558", "22585"],
    "LLIF": ["22558", "22585"],
    "LECA": ["group:22532-22534", "group:63101-63103", "approach:lateral extracavitary"],
    "kyphoplasty": ["group:22513-22515", "group:22523-22525", "procedure:vertebral augmentation"],
    "vertebroplasty": ["procedure:vertebroplasty"],
    "tumor": ["lesion nature:neoplasm"],
    "tumour": ["lesion nature:neoplasm"],
    "cage": ["procedure:biomechanical device insertion"],
    "fusion": ["procedure:arthrodesis"],
    "63081-63091": ["group:63081-63091", "63081", "63082"],
    "6308": ["63081", "63082", "63085"],
    # the spine section: Category III notations (any case), their ranges, coders' words for the new codes
    "0213T": ["0213T", "group:0213T-0218T"],
    "0213t": ["0213T", "group:0213T-0218T"],
    "0213T-0218T": ["group:0213T-0218T", "0213T", "0214T", "0215T", "0216T", "0217T", "0218T"],
    "TFESI": ["group:64479-64484"],
    "blood patch": ["62273"],
}


@pytest.fixture(scope="module")
def index(catalog):
    return build_index(catalog)


@pytest.mark.parametrize("query", sorted(WORDS))
def test_coders_words(index, query):
    got = rank(index, query)
    assert got[:len(WORDS[query])] == WORDS[query]


def test_cage_finds_every_device_code(index, catalog):
    devices = sorted(c for c, r in catalog.codes.items() if "biomechanical device insertion" in r.procedures)
    assert len(devices) >= 3
    assert rank(index, "cage") == ["procedure:biomechanical device insertion"] + devices


def test_spinal_cord_tumor_finds_intradural_neoplasms_first(index, catalog):
    got = rank(index, "spinal cord tumor")
    first = catalog[got[0]]
    assert "neoplasm" in first.lesion_natures and first.lesion_compartments[0].startswith(("intradural", "intramedullary"))


def test_level_means_segment_or_interspace(index, catalog):
    got = set(rank(index, "lumbar level"))
    assert {"22630", "22558", "63087"} <= got
    assert all(catalog[c].unit for c in got if c in catalog.codes and "level" not in catalog[c].label.lower())


def test_exact_code_ranks_first_even_among_partial_matches(index):
    assert rank(index, "63081")[0] == "63081"
    assert rank(index, "  ") == [] and rank(index, "zzzz") == []


def test_every_synonym_has_a_source_or_reason(graph):
    from rdflib import RDF
    from rdflib.namespace import DCTERMS, SKOS

    stated = {}
    for st in graph.subjects(RDF.predicate, SKOS.altLabel):
        stated[(graph.value(st, RDF.subject), SKOS.altLabel, graph.value(st, RDF.object))] = st
    for st in graph.subjects(RDF.predicate, SKOS.hiddenLabel):
        stated[(graph.value(st, RDF.subject), SKOS.hiddenLabel, graph.value(st, RDF.object))] = st
    triples = set(graph.triples((None, SKOS.altLabel, None))) | set(graph.triples((None, SKOS.hiddenLabel, None)))
    assert len(triples) >= 40
    for t in triples:
        st = stated.get(t)
        assert st is not None, f"{t} has no statement with its source"
        assert graph.value(st, DCTERMS.source) or graph.value(st, SKOS.scopeNote), f"{t}: give a source or reason"
    # and the search reads exactly these labels
    assert sum(len(v) for v in synonyms().values()) == len({(s, o) for s, _, o in triples})


def test_sparql_answers_the_same_words():
    from spinekg.graph import sparql

    rows = sparql.run('SELECT ?c WHERE { ?c skos:altLabel "TLIF"@en ; a sk:ProcedureCode } ORDER BY ?c')
    assert [r[0].value.rsplit("/", 1)[1] for r in rows.rows] == ["22630", "22632", "22633", "22634"]


def test_cli_search(cli):
    r = cli("search", "ACDF")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0].startswith("22551") and "(3 matches)" in r.stdout
    r = cli("search", "TLIF", "--format", "json")
    import json

    d = json.loads(r.stdout)
    assert [x["id"] for x in d["results"]][:4] == ["22630", "22632", "22633", "22634"]
    r = cli("search", "qqqq")
    assert r.exit_code == 1 and "no match" in r.stdout
    r = cli("search", " ")
    assert r.exit_code == 2 and r.stderr.strip() == "error: give some text to search for"


def test_spine_section_facet_values_are_searchable(index, catalog):
    """A code is found by the names of its imaging, agent, delivery, device and device-action values,
    which its label may word differently (the label is composed, the facet value is its own field)."""
    from spinekg.graph.search import OTHER_FACETS, normalise

    assert {"imaging", "agents", "delivery", "devices", "device_actions"} <= set(OTHER_FACETS)
    by_id = {e["id"]: e for e in index}
    for code, rec in catalog.codes.items():
        texts = {t for t, _ in by_id[code]["fields"]}
        for key in ("imaging", "agents", "delivery", "devices", "device_actions"):
            assert all(normalise(v) in texts for v in getattr(rec, key)), (code, key)
    pumps = set(rank(index, "programmable pump"))
    assert {c for c, r in catalog.codes.items() if "programmable pump" in r.devices} <= pumps
