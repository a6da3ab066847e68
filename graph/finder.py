"""Which codes to report for an operation, and how many times.

Everything comes from the data: a primary covers `sk:minUnits`..`sk:maxUnits` units (no maximum =
no upper bound); units beyond its maximum are reported with an add-on of that primary that is
counted `sk:eachAdditionalUnit`, once per extra unit, or with ordinal add-ons (`sk:firstCoveredUnit`
..`sk:lastCoveredUnit`: 64494 covers the second level, 64495 the third and every further one) reported
once each; a primary `sk:reportedPerUnit` is reported once per unit. An add-on counted `sk:eachUnit`
(e.g. 22853, per interspace) is reported once for every unit, the first included, beside its primary.
When nothing fits, the nearest primaries are listed with the facets in which they differ from the request.
"""
from __future__ import annotations

from spinekg.graph.errors import SpinekgError
from spinekg.graph.model import Catalog, CodeRecord
from spinekg.graph.select import FILTER_KEYS, resolve_value

# the facets an operation is described by (keyword -> FILTER_KEYS entry), in the order requests name them
FACET_NAMES = {"procedure": "procedure", "region": "region", "approach": "approach", "lesion": "lesion",
               "access": "access", "imaging": "imaging", "agent": "agent", "delivery": "delivery",
               "device": "device", "device_action": "device_action"}


from spinekg.graph.labels import _plural  # noqa: E402 (one plural rule: "vertebral bodies")


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def _has(rec: CodeRecord, facet: str, value: str) -> bool:
    return any(value in getattr(rec, key) for key in FILTER_KEYS[facet])


def _range(rec: CodeRecord) -> str:
    if rec.max_units is None:
        return f"{rec.min_units} or more {_plural(rec.unit, 2)}"
    if rec.max_units == rec.min_units:
        return f"{rec.min_units} {_plural(rec.unit, rec.min_units)}"
    return f"{rec.min_units}–{rec.max_units} {_plural(rec.unit, rec.max_units)}"


def _ordinal_cover(rec: CodeRecord, addons: list[CodeRecord], units: int) -> list[CodeRecord] | None:
    """The ordinal add-ons that together cover units max+1..units of `rec`, each once; None if they can't."""
    ordinal = sorted((a for a in addons if a.first_covered_unit is not None), key=lambda a: a.first_covered_unit)
    if not ordinal:
        return None
    chosen, next_unit = [], rec.max_units + 1
    for a in ordinal:
        if next_unit > units:
            break
        if a.first_covered_unit != next_unit:
            continue
        chosen.append(a)
        if a.last_covered_unit is None:
            return chosen
        next_unit = a.last_covered_unit + 1
    return chosen if next_unit > units else None


def _units_fit(rec: CodeRecord, units: int | None, catalog: Catalog, wanted: dict) -> tuple[list, str | None]:
    """(add-ons needed, None) when the primary fits, else ([], why not)."""
    if units is None:
        return [], None
    if rec.unit is None or rec.min_units is None:
        return [], "is not counted in units"
    if units < rec.min_units:
        return [], f"covers at least {rec.min_units} {_plural(rec.unit, rec.min_units)}"
    if rec.max_units is None or units <= rec.max_units or rec.reported_per_unit:
        return [], None
    addons = [catalog.codes[a] for a in rec.add_ons if a in catalog.codes]
    addons = [a for a in addons if a.unit == rec.unit and a.status == "active"
              and all(_has(a, f, v) for f, vals in wanted.items() for v in vals)]
    ordinal = _ordinal_cover(rec, addons, units)
    if ordinal:
        return [ordinal], None
    per_unit = [a for a in addons if a.counting == "per-additional"]
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
         units: int | None = None, unit: str | None = None, as_of: int | None = None, nearest: int = 5,
         **facets) -> dict:
    """The codes to report for an operation described by facets (+ a number of units, optionally of one
    named unit such as "interspace"; + optionally the code-set year). `facets` takes the other
    FACET_NAMES: access, imaging, agent, delivery, device, device_action."""
    unknown = sorted(set(facets) - set(FACET_NAMES))
    if unknown:
        raise TypeError(f"find() got unexpected keyword arguments {unknown}")
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
    given = {"procedure": procedure, "region": region, "approach": approach, "lesion": lesion, **facets}
    wanted = {f: [resolve_value(catalog, f, v) for v in ([vals] if isinstance(vals, str) else vals)]
              for f in FACET_NAMES if (vals := given.get(f))}
    if not wanted:
        raise SpinekgError("describe the operation with at least one of "
                           + ", ".join("--" + f.replace("_", "-") for f in FACET_NAMES))
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
        if rec.reported_per_unit and units is not None:
            why.append(f"{rec.code} is reported once for each {rec.unit}: × {units}.")
            codes = [{"code": rec.code, "times": units, "label": rec.label}]
            solutions.append({"report": codes, "why": why, "text": f"{rec.code} × {units}"})
            continue
        if not per_unit:
            codes = [{"code": rec.code, "times": 1, "label": rec.label}]
            solutions.append({"report": codes, "why": why, "text": f"{rec.code} × 1"})
            continue
        for addon in per_unit:
            if isinstance(addon, list):  # ordinal add-ons, each reported once
                codes = [{"code": rec.code, "times": 1, "label": rec.label}]
                why_o = list(why)
                for a in addon:
                    span = (f"{_ordinal(a.first_covered_unit)} {rec.unit}" if a.last_covered_unit == a.first_covered_unit
                            else f"{_ordinal(a.first_covered_unit)} {rec.unit} and every further one"
                            if a.last_covered_unit is None
                            else f"{_ordinal(a.first_covered_unit)} to {_ordinal(a.last_covered_unit)} {rec.unit}")
                    why_o.append(f"{a.code} is an add-on reported once for the {span}.")
                    codes.append({"code": a.code, "times": 1, "label": a.label})
                solutions.append({"report": codes, "why": why_o,
                                  "text": " + ".join(f"{c['code']} × 1" for c in codes)})
                continue
            extra = units - rec.max_units
            why_a = why + [f"{addon.code} is an add-on reported with {rec.code} once for each additional "
                           f"{rec.unit}: {units} − {rec.max_units} = {extra}."]
            codes = [{"code": rec.code, "times": 1, "label": rec.label},
                     {"code": addon.code, "times": extra, "label": addon.label}]
            solutions.append({"report": codes, "why": why_a,
                              "text": f"{rec.code} × 1 + {addon.code} × {extra}"})
    solutions += _each_unit_solutions(catalog, wanted, units, unit)
    # Category I codes first: a Category III twin (0216T beside 64493) is the rarer, temporary choice
    solutions.sort(key=lambda sol: sol["report"][0]["code"].endswith("T"))
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
    ask = ", ".join(f"{k.replace('_', ' ')} {', '.join(v)}" for k, v in req.items() if k != "units" and v)
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
