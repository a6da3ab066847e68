"""Run exports: one format to a file (or stdout), or every format into a folder with manifest.json.

Safety order: every target is checked before any work (nothing exists without --force, every
folder is there or ours to create); then everything is built in memory; only then is each file
written atomically (exports/atomic.py). A writer that fails leaves no file behind.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from spinekg.exports.registry import (FORMATS, ExportSource, Format, build, check_targets, default_target,
                              get_format, targets, write_output)

MANIFEST = "manifest.json"


def plan_one(name: str, out: str | Path | None, *, force: bool) -> tuple[Format, Path | str]:
    """The format and where it goes; raises SpinekgError before any work if it cannot be written."""
    fmt = get_format(name)
    target = default_target(fmt, out)
    folders = (Path(target),) if fmt.multi_file else ()
    check_targets(targets(fmt, target), force, folders)
    return fmt, target


def export_one(fmt: Format, target: Path | str, source: ExportSource, *, force: bool,
               options: dict | None = None) -> list[dict]:
    """Build and write one format; returns a manifest entry per file written."""
    out = build(fmt, source, options)
    written = write_output(fmt, out, target, force=force)
    return _entries(fmt, out, written, Path(target).parent if target != "-" else Path("."))


def plan_all(outdir: str | Path | None, *, force: bool) -> tuple[Path, list[tuple[Format, Path]]]:
    outdir = Path(outdir) if outdir is not None else Path("spinekg-export")
    if str(outdir) == "-":
        from spinekg.graph.errors import SpinekgError

        raise SpinekgError("export all writes a folder of files; give -o FOLDER, not -o -")
    plan = [(fmt, outdir / fmt.filename) for fmt in FORMATS.values()]
    paths = [p for fmt, t in plan for p in targets(fmt, t)] + [outdir / MANIFEST]
    check_targets(paths, force, (outdir, *(t for fmt, t in plan if fmt.multi_file)))
    return outdir, plan


def export_all(outdir: Path, plan: list[tuple[Format, Path]], source: ExportSource, *, force: bool,
               options: dict | None = None, filters: dict | None = None) -> dict:
    """Build every format, then write each file atomically, then manifest.json; returns the manifest."""
    built = [(fmt, target, build(fmt, source, options)) for fmt, target in plan]
    outdir.mkdir(parents=True, exist_ok=True)
    entries = []
    for fmt, target, out in built:
        written = write_output(fmt, out, target, force=force)
        entries += _entries(fmt, out, written, outdir)
    manifest = {
        "spinekg_version": source.version,
        "codes": len(source.records()),
        "filters": {k: v for k, v in sorted((filters or {}).items()) if v},
        "files": entries,
    }
    from spinekg.exports.atomic import write_atomic

    write_atomic(outdir / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", force=force)
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
