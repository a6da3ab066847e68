"""Damaged state: a broken compiled cache is rebuilt silently; a broken import store is one line
naming the file and the command that removes it, and every other command still works."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

USER = Path(__file__).parent / "fixtures" / "user"
EXE = shutil.which("spinekg") or str(Path(sys.executable).parent / "spinekg")

# Each way a JSON file can be damaged: name -> a function making it so at path.
def _write(data: bytes):
    return lambda p: p.write_bytes(data)


def _fifo(p: Path):
    os.mkfifo(p)


def _folder(p: Path):
    p.mkdir()


def _dangling(p: Path):
    p.symlink_to(p.with_name("gone"))


DAMAGE = {
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "empty": _write(b""),
    "binary garbage": _write(bytes(range(256)) * 4),
    "invalid utf-8": _write(b'{"a": "\xff\xfe"}'),
    "json null": _write(b"null"),
    "json list": _write(b"[1, 2, 3]"),
    "json string": _write(b'"descriptors"'),
    "wrong-typed fields": _write(b'{"source_file": 1, "imported_on": [], "sha256": {}, "descriptors": 5, "edits": 5}'),
    "wrong-typed entries": None,  # per store, below
    "directory": _folder,
    "fifo": _fifo,
    "dangling symlink": _dangling,
    "unreadable": None,  # EACCES, below
}


def run(*args, env, timeout=60):
    r = subprocess.run([EXE, *args], capture_output=True, text=True, env=env, timeout=timeout)
    assert "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture()
def env(tmp_path):
    e = dict(os.environ, SPINEKG_HOME=str(tmp_path / "home"), SPINEKG_CACHE=str(tmp_path / "cache"))
    return e


# ------------------------------------------------------------------ the compiled cache

CACHE_DAMAGE = {k: v for k, v in DAMAGE.items() if v is not None and k != "dangling symlink"}
CACHE_DAMAGE["edited json, checksum kept"] = lambda p: p.write_bytes(
    p.read_bytes().replace(b'"63304"', b'"99999"', 1))


@pytest.fixture(scope="module")
def pristine_cache(tmp_path_factory):
    """The compiled catalog and network as a real run writes them (one subprocess for the module)."""
    base = tmp_path_factory.mktemp("cache")
    env = dict(os.environ, SPINEKG_HOME=str(base / "home"), SPINEKG_CACHE=str(base / "cache"))
    # `show` reads the catalog, `path` the network (two codes of it need no catalog)
    assert run("show", "63304", env=env).returncode == 0
    assert run("path", "63304", "22853", env=env).returncode == 0
    files = {f.name: f.read_bytes() for f in (base / "cache").glob("*.json")}
    assert {n.split("-")[0] for n in files} == {"catalog", "network"}
    return files


@pytest.mark.parametrize("how", sorted(CACHE_DAMAGE))
def test_damaged_cache_is_rebuilt_silently(pristine_cache, tmp_path, monkeypatch, how):
    """Every damage is detected on reading, the file removed, and the catalog rebuilt whole."""
    from spinekg.graph import compiled
    from spinekg.graph.model import _load_catalog

    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("SPINEKG_CACHE", str(cache))
    for name, data in pristine_cache.items():
        (cache / name).write_bytes(data)
        key, kind = name.split("-")[2].removesuffix(".json"), name.split("-")[0]
        assert compiled.read_cached(key, kind) is not None  # the pristine file reads back
        CACHE_DAMAGE[how](cache / name) if how not in ("directory", "fifo") else \
            ((cache / name).unlink(), CACHE_DAMAGE[how](cache / name))
        assert compiled.read_cached(key, kind) is None, name
        assert not os.path.lexists(cache / name)  # removed, so the rebuild can write it
    key = next(n for n in pristine_cache if n.startswith("catalog")).split("-")[2].removesuffix(".json")
    catalog = _load_catalog.__wrapped__(key)  # the rebuild path, bypassing this process's memo
    assert "63304" in catalog.codes
    assert compiled.read_cached(key) is not None
    assert sorted(os.listdir(cache)) == [f"catalog-{compiled.FORMAT}-{key}.json"]  # no temporaries


@pytest.mark.parametrize("how", ["truncated", "directory"])
def test_damaged_cache_end_to_end(pristine_cache, env, tmp_path, how):
    """The real CLI in a fresh process: damaged cache files, same output, nothing on stderr."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for name, data in pristine_cache.items():
        if how == "directory":
            (cache / name).mkdir()
        else:
            (cache / name).write_bytes(data[: len(data) // 2])
    for command in (("show", "63304"), ("path", "63304", "22853")):
        r = run(*command, env=env)
        assert r.returncode == 0 and r.stderr == "" and "63304" in r.stdout, command
    assert {f.name: f.read_bytes() for f in cache.iterdir()} == pristine_cache  # rebuilt identically


def test_unreadable_cache_is_rebuilt(monkeypatch, tmp_path):
    """EACCES on the cache file (as root chmod does not stop reads, so the error is injected)."""
    from spinekg.graph import compiled

    monkeypatch.setenv("SPINEKG_CACHE", str(tmp_path / "cache"))
    compiled.write_cached("k" * 32, {"x": 1})
    assert compiled.read_cached("k" * 32) == {"x": 1}
    real_open = os.open

    def deny(path, *a, **kw):
        if str(path).endswith(".json"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(os, "open", deny)
    assert compiled.read_cached("k" * 32) is None


# ------------------------------------------------------------------ the user's import stores

STORES = {"descriptors": ("descriptors.json", "descriptors", USER / "descriptors.csv"),
          "ncci-addon": ("ncci-addons.json", "ncci-addon", USER / "ncci_aoc.csv")}


def _damage_store(path: Path, how: str, store: str) -> None:
    if how == "wrong-typed entries":
        record = json.loads(path.read_text())
        if store == "descriptors":
            record["descriptors"] = {"63304": 5, "not a code": "x"}
        else:  # the NCCI store keeps a list of imports, each with its rows
            record["imports"] = [{"kind": "aoc", "rows": [{"addon": 1}]}]
        path.write_text(json.dumps(record))
        return
    if how in ("directory", "fifo", "dangling symlink"):
        path.unlink()
    DAMAGE[how](path)


STORE_CASES = [(store, how) for store in sorted(STORES) for how in sorted(k for k in DAMAGE if k != "unreadable")]


@pytest.mark.parametrize("store,how", STORE_CASES)
def test_damaged_store_is_one_line_and_other_commands_work(cli, tmp_path, monkeypatch, store, how):
    home = tmp_path / "home"
    monkeypatch.setenv("SPINEKG_HOME", str(home))
    name, command, fixture = STORES[store]
    assert cli("import", command, str(fixture)).exit_code == 0
    _damage_store(home / name, how, store)

    for args in (("show", "63304"), ("list", "--kind", "add-on"), ("find", "--procedure", "corpectomy")):
        r = cli(*args)
        assert r.exit_code == 0, (args, r.output)
        lines = r.stderr.splitlines()
        assert len(lines) <= 1, lines  # the warning once per process at most
        if lines:
            assert str(home / name) in lines[0] and f"spinekg import {command} --remove" in lines[0]
    assert cli("show", "63304", "-f", "json").exit_code == 0
    if store == "ncci-addon":  # the one command that needs the edits fails with the same line
        r = cli("check", "addons")
        assert r.exit_code == 2 and len(r.stderr.splitlines()) <= 2

    r = cli("import", command, "--remove")
    assert r.exit_code == 0 and "removed" in r.stdout, r.output
    assert not os.path.lexists(home / name)
    r = cli("show", "63304")
    assert r.exit_code == 0 and r.stderr == ""


def test_damaged_store_warns_on_every_run(env, tmp_path):
    """The catalog built without the damaged store is not cached, so each run says so again."""
    home = tmp_path / "home"
    assert run("import", "descriptors", str(USER / "descriptors.csv"), env=env).returncode == 0
    (home / "descriptors.json").write_text("{")
    for _ in range(2):
        r = run("show", "63304", env=env)
        assert r.returncode == 0
        assert r.stderr.splitlines() == [
            f"warning: {home / 'descriptors.json'}: the stored descriptors are damaged (not valid JSON) and "
            "are left out; remove it with `spinekg import descriptors --remove`"]


def test_unreadable_store(cli, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SPINEKG_HOME", str(home))
    assert cli("import", "descriptors", str(USER / "descriptors.csv")).exit_code == 0
    target = str(home / "descriptors.json")
    real_open = os.open

    def deny(path, *a, **kw):
        if str(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **kw)

    monkeypatch.setattr(os, "open", deny)
    r = cli("show", "63304")
    assert r.exit_code == 0
    assert r.stderr.splitlines() == [
        f"warning: {target}: the stored descriptors are damaged (cannot read (Permission denied)) and are "
        "left out; remove it with `spinekg import descriptors --remove`"]
    from spinekg.graph.descriptors import load_descriptors
    from spinekg.graph.errors import SpinekgError

    with pytest.raises(SpinekgError, match="damaged"):
        load_descriptors(strict=True)


def test_non_empty_folder_in_place_of_a_store_is_not_deleted(cli, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("SPINEKG_HOME", str(home))
    (home / "descriptors.json").mkdir(parents=True)
    (home / "descriptors.json" / "keep.txt").write_text("mine")
    assert cli("show", "63304").exit_code == 0
    r = cli("import", "descriptors", "--remove")
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 1 and "move it away yourself" in r.stderr
    assert (home / "descriptors.json" / "keep.txt").read_text() == "mine"
