"""Read user RDF files safely: from the opened file only (never a URL), with one-line errors."""
from __future__ import annotations

from pathlib import Path

from spinekg.graph.errors import SpinekgError

FORMATS = {".ttl": "turtle", ".turtle": "turtle", ".nt": "nt", ".ntriples": "nt"}


def parse_user_file(g, path: str | Path) -> None:
    """Parse a Turtle or N-Triples file into g; raise SpinekgError naming the file and line."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SpinekgError(f"{path}: unsupported file type {path.suffix or '(none)'}; use .ttl or .nt")
    from spinekg.graph.userfiles import RDF_MAX_BYTES, read_user_file

    data = read_user_file(path, RDF_MAX_BYTES)  # regular files only, size-capped, one-line errors
    # A fixed base IRI keeps relative IRIs from resolving against the file's location.
    try:
        g.parse(data=data, format=fmt, publicID="urn:spinekg:user-file:")
    except Exception as e:  # rdflib raises several types; all mean "malformed"
        raise SpinekgError(f"{path}: {_describe(e)}") from None


def _describe(e: Exception) -> str:
    lines = getattr(e, "lines", None)
    msg = getattr(e, "_why", None) or getattr(e, "msg", None) or str(e)
    msg = " ".join(str(msg).split())
    if lines is not None:
        return f"line {lines + 1}: malformed RDF: {msg}"
    return f"malformed RDF: {msg}"
