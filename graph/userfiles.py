"""Read files the user names on the command line: regular files only, under a size cap, one-line errors.

A FIFO would block `open()` and `/dev/zero` would never end, so the file is opened non-blocking,
checked with fstat on the opened descriptor (no race with a swap of the name) and read at most
`max_bytes + 1` bytes. Every OSError becomes a SpinekgError naming the path.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from spinekg.graph.errors import SpinekgError

MiB = 1 << 20
# Caps per kind of input: a full CPT descriptor file or a CMS NCCI file is a few MB.
TABLE_MAX_BYTES = 64 * MiB
RDF_MAX_BYTES = 64 * MiB
QUERY_MAX_BYTES = 1 * MiB

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def kind_of(mode: int) -> str:
    """'a folder', 'a FIFO (named pipe)' … for a non-regular st_mode."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def os_error_message(path, e: OSError, doing: str = "read") -> str:
    """One line for an OSError on `path`: 'PATH: cannot write (No space left on device)'."""
    reason = e.strerror or errno.errorcode.get(e.errno or 0, type(e).__name__)
    return f"{path}: cannot {doing} ({reason})"


def _size_text(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB and n % MiB == 0 else f"{n} bytes"


def read_user_file(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file at `path`, at most `max_bytes`; SpinekgError (one line) otherwise."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise SpinekgError(os_error_message(path, e)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SpinekgError(f"{path} is {kind_of(st.st_mode)}, not a regular file")
        if st.st_size > max_bytes:
            raise SpinekgError(f"{path} is larger than the {_size_text(max_bytes)} limit")
        chunks, total = [], 0
        while total <= max_bytes:  # the file may grow while we read: never take more than the cap
            block = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not block:
                break
            chunks.append(block)
            total += len(block)
        if total > max_bytes:
            raise SpinekgError(f"{path} is larger than the {_size_text(max_bytes)} limit")
        return b"".join(chunks)
    except OSError as e:
        raise SpinekgError(os_error_message(path, e)) from None
    finally:
        os.close(fd)


NCCI_MAX_BYTES = 2048 * MiB  # CMS's biggest PTP part is a few hundred MB


def require_regular_file(path: str | Path, max_bytes: int) -> Path:
    """`path` if it is a regular file of at most `max_bytes` (checked without opening it, so a FIFO
    never blocks); SpinekgError (one line) otherwise. For inputs read as a stream, not in one go."""
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as e:
        raise SpinekgError(os_error_message(path, e)) from None
    if not stat.S_ISREG(st.st_mode):
        raise SpinekgError(f"{path} is {kind_of(st.st_mode)}, not a regular file")
    if st.st_size > max_bytes:
        raise SpinekgError(f"{path} is larger than the {_size_text(max_bytes)} limit")
    return path


def open_user_file(path: str | Path, max_bytes: int, mode: str = "rb", **kw):
    """A regular file opened for streaming (`mode` "rb" or "r" with encoding/newline keywords),
    after the checks of require_regular_file; every OSError is one line naming the path."""
    path = require_regular_file(path, max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise SpinekgError(os_error_message(path, e)) from None
    return os.fdopen(fd, mode, **kw)
