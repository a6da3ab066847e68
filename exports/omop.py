"""OMOP CDM v5.4 vocabulary tables for a local vocabulary `SpineKG`, laid out like an Athena
download: one tab-delimited file per table (named TABLE.csv, as Athena names them), a header row
of the v5.4 column names, dates as YYYYMMDD (give readers that format: DuckDB
`read_csv(..., dateformat='%Y%m%d')`; PostgreSQL's COPY reads it as it is), empty cells for NULL,
no quoting.

The folder loads alone into an empty CDM with every official v5.4 primary and foreign key: it
ships the DOMAIN, VOCABULARY, CONCEPT_CLASS and RELATIONSHIP rows its concepts reference, OMOP's
own metadata vocabularies and classes (Vocabulary, Domain, Concept Class, Relationship) included,
and a local English-language concept for CONCEPT_SYNONYM. Beside an Athena download, load only the
rows whose key is not there yet (e.g. PostgreSQL `ON CONFLICT DO NOTHING`): Athena's own rows win.

Concepts: every code (domain Procedure, standard 'S', with 'Maps to' / 'Mapped from' rows to
itself, as OMOP's ETL join expects), every range group (classification 'C'), every facet value used
(non-standard attribute concepts), and the metadata concepts. A deleted code is not standard, ends
on 31 December of the year before its deletion and is marked 'D' (or 'U' with 'Concept replaced
by' / 'Maps to' its replacement); its other relationships end with it, marked 'D'. The vocabulary
version says which CPT code-set year the data describes. Imported descriptors become
CONCEPT_SYNONYM rows, neutralised against spreadsheet formulas.

Concept ids are derived from each concept's identity, not from enumeration order, so they stay
the same when codes are added (see code_concept_id): a five-digit code's id is 2,000,000,000 + its
number (63304 -> 2000063304); a Category III code (four digits and "T") sits in a block of its own
above every other id, 2,147,100,000 + its four digits (0200T -> 2147100200), so it can neither
meet a numeric code nor a hashed id; any other concept's id is 2,000,100,000 + (sha256 of its IRI
mod 147,000,000). Every id stays below the 32-bit integer limit (OMOP's range for local concepts
starts at 2,000,000,000). A collision stops the export rather than reusing an id.
"""
from __future__ import annotations

import hashlib

from spinekg.exports.codeset import code_set_year
from spinekg.exports.registry import ExportSource, Output
from spinekg.exports.units import unit_local_name
from spinekg.graph.textsafe import spreadsheet_cell

VOCABULARY_ID = "SpineKG"
LOCAL_BASE = 2_000_000_000
HASH_BASE = 2_000_100_000
HASH_SPAN = 147_000_000  # HASH_BASE + HASH_SPAN < 2**31 - 1
CATEGORY_III_BASE = HASH_BASE + HASH_SPAN  # 2,147,100,000: + 9999 stays below 2**31 - 1
START, END = "19700101", "20991231"
SK_NS = "https://w3id.org/spinekg/ontology#"
# OMOP's own metadata vocabularies / concept classes, shipped so the folder loads alone
METADATA = ("Concept Class", "Domain", "Relationship", "Vocabulary")
LANGUAGE_CLASS = ("SKG Language", "spinekg language")

# v5.4 column names and types (tests check files against these)
COLUMNS = {
    "CONCEPT": (("concept_id", "integer", True), ("concept_name", "varchar(255)", True),
                ("domain_id", "varchar(20)", True), ("vocabulary_id", "varchar(20)", True),
                ("concept_class_id", "varchar(20)", True), ("standard_concept", "varchar(1)", False),
                ("concept_code", "varchar(50)", True), ("valid_start_date", "date", True),
                ("valid_end_date", "date", True), ("invalid_reason", "varchar(1)", False)),
    "CONCEPT_RELATIONSHIP": (("concept_id_1", "integer", True), ("concept_id_2", "integer", True),
                             ("relationship_id", "varchar(20)", True), ("valid_start_date", "date", True),
                             ("valid_end_date", "date", True), ("invalid_reason", "varchar(1)", False)),
    "CONCEPT_ANCESTOR": (("ancestor_concept_id", "integer", True), ("descendant_concept_id", "integer", True),
                         ("min_levels_of_separation", "integer", True),
                         ("max_levels_of_separation", "integer", True)),
    "CONCEPT_SYNONYM": (("concept_id", "integer", True), ("concept_synonym_name", "varchar(1000)", True),
                        ("language_concept_id", "integer", True)),
    "VOCABULARY": (("vocabulary_id", "varchar(20)", True), ("vocabulary_name", "varchar(255)", True),
                   ("vocabulary_reference", "varchar(255)", False), ("vocabulary_version", "varchar(255)", False),
                   ("vocabulary_concept_id", "integer", True)),
    "CONCEPT_CLASS": (("concept_class_id", "varchar(20)", True), ("concept_class_name", "varchar(255)", True),
                      ("concept_class_concept_id", "integer", True)),
    "DOMAIN": (("domain_id", "varchar(20)", True), ("domain_name", "varchar(255)", True),
               ("domain_concept_id", "integer", True)),
    "RELATIONSHIP": (("relationship_id", "varchar(20)", True), ("relationship_name", "varchar(255)", True),
                     ("is_hierarchical", "varchar(1)", True), ("defines_ancestry", "varchar(1)", True),
                     ("reverse_relationship_id", "varchar(20)", True),
                     ("relationship_concept_id", "integer", True)),
}
TABLES = tuple(COLUMNS)

