"""Bring-your-own descriptors and CMS NCCI add-on edits (fixtures hold made-up text only)."""
import json
from pathlib import Path

import pytest

USER = Path(__file__).parent / "fixtures" / "user"


@pytest.fixture()
def home(tmp_path, monkeypatch):
    d = tmp_path / "home"
    monkeypatch.setenv("SPINEKG_HOME", str(d))
    return d


def test_import_shows_everywhere_then_remove(cli, home):
    r = cli("import", "descriptors", str(USER / "descriptors.csv"))
    assert r.exit_code == 0, r.output
    assert "imported 2 descriptors" in r.stdout and "skipped 1 codes not in the graph: 99213" in r.stdout
    stored = json.loads((home / "descriptors.json").read_text())
    assert stored["source_file"] == "descriptors.csv" and len(stored["sha256"]) == 64

    card = cli("show", "63304").stdout
    assert "Made-up test wording for a corpectomy code" in card and "descriptors.csv" in card
    assert json.loads(cli("show", "63308", "-f", "json").stdout)["descriptor"] == "Made-up text, with a comma, for an add-on"
    listed = json.loads(cli("list", "--region", "cervical", "-f", "json").stdout)
    assert {d["code"]: d["descriptor"] for d in listed}["63304"] == "Made-up test wording for a corpectomy code"
    assert "Made-up text, with a comma" in cli("list", "--region", "cervical", "-f", "csv").stdout

    from spinekg.graph.load import load_graph
    from spinekg.ontology.namespaces import CPT, SK

    g = load_graph()
    assert str(g.value(CPT["63304"], SK.officialDescriptor)) == "Made-up test wording for a corpectomy code"
    imp = g.value(CPT["63304"], SK.descriptorImport)
    assert str(g.value(imp, SK.sourceFile)) == "descriptors.csv"
    assert str(g.value(imp, SK.sha256)) == stored["sha256"]

    r = cli("import", "descriptors", "--remove")
    assert r.exit_code == 0 and "removed" in r.stdout
    assert json.loads(cli("show", "63304", "-f", "json").stdout)["descriptor"] is None
    assert "Made-up" not in cli("show", "63304").stdout
    assert (CPT["63304"], SK.officialDescriptor, None) not in load_graph()


def test_tsv_and_named_columns(cli, home, tmp_path):
    assert cli("import", "descriptors", str(USER / "descriptors.tsv")).exit_code == 0
    assert json.loads(cli("show", "63304", "-f", "json").stdout)["descriptor"] == "Made-up tab-separated text"
    f = tmp_path / "custom.csv"
    f.write_text("Procedure,Wording\n63081,Made-up custom column text\n")
    assert cli("import", "descriptors", str(f)).exit_code == 2  # default names not found
    r = cli("import", "descriptors", str(f), "--code-column", "Procedure", "--descriptor-column", "Wording")
    assert r.exit_code == 0, r.output
    assert json.loads(cli("show", "63081", "-f", "json").stdout)["descriptor"] == "Made-up custom column text"


def test_malformed_rows_rejected_with_line_numbers_nothing_imported(cli, home):
    r = cli("import", "descriptors", str(USER / "descriptors_bad.csv"))
    assert r.exit_code == 2
    msg = r.stderr.strip()
    assert "\n" not in msg and "nothing imported" in msg
    assert "line 3" in msg and "line 4" in msg
    assert not (home / "descriptors.json").exists()


def test_failed_reimport_keeps_previous_import(cli, home):
    assert cli("import", "descriptors", str(USER / "descriptors.csv")).exit_code == 0
    before = (home / "descriptors.json").read_bytes()
    assert cli("import", "descriptors", str(USER / "descriptors_bad.csv")).exit_code == 2
    assert (home / "descriptors.json").read_bytes() == before


def test_unreadable_and_unsupported_files(cli, home, tmp_path):
    assert "cannot read" in cli("import", "descriptors", str(tmp_path / "missing.csv")).stderr
    odd = tmp_path / "x.json"
    odd.write_text("{}")
    assert "unsupported file type .json" in cli("import", "descriptors", str(odd)).stderr
    quoted = tmp_path / "broken.csv"
    quoted.write_text('code,descriptor\n63304,"unterminated\n')
    r = cli("import", "descriptors", str(quoted))
    assert r.exit_code == 2 and "malformed CSV" in r.stderr


def test_ncci_import_and_check(cli, home):
    r = cli("import", "ncci-addon", str(USER / "ncci_aoc.csv"))
    assert r.exit_code == 0, r.output
    assert "imported 15 of 16 edits" in r.stdout  # 99417/99213 touches no code of the graph
    r = cli("check", "addons", "--as-of", "2026-01-01", "-f", "json")
    assert r.exit_code == 1  # differences exist
    d = json.loads(r.stdout)
    assert d["only_in_spinekg"] == [{"addon": "63308", "primary": "63307"}]
    assert d["only_in_cms"] == [{"addon": "63048", "primary": "63050"}]
    assert d["cms_no_specific_primary"] == ["63295"]
    assert "63082" in d["addons_not_in_cms_file"] and "63103" not in d["addons_not_in_cms_file"]


