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
    n = json.loads(cli("list", "--lesion", "neoplasm", "--procedure", "laminectomy", "--lesion", "intramedullary",
                       "-f", "json").stdout)
    both = json.loads(cli("list", "--lesion", "neoplasm,intramedullary", "--procedure", "laminectomy", "-f", "json").stdout)
    assert n == both and {"63285", "63286", "63287", "63275"} <= {d["code"] for d in n}


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


def test_filters_or_within_a_facet_and_across_facets(cli, catalog):
    """Repeated or comma-listed values of one facet: any of them; different facets: all of them."""
    def codes(*args):
        return [d["code"] for d in json.loads(cli("list", *args, "-f", "json").stdout)]

    lumbar, sacral = set(codes("--region", "lumbar")), set(codes("--region", "sacral"))
    assert set(codes("--region", "lumbar", "--region", "sacral")) == lumbar | sacral
    assert codes("--region", "lumbar,sacral") == codes("--region", "lumbar", "--region", "sacral")
    corp = set(codes("--procedure", "corpectomy"))
    assert set(codes("--region", "lumbar,sacral", "--procedure", "corpectomy")) == (lumbar | sacral) & corp
    assert set(codes("--kind", "primary,add-on")) == set(catalog.codes)
    helptext = " ".join(cli("list", "--help").stdout.split())
    assert "(OR)" in helptext and "(AND)" in helptext


def test_show_22853_counts_per_interspace_with_sources_and_evidence(cli):
    d = json.loads(cli("show", "22853", "--format", "json").stdout)
    assert d["counting"] == "per-unit" and d["each_additional_unit"] is False and d["unit"] == "interspace"
    assert "each interspace" in d["label"] and "additional" not in d["label"]
    assert d["evidence"] == "confirmed" and d["added_in"] == 2017
    assert d["sources"] and all(u.startswith("https://") for u in d["sources"])
    assert d["link_evidence"]["add_on_to"]["22612"] == {"evidence": "inferred", "inferred_from": ["22841"]}
    text = cli("show", "22853").stdout
    assert "reported once for each interspace, the first one included" in text
    assert text.rstrip().splitlines()[-1].strip() in d["sources"] + d["history_sources"]  # ends with its sources
    assert "[inferred from 22841]" in text


def test_show_deleted_code_with_year_and_replacements(cli):
    r = cli("show", "22851")
    assert r.exit_code == 0
    assert "deleted since 2017" in r.stdout and "replaced by 22853, 22854, 22859" in r.stdout
    d = json.loads(cli("show", "22851", "-f", "json").stdout)
    assert d["status"] == "deleted" and d["deleted_in"] == 2017 and d["replaced_by"] == ["22853", "22854", "22859"]
    unknown = cli("show", "22840").stdout
    assert "year added not known" in unknown


def test_show_inferred_code_names_its_sibling(cli):
    out = cli("show", "63182").stdout
    assert "inferred from 63180" in out and "sources:    none of its own" in out


def test_list_as_of_year(cli):
    def codes(year):
        r = cli("list", "--as-of", str(year), "--procedure", "vertebroplasty", "-f", "json")
        assert r.exit_code == 0, r.output
        return {d["code"]: d["status"] for d in json.loads(r.stdout)}

    assert "22520" in codes(2014) and "22510" not in codes(2014)
    assert codes(2014)["22520"] == "active"  # still valid in 2014
    assert "22510" in codes(2016) and "22520" not in codes(2016)
    bad = cli("list", "--as-of", "1900")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: year 1900")
    assert cli("show", "22510", "--as-of", "2014").stderr.strip() == "error: 22510 is not in the 2014 code set (added 2015)"
    assert "22851" in cli("show", "63081", "--as-of", "2016").stdout
    assert "22851" not in cli("show", "63081", "--as-of", "2017").stdout