# facet key -> (concept class id, class name, OMOP domain, relationship, reverse)
FACET_CLASSES = {
    "regions": ("SKG Region", "spinekg spinal region", "Spec Anatomic Site", "SKG has region", "SKG region of"),
    "approaches": ("SKG Approach", "spinekg surgical approach", "Observation", "SKG has approach",
                   "SKG approach of"),
    "procedures": ("SKG Procedure Type", "spinekg procedure type", "Procedure", "SKG has procedure",
                   "SKG procedure of"),
    "lesion_compartments": ("SKG Compartment", "spinekg lesion compartment", "Observation",
                            "SKG has compartment", "SKG compartment of"),
    "lesion_natures": ("SKG Lesion Nature", "spinekg lesion nature", "Condition", "SKG has nature",
                       "SKG nature of"),
    "variants": ("SKG Variant", "spinekg technique variant", "Observation", "SKG has variant", "SKG variant of"),
    "indications": ("SKG Indication", "spinekg indication", "Condition", "SKG has indication",
                    "SKG indication of"),
    "access": ("SKG Access", "spinekg access", "Observation", "SKG has access", "SKG access of"),
    # spine-section facets
    "imaging": ("SKG Imaging Guidance", "spinekg imaging guidance", "Observation", "SKG has imaging",
                "SKG imaging of"),
    "agents": ("SKG Agent", "spinekg agent", "Observation", "SKG has agent", "SKG agent of"),
    "delivery": ("SKG Delivery", "spinekg delivery", "Observation", "SKG has delivery", "SKG delivery of"),
    "devices": ("SKG Device", "spinekg device", "Device", "SKG has device", "SKG device of"),
    "device_actions": ("SKG Device Action", "spinekg device action", "Observation", "SKG has dev action",
                       "SKG dev action of"),
    "unit": ("SKG Counted Unit", "spinekg counted unit", "Observation", "SKG has unit", "SKG unit of"),
}
CODE_CLASSES = {"primary": ("SKG Primary Code", "spinekg primary code"),
                "add-on": ("SKG Add-on Code", "spinekg add-on code"),
                "group": ("SKG Range Group", "spinekg range group of codes")}
# relationship id -> (name, reverse id, is_hierarchical, defines_ancestry)
RELATIONSHIPS = {
    "SKG in group": ("In spinekg range group", "SKG group has", "0", "1"),
    "SKG group has": ("spinekg range group has member", "SKG in group", "1", "1"),
    "SKG add-on to": ("spinekg add-on reported with primary", "SKG has add-on", "0", "0"),
    "SKG has add-on": ("spinekg primary has add-on", "SKG add-on to", "0", "0"),
    # OMOP's own relationship ids, which the standard ETL joins on
    "Maps to": ("Non-standard to Standard map (OMOP)", "Mapped from", "0", "0"),
    "Mapped from": ("Standard to Non-standard map (OMOP)", "Maps to", "0", "0"),
    "Concept replaced by": ("Concept replaced by", "Concept replaces", "0", "0"),
    "Concept replaces": ("Concept replaces", "Concept replaced by", "0", "0"),
}
for _cls, _name, _dom, _rel, _rev in FACET_CLASSES.values():
    RELATIONSHIPS[_rel] = (f"Has {_name.removeprefix('spinekg ')} (spinekg)", _rev, "0", "0")
    RELATIONSHIPS[_rev] = (f"{_name.removeprefix('spinekg ').capitalize()} of (spinekg)", _rel, "0", "0")


def code_concept_id(code: str) -> int | None:
    """A code's concept id from its notation alone (None for a notation of another form): the ids
    published for five-digit codes before Category III codes came in stay as they were."""
    if code.isascii() and code.isdigit() and len(code) == 5:
        return LOCAL_BASE + int(code)
    if len(code) == 5 and code.endswith("T") and code[:4].isascii() and code[:4].isdigit():
        return CATEGORY_III_BASE + int(code[:4])
    return None


