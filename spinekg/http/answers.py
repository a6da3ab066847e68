"""The endpoint's answer caches: the graph is read-only while serving, so an answer, once computed, stands.

Two levels, both in the server process (no worker round trip on a hit):
* `replies`: the finished HTTP answer keyed by the request's raw bytes (query string, body,
  content type, Accept): a repeated request is answered before its parameters are even parsed.
* `results`: the engine's Result keyed by the normalised query text (the lexer's tokens, so
  whitespace and comments do not count) plus bindings: the same query in another spelling or
  another format is formatted here from the kept rows.
Both are LRU, bounded in entries and in bytes. Only successful answers are kept: an error is
always decided again (and reported on the text the client sent).
"""
from __future__ import annotations

import collections

MAX_KEY_BYTES = 16 * 1024  # requests/queries longer than this are never cached
MAX_ANSWER_BYTES = 256 * 1024  # nor answers larger than this


class Lru:
    """An LRU dict bounded by entry count and by the bytes its values are said to weigh."""

    def __init__(self, entries: int, budget: int):
        self.entries, self.budget, self.weight = entries, budget, 0
        self.data: collections.OrderedDict = collections.OrderedDict()

    def get(self, key):
        hit = self.data.get(key)
        if hit is not None:
            self.data.move_to_end(key)
            return hit[0]
        return None

    def put(self, key, value, weight: int) -> None:
        if self.entries <= 0 or weight > self.budget:
            return
        old = self.data.pop(key, None)
        if old is not None:
            self.weight -= old[1]
        self.data[key] = (value, weight)
        self.weight += weight
        while len(self.data) > self.entries or self.weight > self.budget:
            _, (_, w) = self.data.popitem(last=False)
            self.weight -= w

    def __len__(self) -> int:
        return len(self.data)


def normalised(text: str, bindings: tuple = ()) -> tuple | None:
    """The query as its token sequence (kind and exact text of each token, comments and
    whitespace dropped) + bindings; None when the lexer cannot read it (then nothing is shared)."""
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.sparql.lexer import tokenize

    if len(text) > MAX_KEY_BYTES:
        return None
    try:
        return (tuple((t.kind, t.text) for t in tokenize(text)), bindings)
    except SpinekgError:
        return None


class AnswerCache:
    def __init__(self, entries: int = 256, budget_mb: int = 64):
        self.replies = Lru(entries * 4, budget_mb << 20)
        self.results = Lru(entries, budget_mb << 20)
