"""Replace a folder's set of files as a whole: build the new set beside it, then swap.

A kill at any moment leaves the folder holding either its old set or the new one, never a mix:
the new set is written into `.NAME.spinekg-PID-RAND.new` next to the folder, then exchanged with
it in one step (renameat2 RENAME_EXCHANGE). Where the system cannot exchange, the old folder is
renamed aside (`.old`) and the new one renamed in; a run killed between those two renames is
repaired by the next run's sweep, which puts the old set back. Leftovers are swept by that next run.
"""
from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

from spinekg.graph.atomicfile import failpoint, fsync_dir, sweep, temp_name
from spinekg.graph.errors import SpinekgError
from spinekg.graph.userfiles import os_error_message

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def existing_files(folder: Path) -> set[str]:
    """Relative posix paths of every file (and empty folder) under folder."""
    found = set()
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder)
        found.update((rel / f).as_posix() for f in files)
        if not dirs and not files and rel != Path("."):
            found.add(rel.as_posix() + "/")
    return found


def target_folder(outdir: Path) -> Path:
    """The absolute folder to replace (a symlink to a folder is followed); refuses the current folder."""
    outdir = Path(os.path.abspath(outdir))
    if outdir.is_symlink() and outdir.is_dir():
        outdir = outdir.resolve()
    cwd = Path.cwd()
    if outdir == cwd or outdir in cwd.parents:
        raise SpinekgError(f"{outdir} is the current folder (or holds it); the export replaces its folder "
                           "as a whole, so give a folder of its own, e.g. -o spinekg-export")
    return outdir


def check_replaceable(outdir: Path, allowed: set[str]) -> None:
    """Refuse to swap away a folder holding files spinekg did not write (they would be lost)."""
    if not outdir.exists():
        return
    if not outdir.is_dir():
        raise SpinekgError(f"{outdir} exists and is not a folder")
    try:
        foreign = sorted(f for f in existing_files(outdir) if f not in allowed)
    except OSError as e:
        raise SpinekgError(os_error_message(outdir, e)) from None
    if foreign:
        shown = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "")
        raise SpinekgError(f"{outdir} holds files spinekg did not write ({shown}); "
                           "export into a new or empty folder")


def replace_folder(outdir: Path, files: dict[str, bytes]) -> Path:
    """Make outdir hold exactly `files` ({relative path: bytes}), all at once; returns outdir."""
    outdir = target_folder(outdir)
    parent = outdir.parent
    sweep(parent)
    new = parent / temp_name(outdir.name, "new")
    try:
        _build(new, files, _mode_of(outdir), outdir)
        failpoint("folder-built", outdir)
        leftover = _swap(new, outdir)
    except BaseException as e:
        shutil.rmtree(new, ignore_errors=True)
        if isinstance(e, OSError) and e.errno in (errno.EBUSY, errno.EXDEV):
            raise SpinekgError(f"{outdir} is a mount point (or on another file system than its folder), "
                               "so it cannot be replaced as a whole; export into a folder inside it") from None
        if isinstance(e, OSError):
            raise SpinekgError(os_error_message(outdir, e, "write")) from None
        raise
    fsync_dir(parent)
    failpoint("folder-swapped", outdir)
    if leftover is not None:
        shutil.rmtree(leftover, ignore_errors=True)
    return outdir


def _mode_of(folder: Path) -> int | None:
    try:
        return stat.S_IMODE(folder.stat().st_mode)
    except OSError:
        return None


def _build(new: Path, files: dict[str, bytes], mode: int | None, outdir: Path) -> None:
    os.mkdir(new)
    if mode is not None:
        os.chmod(new, mode)
    folders = {new}
    for n, (rel, data) in enumerate(sorted(files.items())):
        path = new / rel
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if n == len(files) // 2:
            failpoint("folder-half-built", outdir)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        fsync_dir(folder)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap(new: Path, outdir: Path) -> Path | None:
    """Put new in outdir's place; returns what is left to delete (the old set), if anything."""
    try:
        os.rename(new, outdir)  # no folder there, or an empty one: rename replaces it atomically
        return None
    except OSError as e:
        if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    if _exchange(new, outdir):
        return new  # `new` now holds the old set
    old = outdir.parent / temp_name(outdir.name, "old")
    os.rename(outdir, old)
    failpoint("folder-between-renames", outdir)
    os.rename(new, outdir)
    return old