class ConceptIds:
    """Ids derived from identity; refuses a collision instead of silently sharing an id."""

    def __init__(self):
        self.seen: dict[int, str] = {}

    def __call__(self, key: str, code: str | None = None) -> int:
        cid = code_concept_id(code) if code is not None else None
        if cid is None:
            cid = HASH_BASE + int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % HASH_SPAN
        other = self.seen.setdefault(cid, key)
        if other != key:
            raise RuntimeError(f"OMOP concept id collision between {other} and {key}; change HASH_BASE")
        return cid


def _year(value) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and len(text) == 4 else None


def _start(added_in) -> str:
    year = _year(added_in)
    return f"{year}0101" if year else START


def _end(deleted_in) -> str:
    year = _year(deleted_in)
    return f"{year - 1}1231" if year else END


def _name(text: str) -> str:
    return text if len(text) <= 255 else text[:254] + "…"


def _facet_values(rec, key: str) -> tuple[str, ...]:
    return ((rec.unit,) if rec.unit else ()) if key == "unit" else getattr(rec, key)


def tables(source: ExportSource) -> dict[str, list[tuple]]:
    from spinekg.ontology.namespaces import CPT, GROUP

    catalog = source.catalog
    records = source.records()
    in_export = {r.code for r in records}
    ids = ConceptIds()
    concept: list[tuple] = []
    rels: list[tuple] = []
    synonyms: list[tuple] = []

    def relate(a: int, b: int, rel: str, start=START, end=END, invalid=""):
        rels.append((a, b, rel, start, end, invalid))
        rels.append((b, a, RELATIONSHIPS[rel][1], start, end, invalid))

    # facet value concepts, only those used by exported codes
    facet_ids: dict[tuple[str, str], int] = {}
    for key, (cls, _, domain, _, _) in FACET_CLASSES.items():
        for short in sorted({v for r in records for v in _facet_values(r, key)}):
            local = unit_local_name(short) if key == "unit" else catalog.facet_values[key][short]
            cid = ids(SK_NS + local)
            facet_ids[(key, short)] = cid
            concept.append((cid, _name(short), domain, VOCABULARY_ID, cls, "", local[:50], START, END, ""))

    # range groups (classification concepts) and the group hierarchy
    groups = set()
    for r in records:
        g = r.group
        while g and g not in groups:
            groups.add(g)
            g = catalog.groups.get(g, {}).get("parent")
    group_ids = {g: ids(str(GROUP[g])) for g in sorted(groups)}
    for g, cid in group_ids.items():
        concept.append((cid, _name(catalog.groups[g]["label"]), "Procedure", VOCABULARY_ID,
                        CODE_CLASSES["group"][0], "C", g, START, END, ""))
        parent = catalog.groups[g].get("parent")
        if parent:
            relate(cid, group_ids[parent], "SKG in group")

    # codes
    english = None
    code_ids = {r.code: ids(str(CPT[r.code]), r.code) for r in records}
    for r in records:
        cid = code_ids[r.code]
        deleted = r.status == "deleted"
        replaced_by = [c for c in (getattr(r, "replaced_by", ()) or ()) if c in in_export]
        start, end = _start(r.added_in), _end(r.deleted_in) if deleted else END
        ended = dict(end=end, invalid="D") if deleted else {}  # relationships end with a deleted code
        concept.append((cid, _name(r.label), "Procedure", VOCABULARY_ID, CODE_CLASSES[r.kind][0],
                        "" if deleted else "S", r.code, start, end,
                        ("U" if replaced_by else "D") if deleted else ""))
        if not deleted:
            relate(cid, cid, "Maps to", start)
        for new in replaced_by:
            relate(cid, code_ids[new], "Concept replaced by", start)
            relate(cid, code_ids[new], "Maps to", start)
        if r.descriptor:
            if english is None:
                english = ids("omop:language:en")
            synonyms.append((cid, spreadsheet_cell(r.descriptor)[:1000], english))
        if r.group in group_ids:
            relate(cid, group_ids[r.group], "SKG in group", start, **ended)
        for key, (_, _, _, rel, _) in FACET_CLASSES.items():
            for short in _facet_values(r, key):
                relate(cid, facet_ids[(key, short)], rel, start, **ended)
        for primary in r.add_on_to:
            if primary in in_export:
                other = catalog.codes[primary]
                gone = deleted or other.status == "deleted"
                stop = min(end, _end(other.deleted_in) if other.status == "deleted" else END)
                relate(cid, code_ids[primary], "SKG add-on to", max(start, _start(other.added_in)),
                       **(dict(end=stop, invalid="D") if gone else {}))

    return _with_metadata(source, concept, rels, synonyms, english, ids)


