"""`spinekg explore` keeps the rendered page beside the compiled cache: a repeat run writes the kept
page (no pyvis, no networkx), which is byte for byte the page a fresh render gives; a damaged kept
page is rendered again without a word; the data, the user's imports, the layout and the renderer's
code each change the page's key."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

USER = Path(__file__).parent / "fixtures" / "user"


@pytest.fixture()
def env(tmp_path):
    """A process environment with its own cache and data folders."""
    return {**os.environ, "SPINEKG_CACHE": str(tmp_path / "cache"), "SPINEKG_HOME": str(tmp_path / "home")}


def explore(env, out: Path, *args: str, seed: str = "0") -> subprocess.CompletedProcess:
    r = subprocess.run([sys.executable, "-m", "spinekg", "explore", "-o", str(out), "--no-open", "--force", *args],
                       env={**env, "PYTHONHASHSEED": seed}, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    return r


def kept_pages(env) -> list[Path]:
    return sorted(Path(env["SPINEKG_CACHE"]).glob("explorer-*.json"))


def test_kept_page_is_the_rendered_page(env, tmp_path):
    explore(env, tmp_path / "first.html", seed="1")
    assert len(kept_pages(env)) == 1
    explore(env, tmp_path / "second.html", seed="2")
    fresh = {**env, "SPINEKG_CACHE": str(tmp_path / "other-cache")}  # rendered anew, other hash seed
    explore(fresh, tmp_path / "fresh.html", seed="3")
    first = (tmp_path / "first.html").read_bytes()
    assert (tmp_path / "second.html").read_bytes() == first
    assert (tmp_path / "fresh.html").read_bytes() == first


def test_damaged_kept_page_is_rendered_again(env, tmp_path):
    explore(env, tmp_path / "good.html")
    page, = kept_pages(env)
    raw = bytearray(page.read_bytes())
    at = raw.index(b"<!DOCTYPE html>") + 2
    raw[at] ^= 0x20  # one flipped bit inside the page: the checksum line no longer fits
    page.write_bytes(bytes(raw))
    explore(env, tmp_path / "again.html")
    assert (tmp_path / "again.html").read_bytes() == (tmp_path / "good.html").read_bytes()
    page.write_bytes(b"garbage")
    explore(env, tmp_path / "third.html")
    assert (tmp_path / "third.html").read_bytes() == (tmp_path / "good.html").read_bytes()
    assert len(kept_pages(env)) == 1 and kept_pages(env)[0].read_bytes() != b"garbage"


def test_layouts_are_kept_apart(env, tmp_path):
    explore(env, tmp_path / "force.html")
    explore(env, tmp_path / "hier.html", "--layout", "hierarchical")
    assert [p.name.split("-v")[0] for p in kept_pages(env)] == ["explorer-force", "explorer-hierarchical"]
    explore(env, tmp_path / "force2.html")
    assert (tmp_path / "force2.html").read_bytes() == (tmp_path / "force.html").read_bytes()
    assert (tmp_path / "hier.html").read_bytes() != (tmp_path / "force.html").read_bytes()


def test_imported_descriptors_reach_a_kept_page(env, tmp_path):
    explore(env, tmp_path / "before.html")
    assert b"Made-up test wording" not in (tmp_path / "before.html").read_bytes()
    r = subprocess.run([sys.executable, "-m", "spinekg", "import", "descriptors", str(USER / "descriptors.csv")],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    explore(env, tmp_path / "after.html")
    assert b"Made-up test wording" in (tmp_path / "after.html").read_bytes()
    assert len(kept_pages(env)) == 1  # the page of the old catalog made way


def test_renderer_code_is_in_the_key(tmp_path, monkeypatch):
    import spinekg.exports
    import spinekg.graph
    from spinekg.commands import explore as command

    for pkg in (spinekg.exports, spinekg.graph):  # a copy of the renderer's files to edit
        src = Path(pkg.__file__).parent
        dest = tmp_path / src.name
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "data", "queries", "sparql",
                                                                 "spine-section"))
        monkeypatch.setattr(pkg, "__file__", str(dest / "__init__.py"))
    before = command.page_key("force")
    assert command.page_key("hierarchical") != before
    asset = next((tmp_path / "exports" / "assets").glob("*.js"))
    asset.write_text(asset.read_text(encoding="utf-8") + "\n// edited\n", encoding="utf-8")
    assert command.page_key("force") != before
