"""The one list of export formats: name -> writer entry (the sssom-py pattern).

The CLI's format choices, its help text and `spinekg export all` are all built from FORMATS.
Adding a format is one entry here plus its writer module, never an if/elif chain.

A writer is a function `write(source: ExportSource, **options) -> Output`, imported lazily
(each writer pays for its own heavy libraries only when it runs).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spinekg.graph.errors import SpinekgError


@dataclass(frozen=True)
class Format:
    name: str
    summary: str  # one line for --help
    writer: str  # "module:function"
    filename: str  # default output name (a folder for multi-file formats)
    multi_file: bool = False  # writes a folder of files; `-o -` is then refused
    members: tuple[str, ...] = ()  # the file names a multi-file format writes into its folder
    options: tuple[str, ...] = ()  # extra keyword options the writer accepts

    def load(self):
        module, func = self.writer.split(":")
        return getattr(importlib.import_module(module), func)


@dataclass
class Output:
    """What a writer produced: bytes for a one-file format, or {file name: bytes} for a folder."""

    data: bytes | None = None
    files: dict[str, bytes] | None = None
    counts: dict[str, Any] = field(default_factory=dict)  # e.g. {"triples": 2320} (per file for folders)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("turtle", "the whole graph (ontology + data) as Turtle", "spinekg.exports.rdf:write_turtle", "spinekg.ttl"),
    Format("nt", "the whole graph as N-Triples, one sorted triple per line", "spinekg.exports.rdf:write_nt", "spinekg.nt"),
    Format("jsonld", "the whole graph as JSON-LD", "spinekg.exports.rdf:write_jsonld", "spinekg.jsonld"),
    Format("skos", "a SKOS-only concept scheme of codes and range groups (Turtle)", "spinekg.exports.skos:write_skos",
           "spinekg-skos.ttl"),
    Format("fhir", "FHIR R4 Bundle: a CodeSystem plus a ValueSet per region, approach and procedure type",
           "spinekg.exports.fhir:write_fhir", "spinekg-fhir.json"),
    Format("omop", "OMOP CDM v5.4 vocabulary tables, tab-delimited like Athena (a folder)",
           "spinekg.exports.omop:write_omop", "spinekg-omop", multi_file=True,
           members=("CONCEPT.csv", "CONCEPT_RELATIONSHIP.csv", "CONCEPT_ANCESTOR.csv", "CONCEPT_SYNONYM.csv",
                    "VOCABULARY.csv", "CONCEPT_CLASS.csv", "DOMAIN.csv", "RELATIONSHIP.csv")),
    Format("sssom", "SSSOM TSV: regions -> UBERON, codes -> BioPortal CPT", "spinekg.exports.sssom:write_sssom",
           "spinekg.sssom.tsv"),
    Format("graphml", "the typed network as GraphML (Gephi, yEd, networkx)", "spinekg.exports.network_formats:write_graphml",
           "spinekg.graphml"),
    Format("gexf", "the typed network as GEXF 1.2 (Gephi)", "spinekg.exports.network_formats:write_gexf", "spinekg.gexf"),
    Format("cytoscape", "the typed network as Cytoscape.js JSON", "spinekg.exports.network_formats:write_cytoscape",
           "spinekg.cyjs"),
    Format("csv", "one row per code, facets joined by |", "spinekg.exports.csv_table:write_csv", "spinekg.csv"),
    Format("html", "the interactive graph explorer, one offline HTML file", "spinekg.exports.registry:write_html",
           "spinekg.html", options=("focus", "depth", "layout")),
)}


def get_format(name: str) -> Format:
    fmt = FORMATS.get(name.strip().lower())
    if fmt is None:
        raise SpinekgError(f"unknown format {name!r}; valid formats: {', '.join(format_names(with_all=True))}")
    return fmt


def format_names(*, with_all: bool = False) -> list[str]:
    return [*FORMATS, *(["all"] if with_all else [])]


def package_version() -> str:
    """spinekg's version, read from the installed package metadata (exports never import the CLI)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spinekg")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


class ExportSource:
    """What every writer reads: the whole graph, the catalog, and optionally a subset of codes.

    The graph and the catalog load on first use (a CSV or FHIR export never parses RDF when the
    catalog cache is warm); the subset views (rdf(), network(), records()) are computed once and
    shared by every writer, so `export all` pays for each only once.
    """

    def __init__(self, graph=None, catalog=None, codes=None, version: str | None = None):
        self._graph = graph
        self._catalog = catalog
        self.codes = tuple(sorted(codes)) if codes is not None else None
        self.version = version or package_version()
        self._cache: dict[str, Any] = {}

    @classmethod
    def load(cls, codes=None, version: str | None = None) -> "ExportSource":
        """The shipped graph (plus the user's imports), loaded lazily."""
        return cls(None, None, codes, version)

    @property
    def graph(self):
        if self._graph is None:
            from spinekg.graph.load import load_graph

            self._graph = load_graph()
        return self._graph

    @property
    def catalog(self):
        if self._catalog is None:
            from spinekg.graph.model import load_catalog

            self._catalog = load_catalog()
        return self._catalog

    def _cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def records(self):
        """CodeRecords of the exported codes, in code order."""
        if self.codes is None:
            return list(self.catalog.codes.values())
        return [self.catalog.codes[c] for c in self.codes]

    def rdf(self):
        """The rdflib Graph to export: the whole graph, or ontology + selected codes + their groups."""
        from spinekg.exports.rdf import subset_graph

        if self.codes is None:
            return self.graph
        return self._cached("rdf", lambda: subset_graph(self.graph, self.codes))

    def network(self):
        """The typed networkx MultiDiGraph (graph/network.py), cut down to the subset if there is one."""
        from spinekg.exports.network_formats import subset_network

        def make():
            if self._graph is None:
                from spinekg.graph.network import load_network

                G = load_network()
            else:
                from spinekg.graph.network import to_networkx

                G = to_networkx(self._graph)
            return G if self.codes is None else subset_network(G, self.codes)

        return self._cached("network", make)


