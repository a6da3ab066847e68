"""Large user data sets in a persisted Oxigraph store: parsed once, then opened from disk in well
under a second.

`open_dataset([path, ...])` loads the RDF files (N-Triples, N-Quads, Turtle, TriG, RDF/XML, by
file suffix) and writes them to an on-disk store under the cache folder (graph.compiled.cache_dir):
on a first open the files are parsed into memory (Oxigraph's fastest load) while a detached
process writes the on-disk store; the next call with the same files opens that store read-only
without parsing anything. The key
is keyed like the compiled cache: each file's resolved path, size and modification time, plus
this module's format and the pyoxigraph version (a store written by another version is rebuilt).
Hashing the bytes, as the compiled cache does for the small curated files, would cost a second
per 300 MB, which is the whole budget of an open.

The store is written in a temporary folder and renamed into place only when complete, so an
interrupted first load leaves no half-store that a later open could take for a good one.
A later open answers from the on-disk store at once and, for inputs up to MEMORY_LOAD_MAX, from an
in-memory copy loaded in a background thread as soon as it is ready (graph/warmstore.py): the
on-disk store evaluates 3-17x slower. That copy is parsed from the files again (leniently: they
parsed when the store was built) and used only if their SHA-256s are the ones the builder recorded,
both hashes computed off the open's path. Every store it returns is read-only (graph.warmstore.ReadOnlyStore),
so `OxigraphEngine(open_dataset(files))` runs saved queries as plans and keeps answers.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from spinekg.graph.errors import SpinekgError

FORMAT = "s1"
DONE = "spinekg-store-complete"  # written last: a folder without it is not a usable store
# DONE holds "ok" and then each file's SHA-256 as the builder read it: the key is only path, size
# and mtime, so a later open's in-memory copy is checked against these before it is used.
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


def store_dir(files: list[Path], key: str | None = None) -> Path:
    from spinekg.graph.compiled import cache_dir

    return cache_dir() / f"store-{FORMAT}-{key or dataset_key(files)}"


MEMORY_LOAD_MAX = 384 << 20  # bytes of input up to which a first open loads into memory (see open_dataset)


def open_dataset(files: list[Path | str], *, keep: int = 2, background: bool | None = None,
                 warm: bool | None = None):
    """A pyoxigraph Store holding the triples of `files`. When a persisted store of these files
    exists it is opened read-only from the cache folder; with `warm` (default: inputs up to
    MEMORY_LOAD_MAX bytes) it comes wrapped in a WarmingStore, which answers from an in-memory
    copy as soon as a background thread has loaded one. Otherwise (the first open) the files are
    parsed: with `background` (default: inputs up to MEMORY_LOAD_MAX bytes) into memory, the
    faster load (~3x), while a detached process writes the persisted store for the next opens;
    without, into the persisted store directly (low memory: for the largest inputs). At most
    `keep` persisted stores are kept (oldest removed). Every store it returns is a
    graph.warmstore.ReadOnlyStore: methods that would change it raise, and OxigraphEngine runs
    saved queries on it as plans and keeps answers, as on the shipped store."""
    import pyoxigraph as ox

    from spinekg.graph.warmstore import ReadOnlyStore, WarmingStore

    paths = [Path(f) for f in files]
    if not paths:
        raise SpinekgError("open_dataset needs at least one file")
    formats = [_format(p) for p in paths]
    key = dataset_key(paths)
    target = store_dir(paths, key)
    small = None
    if (target / DONE).exists():
        try:
            disk = ox.Store.read_only(str(target))
        except OSError:
            shutil.rmtree(target, ignore_errors=True)  # damaged: rebuild below
        else:
            small = _total_size(paths) <= MEMORY_LOAD_MAX
            digests = _digests(target, len(paths))
            if digests is None or not (small if warm is None else warm):
                return ReadOnlyStore(disk)
            return WarmingStore(disk, lambda: _memory_copy(paths, formats, key, digests))
    if background is None:
        background = _total_size(paths) <= MEMORY_LOAD_MAX if small is None else small
    if not background:
        build(paths, keep=keep)
        return ReadOnlyStore(ox.Store.read_only(str(target)))
    store = load_memory(paths, formats)
    _spawn_build(paths, keep)
    return ReadOnlyStore(store)  # as the persisted store will be: the next opens must see the same triples


def _total_size(paths: list[Path]) -> int:
    return sum(p.stat().st_size for p in paths)


def load_memory(paths: list[Path], formats=None):
    """The files parsed into an in-memory store: what a first open returns (its faster load)."""
    import pyoxigraph as ox

    store = ox.Store()
    for p, fmt in zip(paths, formats or [_format(p) for p in paths]):
        _load(store, p, fmt, bulk=False)
    return store


def _memory_copy(paths: list[Path], formats, key: str, digests: list[str]):
    """A WarmingStore's in-memory copy: only of the very bytes the persisted store `key` was
    written from (size, mtime and SHA-256 checked after the load), so both give the same answers."""
    store = load_memory(paths, formats)
    if dataset_key(paths) != key or [_sha256(p) for p in paths] != digests:
        raise SpinekgError("the files changed since their store was written; answering from disk")
    return store


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _digests(target: Path, n: int) -> list[str] | None:
    """The files' SHA-256s recorded in a store's DONE marker (None: not recorded, or unreadable)."""
    try:
        lines = (target / DONE).read_text(encoding="ascii").split()
    except (OSError, ValueError):
        return None
    return lines[1:] if len(lines) == n + 1 and lines[0] == "ok" else None


def _load(store, path: Path, fmt, *, bulk: bool) -> None:
    # lenient: the file is the user's own data, checked by `spinekg validate`, not on every load
    try:
        if bulk:  # skips the transaction log
            store.bulk_load(path=str(path), format=fmt, lenient=True)
        else:
            store.load(path=str(path), format=fmt, lenient=True)
    except (SyntaxError, ValueError) as e:
        raise SpinekgError(f"{path}: not valid {fmt}: {' '.join(str(e).split())}") from None


def build(paths: list[Path], *, keep: int = 2) -> Path:
    """Write the persisted store of `paths` (if not there yet); returns its folder."""
    import pyoxigraph as ox

    key = dataset_key(paths)
    target = store_dir(paths, key)
    if (target / DONE).exists():
        return target
    formats = [_format(p) for p in paths]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        store = ox.Store(str(tmp))
        for p, fmt in zip(paths, formats):
            _load(store, p, fmt, bulk=True)
        store.flush()
        del store
        digests = [_sha256(p) for p in paths]  # what a later open's in-memory copy must match
        if dataset_key(paths) != key:  # a file changed while it was read: this store is of neither
            raise SpinekgError(f"{' '.join(map(str, paths))}: changed while its store was written")
        (tmp / DONE).write_text("".join(f"{line}\n" for line in ["ok", *digests]), encoding="ascii")
        if target.exists():  # another process finished first: theirs is as good as ours
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(target, keep)
    return target


def is_built(files: list[Path | str]) -> bool:
    """Whether the persisted store of `files` is complete (the next open reads it from disk)."""
    return (store_dir([Path(f) for f in files]) / DONE).exists()


def _spawn_build(paths: list[Path], keep: int) -> None:
    """`python -m spinekg.graph.persist FILE...` in its own session: it outlives this process,
    prints nothing, and leaves no partial store (build() cleans up; _prune removes a killed one's)."""
    import subprocess
    import sys

    try:
        subprocess.Popen([sys.executable, "-m", "spinekg.graph.persist", f"--keep={keep}", *map(str, paths)],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
    except OSError:
        pass  # only speed is lost: the next open loads the files again


def _prune(current: Path, keep: int) -> None:
    stores = sorted((p for p in current.parent.glob(f"store-{FORMAT}-*") if p != current),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in stores[max(0, keep - 1):]:
        shutil.rmtree(old, ignore_errors=True)
    from spinekg.graph.atomicfile import pid_alive

    for tmp in current.parent.glob(f".store-{FORMAT}-*.tmp"):  # left by a builder that was killed
        pid = tmp.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """The background builder open_dataset starts: `python -m spinekg.graph.persist [--keep=N] FILE...`."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    keep = 2
    if args and args[0].startswith("--keep="):
        keep = int(args.pop(0).split("=", 1)[1])
    try:
        build([Path(a) for a in args], keep=keep)
    except (SpinekgError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