def _with_metadata(source, concept, rels, synonyms, english, ids) -> dict[str, list[tuple]]:
    """Add the vocabulary, domain, concept class, relationship and language rows (and their
    metadata concepts) that the concepts reference, then order every table."""
    def meta(kind: str, name: str, key: str) -> int:
        cid = ids(f"omop:{kind.lower().replace(' ', '_')}:{key}")
        concept.append((cid, _name(name), "Metadata", kind, kind, "", "OMOP generated", START, END, ""))
        return cid

    if english is not None:
        concept.append((english, "English language (spinekg)", "Metadata", VOCABULARY_ID, LANGUAGE_CLASS[0], "",
                        "en", START, END, ""))
    year = code_set_year(source.catalog)
    vocabulary = [(VOCABULARY_ID,
                   "spinekg: spine procedure codes with composed labels (CPT is a registered trademark of the AMA)",
                   "https://w3id.org/spinekg", f"spinekg {source.version} ({year} CPT code set)",
                   meta("Vocabulary", "spinekg spine procedure codes", VOCABULARY_ID))]
    vocabulary += [(v, f"OMOP {v}", "OMOP generated", None, meta("Vocabulary", f"OMOP {v}", v)) for v in METADATA]
    classes = [*CODE_CLASSES.values(), *((c, n) for c, n, *_ in FACET_CLASSES.values()),
               *([LANGUAGE_CLASS] if english is not None else []), *((m, m) for m in METADATA)]
    class_rows = [(cls, name, meta("Concept Class", name, cls)) for cls, name in sorted(set(classes))]
    domains = sorted({row[2] for row in concept} | {"Metadata"})
    domain_rows = [(d, d, meta("Domain", d, d)) for d in domains]
    rel_rows = [(rel, name, hier, ancestry, reverse, meta("Relationship", name, rel))
                for rel, (name, reverse, hier, ancestry) in sorted(RELATIONSHIPS.items())]
    ancestors = _ancestors(concept, rels)
    return {
        "CONCEPT": sorted(concept),
        "CONCEPT_RELATIONSHIP": sorted(set(rels)),
        "CONCEPT_ANCESTOR": ancestors,
        "CONCEPT_SYNONYM": sorted(synonyms),
        "VOCABULARY": sorted(vocabulary, key=lambda r: r[0]),
        "CONCEPT_CLASS": sorted(class_rows),
        "DOMAIN": domain_rows,
        "RELATIONSHIP": sorted(rel_rows),
    }


def _ancestors(concept: list[tuple], rels: list[tuple]) -> list[tuple]:
    """CONCEPT_ANCESTOR from the relationships that define ancestry (parent -> child direction),
    over standard and classification concepts, with a zero-level row for each of them."""
    valid = {row[0] for row in concept if row[5] in ("S", "C")}
    children: dict[int, set[int]] = {}
    for a, b, rel, *_ in rels:
        name, reverse, hier, ancestry = RELATIONSHIPS[rel]
        if ancestry == "1" and hier == "1" and a in valid and b in valid:
            children.setdefault(a, set()).add(b)
    rows = []
    for top in sorted(valid):
        levels: dict[int, tuple[int, int]] = {top: (0, 0)}
        frontier = [(top, 0)]
        while frontier:  # breadth over all paths: min and max levels
            nxt = []
            for node, depth in frontier:
                for child in children.get(node, ()):
                    lo, hi = levels.get(child, (depth + 1, depth + 1))
                    levels[child] = (min(lo, depth + 1), max(hi, depth + 1))
                    nxt.append((child, depth + 1))
            frontier = nxt
        rows += [(top, d, lo, hi) for d, (lo, hi) in levels.items()]
    return sorted(rows)


def _tsv(table: str, rows: list[tuple]) -> bytes:
    header = [c for c, _, _ in COLUMNS[table]]
    lines = ["\t".join(header)]
    for row in rows:
        cells = ["" if v is None else str(v) for v in row]
        for cell in cells:
            if any(ch in cell for ch in "\t\r\n"):
                raise ValueError(f"{table}: a value holds a tab or line break: {cell!r}")
        lines.append("\t".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_omop(source: ExportSource) -> Output:
    data = tables(source)
    return Output(files={f"{t}.csv": _tsv(t, rows) for t, rows in data.items()},
                  counts={f"{t}.csv": {"rows": len(rows)} for t, rows in data.items()})
