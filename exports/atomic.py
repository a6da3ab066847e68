"""Write output files atomically: never overwrite without force, never leave a half-written file.

The crash-safe part lives in graph/atomicfile.py (shared with the cache and the user's imports);
this module adds what the CLI's outputs need: `-` for stdout and the checks made before any work.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from spinekg.graph.atomicfile import refuse_special, sweep, write_file_atomic
from spinekg.graph.errors import SpinekgError


def check_writable(path: Path, force: bool) -> None:
    """Refuse early (before any work): a special file, an existing file without force, no folder."""
    path = Path(path)
    refuse_special(path)
    if os.path.lexists(path) and not force:
        raise SpinekgError(f"{path} already exists; use --force to overwrite it")
    sweep(path.parent)  # a killed earlier run's temporaries go first, before this run's work
    if not path.parent.is_dir():
        raise SpinekgError(f"{path.parent} does not exist" if not path.parent.exists()
                           else f"{path.parent} is not a folder")


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
