"""The lexer's name classes are written as negated classes (quick for re to compile): they must
match exactly the code points of the SPARQL-style ranges they stand for, and tokenize alike."""
import re

from spinekg.graph.sparql import lexer

ALL = "".join(map(chr, range(0x110000)))
REFERENCE = {  # the ranges as first written (and as the grammar's PN_CHARS approximation reads)
    "name": r"[A-Za-z0-9_\u00B7-\U000EFFFF]",
    "start": r"[A-Za-z\u00C0-\U000EFFFF_]",
    "local": r"[A-Za-z0-9_\u00B7-\U000EFFFF:\-.%]",
}
WRITTEN = {
    "name": f"(?:[{lexer._PN_CHARS}]|{lexer._WIDE})",
    "start": f"(?:[A-Za-z_]|{lexer._WIDE_START})",
    "local": f"(?:[{lexer._PN_CHARS}:\\-.%]|{lexer._WIDE})",
}


def test_the_negated_classes_match_the_same_code_points():
    for kind, ref in REFERENCE.items():
        expected = re.findall(ref, ALL)
        assert re.findall(WRITTEN[kind], ALL) == expected, kind
        assert 900_000 < len(expected) < 1_000_000


OLD_PN = r"A-Za-z0-9_\u00B7-\U000EFFFF"
OLD = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][""" + OLD_PN + r"""]+)
  | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<pname>(?:[A-Za-z\u00C0-\U000EFFFF_][""" + OLD_PN + r"""\-.]*)?:(?:[""" + OLD_PN + r""":\-.%]|\\.)*)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*=<>!+\-/|^?$@])
    """,
    re.VERBOSE,
)


def _old_tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = OLD.match(text, pos)
        assert m and m.end() > pos
        if m.lastgroup not in ("ws", "comment"):
            out.append((m.lastgroup, m.group(), pos))
        pos = m.end()
    return out


def test_tokens_are_unchanged():
    from spinekg.graph.sparql import saved_queries

    texts = [q.text for q in saved_queries().values()] + [
        "SELECT ?été ?x·y ?_a WHERE { ?été ex:naïve-name.x ?x·y . ?s sk:a\\.b \"é\"@fr-CA ; ?p 1.5e3 } # ü",
        "PREFIX é: <http://x/> SELECT * { é:日本 é:a%41 ?ℵ . ?ℵ :local:part 'x' }",
        "ASK { ?s ?p \"\"\"a\nb\"\"\" FILTER(?p != <urn:x> && ?o >= -2) }",
    ]
    for text in texts:
        assert [(t.kind, t.text, t.start) for t in lexer.tokenize(text)] == _old_tokens(text), text
