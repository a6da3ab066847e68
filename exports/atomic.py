"""Write output files atomically: never overwrite without force, never leave a half-written file."""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from spinekg.graph.errors import SpinekgError


def check_writable(path: Path, force: bool) -> None:
    """Refuse early (before any work) when the target exists and force is off."""
    if path.exists() and not force:
        raise SpinekgError(f"{path} already exists; use --force to overwrite it")
    if not path.parent.exists():
        raise SpinekgError(f"{path.parent} does not exist")


def _file_mode(path: Path) -> int:
    """The mode the written file should have: the old file's, else 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: str | Path, data: str | bytes, *, force: bool = False) -> Path:
    """Write data to path via a temporary file in the same folder, then rename.

    A crash mid-way leaves the old file whole and no temporary behind; `-` writes to stdout.
    """
    if str(path) == "-":
        out = sys.stdout.buffer
        out.write(data.encode("utf-8") if isinstance(data, str) else data)
        out.flush()
        return Path("-")
    path = Path(path)
    check_writable(path, force)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode(path))  # mkstemp makes 0600; the result should look like any new file
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        if path.exists() and not force:  # appeared while we were writing
            raise SpinekgError(f"{path} already exists; use --force to overwrite it")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
