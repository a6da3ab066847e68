"""`spinekg export`: the registry feeds the CLI, and the safety rules hold for every writer."""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat

import pytest

from spinekg.exports.registry import FORMATS


def listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.fixture(scope="module")
def exported_twice(tmp_path_factory):
    """`spinekg export all` run twice into two folders (the CLI in-process)."""
    from typer.testing import CliRunner

    from spinekg.cli import app

    runner = CliRunner()
    base = tmp_path_factory.mktemp("all")
    results = []
    for name in ("one", "two"):
        r = runner.invoke(app, ["export", "all", "-o", str(base / name)])
        assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
        results.append(base / name)
    return results


# ---------------------------------------------------------------- registry and CLI

def test_cli_formats_come_from_the_registry(cli):
    r = cli("export", "--help")
    assert r.exit_code == 0
    for name, fmt in FORMATS.items():
        assert name in r.stdout and fmt.filename in r.stdout
    assert "Example: spinekg export" in r.stdout
    for fmt in FORMATS.values():
        assert callable(fmt.load())


def test_unknown_format_lists_the_valid_ones(cli):
    r = cli("export", "xlsx")
    assert r.exit_code == 2
    assert "unknown format 'xlsx'" in r.stderr
    for name in [*FORMATS, "all"]:
        assert name in r.stderr
    assert "Traceback" not in r.stderr


def test_export_all_writes_every_format_and_a_true_manifest(exported_twice):
    out = exported_twice[0]
    manifest = json.loads((out / "manifest.json").read_text())
    files = {e["file"]: e for e in manifest["files"]}
    assert {e["format"] for e in manifest["files"]} == set(FORMATS)
    on_disk = {p for p in listing(out) if (out / p).is_file() and p != "manifest.json"}
    assert set(files) == on_disk
    for name, entry in files.items():
        data = (out / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)
    from rdflib import Graph

    assert len(Graph().parse(out / "spinekg.nt", format="nt")) == files["spinekg.nt"]["triples"]
    concept = (out / "spinekg-omop" / "CONCEPT.csv").read_text().splitlines()
    assert files["spinekg-omop/CONCEPT.csv"]["rows"] == len(concept) - 1
    csv_lines = (out / "spinekg.csv").read_text().splitlines()
    assert files["spinekg.csv"]["rows"] == len(csv_lines) - 1 == manifest["codes"]


def test_exports_are_deterministic(exported_twice):
    one, two = exported_twice
    assert listing(one) == listing(two)
    for rel in listing(one):
        if (one / rel).is_file():
            assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel


def test_written_files_have_ordinary_permissions(exported_twice):
    mode = stat.S_IMODE((exported_twice[0] / "spinekg.ttl").stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    assert mode == 0o666 & ~mask  # not mkstemp's 0600


def test_default_output_goes_to_the_current_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("export", "csv")
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / FORMATS["csv"].filename).is_file()
    assert "wrote spinekg.csv" in r.stderr


def test_output_into_an_existing_folder_uses_the_default_name(cli, tmp_path):
    r = cli("export", "sssom", "-o", str(tmp_path))
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / FORMATS["sssom"].filename).is_file()


def test_missing_folder_is_an_error_and_nothing_is_created(cli, tmp_path):
    r = cli("export", "turtle", "-o", str(tmp_path / "nope" / "x.ttl"))
    assert r.exit_code == 2 and "does not exist" in r.stderr
    assert listing(tmp_path) == []


# ---------------------------------------------------------------- stdout

def test_stdout_mode_for_one_file_formats(cli, graph):
    from rdflib import Graph
    from rdflib.compare import isomorphic

    r = cli("export", "turtle", "-o", "-")
    assert r.exit_code == 0, r.stderr
    assert isomorphic(Graph().parse(data=r.stdout_bytes, format="turtle"), graph)
    r = cli("export", "csv", "-o", "-", "--region", "lumbar", "--kind", "primary")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("code,kind,label")
    listed = cli("list", "--region", "lumbar", "--kind", "primary", "--format", "json")
    assert [line.split(",", 1)[0] for line in lines[1:]] == [d["code"] for d in json.loads(listed.stdout)]


@pytest.mark.parametrize("fmt", ["omop", "all"])
def test_stdout_refused_for_folder_formats(cli, fmt):
    r = cli("export", fmt, "-o", "-")
    assert r.exit_code == 2 and "-o -" in r.stderr and r.stdout == ""


# ---------------------------------------------------------------- never overwrite without --force

@pytest.mark.parametrize("fmt", [n for n, f in FORMATS.items() if not f.multi_file])
def test_refusal_keeps_old_bytes_and_force_replaces(cli, tmp_path, fmt):
    target = tmp_path / FORMATS[fmt].filename
    target.write_bytes(b"old bytes\n")
    r = cli("export", fmt, "-o", str(target))
    assert r.exit_code == 2 and "--force" in r.stderr
    assert target.read_bytes() == b"old bytes\n"
    r = cli("export", fmt, "-o", str(target), "--force")
    assert r.exit_code == 0, r.stderr
    assert target.read_bytes() != b"old bytes\n"
    assert listing(tmp_path) == [target.name]  # no temporary left behind


