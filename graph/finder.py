"""Which codes to report for an operation, and how many times.

Everything comes from the data: a primary covers `sk:minUnits`..`sk:maxUnits` units (no maximum =
no upper bound); units beyond its maximum are reported with an add-on of that primary that is
counted `sk:eachAdditionalUnit`, once per extra unit. An add-on counted `sk:eachUnit` (e.g. 22853,
per interspace) is reported once for every unit, the first included, beside its primary. When
nothing fits, the nearest primaries are listed with the facets in which they differ from the request.
"""
from __future__ import annotations

from spinekg.graph.errors import SpinekgError
from spinekg.graph.model import Catalog, CodeRecord
from spinekg.graph.select import FILTER_KEYS, resolve_value

FACET_NAMES = {"procedure": "procedure", "region": "region", "approach": "approach", "lesion": "lesion"}


def _plural(unit: str, n: int) -> str:
    return unit if n == 1 else unit + "s"


def _has(rec: CodeRecord, facet: str, value: str) -> bool:
    return any(value in getattr(rec, key) for key in FILTER_KEYS[facet])


def _range(rec: CodeRecord) -> str:
    if rec.max_units is None:
        return f"{rec.min_units} or more {_plural(rec.unit, 2)}"
    if rec.max_units == rec.min_units:
        return f"{rec.min_units} {_plural(rec.unit, rec.min_units)}"
    return f"{rec.min_units}–{rec.max_units} {_plural(rec.unit, rec.max_units)}"


def _units_fit(rec: CodeRecord, units: int | None, catalog: Catalog, wanted: dict) -> tuple[list, str | None]:
    """(per-unit add-ons needed, None) when the primary fits, else ([], why not)."""
    if units is None:
        return [], None
    if rec.unit is None or rec.min_units is None:
        return [], "is not counted in units"
    if units < rec.min_units:
        return [], f"covers at least {rec.min_units} {_plural(rec.unit, rec.min_units)}"
    if rec.max_units is None or units <= rec.max_units:
        return [], None
    addons = [catalog.codes[a] for a in rec.add_ons if a in catalog.codes]
    per_unit = [a for a in addons if a.counting == "per-additional" and a.unit == rec.unit and a.status == "active"
                and all(_has(a, f, v) for f, vals in wanted.items() for v in vals)]
    if not per_unit:
        return [], (f"covers at most {rec.max_units} {_plural(rec.unit, rec.max_units)} and has no add-on "
                    f"counted per additional {rec.unit}")
    return per_unit, None


def _each_unit_solutions(catalog: Catalog, wanted: dict, units: int | None, unit: str | None) -> list[dict]:
    """Add-ons counted for every unit from the first (sk:eachUnit) that match the request: add-on × units."""
    out = []
    n = units or 1
    for rec in catalog.codes.values():
        if rec.kind != "add-on" or rec.counting != "per-unit" or rec.status != "active":
            continue
        if unit is not None and rec.unit != unit:
            continue
        if not all(_has(rec, f, v) for f, vals in wanted.items() for v in vals):
            continue
        primaries = f"one of its {len(rec.add_on_to)} primaries, e.g. " + ", ".join(rec.add_on_to[:3])
        why = [f"{rec.code} is an add-on counted once for each {rec.unit}, the first one included: "
               f"{n} {_plural(rec.unit, n)} = {rec.code} × {n}.",
               f"Report it beside the primary code of the operation it accompanies ({primaries})."]
        out.append({"report": [{"code": rec.code, "times": n, "label": rec.label}], "why": why,
                    "text": f"{rec.code} × {n}"})
    return out