def unit_local(short: str) -> str:
    """The ontology local name of a counted unit from its short name ('vertebral segment' ->
    'VertebralSegment'); tests check every unit in the graph follows this rule."""
    return "".join(w.capitalize() for w in short.split())


def write_html(source: ExportSource, *, focus: str | None = None, depth: int | None = None,
               layout: str = "force") -> Output:
    """The HTML explorer (exports/html.py) as a registry writer; its counts say what the page draws."""
    from spinekg.exports.html import render_page

    codes = set(source.codes) if source.codes is not None else None
    text, info = render_page(source.catalog, codes=codes, focus=focus, depth=depth, layout=layout)
    return Output(data=text.encode("utf-8"), counts=info)


def build(fmt: Format, source: ExportSource, options: dict | None = None) -> Output:
    opts = {k: v for k, v in (options or {}).items() if k in fmt.options and v is not None}
    out = fmt.load()(source, **opts)
    if (out.data is None) == (out.files is None):
        raise TypeError(f"writer {fmt.writer} must return data or files")
    return out


def default_target(fmt: Format, out: str | Path | None) -> Path | str:
    """Where a format goes: `-` (stdout), the given path, a folder + default name, or the default name."""
    if out is None:
        return Path(fmt.filename)
    if str(out) == "-":
        if fmt.multi_file:
            raise SpinekgError(f"{fmt.name} writes a folder of files; give -o FOLDER, not -o -")
        return "-"
    path = Path(out)
    if not fmt.multi_file and path.is_dir():
        return path / fmt.filename
    if str(out).endswith(("/", "\\")) and not fmt.multi_file:  # meant a folder that is not there
        raise SpinekgError(f"folder {path} does not exist")
    return path


def targets(fmt: Format, out: Path | str) -> list[Path]:
    """Every file a format will write at `out` (a folder's member files for multi-file formats)."""
    if out == "-":
        return []
    out = Path(out)
    return [out / m for m in fmt.members] if fmt.multi_file else [out]


def check_targets(paths: list[Path], force: bool, folders: tuple[Path, ...] = ()) -> None:
    """Refuse before any work: a target exists (without force), is a folder, or has no folder to go in.

    `folders` are the folders the export will create itself (a multi-file format's folder, the
    folder of `export all`); any other missing folder is an error, so a typo is not silently created.
    """
    from spinekg.graph.atomicfile import refuse_special

    made = {Path(f) for f in folders}
    for p in paths:
        if p.is_dir():
            raise SpinekgError(f"{p} is a folder, not a file")
        if not p.parent.is_dir() and p.parent not in made:
            raise SpinekgError(f"{p.parent} is not a folder" if p.parent.exists() else f"folder {p.parent} does not exist")
        refuse_special(p)  # a FIFO, /dev/null, a socket … is never replaced, even with --force
    for f in made:
        if f.exists() and not f.is_dir():
            raise SpinekgError(f"{f} exists and is not a folder")
        if not f.exists() and not f.parent.is_dir() and f.parent not in made:
            raise SpinekgError(f"folder {f.parent} does not exist")
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        shown = ", ".join(str(p) for p in existing[:3]) + (" …" if len(existing) > 3 else "")
        verb = "exists" if len(existing) == 1 else "exist"
        raise SpinekgError(f"{shown} already {verb}; use --force to overwrite")


def write_output(fmt: Format, out: Output, target: Path | str, *, force: bool) -> list[tuple[Path | str, bytes]]:
    """Write what a writer produced (one file atomically, a folder as a whole); returns (path, bytes) of each file."""
    from spinekg.exports.atomic import write_atomic

    if target == "-":
        if out.data is None:
            raise SpinekgError(f"{fmt.name} writes a folder of files; give -o FOLDER, not -o -")
        write_atomic("-", out.data)
        return [("-", out.data)]
    target = Path(target)
    if out.data is not None:
        write_atomic(target, out.data, force=force)
        return [(target, out.data)]
    if set(out.files) != set(fmt.members):
        raise TypeError(f"writer {fmt.writer} wrote {sorted(out.files)}, registry says {list(fmt.members)}")
    from spinekg.exports.folder_swap import replace_folder

    replace_folder(target, dict(out.files))  # the folder's set of files is replaced as a whole
    return [(target / name, out.files[name]) for name in fmt.members]
