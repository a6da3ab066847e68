"""Compose a code's label from its facts.

Labels are the project's own words built from facet names; they are never official
CPT descriptors. Every input is a short facet name (the facet value's skos:prefLabel).
"""
from __future__ import annotations

from dataclasses import dataclass, field

SEP = " — "

# Procedures that can head a label, in the order a reader expects them.
HEAD_PROCEDURES = (
    "corpectomy", "kyphectomy", "arthrodesis", "osteotomy", "total disc arthroplasty",
    "vertebral body tethering", "fracture treatment", "vertebroplasty", "vertebral augmentation",
    "intradiscal annuloplasty", "instrumentation", "instrumentation removal", "biomechanical device insertion",
    "interlaminar/interspinous stabilisation", "incision and drainage", "partial excision", "manipulation",
    "laminectomy", "laminotomy", "laminoplasty", "discectomy", "facetectomy",
    "foraminotomy", "osteophytectomy", "myelotomy", "cordotomy", "rhizotomy",
    "dentate ligament section", "spinal accessory nerve section", "tethered cord release",
    "cyst drainage", "osteoplastic reconstruction", "open reduction", "closed reduction", "internal fixation",
    "immobilisation", "bone graft", "bone marrow aspiration", "unlisted procedure",
    # the rest of the spine section (62263-63746, 64479-64636, 27278-27280, Category III)
    "sacral augmentation", "facet arthroplasty", "intrafacet implantation", "basivertebral nerve ablation",
    "facet joint denervation", "facet joint injection", "epidural or subarachnoid injection", "epidural injection",
    "subarachnoid injection", "intradiscal injection", "chemonucleolysis", "discography",
    "percutaneous disc decompression", "epidural adhesiolysis", "epidural blood patch", "injection for myelography",
    "spinal puncture", "aspiration", "intraspinal drug delivery", "spinal neurostimulation", "stereotactic lesioning",
    "stereotactic stimulation", "stereotactic radiosurgery", "meningocele repair", "myelomeningocele repair",
    "dural repair", "dural graft", "spinal fluid shunt procedure",
)
# procedure pairs a code names as one alternative ("epidural or subarachnoid injection")
ALTERNATIVE_PROCEDURES = {frozenset({"epidural injection", "subarachnoid injection"}): "epidural or subarachnoid injection"}
DEFAULT_ACCESS = "open"  # what a reader assumes of an operation: labels name only other access
REGION_ORDER = ("cervical", "thoracic", "lumbar", "sacral", "sacroiliac joint")  # cranio-caudal, then the pelvis
JUNCTION = "thoracolumbar"  # the variant that names thoracic+lumbar as one region


@dataclass(frozen=True)
class LabelFacts:
    """The facts a label is composed from (all names are facet prefLabels)."""

    procedures: tuple[str, ...]
    regions: tuple[str, ...] = ()
    approaches: tuple[str, ...] = ()
    lesion_compartments: tuple[str, ...] = ()
    lesion_natures: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    indications: tuple[str, ...] = ()
    unit: str | None = None
    min_units: int | None = None
    max_units: int | None = None
    each_additional_unit: bool = False  # kept for callers of the old contract: same as counting="per-additional"
    counting: str | None = None  # "per-additional" | "per-unit" | None
    # spine-section facets (ontology/spine-section.ttl) and the access facet
    device_actions: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    imaging: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    delivery: tuple[str, ...] = ()
    extra: tuple[str, ...] = field(default=())


