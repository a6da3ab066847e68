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


# Past this much user RDF, pyshacl's in-memory run takes minutes and gigabytes (200 MB of N-Triples:
# 236 s, 9.5 GB); the same shapes compiled to SPARQL run on Oxigraph instead (graph/shacl_sparql.py,
# proven equal to pyshacl on the shipped data and on violating files).
LARGE_INPUT_BYTES = 8 << 20
LARGE_INPUT_MAX_BYTES = 16 << 30


def _validate_large(extra: list[Path]) -> list[Violation]:
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.shacl_sparql import file_prefixes, validate_store
    from spinekg.graph.sparql.store import build_store
    from spinekg.graph.userfiles import require_regular_file

    for path in extra:
        if path.suffix.lower() not in (".ttl", ".nt"):
            raise SpinekgError(f"{path}: unsupported file type {path.suffix or '(none)'}; use .ttl or .nt")
        require_regular_file(path, LARGE_INPUT_MAX_BYTES)
    try:
        store = build_store(extra)
        prefixes = file_prefixes(extra)
    except SyntaxError as e:  # pyoxigraph names the file's line and column
        raise SpinekgError(f"malformed RDF: {' '.join(str(e).split())}") from None
    except OSError as e:
        raise SpinekgError(f"cannot read the files: {e.strerror or e}") from None
    return validate_store(store, prefixes=prefixes)


def validate(extra: list[Path] | None = None) -> list[Violation]:
    """Validate the shipped graph plus user files (read from disk only, never fetched)."""
    import os

    extra = [Path(p) for p in extra or []]
    try:
        total = sum(os.stat(p).st_size for p in extra)
    except OSError:
        total = 0  # the ordinary path names the unreadable file in one line
    if total > LARGE_INPUT_BYTES:
        return _validate_large(extra)
    from spinekg.graph.load import build_graph
    from spinekg.graph.rdfio import parse_user_file

    g = build_graph()
    for path in extra or []:
        parse_user_file(g, path)
    if extra:
        from spinekg.graph.load import materialise

        materialise(g)
    return validate_graph(g)
