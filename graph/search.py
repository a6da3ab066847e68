"""Search codes, range groups and facet values with the words coders use.

One index, two readers: `spinekg search` ranks with `rank()` below and the HTML explorer ships
the same index (`build_index`) and ranks with the same rules in explorer-search.js, so the page
and the CLI give the same answers. Coders' words (ACDF, TLIF, tumor, cage, fusion, level …) are
data: `skos:altLabel` / `skos:hiddenLabel` in graph/data/synonyms.ttl, each with its source.
"""
from __future__ import annotations

import functools
import re

# how much a query word counts where it is found (the best place wins); exact codes rank first
W_OWN_SYNONYM = 10   # the entity's own altLabel / hiddenLabel
W_OWN_LABEL = 8      # its own label or name
W_GROUP = 4          # (codes) the label or synonyms of its range group
W_ANCESTOR = 1       # (codes) the groups above it (every 63xxx code sits under "…spinal cord…")
W_FACET = 3          # (codes) the names and synonyms of its facet values and unit
W_NOTATION_PREFIX = 50
W_NOTATION_PART = 20
W_WHOLE = 2          # bonus when the word is the whole field ("fusion" is arthrodesis's synonym)
KIND_RANK = {"primary": 0, "add-on": 0, "group": 1}  # then facet values
# record attribute -> node kind of its values (the kinds the explorer draws as nodes)
FACET_KINDS = {"regions": "region", "approaches": "approach", "procedures": "procedure",
               "lesion_compartments": "lesion compartment", "lesion_natures": "lesion nature"}
OTHER_FACETS = ("variants", "indications", "access", "imaging", "agents", "delivery", "devices", "device_actions")
# a notation as a query word (after normalise: lower case): five digits, or a Category III code's
# four digits and "t" (0213t), or the start of either
NOTATION = re.compile(r"^\d+t?$")
RANGE = re.compile(r"^(\d{4}[\dt])\s*-\s*(\d{4}[\dt])$")
SYNONYMS_FILE = "synonyms.ttl"
SYNONYMS_CACHE = "synonyms-1"  # bump when the reading below changes


@functools.lru_cache(maxsize=4096)
def normalise(text: str) -> str:
    """Lower case, dashes unified, spaces squeezed: the form both readers compare."""
    return re.sub(r"\s+", " ", re.sub("[\u2010-\u2015]", "-", text.lower())).strip()


def words(query: str) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", normalise(query)) if w]


@functools.cache
def synonyms() -> dict[str, tuple[str, ...]]:
    """Node id -> its skos:altLabel and skos:hiddenLabel texts, read from graph/data/synonyms.ttl.

    Parsed with pyoxigraph (no rdflib import) and kept in the compiled cache beside the catalog."""
    from spinekg.graph.compiled import catalog_key, read_cached, write_cached

    key = catalog_key()
    cached = read_cached(key, kind=SYNONYMS_CACHE)
    if isinstance(cached, dict):
        return {k: tuple(v) for k, v in cached.items()}
    import pyoxigraph as ox

    from spinekg.graph.load import DATA_DIR

    skos = "http://www.w3.org/2004/02/skos/core#"
    labels = {skos + "altLabel", skos + "hiddenLabel"}
    out: dict[str, list[str]] = {}
    for t in ox.parse((DATA_DIR / SYNONYMS_FILE).read_bytes(), format=ox.RdfFormat.TURTLE):
        if t.predicate.value in labels and isinstance(t.subject, ox.NamedNode):
            out.setdefault(_node_id(t.subject.value), []).append(t.object.value)
    result = {k: tuple(sorted(set(v))) for k, v in sorted(out.items())}
    write_cached(key, {k: list(v) for k, v in result.items()}, kind=SYNONYMS_CACHE)
    return result


def _node_id(iri: str) -> str:
    """The explorer's id of a code, group or facet IRI: '22551', 'group:22551-22552', 'sk:Neoplasm'
    (ontology terms end in #Name; codes in /NNNNN; groups in /NNNNN-NNNNN)."""
    if "#" in iri:
        return "sk:" + iri.rsplit("#", 1)[1]
    last = iri.rsplit("/", 1)[1]
    return "group:" + last if "-" in last else last


def _unit_local(short: str) -> str:
    return "".join(w.capitalize() for w in short.split())