def join_or(words: list[str] | tuple[str, ...]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def join_and(words: list[str] | tuple[str, ...]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _plural(unit: str, n: int) -> str:
    if n == 1:
        return unit
    if unit.endswith("y") and unit[-2:-1] not in "aeiou":  # "vertebral body" -> "vertebral bodies"
        return unit[:-1] + "ies"
    return unit + "s"


# variants that already say which units the add-on covers ("second level", "third and any further levels")
ORDINAL_VARIANTS = ("second level", "third and any further levels")  # a variant that already says which single unit the add-on covers


def units_phrase(unit: str | None, lo: int | None, hi: int | None, each: bool | str | None) -> str | None:
    """'1 vertebral segment', '1–2 vertebral segments', '3 or more …', 'each additional …', 'each …'.

    `each` is the counting: "per-additional" (or True) counts units beyond the primary's,
    "per-unit" counts every unit from the first, so its phrase never says "additional".
    """
    if unit is None:
        return None
    if each is True or each == "per-additional":
        return f"each additional {unit}"
    if each == "per-unit":
        return f"each {unit}"
    if lo is None:
        return None
    if hi is None:
        return f"{lo} or more {_plural(unit, 2)}"
    if lo == hi:
        return f"{lo} {_plural(unit, lo)}"
    return f"{lo}–{hi} {_plural(unit, hi)}"


def procedure_phrase(procedures: tuple[str, ...], natures: tuple[str, ...]) -> tuple[str, bool]:
    """The label's head ('Laminectomy with facetectomy and foraminotomy for decompression').

    Returns the phrase and whether it already names the lesion nature.
    """
    procs = set(procedures)
    for pair, name in ALTERNATIVE_PROCEDURES.items():
        if pair <= procs:
            procs = (procs - pair) | {name}
    heads = [p for p in HEAD_PROCEDURES if p in procs]
    phrase = heads[0] if heads else ""
    if len(heads) > 1:
        phrase += " with " + join_and(heads[1:])
    used_nature = False
    if "lesion excision" in procs:
        act = "biopsy/excision" if "biopsy" in procs else "excision"
        target = join_or(natures) if natures else "intraspinal lesion"
        if phrase.startswith("partial excision"):  # the head already says what is removed
            phrase = f"partial excision of vertebra for {target}" + phrase[len("partial excision"):]
        else:
            phrase = f"{phrase} for {act} of {target}".strip()
        used_nature = bool(natures)
    elif {"exploration", "decompression"} & procs:
        what = "/".join(p for p in ("exploration", "decompression") if p in procs)
        phrase = f"{phrase} for {what}" if phrase else what
    if not phrase:
        phrase = join_and(sorted(procs))
    return phrase[0].upper() + phrase[1:], used_nature


def spine_section_parts(f: LabelFacts) -> list[str]:
    """Device action and device ('insertion or replacement of programmable pump'), then access other
    than open, imaging guidance, agent and delivery: the facts that tell the spine section's twins apart."""
    parts = []
    if f.device_actions and f.devices:
        parts.append(f"{join_or(f.device_actions)} of {join_or(f.devices)}")
    elif f.devices:
        parts.append(join_or(f.devices))
    access = [a for a in f.access if a != DEFAULT_ACCESS]
    if access:
        parts.append(join_or(access))
    for values in (f.imaging, f.agents, f.delivery):
        if values:
            parts.append(join_or(values))
    return parts


def compose_label(f: LabelFacts) -> str:
    """Compose the project's label for a code from its facts."""
    head, used_nature = procedure_phrase(f.procedures, f.lesion_natures)
    parts = [head]
    if f.lesion_compartments:
        parts.append(" + ".join(f.lesion_compartments))
    if f.lesion_natures and not used_nature:
        parts.append(join_or(f.lesion_natures))
    variants = [v for v in f.variants if v != JUNCTION]
    if f.regions:
        regions = sorted(f.regions, key=lambda r: REGION_ORDER.index(r) if r in REGION_ORDER else 99)
        if JUNCTION in f.variants and {"thoracic", "lumbar"} <= set(regions):
            regions = [r for r in regions if r not in ("thoracic", "lumbar")] + [JUNCTION]
        parts.append(join_or(regions))
    if f.approaches:
        parts.append(join_or(f.approaches) + " approach")
    parts.extend(spine_section_parts(f))
    parts.extend(variants)
    parts.extend(f"for {i}" for i in f.indications)
    counting = f.counting or ("per-additional" if f.each_additional_unit else None)
    units = units_phrase(f.unit, f.min_units, f.max_units, counting)
    if units and not (counting is None and set(ORDINAL_VARIANTS) & set(f.variants)):  # not "second level — 1 level"
        parts.append(units)
    parts.extend(f.extra)
    return SEP.join(parts)
