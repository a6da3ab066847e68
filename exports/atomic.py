"""Write output files atomically: never overwrite without force, never leave a half-written file.

The crash-safe part and the checks made before any work (`check_writable`) live in
graph/atomicfile.py (shared with the cache and the user's imports); this module adds `-` for stdout.
"""
from __future__ import annotations

import os  # noqa: F401  (tests reach the os module through this one to simulate faults)
import sys
from pathlib import Path

from spinekg.graph.atomicfile import check_writable, write_file_atomic  # noqa: F401  (re-exported)
from spinekg.graph.errors import SpinekgError


def write_stdout(raw: bytes) -> None:
    out = sys.stdout.buffer
    try:
        out.write(raw)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as e:  # e.g. stdout redirected to a full disk or /dev/full
        from spinekg.graph.userfiles import os_error_message

        raise SpinekgError(os_error_message("standard output", e, "write")) from None


def write_atomic(path: str | Path, data: str | bytes, *, force: bool = False) -> Path:
    """Write data to path whole or not at all (see graph/atomicfile.py); `-` writes to stdout."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if str(path) == "-":
        write_stdout(raw)
        return Path("-")
    path = Path(path)
    check_writable(path, force)
    return write_file_atomic(path, raw, force=force)
