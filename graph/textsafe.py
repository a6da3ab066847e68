"""Text made safe for where it lands: spreadsheet cells, terminals, XML.

Every CSV/TSV writer (lists, exports, OMOP, SPARQL results on the CLI and over HTTP) uses
`spreadsheet_cell`; every line printed for people goes through `terminal_text`.
"""
from __future__ import annotations

import functools
import re

# A cell that starts with one of these is read as a formula (or a DDE command) by Excel,
# LibreOffice and Google Sheets; OWASP's CSV-injection advice adds tab and carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# C0 and C1 controls (ESC included) and DEL, but not tab and newline, which layouts use.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Characters XML 1.0 cannot carry at all, even escaped (compiled on first use: its ranges cost
# ~15 ms to compile, which every cold command would pay).
_NOT_XML_PATTERN = "[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"


def spreadsheet_cell(text: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula: prefix an apostrophe."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def terminal_text(text: str) -> str:
    """Drop control characters (ESC sequences, BEL, backspace...) from text meant for a terminal."""
    return _CONTROLS.sub("", text)


def xml_text(text: str) -> str:
    """Replace characters XML 1.0 cannot hold (controls, lone surrogates) with U+FFFD."""
    return _not_xml().sub("\ufffd", text)


@functools.lru_cache(maxsize=1)
def _not_xml() -> "re.Pattern[str]":
    return re.compile(_NOT_XML_PATTERN)
