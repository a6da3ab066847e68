"""The saved query library (graph/queries/*.rq) with its `# title:`, `# description:` and `# param` lines.

Header comment lines are kept apart by blank lines: SPARQLWrapper 2.0 strips only every other
line of a comment block before it guesses the query type from the first keyword it sees, and a
surviving "add-on" in a description reads as an ADD update (tests/test_sparql_clients.py checks).
"""
from __future__ import annotations

import functools
import re
from typing import NamedTuple
from pathlib import Path

from spinekg.graph.errors import SpinekgError

# a plain path, as graph/load.py's: the package is installed as files, and importlib.resources
# costs a cold query (and each query worker's start) 10-40 ms of imports
QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"


# NamedTuples, not frozen dataclasses: as immutable, and built at import in a tenth of the time
# (a dataclass costs ~1 ms of a cold query's start)
class Param(NamedTuple):
    name: str
    type: str  # code | group | region | approach | procedure | compartment | nature | integer | string | iri
    example: str
    description: str = ""


class SavedQuery(NamedTuple):
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: str

    def example_params(self) -> dict[str, str]:
        return {p.name: p.example for p in self.params}

    def to_json(self) -> dict:
        return {"name": self.name, "title": self.title, "description": self.description,
                "params": [p._asdict() for p in self.params], "query": self.text}


PARAM_TYPES = ("code", "group", "region", "approach", "procedure", "compartment", "nature", "integer", "string", "iri")
_PARAM_LINE = re.compile(r'^#\s*param\s+([A-Za-z_]\w*)\s*:\s*(\w+)\s+("[^"]*"|\S+)\s*(?:[—-]+\s*(.*))?$')


def parse_saved(name: str, text: str, path: str = "") -> SavedQuery:
    title, desc, params = None, [], []
    current = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _PARAM_LINE.match(line)
        if m:
            ptype = m.group(2)
            if ptype not in PARAM_TYPES:
                raise SpinekgError(f"saved query {name}: unknown parameter type {ptype!r}")
            params.append(Param(m.group(1), ptype, m.group(3).strip('"'), (m.group(4) or "").strip()))
            current = None
            continue
        body = line[1:].strip()
        if body.lower().startswith("title:"):
            title, current = body[6:].strip(), None
        elif body.lower().startswith("description:"):
            desc, current = [body[12:].strip()], "description"
        elif current == "description" and body:
            desc.append(body)
    if not title or not desc:
        raise SpinekgError(f"saved query {name}: needs '# title:' and '# description:' header lines")
    return SavedQuery(name, title, " ".join(desc), tuple(params), text, path)


@functools.cache
def saved_queries() -> dict[str, SavedQuery]:
    """The saved query library, by name (file name without .rq), sorted."""
    out = {}
    for p in sorted(QUERIES_DIR.iterdir(), key=lambda p: p.name):
        if p.name.endswith(".rq"):
            name = p.name[:-3]
            out[name] = parse_saved(name, p.read_text(encoding="utf-8"), str(p))
    return out


def get_saved(name: str) -> SavedQuery:
    lib = saved_queries()
    if name not in lib:
        import difflib

        close = difflib.get_close_matches(name, list(lib), n=3)
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise SpinekgError(f"no saved query named {name!r}{hint}; `spinekg query --list` shows them")
    return lib[name]