def test_folder_format_refuses_if_any_member_exists(cli, tmp_path):
    folder = tmp_path / "omop"
    folder.mkdir()
    (folder / "RELATIONSHIP.csv").write_bytes(b"mine")
    r = cli("export", "omop", "-o", str(folder))
    assert r.exit_code == 2
    assert listing(folder) == ["RELATIONSHIP.csv"] and (folder / "RELATIONSHIP.csv").read_bytes() == b"mine"
    assert cli("export", "omop", "-o", str(folder), "--force").exit_code == 0
    assert set(listing(folder)) == set(FORMATS["omop"].members)


def test_export_all_refuses_before_any_work_if_one_target_exists(cli, tmp_path, monkeypatch):
    (tmp_path / "spinekg.gexf").write_bytes(b"keep me")
    import spinekg.exports.registry

    def no_build(*a, **k):
        raise AssertionError("built although a target exists")

    monkeypatch.setattr(spinekg.exports.registry, "build", no_build)
    monkeypatch.setattr("spinekg.exports.manifest.build", no_build)
    r = cli("export", "all", "-o", str(tmp_path))
    assert r.exit_code == 2 and "spinekg.gexf" in r.stderr
    assert listing(tmp_path) == ["spinekg.gexf"] and (tmp_path / "spinekg.gexf").read_bytes() == b"keep me"


# ---------------------------------------------------------------- atomic writes

def test_crash_mid_write_leaves_old_file_whole_and_no_temporary(cli, tmp_path, monkeypatch):
    target = tmp_path / "spinekg.ttl"
    target.write_bytes(b"old turtle\n")
    import spinekg.exports.atomic

    real_fsync = os.fsync

    def crash(fd):  # the data is half on its way to disk when the process "dies"
        raise OSError("disk on fire")

    monkeypatch.setattr(spinekg.exports.atomic.os, "fsync", crash)
    r = cli("export", "turtle", "-o", str(target), "--force")
    assert r.exit_code != 0
    assert target.read_bytes() == b"old turtle\n"
    assert listing(tmp_path) == ["spinekg.ttl"]
    monkeypatch.setattr(spinekg.exports.atomic.os, "fsync", real_fsync)
    assert cli("export", "turtle", "-o", str(target), "--force").exit_code == 0
    assert target.read_bytes().startswith(b"PREFIX")


def test_crash_in_the_rename_leaves_no_temporary(tmp_path, monkeypatch):
    from spinekg.exports.atomic import write_atomic

    target = tmp_path / "x.csv"
    target.write_text("old")

    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr("spinekg.exports.atomic.os.replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new", force=True)
    assert target.read_text() == "old" and listing(tmp_path) == ["x.csv"]


def test_a_failing_writer_leaves_nothing(cli, tmp_path, monkeypatch):
    def broken(source):
        raise RuntimeError("writer bug")

    import spinekg.exports.fhir

    monkeypatch.setattr(spinekg.exports.fhir, "write_fhir", broken)
    r = cli("export", "all", "-o", str(tmp_path / "out"))
    assert r.exit_code != 0
    assert not (tmp_path / "out").exists() or listing(tmp_path / "out") == []


# ---------------------------------------------------------------- filters and html options

def test_filters_select_a_subset_and_bad_values_are_one_line_errors(cli, tmp_path):
    r = cli("export", "fhir", "-o", str(tmp_path / "f.json"), "--procedure", "corpectomy", "--region", "cervical")
    assert r.exit_code == 0, r.stderr
    cs = json.loads((tmp_path / "f.json").read_text())["entry"][0]["resource"]
    codes = {c["code"] for c in cs["concept"] if "-" not in c["code"]}
    listed = json.loads(cli("list", "--procedure", "corpectomy", "--region", "cervical", "--format", "json").stdout)
    assert codes == {d["code"] for d in listed}
    r = cli("export", "fhir", "-o", str(tmp_path / "g.json"), "--region", "lumbr")
    assert r.exit_code == 2 and "unknown region 'lumbr'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "g.json").exists()
    r = cli("export", "csv", "-o", "-", "--procedure", "cordotomy", "--approach", "lateral extracavitary")
    assert r.exit_code == 2 and "no codes match" in r.stderr


def test_html_options_only_for_html(cli):
    r = cli("export", "csv", "-o", "-", "--focus", "63304")
    assert r.exit_code == 2 and "html" in r.stderr


def test_html_export_with_focus_depth_layout(cli, tmp_path):
    pytest.importorskip("exports.html")
    out = tmp_path / "g.html"
    r = cli("export", "html", "-o", str(out), "--focus", "63304", "--depth", "1", "--layout", "hierarchical")
    assert r.exit_code == 0, r.stderr
    text = out.read_text()
    assert "63304" in text and "<html" in text.lower()
    assert not re.search(r'<(script|link)[^>]+(src|href)\s*=\s*["\']?(https?:)?//', text, re.I)  # offline
    r = cli("export", "html", "-o", str(tmp_path / "h.html"), "--focus", "63999")
    assert r.exit_code == 2 and "63999" in r.stderr
    assert not (tmp_path / "h.html").exists()