def test_ncci_edges_are_dated(cli, home):
    cli("import", "ncci-addon", str(USER / "ncci_aoc.csv"))
    # On 2014-06-01 the 63090 -> 63103 edit was in force; it ended 2015-01-01.
    early = json.loads(cli("check", "addons", "--as-of", "2014-06-01", "-f", "json").stdout)
    assert {"addon": "63103", "primary": "63090"} in early["only_in_cms"]
    assert {"addon": "63048", "primary": "63050"} not in early["only_in_cms"]  # effective 2020
    later = json.loads(cli("check", "addons", "--as-of", "2016-01-01", "-f", "json").stdout)
    assert {"addon": "63103", "primary": "63090"} not in later["only_in_cms"]

    from spinekg.graph.load import load_graph
    from spinekg.ontology.namespaces import CPT, SK

    g = load_graph()
    edits = [e for e in g.subjects(SK.editAddOn, CPT["63103"]) if g.value(e, SK.editPrimary) == CPT["63090"]]
    assert len(edits) == 1
    assert str(g.value(edits[0], SK.deletionDate)) == "2015-01-01" and int(g.value(edits[0], SK.editType)) == 1


def test_ncci_bad_file_and_no_import(cli, home):
    r = cli("import", "ncci-addon", str(USER / "ncci_bad.csv"))
    assert r.exit_code == 2 and "line 2" in r.stderr and "line 3" in r.stderr and "nothing imported" in r.stderr
    r = cli("check", "addons")
    assert r.exit_code == 2 and "no NCCI edits imported" in r.stderr
    assert cli("check", "addons", "--as-of", "yesterday").exit_code == 2


def test_ncci_missing_column_is_named(cli, home, tmp_path):
    f = tmp_path / "aoc.csv"
    f.write_text("Primary Code,Add-On Code\n63300,63308\n")
    r = cli("import", "ncci-addon", str(f))
    assert r.exit_code == 2 and "no type column" in r.stderr


def test_ncci_remove(cli, home):
    cli("import", "ncci-addon", str(USER / "ncci_aoc.csv"))
    assert "removed" in cli("import", "ncci-addon", "--remove").stdout
    assert cli("check", "addons").exit_code == 2


def test_compiled_cache_follows_imports(cli, home, tmp_path, monkeypatch):
    """The CLI's compiled catalog is rebuilt when the user's imports change (a fresh process each time)."""
    import shutil
    import subprocess
    import sys

    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path / "cache"))
    exe = shutil.which("spinekg") or str(Path(sys.executable).parent / "spinekg")

    def show():
        r = subprocess.run([exe, "show", "63304", "-f", "json"], capture_output=True, text=True, check=True)
        return json.loads(r.stdout)["descriptor"]

    assert show() is None
    assert list((tmp_path / "cache").glob("catalog-*.json"))  # the compiled form was written
    subprocess.run([exe, "import", "descriptors", str(USER / "descriptors.csv")], check=True, capture_output=True)
    assert show() == "Made-up test wording for a corpectomy code"
    subprocess.run([exe, "import", "descriptors", "--remove"], check=True, capture_output=True)
    assert show() is None


def test_ncci_spreadsheet(cli, home, tmp_path):
    """CMS ships the edits as .xlsx too; read the first sheet with the same columns."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Primary Code", "Add-On Code", "AOC Edit Type", "Primary Code Del Dt", "AOC Del Dt",
               "AOC Edit Eff Dt", "AOC Edit Del Dt", "Special Instruction Notes"])
    ws.append(["63081", "63082", 1, "*", "*", 20130401, "*", None])
    path = tmp_path / "AOC.xlsx"
    wb.save(path)
    r = cli("import", "ncci-addon", str(path))
    assert r.exit_code == 0, r.output
    d = json.loads(cli("check", "addons", "--as-of", "2026-01-01", "-f", "json").stdout)
    assert "63082" not in d["addons_not_in_cms_file"]
    assert d["only_in_spinekg"] == [] and d["only_in_cms"] == []


def test_network_served_from_compiled_cache_is_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path / "cache"))
    from spinekg.graph.load import load_graph
    from spinekg.graph.network import _load_network, load_network, to_networkx

    _load_network.cache_clear()
    load_network()  # builds and writes the cache
    assert list((tmp_path / "cache").glob("network-*.json"))
    _load_network.cache_clear()
    cached = load_network()  # read back from JSON
    fresh = to_networkx(load_graph())
    assert list(cached.nodes(data=True)) == list(fresh.nodes(data=True))
    assert list(cached.edges(keys=True, data=True)) == list(fresh.edges(keys=True, data=True))