def test_diff_2016_2017(cli):
    r = cli("diff", "2016", "2017")
    assert r.exit_code == 0, r.output
    assert "22851" in r.stdout.split("deleted:")[1] and "replaced by 22853, 22854, 22859" in r.stdout
    d = json.loads(cli("diff", "2016", "2017", "--format", "json").stdout)
    assert {"22853", "22854", "22859"} <= {e["code"] for e in d["added"]}
    assert "22851" in {e["code"] for e in d["deleted"]}
    assert all(e["sources"] for e in d["added"] if e["code"] in ("22853", "22854", "22859"))
    rows = list(csv.DictReader(io.StringIO(cli("diff", "2016", "2017", "-f", "csv").stdout)))
    assert {(row["change"], row["code"]) for row in rows} >= {("deleted", "22851"), ("added", "22853")}
    assert next(row for row in rows if row["code"] == "22851")["replaced_by"] == "22853|22854|22859"
    backwards = cli("diff", "2017", "2016")
    assert backwards.exit_code == 2 and backwards.stderr.startswith("error: FROM")


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "tsv"])
def test_list_evidence_confirmed_every_format(cli, catalog, fmt):
    r = cli("list", "--evidence", "confirmed", "-f", fmt)
    assert r.exit_code == 0, r.output
    confirmed = {c for c, rec in catalog.codes.items() if rec.evidence == "confirmed"}
    if fmt == "json":
        rows = json.loads(r.stdout)
        assert {d["code"] for d in rows} == confirmed and {d["evidence"] for d in rows} == {"confirmed"}
        by = {d["code"]: d for d in rows}
        assert by["22840"]["add_on_to"] == [] and by["22853"]["add_on_to"] == []  # their links are not confirmed
        assert "63308" in by["63304"]["add_ons"]
    elif fmt in ("csv", "tsv"):
        rows = list(csv.DictReader(io.StringIO(r.stdout), delimiter="," if fmt == "csv" else "\t"))
        assert {row["code"] for row in rows} == confirmed
    else:
        assert r.stdout.rstrip().endswith(f"({len(confirmed)} codes)")
        listed = {line.split()[0] for line in r.stdout.splitlines()[:-1]}
        assert listed == confirmed and "63182" not in listed  # inferred / unconfirmed codes dropped
    bad = cli("list", "--evidence", "sure")
    assert bad.exit_code == 2 and "valid values: confirmed, inferred, unconfirmed" in bad.stderr


def test_one_tabular_schema(cli, tmp_path):
    from spinekg.graph.model import TABLE_COLUMNS

    csv_header = cli("list", "-f", "csv").stdout.splitlines()[0]
    tsv_header = cli("list", "-f", "tsv").stdout.splitlines()[0]
    keys = list(json.loads(cli("list", "-f", "json").stdout)[0])
    r = cli("export", "csv", "-o", str(tmp_path / "codes.csv"))
    assert r.exit_code == 0, r.output
    export_header = (tmp_path / "codes.csv").read_text(encoding="utf-8").splitlines()[0]
    assert csv_header == export_header == ",".join(TABLE_COLUMNS) == tsv_header.replace("\t", ",")
    assert keys == list(TABLE_COLUMNS)
    for column in ("sources", "evidence", "counting", "replaced_by"):
        assert column in TABLE_COLUMNS


README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("command", ["spinekg show 63304", "spinekg list --procedure vertebroplasty --as-of 2014",
                                     "spinekg diff 2016 2017"])
def test_readme_console_examples_hold(cli, command):
    """The README's printed output of these commands appears, in order, in what they print now ('…' skips)."""
    import re
    import shlex

    block = re.search(r"\$ " + re.escape(command) + r"\n(.*?)(?:\n\$ |\n```)", README.read_text(encoding="utf-8"), re.S)
    assert block, f"README has no console example of {command}"
    expected = [line for line in block[1].splitlines() if line.strip() and line.strip() != "…"]
    got = cli(*shlex.split(command)[1:]).stdout.splitlines()
    pos = 0
    for line in expected:
        assert line in got[pos:], f"README line not printed (in order) by {command}: {line!r}"
        pos = got.index(line, pos) + 1
