"""The compiled form of the graph for the CLI's read path: the code catalog as JSON in a cache folder.

The cache key hashes every source file's bytes, the user's imports and the record-building code, so
editing the data or importing descriptors is seen on the next run; what is built from the codes
alone (the catalog, the network) is keyed without the NCCI imports (catalog_key), which it never
reads. A missing, unwritable or damaged cache only costs speed: each file carries a checksum of its JSON, and one that fails it is rebuilt. Folder: $SPINEKG_CACHE, else $XDG_CACHE_HOME/spinekg, else ~/.cache/spinekg.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

FORMAT = "v2"
MAGIC = b"spinekg-cache sha256="  # first line: the checksum of the JSON that follows
INPUT_MAX_BYTES = 256 << 20
CACHE_MAX_BYTES = 512 << 20


def cache_dir() -> Path:
    env = os.environ.get("SPINEKG_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spinekg"


def _inputs(*, ncci: bool = True) -> list[Path]:
    from spinekg.graph.load import source_files
    from spinekg.graph.userdata import user_files

    here = Path(__file__)
    # the data, the user's imports, and the code that shapes the compiled records
    return [*source_files(), *user_files(ncci=ncci), here.with_name("model.py"), here.with_name("labels.py"),
            here.with_name("network.py")]


def cache_key() -> str:
    """The hash of every input's bytes; re-read only when an input's name, size or mtime changes,
    so the catalog and the network (and repeated look-ups) share one hashing per process."""
    return _key(_inputs())


def catalog_key() -> str:
    """cache_key() less the NCCI imports: the key of what is built from the codes alone (the
    catalog, the network and what derives from them). An NCCI import adds edit nodes and the
    sk:notReportedWith / sk:hasMueLimit links, which none of those read (tests/test_catalog_key.py
    checks they come out the same with and without imports), so importing a PTP file of 100k+
    edits rebuilds none of them, and a `show` never reads that file."""
    return _key(_inputs(ncci=False))


def _key(inputs: list[Path]) -> str:
    signature = []
    for path in inputs:
        try:
            st = path.stat()
            signature.append((str(path), st.st_size, st.st_mtime_ns))
        except OSError:  # a damaged user import (unreadable, dangling): hashed as such below
            signature.append((str(path), -1, -1))
    return _content_key(tuple(signature))


@functools.lru_cache(maxsize=8)
def _content_key(signature: tuple) -> str:
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userfiles import read_user_file

    h = hashlib.sha256(FORMAT.encode())
    for name, _, _ in signature:
        path = Path(name)
        h.update(path.name.encode())
        try:  # never blocks on a FIFO nor reads /dev/zero put in place of a user file
            h.update(read_user_file(path, INPUT_MAX_BYTES))
        except SpinekgError as e:
            h.update(b"\0unreadable:" + str(e).encode())
    return h.hexdigest()[:32]


def _path(key: str, kind: str) -> Path:
    return cache_dir() / f"{kind}-{FORMAT}-{key}.json"


def read_cached(key: str, kind: str = "catalog") -> dict | None:
    """The cached object, or None when absent or damaged (truncated, garbage, edited): a damaged
    file is removed, and the caller rebuilds it from the sources."""
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userfiles import read_user_file

    path = _path(key, kind)
    try:
        raw = read_user_file(path, CACHE_MAX_BYTES)
    except SpinekgError:
        if os.path.lexists(path):
            _discard(path)
        return None
    head, _, body = raw.partition(b"\n")
    try:
        ok = head == MAGIC + hashlib.sha256(body).hexdigest().encode()
        data = json.loads(body) if ok else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        _discard(path)
        return None
    return data


def _discard(path: Path) -> None:
    import shutil

    try:
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    except OSError:
        pass  # a read-only cache folder: we rebuild in memory every time


def write_cached(key: str, data: dict, kind: str = "catalog") -> None:
    """Store data with a checksum line, atomically; any failure only costs speed next time."""
    from spinekg.graph.atomicfile import write_file_atomic
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userdata import any_damaged

    if any_damaged():
        return  # built without a damaged import: do not cache it, so the warning is seen again
    target = _path(key, kind)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for old in target.parent.glob(f"{kind}-v*-*.json"):
            if old != target:
                _discard(old)
        write_file_atomic(target, MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body, force=True)
    except (OSError, SpinekgError):
        pass  # read-only home, full disk: the cache is an optimisation only
