"""Run the SHACL shapes over the graph (and any user files) and report each violation."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Violation:
    focus: str
    path: str
    message: str
    severity: str = "Violation"

    def __str__(self) -> str:
        from spinekg.graph.textsafe import terminal_text

        # focus and message may quote a user file's literals: no control characters to the terminal
        return terminal_text(f"{self.focus}  {self.path}  {self.message}")


def _curie(g, node) -> str:
    """A prefixed name where a prefix is bound, else the node's N-Triples form."""
    if node is None:
        return "-"
    try:
        return g.namespace_manager.curie(node, generate=False)
    except (ValueError, KeyError, TypeError):  # no bound prefix, or a literal / blank node
        return node.n3()


def validate_graph(data) -> list[Violation]:
    """SHACL-validate an rdflib graph against ontology/shapes.ttl; return violations, sorted."""
    import pyshacl
    from rdflib import RDF, Graph
    from rdflib.namespace import SH

    from spinekg.ontology import SHAPES_FILE, shape_files
    from spinekg.ontology.namespaces import PREFIXES

    shapes = Graph().parse(str(SHAPES_FILE), format="turtle")
    for extra in shape_files()[1:]:  # the shapes of the vocabulary's other files (NCCI edits, ...)
        shapes.parse(str(extra), format="turtle")
    conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True, do_owl_imports=False,
        allow_warnings=False, abort_on_first=False,
    )
    for prefix, ns in PREFIXES.items():
        data.bind(prefix, ns, override=True)
    out = set()
    for r in results.subjects(RDF.type, SH.ValidationResult):
        sev = results.value(r, SH.resultSeverity)
        out.add(Violation(
            focus=_curie(data, results.value(r, SH.focusNode)),
            path=_curie(data, results.value(r, SH.resultPath)),
            message=str(results.value(r, SH.resultMessage) or ""),
            severity=str(sev).rsplit("#", 1)[-1] if sev is not None else "Violation",
        ))
    return sorted(out)


def validate(extra: list[Path] | None = None) -> list[Violation]:
    """Validate the shipped graph plus user files (read from disk only, never fetched)."""
    from spinekg.graph.load import build_graph
    from spinekg.graph.rdfio import parse_user_file

    g = build_graph()
    for path in extra or []:
        parse_user_file(g, path)
    if extra:
        from spinekg.graph.load import materialise

        materialise(g)
    return validate_graph(g)
