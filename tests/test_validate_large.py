"""`spinekg validate` on large user files runs the shapes as SPARQL on Oxigraph: same violations as pyshacl."""
import pytest

BROKEN = """@prefix sk: <https://w3id.org/spinekg/ontology#> .
@prefix cpt: <https://w3id.org/spinekg/cpt/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
cpt:99990 a sk:PrimaryCode , sk:AddOnCode ; skos:notation "99990" , "99991" ; sk:region sk:Anterior .
cpt:99992 a sk:AddOnCode ; skos:notation "9999" ; sk:minUnits "two" .
"""


@pytest.fixture()
def broken(tmp_path):
    p = tmp_path / "broken.ttl"
    p.write_text(BROKEN, encoding="utf-8")
    return p


def test_large_path_finds_what_pyshacl_finds(broken, monkeypatch):
    from spinekg.graph import validate

    small = validate.validate([broken])
    monkeypatch.setattr(validate, "LARGE_INPUT_BYTES", 0)
    large = validate.validate([broken])
    assert small, "the crafted file must violate the shapes"
    assert {(v.focus, v.path) for v in large} == {(v.focus, v.path) for v in small}


def test_large_path_cli_one_line_errors(cli, tmp_path, monkeypatch):
    from spinekg.graph import validate

    monkeypatch.setattr(validate, "LARGE_INPUT_BYTES", 0)
    bad = tmp_path / "bad.nt"
    bad.write_text('<a> <b> "unterminated\n', encoding="utf-8")
    r = cli("validate", str(bad))
    assert r.exit_code == 2 and r.stderr.startswith("error: malformed RDF") and len(r.stderr.splitlines()) == 1
    other = tmp_path / "x.csv"
    other.write_text("a,b\n")
    r = cli("validate", str(other))
    assert r.exit_code == 2 and "unsupported file type" in r.stderr
