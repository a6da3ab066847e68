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
