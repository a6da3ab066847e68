"""Every command through typer's runner, and the installed console script once in a subprocess."""
import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def test_show_json_contract(cli):
    r = cli("show", "63304", "--format", "json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    for key in ["code", "label", "kind", "regions", "approaches", "procedures", "lesion_compartments",
                "lesion_natures", "unit", "min_units", "max_units", "add_on_to", "add_ons", "group", "status"]:
        assert key in d, key
    assert d["code"] == "63304" and d["kind"] == "primary"
    assert d["regions"] == ["cervical"] and d["approaches"] == ["anterior"]
    assert "corpectomy" in d["procedures"] and d["lesion_compartments"] == ["intradural"]
    assert "63308" in d["add_ons"] and "22845" in d["add_ons"]  # its own add-on and cross-range ones
    assert d["group"] == "63300-63308" and d["status"] == "active"
    assert d["unit"] == "vertebral segment" and d["min_units"] == 1 and d["max_units"] == 1


def test_show_json_multiword_names(cli):
    d = json.loads(cli("show", "63102", "-f", "json").stdout)
    assert d["approaches"] == ["lateral extracavitary"]


def test_show_addon_lists_primaries(cli):
    r = cli("show", "63308")
    assert r.exit_code == 0
    for code in range(63300, 63308):
        assert str(code) in r.stdout
    assert "reported with these primaries" in r.stdout
    d = json.loads(cli("show", "63308", "-f", "json").stdout)
    assert d["kind"] == "add-on" and d["add_on_to"] == [str(c) for c in range(63300, 63308)]


def test_show_text_card_has_siblings(cli):
    out = cli("show", "63304").stdout
    assert "siblings in 63300-63308" in out and "63307" in out and "add-ons:" in out


def test_unknown_code_is_one_line_exit_2(cli):
    r = cli("show", "63999")
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: unknown code 63999 (closest: 63307, 63308)"
    assert "Traceback" not in r.output


def test_list_filters_and(cli):
    r = cli("list", "--procedure", "corpectomy", "--region", "lumbar", "-f", "json")
    codes = [d["code"] for d in json.loads(r.stdout)]
    assert codes == ["63087", "63088", "63090", "63091", "63102", "63103", "63303", "63307", "63308"]
    assert all("lumbar" in d["regions"] and "corpectomy" in d["procedures"] for d in json.loads(r.stdout))
    r = cli("list", "--procedure", "corpectomy", "--region", "lumbar", "--kind", "primary", "-f", "json")
    assert [d["code"] for d in json.loads(r.stdout)] == ["63087", "63090", "63102", "63303", "63307"]


def test_list_loose_names_and_lesion(cli):
    a = json.loads(cli("list", "--approach", "Lateral-Extracavitary", "-f", "json").stdout)
    assert [d["code"] for d in a] == ["22532", "22533", "22534", "63101", "63102", "63103"]
    n = json.loads(cli("list", "--lesion", "neoplasm", "--lesion", "intramedullary", "-f", "json").stdout)
    assert [d["code"] for d in n] == ["63285", "63286", "63287"]


def test_list_unknown_value_lists_valid(cli):
    r = cli("list", "--region", "lumbr")
    assert r.exit_code == 2
    assert "unknown region 'lumbr'; valid values: cervical, lumbar, sacral, thoracic" in r.stderr


@pytest.mark.parametrize("fmt,delim", [("csv", ","), ("tsv", "\t")])
def test_list_delimited(cli, fmt, delim):
    r = cli("list", "--region", "sacral", "-f", fmt)
    rows = list(csv.DictReader(io.StringIO(r.stdout), delimiter=delim))
    assert rows and rows[0]["code"] == "22015"
    assert {row["code"] for row in rows} >= {"22015", "63011", "63268", "63273", "63278", "63283"}
    assert all("sacral" in row["regions"].split("|") for row in rows)


def test_list_text_counts(cli):
    out = cli("list", "--kind", "add-on").stdout
    assert out.strip().splitlines()[-1].startswith("(") and "63308" in out


def test_validate_ok_and_broken(cli):
    assert cli("validate").exit_code == 0
    r = cli("validate", str(FIXTURES / "broken" / "two_kinds.ttl"))
    assert r.exit_code == 1
    assert "cpt:63304" in r.stdout and "exactly one of sk:PrimaryCode" in r.stdout


def test_validate_malformed_file_names_line(cli):
    r = cli("validate", str(FIXTURES / "malformed.ttl"))
    assert r.exit_code == 2
    line = r.stderr.strip()
    assert "\n" not in line and "malformed.ttl: line 4" in line


def test_validate_missing_and_unsupported_files(cli, tmp_path):
    r = cli("validate", str(tmp_path / "nope.ttl"))
    assert r.exit_code == 2 and "cannot read" in r.stderr
    other = tmp_path / "x.rdf"
    other.write_text("<rdf/>")
    r = cli("validate", str(other))
    assert r.exit_code == 2 and "unsupported file type .rdf" in r.stderr


def test_validate_never_fetches(cli, tmp_path):
    """A file that names remote IRIs (even owl:imports) is read as data only."""
    f = tmp_path / "imports.ttl"
    f.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                 "<urn:x> owl:imports <http://127.0.0.1:9/never.ttl> .\n")
    r = cli("validate", str(f))
    assert r.exit_code == 0, r.output


def test_version_and_help_examples(cli):
    from spinekg import __version__

    assert cli("--version").stdout.strip() == f"spinekg {__version__}"
    for command in ["show", "list", "validate"]:
        r = cli(command, "--help")
        assert r.exit_code == 0 and "Example: spinekg " + command in r.stdout, command


def test_bad_format_is_usage_error(cli):
    assert cli("show", "63304", "--format", "xml").exit_code == 2


def test_console_script_installed(tmp_path):
    exe = shutil.which("spinekg") or str(Path(sys.executable).parent / "spinekg")
    r = subprocess.run([exe, "show", "63304", "--format", "json"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["code"] == "63304"
    r = subprocess.run([exe, "show", "99999"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.strip().startswith("error: unknown code 99999")
    assert "Traceback" not in r.stderr
    r = subprocess.run([exe, "show", "63304", "--format", "xml"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # read commands write nothing
