"""The claim rules, over indexes built once from the catalog and the user's NCCI imports.

Rules (a finding's `rule`):
- addon-without-primary: an add-on with none of its primaries on the claim (the graph's sk:addOnTo,
  or CMS's AOC edits in force; AOC type 1 = CMS lists every primary, 2 = CMS names none and the
  contractor decides, 3 = CMS lists some and the contractor may accept others);
- units-beyond-max / range-code-repeated / unit-count: units against what the code counts
  (`counting`: per-additional = each unit beyond the primary's, per-unit = every unit from the
  first; codes that count no units are reported once);
- code-deleted / code-not-yet-created: the code-set history on the date of service;
- ptp-pair: an imported NCCI PTP edit in force on the date (modifier indicator 0, 1, 9);
- mue-units: units beyond an imported NCCI MUE (per line, or per day by the adjudication indicator);
- unknown-code (claims files only): a code neither the graph nor an imported file knows.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict

from spinekg.graph.claims import Finding, Line
from spinekg.graph.errors import UnknownCode
from spinekg.graph.ncci_store import applicable

PTP_MODIFIERS = frozenset({"59", "XE", "XS", "XP", "XU"})
AOC_TYPES = {
    1: "type 1: CMS lists every primary; the add-on is paid only beside one of them",
    2: "type 2: CMS names no primary; your contractor decides which codes qualify",
    3: "type 3: CMS lists some primaries; your contractor may accept others",
}
MAI = {
    1: "adjudication indicator 1: a claim-line limit (more units may be paid on separate lines with a modifier)",
    2: "adjudication indicator 2: a per-day limit set by policy (more units are never paid)",
    3: "adjudication indicator 3: a per-day clinical limit (more units are paid only in rare, documented cases)",
}
MUE_HINTS = {
    1: "report units beyond {v} on separate lines with an appropriate modifier (e.g. 59, 76, 91 or an anatomic one) if they were distinct services",
    2: "report at most {v} units of {c} for the day",
    3: "report at most {v} units of {c}, or keep the records that show why more were medically necessary",
}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def code_list(codes, limit: int = 5) -> str:
    """63045, 63046, 63047, 63050 → '63045–63047, 63050' (runs of consecutive numeric codes joined)."""
    return _code_list(tuple(sorted(codes)), limit)


@functools.lru_cache(maxsize=4096)
def _code_list(codes: tuple[str, ...], limit: int) -> str:
    runs: list[list[str]] = []
    for c in codes:
        if runs and c.isdigit() and runs[-1][-1].isdigit() and int(c) == int(runs[-1][-1]) + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    parts = [r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    if len(parts) > limit:
        return ", ".join(parts[:limit]) + f", … ({len(codes)} codes)"
    return ", ".join(parts)


def _year(value) -> int | None:
    if value is None:
        return None
    text = str(value).strip()
    return int(text[:4]) if text[:4].isdigit() else None


class CodeFacts:
    """What the rules need from one CodeRecord (fields of the evidence contract read with defaults)."""
    __slots__ = ("code", "kind", "primaries", "counting", "unit", "min", "max", "status", "added", "deleted",
                 "replaced_by", "evidence", "source", "dated")

    def __init__(self, rec):
        self.code = rec.code
        self.kind = rec.kind
        self.primaries = frozenset(rec.add_on_to)
        counting = getattr(rec, "counting", None)
        if counting is None and rec.kind == "add-on" and rec.each_additional_unit:
            counting = "per-additional"  # until the evidence branch's `counting` field lands
        self.counting = counting
        self.unit, self.min, self.max = rec.unit, rec.min_units, rec.max_units
        self.status = rec.status
        self.added, self.deleted = _year(rec.added_in), _year(rec.deleted_in)
        self.replaced_by = tuple(getattr(rec, "replaced_by", ()) or ())
        self.evidence = getattr(rec, "evidence", None)
        sources = tuple(getattr(rec, "sources", ()) or ())
        self.source = sources[0] if sources else None
        self.dated = bool(self.added or self.status == "deleted")  # the history rule has something to say

    def provenance(self, what: str) -> str:
        ev = f", evidence {self.evidence}" if self.evidence else ""
        src = f", {self.source}" if self.source else ""
        return f"spinekg graph, {what}{ev}{src}"

    def units_text(self, n: int | None = None) -> str:
        unit = self.unit or "unit"
        if n is None:
            n = self.min
        return f"{n} {unit}{'' if n == 1 or unit.endswith('s') else 's'}"


class ClaimChecker:
    """Built once per catalog + imports + setting; `check(lines, day)` runs every rule on one claim-day."""

    def __init__(self, catalog, imports, setting: str = "practitioner"):
        self.catalog = catalog
        self.setting = setting
        self.facts = {c: CodeFacts(r) for c, r in catalog.codes.items()}
        self.imports = list(imports)
        self.ncci_codes = set()
        self._aoc, self._ptp, self._mue = {}, {}, {}
        for imp in self.imports:
            key = id(imp)
            if imp.kind == "aoc":
                idx = defaultdict(list)
                for addon, primary, etype, eff, dele in imp.rows:
                    idx[addon].append((primary, etype, eff, dele))
                    self.ncci_codes.update((addon, primary) if primary else (addon,))
                self._aoc[key] = idx
            elif imp.kind == "ptp":
                self._ptp[key] = idx = _ptp_index(imp.rows)
                self.ncci_codes.update(idx)
                for row in idx.values():
                    self.ncci_codes.update(row)
            else:
                self._mue[key] = {code: (value, mai, rationale) for code, value, mai, rationale in imp.rows}
                self.ncci_codes.update(self._mue[key])
        self._by_day: dict = {}
        self._pairs_of: dict = {}  # (PTP import id, a claim's codes in order) -> its (c1, c2, edits)
        self._descriptions: dict = {}
        self._known = frozenset(self.facts) | frozenset(self.ncci_codes)

    def _describe(self, imp) -> str:
        got = self._descriptions.get(id(imp))
        if got is None:
            got = self._descriptions[id(imp)] = f"{imp.describe()} ({imp.setting})"
        return got

    def known(self, code: str) -> bool:
        return code in self._known

    def _applicable(self, day: dt.date):
        """(AOC, PTP, MUE imports that apply on `day`, the add-ons those AOC imports name, the codes
        those MUE imports limit): the sets let a claim skip a rule that has nothing to say."""
        got = self._by_day.get(day)
        if got is None:
            aoc, ptp, mue = (applicable(self.imports, "aoc", day), applicable(self.imports, "ptp", day, self.setting),
                             applicable(self.imports, "mue", day, self.setting))
            got = (aoc, ptp, mue, frozenset().union(*(self._aoc[id(i)] for i in aoc)),
                   frozenset().union(*(self._mue[id(i)] for i in mue)))
            if len(self._by_day) > 4096:
                self._by_day.clear()
            self._by_day[day] = got
        return got

    # ------------------------------------------------------------------ the claim-day

    def check(self, lines: list[Line], day: dt.date, strict: bool = False) -> list[Finding]:
        out: list[Finding] = []
        known, facts = self._known, self.facts
        by_code: dict[str, list[Line]] = {}
        units: dict[str, int] = {}  # code -> its units over the claim-day's lines
        for ln in lines:
            code = ln[0]
            if code in known:
                got = by_code.get(code)
                if got is None:
                    by_code[code], units[code] = [ln], ln[1]
                else:
                    got.append(ln)
                    units[code] += ln[1]
            elif strict:
                raise UnknownCode(ln.code, self.catalog.closest(ln.code))
            else:
                out.append(Finding("warning", "unknown-code", (ln.code,),
                                   f"{ln.code} is in neither the spinekg graph nor your imported NCCI files; not checked",
                                   "spinekg graph and imported NCCI files", "check the code", _nums(ln)))
        aoc, ptp, mue, aoc_addons, mue_codes = self._applicable(day)
        for code, lns in by_code.items():
            f = facts.get(code)
            if f is None:
                continue
            if f.dated:
                self._history(f, lns, day, out)
            # without an AOC edit for the add-on, only a claim lacking all its graph primaries has a finding
            if f.kind == "add-on" and (code in aoc_addons or (f.primaries and f.primaries.isdisjoint(by_code))):
                self._addon(f, lns, by_code, day, aoc, out)
            if f.unit is not None and (f.counting or units[code] > 1):
                self._units(f, lns, units[code], by_code, out)
        if ptp and len(by_code) > 1:
            self._ptp_rule(by_code, day, ptp, out)
        if mue_codes and not mue_codes.isdisjoint(by_code):
            self._mue_rule(by_code, units, mue, out)
        if len(out) > 1:
            out.sort(key=_severity_rank)
        return out

    def _history(self, f: CodeFacts, lns, day, out) -> None:
        if not (f.status == "deleted" or (f.added and day < dt.date(f.added, 1, 1))):
            return  # the usual case: a code in force on the date, nothing to say
        src = f.provenance("code-set history")
        if f.added and day < dt.date(f.added, 1, 1):
            out.append(Finding("error", "code-not-yet-created", (f.code,),
                               f"{f.code} was created in {f.added}; the date of service {day} is before it", src,
                               f"use the code that described this service before {f.added}", _nums(*lns)))
        if f.status == "deleted":
            hint = f"report {code_list(f.replaced_by)} instead" if f.replaced_by else "report the code that replaced it"
            if f.deleted is None:
                out.append(Finding("warning", "code-deleted", (f.code,),
                                   f"{f.code} is deleted from the code set (the year is not recorded); check it was valid on {day}",
                                   src, hint, _nums(*lns)))
            elif day >= dt.date(f.deleted, 1, 1):
                out.append(Finding("error", "code-deleted", (f.code,),
                                   f"{f.code} was deleted on {f.deleted}-01-01; the date of service {day} is after it",
                                   src, hint, _nums(*lns)))

    def _addon(self, f: CodeFacts, lns, by_code, day, aoc, out) -> None:
        present = set(by_code)
        in_graph = bool(f.primaries & present)
        cms = [(imp, p, t) for imp in aoc for (p, t, e, d) in self._aoc[id(imp)].get(f.code, ())
               if e <= day and (d is None or day < d)]
        if not cms:
            if in_graph or not f.primaries:
                return
            one = "" if len(f.primaries) == 1 else "one of "
            out.append(Finding("error", "addon-without-primary", (f.code,),
                               f"{f.code} is an add-on and none of its primaries ({code_list(f.primaries)}) is on the claim",
                               f.provenance(f"sk:addOnTo {f.code} → {code_list(f.primaries, 4)}"),
                               f"report {one}{code_list(f.primaries)} with {f.code}", _nums(*lns)))
            return
        listed = {p for _, p, _ in cms if p}
        if listed & present:
            return
        types = sorted({t for _, _, t in cms})
        strict = types == [1]  # only type 1 edits name a closed list of primaries
        if in_graph and not strict:
            return  # CMS leaves other primaries to the contractor
        src = f"{cms[0][0].describe()}: {'; '.join(AOC_TYPES[t] for t in types)}; edits in force on {day}"
        cms_says = f"CMS lists {code_list(listed)}" if listed else "CMS lists no primary"
        if in_graph:
            why = (f"{f.code} is reported with {code_list(f.primaries & present)} (a primary in spinekg), "
                   f"which CMS's add-on edits do not list ({cms_says})")
            severity = "warning"
        else:
            why = f"{f.code} is an add-on and none of its primaries is on the claim ({cms_says}"
            why += f"; spinekg: {code_list(f.primaries)})" if f.primaries else ")"
            severity = "error" if strict else "warning"
        candidates = listed or f.primaries
        hint = (f"report one of {code_list(candidates)} with {f.code}" if candidates
                else f"report {f.code} with a primary your contractor accepts")
        out.append(Finding(severity, "addon-without-primary", (f.code,), why, src, hint, _nums(*lns)))

    def _units(self, f: CodeFacts, lns, total: int, by_code, out) -> None:
        if f.unit is None:
            return
        if f.counting == "per-additional":
            base = [self.facts[p] for p in sorted(f.primaries.intersection(by_code)) if self.facts[p].min is not None
                    and self.facts[p].min == self.facts[p].max and self.facts[p].unit == f.unit]
            if base:
                first = base[0]
                n = first.min * sum(x.units for x in by_code[first.code]) + total
                out.append(Finding("info", "unit-count", (first.code, f.code),
                                   f"{first.code} ({first.units_text()}) + {f.code} × {total} = {f.units_text(n)}",
                                   f.provenance(f"{f.code} counts each {f.unit} beyond the primary's"), "", _nums(*lns)))
            return
        if f.counting == "per-unit":
            out.append(Finding("info", "unit-count", (f.code,),
                               f"{f.code} × {total} = {f.units_text(total)}, counted from the first",
                               f.provenance(f"{f.code} counts every {f.unit} from the first"), "", _nums(*lns)))
            return
        if total <= 1 or f.min is None:
            return
        covers = f.units_text() if f.min == f.max else (
            f"{f.min}–{f.max} {f.unit}s" if f.max is not None else f"{f.min} or more {f.unit}s")
        extra = sorted(a for a in self.catalog[f.code].add_ons
                       if self.facts[a].counting in ("per-additional", "per-unit") and self.facts[a].unit == f.unit)
        hint = (f"report {f.code} once and {code_list(extra)} for each further {f.unit}" if extra
                else f"report {f.code} once")
        if f.min == f.max:
            out.append(Finding("error", "units-beyond-max", (f.code,),
                               f"{f.code} × {total}: the code covers exactly {covers}; {total} units are beyond its maximum of 1",
                               f.provenance(f"sk:minUnits/sk:maxUnits {f.min}"), hint, _nums(*lns)))
        else:
            out.append(Finding("error", "range-code-repeated", (f.code,),
                               f"{f.code} × {total}: one report of the code covers {covers}; it is not reported once per {f.unit}",
                               f.provenance(f"sk:minUnits {f.min}" + (f", sk:maxUnits {f.max}" if f.max else "")),
                               hint, _nums(*lns)))

    def _ptp_rule(self, by_code, day, ptp, out) -> None:
        codes = tuple(by_code)
        for imp in ptp:
            pairs = self._pairs_of.get((id(imp), codes))
            if pairs is None:
                pairs = self._pairs(imp, codes)
            for c1, c2, edits in pairs:
                active = [e for e in edits if e[0] <= day and (e[1] is None or day < e[1])]
                if active:  # overlapping rows of one pair: the strictest indicator (0, then 1, then 9) decides
                    eff, dele, mod, rationale = min(active, key=lambda e: (e[2] if e[2] != 9 else 10, e[0]))
                    out.append(self._ptp_finding(imp, c1, c2, eff, dele, mod, rationale, by_code))

    def _pairs(self, imp, codes: tuple) -> tuple:
        """The PTP edits of `imp` between the claim's codes (column 1, column 2, edits), in claim order;
        kept per combination of codes, as a file repeats a few thousand and most have no pair."""
        idx, found = self._ptp[id(imp)], []
        for c1 in codes:
            row = idx.get(c1)
            if row and not row.keys().isdisjoint(codes):  # one C call for the usual claim: no pair
                found.extend((c1, c2, row[c2]) for c2 in codes if c2 != c1 and row.get(c2))
        got = tuple(found)
        if len(self._pairs_of) >= 100000:
            self._pairs_of.clear()
        self._pairs_of[(id(imp), codes)] = got
        return got

    def _ptp_finding(self, imp, c1, c2, eff, dele, mod, rationale, by_code) -> Finding:
        dates = f"in force from {eff}" + (f" until {dele}" if dele else "")
        why_cms = f"; rationale: {rationale}" if rationale else ""
        src = f"{self._describe(imp)}, edit {c1}/{c2} {dates}{why_cms}"
        lns = _nums(*by_code[c1], *by_code[c2])
        pair = f"{c1} and {c2} are an NCCI PTP pair: column 1 {c1} is paid, column 2 {c2} is denied"
        if mod == 9:
            return Finding("info", "ptp-pair", (c1, c2), f"{c1} and {c2}: the PTP edit has modifier indicator 9 "
                           "(not applicable: the edit was deleted); it does not deny either code", src, "", lns)
        if mod == 0:
            return Finding("error", "ptp-pair", (c1, c2), f"{pair}; modifier indicator 0: no modifier lets both be paid",
                           src, f"remove {c2} (it is part of {c1} on the same day)", lns)
        carried = sorted({m for ln in by_code[c2] + by_code[c1] for m in ln.modifiers} & PTP_MODIFIERS)
        if carried:
            return Finding("info", "ptp-pair", (c1, c2), f"{pair} unless an NCCI-associated modifier applies; "
                           f"modifier indicator 1 and the claim carries -{', -'.join(carried)}: the edit is bypassed", src, "", lns)
        return Finding("error", "ptp-pair", (c1, c2), f"{pair}; modifier indicator 1: a modifier (59, XE, XS, XP, XU) "
                       "may bypass it, and the claim carries none",
                       src, f"if {c2} was a distinct service (other site, session or encounter), append -59 or "
                       f"-XE/-XS/-XP/-XU to {c2}; otherwise remove {c2}", lns)

    def _mue_rule(self, by_code, units, mue, out) -> None:
        for code, lns in by_code.items():
            for imp in mue:
                got = self._mue[id(imp)].get(code)
                if got is None:
                    continue
                value, mai, rationale = got
                over = [ln for ln in lns if ln.units > value] if mai == 1 else (lns if units[code] > value else [])
                if not over:
                    continue
                n = max(ln.units for ln in over) if mai == 1 else units[code]
                per = "on one line" if mai == 1 else "on one day"
                why_cms = f"; rationale: {rationale}" if rationale else ""
                out.append(Finding("error", "mue-units", (code,),
                                   f"{code}: {n} units {per}; the NCCI MUE allows {value} ({MAI[mai]})",
                                   f"{self._describe(imp)}{why_cms}",
                                   MUE_HINTS[mai].format(v=value, c=code), _nums(*over)))


def _ptp_index(rows) -> dict[str, dict[str, list[tuple]]]:
    """column 1 -> column 2 -> [(effective, deleted, modifier indicator, rationale)] in file order."""
    idx: dict[str, dict[str, list[tuple]]] = {}
    for c1, c2, eff, dele, mod, rationale, _ in rows:
        row = idx.get(c1)
        if row is None:
            row = idx[c1] = {}
        edits = row.get(c2)
        if edits is None:
            row[c2] = [(eff, dele, mod, rationale)]
        else:
            edits.append((eff, dele, mod, rationale))
    return idx


def _severity_rank(finding: Finding) -> int:
    return SEVERITY_ORDER[finding[0]]


def _nums(*lines: Line) -> tuple[int, ...]:
    return tuple(sorted({ln.line for ln in lines if ln.line is not None}))

