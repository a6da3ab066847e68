"""The compiled form of the graph for the CLI's read path: the code catalog as JSON in a cache folder.

The cache key hashes every source file's bytes, the user's imports and the record-building code, so
editing the data or importing descriptors is seen on the next run. A missing or unwritable cache
only costs speed. Folder: $SPINEKG_CACHE, else $XDG_CACHE_HOME/spinekg, else ~/.cache/spinekg.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

FORMAT = "v1"


def cache_dir() -> Path:
    env = os.environ.get("SPINEKG_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spinekg"


def _inputs() -> list[Path]:
    from spinekg.graph.load import source_files
    from spinekg.graph.userdata import user_files

    here = Path(__file__)
    # the data, the user's imports, and the code that shapes the compiled records
    return [*source_files(), *user_files(), here.with_name("model.py"), here.with_name("labels.py"),
            here.with_name("network.py")]


def cache_key() -> str:
    """The hash of every input's bytes; re-read only when an input's name, size or mtime changes,
    so the catalog and the network (and repeated look-ups) share one hashing per process."""
    signature = []
    for path in _inputs():
        st = path.stat()
        signature.append((str(path), st.st_size, st.st_mtime_ns))
    return _content_key(tuple(signature))


@functools.lru_cache(maxsize=8)
def _content_key(signature: tuple) -> str:
    h = hashlib.sha256(FORMAT.encode())
    for name, _, _ in signature:
        path = Path(name)
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:32]


def _path(key: str, kind: str) -> Path:
    return cache_dir() / f"{kind}-{FORMAT}-{key}.json"


def read_cached(key: str, kind: str = "catalog") -> dict | None:
    try:
        return json.loads(_path(key, kind).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_cached(key: str, data: dict, kind: str = "catalog") -> None:
    import tempfile

    target = _path(key, kind)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for old in target.parent.glob(f"{kind}-{FORMAT}-*.json"):
            if old != target:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".catalog.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, target)
    except OSError:
        pass  # read-only home, full disk: the cache is an optimisation only
