"""HTTP Accept headers read once, for the SPARQL endpoint and the FHIR service alike."""
from __future__ import annotations


def accept_ranges(accept: str) -> list[tuple[float, int, str]]:
    """(q, position, media range) for each range of an Accept header with q > 0, lower-cased;
    a malformed q counts as 0 (RFC 9110 §12.5.1)."""
    out = []
    for i, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        media, q = bits[0].lower(), 1.0
        for b in bits[1:]:
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            out.append((q, i, media))
    return out
