"""Large user data sets in a persisted Oxigraph store: parsed once, then opened from disk in well
under a second.

`open_dataset([path, ...])` loads the RDF files (N-Triples, N-Quads, Turtle, TriG, RDF/XML, by
file suffix) into an on-disk store under the cache folder (graph.compiled.cache_dir) and opens it
read-only; the next call with the same files opens that store without parsing anything. The key
is keyed like the compiled cache: each file's resolved path, size and modification time, plus
this module's format and the pyoxigraph version (a store written by another version is rebuilt).
Hashing the bytes, as the compiled cache does for the small curated files, would cost a second
per 300 MB, which is the whole budget of an open.

The store is written in a temporary folder and renamed into place only when complete, so an
interrupted first load leaves no half-store that a later open could take for a good one.
Use it with `OxigraphEngine(open_dataset(files))`.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from spinekg.graph.errors import SpinekgError

FORMAT = "s1"
DONE = "spinekg-store-complete"  # written last: a folder without it is not a usable store
SUFFIXES = {".nt": "N_TRIPLES", ".nq": "N_QUADS", ".ttl": "TURTLE", ".trig": "TRIG", ".rdf": "RDF_XML",
            ".owl": "RDF_XML", ".xml": "RDF_XML"}


def _format(path: Path):
    import pyoxigraph as ox

    name = SUFFIXES.get(path.suffix.lower())
    if name is None:
        raise SpinekgError(f"{path}: unknown RDF file type {path.suffix!r}; use one of {', '.join(sorted(SUFFIXES))}")
    return getattr(ox.RdfFormat, name)


def dataset_key(files: list[Path]) -> str:
    import pyoxigraph as ox

    h = hashlib.sha256(f"{FORMAT}|{ox.__version__}".encode())
    for p in files:
        try:
            st = p.stat()
        except OSError as e:
            raise SpinekgError(f"cannot read {p}: {e.strerror or e}") from None
        h.update(f"|{p.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]


def store_dir(files: list[Path]) -> Path:
    from spinekg.graph.compiled import cache_dir

    return cache_dir() / f"store-{FORMAT}-{dataset_key(files)}"


def open_dataset(files: list[Path | str], *, keep: int = 2):
    """A read-only pyoxigraph Store holding the triples of `files`: built on the first call, then
    opened from the cache folder. At most `keep` persisted stores are kept (oldest removed)."""
    import pyoxigraph as ox

    paths = [Path(f) for f in files]
    if not paths:
        raise SpinekgError("open_dataset needs at least one file")
    formats = [_format(p) for p in paths]
    target = store_dir(paths)
    if (target / DONE).exists():
        try:
            return ox.Store.read_only(str(target))
        except OSError:
            shutil.rmtree(target, ignore_errors=True)  # damaged: rebuild below
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        store = ox.Store(str(tmp))
        for p, fmt in zip(paths, formats):
            try:
                # bulk_load skips the transaction log; lenient: the file is the user's own data,
                # checked by `spinekg validate`, not on every load
                store.bulk_load(path=str(p), format=fmt, lenient=True)
            except (SyntaxError, ValueError) as e:
                raise SpinekgError(f"{p}: not valid {fmt}: {' '.join(str(e).split())}") from None
        store.flush()
        del store
        (tmp / DONE).write_text("ok\n", encoding="utf-8")
        if target.exists():  # another process finished first: theirs is as good as ours
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(target, keep)
    return ox.Store.read_only(str(target))


def _prune(current: Path, keep: int) -> None:
    stores = sorted((p for p in current.parent.glob(f"store-{FORMAT}-*") if p != current),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in stores[max(0, keep - 1):]:
        shutil.rmtree(old, ignore_errors=True)
