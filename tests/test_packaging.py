"""The wheel holds one top-level package, `spinekg`, with every subpackage of the checkout in it."""
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"spinekg": "spinekg", "spinekg.graph": "graph", "spinekg.ontology": "ontology", "spinekg.exports": "exports"}


def _config():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_only_spinekg_at_the_top():
    cfg = _config()
    assert {p.split(".")[0] for p in cfg["packages"]} == {"spinekg"}
    assert cfg["package-dir"] == MAPPED


def test_every_subpackage_is_packaged():
    listed = set(_config()["packages"])
    found = set()
    for name, folder in MAPPED.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([name, *rel.parts]))
    assert found - listed == set(), f"add to pyproject's packages: {sorted(found - listed)}"


def test_data_folders_are_packaged():
    cfg = _config()
    for pkg, folder in (("spinekg.graph.data", "graph/data"), ("spinekg.graph.queries", "graph/queries")):
        assert pkg in cfg["packages"], pkg
        assert any((ROOT / folder).iterdir())
