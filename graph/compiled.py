"""The compiled form of the graph for the CLI's read path: the code catalog as JSON in a cache folder.

The cache key hashes every source file's bytes, the user's imports and the record-building code, so
editing the data or importing descriptors is seen on the next run. A missing or unwritable cache
only costs speed. Folder: $SPINEKG_CACHE, else $XDG_CACHE_HOME/spinekg, else ~/.cache/spinekg.
"""
from __future__ import annotations

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


def cache_key() -> str:
    from graph.load import source_files
    from graph.userdata import user_files

    h = hashlib.sha256(FORMAT.encode())
    for path in [*source_files(), *user_files()]:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    h.update(Path(__file__).with_name("model.py").read_bytes())  # the record layout
    h.update(Path(__file__).with_name("labels.py").read_bytes())
    h.update(Path(__file__).with_name("network.py").read_bytes())
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
