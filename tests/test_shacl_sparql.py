"""The SPARQL form of the shapes (graph/shacl_sparql.py) finds exactly what pyshacl finds: on the
shipped graph, and on one graph holding every crafted broken file (each breaks a different rule)."""
import re
from pathlib import Path

import pytest

from spinekg.graph import shacl_sparql as Q
from spinekg.graph import validate as V
from spinekg.graph.sparql.store import build_store

BROKEN = sorted((Path(__file__).parent / "fixtures" / "broken").glob("*.ttl"))


def comparable(violations):
    # pyshacl names an inverse path and a blank focus by blank-node ids: compare those by kind
    return sorted({(re.sub(r"^_:\S+", "_:", v.focus), "^" if v.path.startswith(("_:", "^")) else v.path,
                    v.message, v.severity) for v in violations})


@pytest.mark.parametrize("files", [[], BROKEN], ids=["shipped", "all-broken-files"])
def test_same_violations_as_pyshacl(files):
    expected = comparable(V.validate(files or None))
    got = comparable(Q.validate_store(build_store(files or None), progress=False, prefixes=Q.file_prefixes(files)))
    assert got == expected
    if files:  # every crafted file breaks something, and the rules found it
        assert len(expected) >= len(BROKEN)


def test_every_broken_file_is_caught_alone():
    for f in BROKEN:
        assert Q.validate_store(build_store([f]), progress=False), f.name


def test_unsupported_shape_is_refused_not_skipped():
    shapes = b"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
    ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:uniqueLang true ] ."""
    with pytest.raises(NotImplementedError, match="uniqueLang"):
        Q.compile_shapes(shapes)


def test_progress_line_on_long_runs(capsys, monkeypatch):
    clock = iter(range(0, 10_000, 2))  # every reading two seconds later: the run "takes long"
    monkeypatch.setattr(Q.time, "perf_counter", lambda: next(clock))
    Q.validate_store(build_store(), progress=True)
    err = capsys.readouterr().err
    assert re.search(r"validating: rule \d+/\d+", err) and err.endswith("\n")


def test_node_level_class_and_min_inclusive_match_pyshacl(tmp_path):
    """A crafted file that breaks only the node-level sh:class of two shapes and one sh:minInclusive:
    both validators report exactly those three violations."""
    f = tmp_path / "ordinal.ttl"
    f.write_text("@prefix sk: <https://w3id.org/spinekg/ontology#> . @prefix cpt: <https://w3id.org/spinekg/cpt/> .\n"
                 "cpt:64490 sk:firstCoveredUnit 2 .\n"  # a primary: not an sk:AddOnCode
                 "cpt:22527 sk:firstCoveredUnit 1 ; sk:lastCoveredUnit 1 .\n"  # below 2
                 "cpt:22853 sk:reportedPerUnit true .\n")  # an add-on: not an sk:PrimaryCode
    expected = comparable(V.validate([f]))
    got = comparable(Q.validate_store(build_store([f]), progress=False, prefixes=Q.file_prefixes([f])))
    assert got == expected
    assert {(focus, path) for focus, path, _, _ in got} == {
        ("cpt:64490", "-"), ("cpt:22527", "sk:firstCoveredUnit"), ("cpt:22853", "-")}


def test_node_level_class_without_message_names_the_class():
    shapes = b"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
    ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:class ex:C ."""
    (check,) = Q.compile_shapes(shapes)
    assert check.path == "-" and "urn:ex:C" in check.message
    import pyoxigraph as ox
    store = ox.Store()
    store.load(b"<urn:ex:a> <urn:ex:p> 1 . <urn:ex:b> <urn:ex:p> 1 . <urn:ex:b> a <urn:ex:D> . "
               b"<urn:ex:D> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <urn:ex:C> .", format=ox.RdfFormat.TURTLE)
    assert sorted(s["this"].value for s in store.query(check.query)) == ["urn:ex:a"]