def find(catalog: Catalog, *, procedure=None, region=None, approach=None, lesion=None,
         units: int | None = None, unit: str | None = None, as_of: int | None = None, nearest: int = 5) -> dict:
    """The codes to report for an operation described by facets (+ a number of units, optionally of one
    named unit such as "interspace"; + optionally the code-set year)."""
    if as_of is not None:
        from spinekg.graph.select import filter_as_of

        catalog = filter_as_of(catalog, as_of)
    if unit is not None:
        from spinekg.graph.select import normalise

        units_known = {normalise(r.unit): r.unit for r in catalog.codes.values() if r.unit}
        if normalise(unit) not in units_known:
            from spinekg.graph.errors import UnknownFacetValue

            raise UnknownFacetValue("unit", unit, sorted(set(units_known.values())))
        unit = units_known[normalise(unit)]
    given = {"procedure": procedure, "region": region, "approach": approach, "lesion": lesion}
    wanted = {f: [resolve_value(catalog, f, v) for v in ([vals] if isinstance(vals, str) else vals)]
              for f, vals in given.items() if vals}
    if not wanted:
        raise SpinekgError("describe the operation with at least one of --procedure, --region, --approach, --lesion")
    if units is not None and units < 1:
        raise SpinekgError("--units must be 1 or more")
    request = {**{f: v for f, v in wanted.items()}, "units": units}
    primaries = [r for r in catalog.codes.values() if r.kind == "primary" and r.status == "active"]
    described = ", ".join(v for vals in wanted.values() for v in vals)

    solutions = []
    for rec in primaries:
        if not all(_has(rec, f, v) for f, vals in wanted.items() for v in vals):
            continue
        if unit is not None and rec.unit != unit:
            continue
        per_unit, why_not = _units_fit(rec, units, catalog, wanted)
        if why_not:
            continue
        why = []
        if rec.unit and rec.min_units is not None:
            why.append(f"{rec.code} is the primary code for {described}; it covers {_range(rec)}"
                       f" (minimum {rec.min_units}, maximum {rec.max_units if rec.max_units is not None else 'none'}).")
        else:
            why.append(f"{rec.code} is the primary code for {described}; it is reported once, whatever the extent.")
        if not per_unit:
            codes = [{"code": rec.code, "times": 1, "label": rec.label}]
            solutions.append({"report": codes, "why": why, "text": f"{rec.code} × 1"})
            continue
        for addon in per_unit:
            extra = units - rec.max_units
            why_a = why + [f"{addon.code} is an add-on reported with {rec.code} once for each additional "
                           f"{rec.unit}: {units} − {rec.max_units} = {extra}."]
            codes = [{"code": rec.code, "times": 1, "label": rec.label},
                     {"code": addon.code, "times": extra, "label": addon.label}]
            solutions.append({"report": codes, "why": why_a,
                              "text": f"{rec.code} × 1 + {addon.code} × {extra}"})
    solutions += _each_unit_solutions(catalog, wanted, units, unit)
    result = {"request": request, "solutions": solutions, "nearest": []}
    if solutions:
        return result

    scored = []
    for rec in primaries:
        diffs = []
        for f, vals in wanted.items():
            missing = [v for v in vals if not _has(rec, f, v)]
            if missing:
                has = sorted({n for key in FILTER_KEYS[f] for n in getattr(rec, key)})
                diffs.append({"facet": f, "wanted": missing, "has": has})
        _, why_not = _units_fit(rec, units, catalog, wanted)
        if why_not:
            diffs.append({"facet": "units", "wanted": [str(units)], "has": [why_not]})
        weight = sum(2 if diff["facet"] == "procedure" else 1 for diff in diffs)  # the operation first
        scored.append((weight, rec.code, rec, diffs))
    scored.sort(key=lambda t: (t[0], t[1]))
    best = [t for t in scored if t[0] == scored[0][0]][:nearest] if scored else []
    result["nearest"] = [{"code": rec.code, "label": rec.label, "differs": diffs} for _, _, rec, diffs in best]
    return result


def find_text(d: dict) -> str:
    req = d["request"]
    ask = ", ".join(f"{k} {', '.join(v)}" for k, v in req.items() if k != "units" and v)
    if req.get("units") is not None:
        ask += f", {req['units']} unit{'s' if req['units'] != 1 else ''}"
    lines = [f"request: {ask}"]
    if d["solutions"]:
        if len(d["solutions"]) > 1:
            lines.append(f"{len(d['solutions'])} ways to report it (pick the one that matches the operation):")
        for s in d["solutions"]:
            lines.append("")
            lines.append(f"report: {s['text']}")
            for c in s["report"]:
                lines.append(f"  {c['code']} × {c['times']}  {c['label']}")
            lines.append("  why:")
            lines += [f"    {w}" for w in s["why"]]
        return "\n".join(lines)
    lines.append("no code fits; nearest codes and what differs:")
    for n in d["nearest"]:
        lines.append(f"  {n['code']}  {n['label']}")
        for diff in n["differs"]:
            if diff["facet"] == "units":
                lines.append(f"      units: wanted {diff['wanted'][0]}; it {diff['has'][0]}")
            else:
                lines.append(f"      {diff['facet']}: wanted {', '.join(diff['wanted'])}; it has {', '.join(diff['has']) or 'none'}")
    return "\n".join(lines)
