"""spinekg: a knowledge graph of spine procedure codes.

The public API (documented in the README's "Python" section) is loaded on first use, so that
`import spinekg` stays cheap for the CLI::

    import spinekg
    spinekg.code("63304").label
"""
import os as _os

__version__ = "0.1.0"

__all__ = ["__version__", "codes", "code", "to_pandas", "graph", "store", "network", "query", "plain",
           "Rows", "find", "path", "compare", "render_html", "check_claim", "Finding", "SpinekgError"]

# From a checkout (no install), `spinekg.graph`, `spinekg.ontology` and `spinekg.exports` live in
# the design card's top-level folders beside this package; an installed wheel has them inside it.
_here = _os.path.dirname(_os.path.abspath(__file__))
_root = _os.path.dirname(_here)
if not _os.path.isdir(_os.path.join(_here, "graph")) and _os.path.isfile(_os.path.join(_root, "graph", "__init__.py")):
    __path__.append(_root)  # noqa: F821 - a package's __path__


def __getattr__(name: str):
    if name == "SpinekgError":
        from spinekg.graph.errors import SpinekgError

        return SpinekgError
    if name in ("check_claim", "Finding"):
        from spinekg.graph import claims

        return getattr(claims, name)
    if name == "graph":  # the subpackage, callable: spinekg.graph() is the rdflib Graph
        import importlib

        return importlib.import_module("spinekg.graph")
    if name in __all__:
        from spinekg import api

        return getattr(api, name)
    raise AttributeError(f"module 'spinekg' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
