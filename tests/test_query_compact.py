"""`query --compact`: codes, groups and facet values as analysts write them; full IRIs on request."""
import csv
import io


def test_table_is_compact_by_default(cli):
    r = cli("query", "-e", "SELECT ?c ?r ?g WHERE { ?c skos:notation '63087' ; sk:region ?r ; skos:broader ?g }")
    assert r.exit_code == 0, r.output
    assert "63087" in r.stdout and "lumbar" in r.stdout and "63081-63091" in r.stdout
    assert "cpt:" not in r.stdout and "sk:" not in r.stdout


def test_full_iris_keep_prefixed_names(cli):
    r = cli("query", "-e", "SELECT ?c ?r WHERE { ?c skos:notation '63087' ; sk:region ?r }", "--full-iris")
    assert r.exit_code == 0 and "cpt:63087" in r.stdout and "sk:Lumbar" in r.stdout


def test_csv_full_by_default_compact_on_request(cli):
    q = ("query", "-n", "codes-by-approach", "-p", "approach=anterior", "-f", "csv")
    full = list(csv.DictReader(io.StringIO(cli(*q).stdout)))
    short = list(csv.DictReader(io.StringIO(cli(*q, "--compact").stdout)))
    assert len(full) == len(short) > 0
    assert full[0]["code"].startswith("https://w3id.org/spinekg/cpt/")
    assert [r["code"] for r in short] == [r["code"].rsplit("/", 1)[-1] for r in full]
    assert {r["approach"] for r in short} == {"anterior"}


def test_compact_refused_for_json(cli):
    r = cli("query", "-e", "SELECT ?c WHERE { ?c a sk:AddOnCode }", "-f", "json", "--compact")
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1


def test_compact_names_come_from_a_small_cached_table(tmp_path, monkeypatch):
    # the facet table the compact cells use is the catalog's, kept apart so a cold query skips the catalog
    from spinekg.graph import compiled
    from spinekg.graph.model import load_catalog
    from spinekg.graph.sparql import formats

    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path))
    expected = {local: name for values in load_catalog().facet_values.values() for name, local in values.items()}
    assert formats._facet_names() == expected and expected["LateralExtracavitary"] == "lateral extracavitary"
    (kept,) = tmp_path.glob("facetnames-*.json")
    monkeypatch.setattr("spinekg.graph.model.load_catalog", lambda: (_ for _ in ()).throw(AssertionError("read")))
    assert formats._facet_names() == expected  # from the kept table
    kept.write_bytes(kept.read_bytes()[:-5])  # damaged: rebuilt from the catalog
    monkeypatch.undo()
    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path))
    assert formats._facet_names() == expected and compiled.read_cached(compiled.catalog_key(), "facetnames") == expected
