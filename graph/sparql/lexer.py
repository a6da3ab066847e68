"""A small SPARQL lexer: codepoint unescaping and tokens with offsets (for text rewriting and limits)."""
from __future__ import annotations

import functools
import re
from typing import NamedTuple

from spinekg.graph.sparql.errors import QuerySyntaxError

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# [\u00B7-\U000EFFFF] and [\u00C0-\U000EFFFF], written as the negated classes they equal: re's
# compiler walks a positive range code point by code point (~20 ms for the four classes below)
_WIDE = r"[^\x00-\u00B6\U000F0000-\U0010FFFF]"
_WIDE_START = r"[^\x00-\u00BF\U000F0000-\U0010FFFF]"
_PN_CHARS = r"A-Za-z0-9_"  # with _WIDE: the name characters
_TOKEN_PATTERN = (
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$](?:[""" + _PN_CHARS + "]|" + _WIDE + r""")+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:(?:[A-Za-z_]|""" + _WIDE_START + r""")(?:[""" + _PN_CHARS + r"""\-.]|""" + _WIDE + r""")*)?"""
    r""":(?:[""" + _PN_CHARS + r""":\-.%]|""" + _WIDE + r"""|\\.)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*=<>!+\-/|^?$@])
    """
)


@functools.cache
def _token_re() -> re.Pattern:
    """Compiled on first use: a query whose check verdict is on disk (graph.sparql.safety) never tokenizes."""
    return re.compile(_TOKEN_PATTERN, re.VERBOSE)


class Token(NamedTuple):
    kind: str
    text: str
    start: int  # offset in the unescaped text
    line: int


def unescape_codepoints(text: str) -> str:
    """SPARQL 1.1 §19.2: `\\uXXXX` and `\\UXXXXXXXX` are replaced before parsing, anywhere."""
    def repl(m):
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except ValueError:  # beyond U+10FFFF
            raise QuerySyntaxError(f"invalid codepoint escape {m.group(0)}") from None

    return _ESCAPE.sub(repl, text)


def tokenize(text: str) -> list[Token]:
    tokens, pos, line, token_re = [], 0, 1, _token_re()
    while pos < len(text):
        m = token_re.match(text, pos)
        if m is None or m.end() == pos:
            raise QuerySyntaxError(f"cannot read the query at line {line}: {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, m.group(), pos, line))
        line += m.group().count("\n")
        pos = m.end()
    return tokens

