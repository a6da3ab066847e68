"""Dependencies point one way: ontology <- graph <- exports <- the spinekg app (cli.py, commands/).

Every import statement is read from the source with ast (those inside functions too, which is where
the lazy ones live), so a late `from spinekg.exports... import` in graph/ is caught as well."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# folder -> the packages its modules must not import
FORBIDDEN = {
    "graph": ("spinekg.exports", "spinekg.commands", "spinekg.cli"),
    "ontology": ("spinekg.graph", "spinekg.exports", "spinekg.commands", "spinekg.cli"),
}


def imported_modules(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]  # from spinekg import exports
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def violations(folder: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        rel = path.relative_to(ROOT)
        package = ".".join(["spinekg", *rel.parent.parts])
        for line, module in imported_modules(path, package):
            if any(module == f or module.startswith(f + ".") for f in FORBIDDEN[folder]):
                bad.append(f"{rel}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_no_import_against_the_direction(folder):
    assert violations(folder) == []


def test_the_check_sees_lazy_relative_and_dynamic_imports(tmp_path):
    mod = tmp_path / "m.py"
    mod.write_text("def f():\n    from spinekg.exports.atomic import write_atomic\n"
                   "from ..exports import html\nfrom spinekg import commands\n"
                   "import importlib\nimportlib.import_module('spinekg.commands.codes')\n", encoding="utf-8")
    names = [m for _, m in imported_modules(mod, "spinekg.graph")]
    assert "spinekg.exports.atomic" in names
    assert "spinekg.exports.html" in names
    assert "spinekg.commands" in names
    assert "spinekg.commands.codes" in names
