"""spinekg: a knowledge graph of spine procedure codes (the CLI and HTTP server sit here)."""
import os as _os

__version__ = "0.1.0"

# From a checkout (no install), `spinekg.graph`, `spinekg.ontology` and `spinekg.exports` live in
# the design card's top-level folders beside this package; an installed wheel has them inside it.
_here = _os.path.dirname(_os.path.abspath(__file__))
_root = _os.path.dirname(_here)
if not _os.path.isdir(_os.path.join(_here, "graph")) and _os.path.isfile(_os.path.join(_root, "graph", "__init__.py")):
    __path__.append(_root)  # noqa: F821 - a package's __path__
