"""The spine code knowledge: curated Turtle, how it is loaded, read and checked.

`spinekg.graph` is both this package and, called, the public API's `spinekg.graph()`: the whole
graph as an rdflib Graph. (Python binds a subpackage as an attribute of its parent on import, so a
plain function named `graph` on `spinekg` would be replaced by this module; a callable module
keeps both meanings.)
"""
import sys as _sys
import types as _types


class _GraphPackage(_types.ModuleType):
    def __call__(self):
        """The whole graph (ontology, data and your imports) as an rdflib Graph."""
        from spinekg.graph.load import load_graph

        return load_graph()


_sys.modules[__name__].__class__ = _GraphPackage
