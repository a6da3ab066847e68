"""The public API: plain values from SPARQL, records, errors; the CLI path never imports pandas."""
import subprocess
import sys

import pytest

import spinekg


def test_query_plain_values_and_terms():
    rows = spinekg.query("SELECT ?c ?max ?r WHERE { ?c sk:maxUnits ?max ; sk:region ?r } ORDER BY ?c LIMIT 3")
    assert rows.variables == ["c", "max", "r"]
    assert all(isinstance(r["c"], str) and r["c"].isdigit() for r in rows)
    assert all(isinstance(r["max"], int) for r in rows)
    assert all(isinstance(r["r"], str) and not r["r"].startswith("http") for r in rows)
    assert len(rows.terms) == len(rows) and rows.terms[0][0].kind == "uri"


def test_query_facet_values_by_name():
    rows = spinekg.query("SELECT ?r WHERE { cpt:63087 sk:region ?r }")
    assert sorted(r["r"] for r in rows) == sorted(spinekg.code("63087").regions)


def test_query_raw_and_construct():
    raw = spinekg.query("SELECT ?c WHERE { ?c a sk:AddOnCode } LIMIT 1", raw=True)
    assert raw.form == "SELECT" and raw.rows
    triples = spinekg.query("CONSTRUCT { ?c sk:addOnTo ?p } WHERE { cpt:63048 sk:addOnTo ?p . BIND(cpt:63048 AS ?c) }")
    assert {t["object"] for t in triples} == set(spinekg.code("63048").add_on_to)


def test_errors_are_spinekg_errors():
    with pytest.raises(spinekg.SpinekgError):
        spinekg.code("99999")
    with pytest.raises(spinekg.SpinekgError):
        spinekg.query("SELECT ?x WHERE { ?x ")
    with pytest.raises(spinekg.SpinekgError):
        spinekg.query("no-such-saved-query")


def test_codes_filters_match_cli(cli):
    import json

    via_cli = json.loads(cli("list", "--region", "lumbar", "--format", "json").stdout)
    assert [r.code for r in spinekg.codes(region="lumbar")] == [r["code"] for r in via_cli]


def test_as_frame_columns_match_list_csv(cli):
    df = spinekg.codes(procedure="corpectomy", as_frame=True)
    header = cli("list", "--procedure", "corpectomy", "--format", "csv").stdout.splitlines()[0].split(",")
    assert list(df.columns) == header
    assert list(df["code"]) == [r.code for r in spinekg.codes(procedure="corpectomy")]


def test_import_spinekg_is_light():
    code = ("import sys, spinekg; heavy = [m for m in ('rdflib', 'networkx', 'pyvis', 'pandas', 'pyoxigraph') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
