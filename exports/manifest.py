"""Run exports: one format to a file (or stdout), or every format into a folder with manifest.json.

Safety order: every target is checked before any work (nothing exists without --force, every
folder is there or ours to create, nothing special is replaced); then everything is built in
memory; only then is it written: a one-file format atomically (graph/atomicfile.py), a folder's
set of files as a whole (exports/folder_swap.py). A writer that fails leaves no file behind.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from spinekg.exports.folder_swap import check_replaceable, replace_folder, target_folder
from spinekg.exports.registry import (FORMATS, ExportSource, Format, build, check_targets, default_target,
                                      get_format, targets, write_output)
from spinekg.graph.atomicfile import sweep
from spinekg.graph.errors import SpinekgError

MANIFEST = "manifest.json"


def plan_one(name: str, out: str | Path | None, *, force: bool) -> tuple[Format, Path | str]:
    """The format and where it goes; raises SpinekgError before any work if it cannot be written."""
    fmt = get_format(name)
    target = default_target(fmt, out)
    folders = (Path(target),) if fmt.multi_file else ()
    check_targets(targets(fmt, target), force, folders)
    if fmt.multi_file:
        check_replaceable(target_folder(Path(target)), set(fmt.members))
    if target != "-":
        sweep(Path(target).parent)  # a killed earlier run's temporaries go first
    return fmt, target


def export_one(fmt: Format, target: Path | str, source: ExportSource, *, force: bool,
               options: dict | None = None) -> list[dict]:
    """Build and write one format; returns a manifest entry per file written."""
    out = build(fmt, source, options)
    written = write_output(fmt, out, target, force=force)
    return _entries(fmt, out, written, Path(target).parent if target != "-" else Path("."))


def known_files(outdir: Path) -> set[str]:
    """Every file name `export all` writes, plus those an older manifest in the folder lists."""
    names = {MANIFEST}
    for fmt in FORMATS.values():
        names.update(f"{fmt.filename}/{m}" for m in fmt.members) if fmt.multi_file else names.add(fmt.filename)
    try:
        old = json.loads((outdir / MANIFEST).read_bytes())
        names.update(e["file"] for e in old["files"] if isinstance(e.get("file"), str))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no manifest or a damaged one: only today's names count as ours
    return names


def plan_all(outdir: str | Path | None, *, force: bool) -> tuple[Path, list[tuple[Format, Path]]]:
    outdir = Path(outdir) if outdir is not None else Path("spinekg-export")
    if str(outdir) == "-":
        raise SpinekgError("export all writes a folder of files; give -o FOLDER, not -o -")
    plan = [(fmt, outdir / fmt.filename) for fmt in FORMATS.values()]
    paths = [p for fmt, t in plan for p in targets(fmt, t)] + [outdir / MANIFEST]
    check_targets(paths, force, (outdir, *(t for fmt, t in plan if fmt.multi_file)))
    check_replaceable(target_folder(outdir), known_files(outdir))
    sweep(target_folder(outdir).parent)  # a killed earlier run's temporaries go first
    return outdir, plan


def export_all(outdir: Path, plan: list[tuple[Format, Path]], source: ExportSource, *, force: bool,
               options: dict | None = None, filters: dict | None = None) -> dict:
    """Build every format, then replace the folder's whole set (files + manifest.json) at once."""
    files: dict[str, bytes] = {}
    entries = []
    for fmt, target in plan:
        out = build(fmt, source, options)
        written = [(target, out.data)] if out.data is not None else \
            [(target / name, out.files[name]) for name in fmt.members]
        for path, data in written:
            files[Path(path).relative_to(outdir).as_posix()] = data
        entries += _entries(fmt, out, written, outdir)
    manifest = {
        "spinekg_version": source.version,
        "codes": len(source.records()),
        "filters": {k: v for k, v in sorted((filters or {}).items()) if v},
        "files": entries,
    }
    files[MANIFEST] = (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    replace_folder(outdir, files)
    return manifest


def _entries(fmt: Format, out, written, base: Path) -> list[dict]:
    entries = []
    for path, data in written:
        name = "-" if path == "-" else Path(path).relative_to(base).as_posix()
        counts = out.counts if out.data is not None else out.counts.get(Path(path).name, {})
        entries.append({"file": name, "format": fmt.name, "sha256": hashlib.sha256(data).hexdigest(),
                        "bytes": len(data), **counts})
    return entries


def describe(entry: dict) -> str:
    """'2320 triples', '115 concepts, 39 resources' … for messages."""
    skip = {"file", "format", "sha256", "bytes"}
    def word(k: str, v) -> str:
        k = k.replace("_", " ")
        return k[:-1] if v == 1 and k.endswith("s") else k

    return ", ".join(f"{v} {word(k, v)}" for k, v in entry.items() if k not in skip)
