"""Check a claim: add-ons without their primary, units against what a code counts, the code-set
history, and the user's imported NCCI PTP, MUE and add-on edits — each finding explained.

    >>> from spinekg.graph.claims import check_claim
    >>> [f.rule for f in check_claim(["22552"])]
    ['addon-without-primary']

Items are "CODE[xUNITS][-MOD...]" strings (e.g. "63048x2-59"), (code, units) or
(code, units, modifiers) tuples, or Line objects. The rules live in graph/claim_rules.py.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from typing import NamedTuple

from spinekg.graph.errors import SpinekgError

SEVERITIES = ("error", "warning", "info")
SETTINGS = ("practitioner", "hospital")
ITEM_RE = re.compile(r"^([0-9A-Za-z]{5})(?:[x×*]([0-9]+))?((?:-[0-9A-Za-z]{2})*)$", re.I)
MAX_UNITS = 9999


class Line(NamedTuple):
    """One claim line: a code, its units and modifiers (and its line number in a claims file)."""
    code: str
    units: int = 1
    modifiers: tuple[str, ...] = ()
    line: int | None = None

    def __str__(self) -> str:
        return self.code + (f"x{self.units}" if self.units != 1 else "") + "".join(f"-{m}" for m in self.modifiers)


class Finding(NamedTuple):
    """One thing to tell the coder: severity, rule, the codes involved, why (with the facts),
    where the facts come from, and how to fix it. (A named tuple: a claims file makes millions.)"""
    severity: str  # "error" | "warning" | "info"
    rule: str
    codes: tuple[str, ...]
    message: str
    source: str
    hint: str = ""
    lines: tuple[int, ...] = ()  # line numbers in a claims file

    def to_json(self) -> dict:
        return {"severity": self.severity, "rule": self.rule, "codes": list(self.codes), "message": self.message,
                "source": self.source, "hint": self.hint}

    def text(self) -> str:
        from spinekg.graph.textsafe import terminal_text

        hint = f" Fix: {self.hint}" if self.hint else ""
        return terminal_text(f"{self.severity:<7} {self.rule:<22} {' '.join(self.codes):<12} "
                             f"{self.message} (source: {self.source}).{hint}")


def parse_units(text: str, what: str = "units") -> int:
    text = text.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_UNITS:
        raise SpinekgError(f"{what} {text!r} is not a whole number from 1 to {MAX_UNITS}")
    return int(text)


def parse_modifiers(text: str) -> tuple[str, ...]:
    """'59', '59,XS', '59 XS' or '-59-XS' → ('59', 'XS')."""
    text = text.strip().upper()
    if len(text) == 2 and text.isascii() and text.isalnum():
        return (text,)  # the common case, without the regular expressions
    parts = [p for p in re.split(r"[\s,;|-]+", text.strip().upper()) if p]
    for p in parts:
        if not re.fullmatch(r"[0-9A-Z]{2}", p):
            raise SpinekgError(f"modifier {p!r} is not two letters or digits")
    return tuple(parts)


def parse_item(item) -> Line:
    """A claim item as a Line; a malformed one is a SpinekgError (exit 2)."""
    if isinstance(item, Line):
        return item
    if isinstance(item, str):
        m = ITEM_RE.match(item.strip())
        if not m:
            raise SpinekgError(f"{item!r} is not CODE[xUNITS][-MODIFIER...] (e.g. 63048x2-59)")
        units = parse_units(m.group(2), f"units of {m.group(1)}") if m.group(2) is not None else 1
        return Line(m.group(1).upper(), units, parse_modifiers(m.group(3)) if m.group(3) else ())
    if isinstance(item, (tuple, list)) and 1 <= len(item) <= 3:
        code = str(item[0]).strip().upper()
        if not re.fullmatch(r"[0-9A-Z]{5}", code):
            raise SpinekgError(f"{item[0]!r} is not a five-character code")
        units = parse_units(str(item[1]), f"units of {code}") if len(item) > 1 else 1
        mods = item[2] if len(item) > 2 else ()
        mods = parse_modifiers(mods) if isinstance(mods, str) else parse_modifiers(" ".join(mods))
        return Line(code, units, mods)
    raise SpinekgError(f"{item!r} is not a claim item (a 'CODE[xUNITS][-MOD]' string or a (code, units[, modifiers]) tuple)")


def parse_date(text) -> dt.date:
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise SpinekgError(f"date {text!r} is not a date (YYYY-MM-DD)") from None


def check_setting(setting: str) -> str:
    if setting not in SETTINGS:
        raise SpinekgError(f"setting {setting!r} is not one of {', '.join(SETTINGS)}")
    return setting


@functools.lru_cache(maxsize=4)
def _checker(version: tuple, setting: str):
    from spinekg.graph.claim_rules import ClaimChecker
    from spinekg.graph.ncci_store import load_imports

    return ClaimChecker(curated_catalog(), load_imports(strict=True), setting)


def checker(setting: str = "practitioner"):
    """The rule engine for the current graph and imports (built once per process and setting)."""
    from spinekg.graph.load import graph_version

    return _checker(graph_version(), check_setting(setting))


@functools.lru_cache(maxsize=1)
def curated_catalog():
    """The curated codes without the user's imports, cached on disk under a key of the curated files
    only: the rules and the NCCI imports read no descriptor, and an NCCI import must not force a
    rebuild of the graph (load_catalog's cache keys on the imports)."""
    import hashlib
    from pathlib import Path

    from spinekg.graph import compiled
    from spinekg.graph.load import source_files
    from spinekg.graph.model import Catalog

    here = Path(compiled.__file__)
    h = hashlib.sha256(b"claims-catalog-v1")
    for path in [*source_files(), here.with_name("model.py"), here.with_name("labels.py")]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    key = h.hexdigest()[:32]
    cached = compiled.read_cached(key, "claims-catalog")
    if cached is not None:
        try:
            return Catalog.from_json(cached)
        except (KeyError, TypeError):
            pass  # written by another version: rebuild
    from spinekg.graph.load import build_graph
    from spinekg.graph.model import catalog_from_graph

    catalog = catalog_from_graph(build_graph(user_data=False))
    compiled.write_cached(key, catalog.to_json(), "claims-catalog")
    return catalog


def check_claim(items, date=None, setting: str = "practitioner") -> list:
    """The findings for one claim's lines on one date of service (default today), most severe first.

    Unknown codes (in neither the graph nor an imported NCCI file) and malformed items raise
    SpinekgError; the CLI turns it into a one-line error and exit status 2.
    """
    lines = [parse_item(i) for i in items]
    if not lines:
        raise SpinekgError("a claim needs at least one code")
    day = parse_date(date) if date is not None else dt.date.today()
    return checker(setting).check(lines, day, strict=True)