def build_index(catalog, codes=None) -> list[dict]:
    """Every searchable entity: {id, kind, text (for display), fields: [[words, weight], …]}.

    `codes` limits the codes (and the groups and facet values they use) to a subset."""
    syn = synonyms()
    chosen = [catalog.codes[c] for c in sorted(codes)] if codes is not None else list(catalog.codes.values())
    local = {}  # facet value node id ('region:cervical') -> synonym key ('sk:Cervical')
    for key, kind in FACET_KINDS.items():
        for short, loc in catalog.facet_values.get(key, {}).items():
            local[f"{kind}:{short}"] = "sk:" + loc
    other_local = {short: "sk:" + loc for key in OTHER_FACETS for short, loc in catalog.facet_values.get(key, {}).items()}

    def syns(node_key):
        return [normalise(s) for s in syn.get(node_key, ())]

    groups_used: dict[str, None] = {}
    facets_used: dict[str, None] = {}
    entries = []
    for rec in chosen:
        fields = [[normalise(rec.label), W_OWN_LABEL]] + [[s, W_OWN_SYNONYM] for s in syns(rec.code)]
        group, weight = rec.group, W_GROUP
        while group:  # the range group and the groups above it
            gid = "group:" + group
            groups_used[gid] = None
            fields.append([normalise(catalog.groups[group]["label"]), weight])
            fields += [[s, weight] for s in syns(gid)]
            group, weight = catalog.groups[group].get("parent"), W_ANCESTOR
        for key, kind in FACET_KINDS.items():
            for name in getattr(rec, key):
                nid = f"{kind}:{name}"
                facets_used[nid] = None
                fields.append([normalise(name), W_FACET])
                fields += [[s, W_FACET] for s in syns(local.get(nid, ""))]
        for key in OTHER_FACETS:
            for name in getattr(rec, key, ()):
                fields.append([normalise(name), W_FACET])
                fields += [[s, W_FACET] for s in syns(other_local.get(name, ""))]
        if rec.unit:
            fields.append([normalise(rec.unit), W_FACET])
            fields += [[s, W_FACET] for s in syns("sk:" + _unit_local(rec.unit))]
        fields.append([rec.kind, 1])
        entries.append({"id": rec.code, "kind": rec.kind, "code": rec.code, "text": rec.label,
                        "fields": _dedupe(fields)})
    for gid in sorted(groups_used):
        notation = gid[len("group:"):]
        info = catalog.groups[notation]
        fields = [[normalise(info["label"]), W_OWN_LABEL]] + [[s, W_OWN_SYNONYM] for s in syns(gid)]
        entries.append({"id": gid, "kind": "group", "code": notation, "text": info["label"], "fields": _dedupe(fields)})
    for nid in sorted(facets_used):
        kind, name = nid.split(":", 1)
        fields = [[normalise(name), W_OWN_LABEL], [kind, 1]] + [[s, W_OWN_SYNONYM] for s in syns(local.get(nid, ""))]
        entries.append({"id": nid, "kind": kind, "code": None, "text": name, "fields": _dedupe(fields)})
    return entries


def _dedupe(fields):
    best: dict[str, int] = {}
    for text, weight in fields:
        best[text] = max(weight, best.get(text, 0))
    return [[t, w] for t, w in best.items()]


def _word_score(entry, word: str) -> int:
    score = 0
    code = entry["code"]
    if code and NOTATION.match(word):
        code = code.lower()
        if code.startswith(word):
            score = W_NOTATION_PREFIX
        elif word in code:
            score = W_NOTATION_PART
    for text, weight in entry["fields"]:
        if text == word:
            weight += W_WHOLE
        if weight > score and word in text:
            score = weight
    return score


def rank(index: list[dict], query: str) -> list[str]:
    """Ids matching every word of the query, best first (the explorer's search() gives the same)."""
    q = normalise(query)
    if not q:
        return []
    m = RANGE.match(q)
    if m:  # a range: its group first, then every code inside it in order
        lo, hi = m.group(1).upper(), m.group(2).upper()
        out = [e["id"] for e in index if e["kind"] == "group" and e["code"] == f"{lo}-{hi}"]
        return out + [e["id"] for e in index if e["kind"] in ("primary", "add-on") and lo <= e["code"] <= hi]
    ws = words(q)
    scored = []
    for e in index:
        total = 0
        for w in ws:
            s = _word_score(e, w)
            if not s:
                break
            total += s
        else:
            exact = 0 if e["code"] and e["code"].lower() == q and e["kind"] != "group" else 1
            scored.append((exact, -total, KIND_RANK.get(e["kind"], 2), e["id"]))
    scored.sort()
    return [s[3] for s in scored]


def search(catalog, query: str, limit: int | None = None) -> dict:
    """The ranked matches of a query, with what each one is (for `spinekg search`)."""
    index = build_index(catalog)
    by_id = {e["id"]: e for e in index}
    ids = rank(index, query)
    shown = ids if limit is None else ids[:limit]
    return {"query": query, "count": len(ids),
            "results": [{"id": i, "kind": by_id[i]["kind"], "label": by_id[i]["text"]} for i in shown]}


def search_text(d: dict) -> str:
    if not d["results"]:
        return f"no match for {d['query']!r}"
    from spinekg.graph.textsafe import terminal_text

    rows = []
    for r in d["results"]:
        name = r["id"].replace("group:", "group ", 1) if r["kind"] == "group" else r["id"].split(":", 1)[-1]
        rows.append((terminal_text(name), r["kind"], terminal_text(r["label"]) if r["kind"] in ("primary", "add-on", "group") else ""))
    width = max(len(n) for n, _, _ in rows)
    lines = [f"{n:<{width}}  {k:<18} {label}".rstrip() for n, k, label in rows]
    more = d["count"] - len(d["results"])
    lines.append(f"({d['count']} match{'es' if d['count'] != 1 else ''}" + (f", {more} not shown" if more else "") + ")")
    return "\n".join(lines)
