"""Write a file so that a crash at any moment leaves the old file or the new one, and no temporary.

The data goes into an unnamed O_TMPFILE inode that the kernel frees if we die; it gets a name
only when complete (linkat). Where the filesystem cannot do that, a named temporary is used whose
name says who made it (`.NAME.spinekg-PID-RAND.tmp`); the next write into that folder removes
those whose process is gone (or that are over an hour old, in case the PID was reused).
Special files (FIFOs, devices, folders) are never replaced, even with force.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import time
from pathlib import Path

from spinekg.graph.errors import SpinekgError
from spinekg.graph.userfiles import kind_of, os_error_message

TAG = "spinekg"
STALE_AFTER_S = 3600
# .NAME.spinekg-PID-RAND.KIND ; KIND tmp = a file, new/old = a folder being swapped in/out
_OURS = re.compile(r"^\.(?P<name>.+)\." + TAG + r"-(?P<pid>\d+)-[0-9a-f]{8}\.(?P<kind>tmp|new|old)$")
_NO_TMPFILE = {errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT, errno.ENOSYS}


def temp_name(name: str, kind: str = "tmp") -> str:
    return f".{name}.{TAG}-{os.getpid()}-{os.urandom(4).hex()}.{kind}"


def failpoint(name: str, path: Path | None = None) -> None:
    """Crash tests: SPINEKG_FAILPOINT=NAME (or NAME:FILENAME) kills this process with SIGKILL here."""
    wanted = os.environ.get("SPINEKG_FAILPOINT")
    if wanted and (wanted == name or (path is not None and wanted == f"{name}:{Path(path).name}")):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists (a stale temporary's owner is gone). Another user's process, or
    any other error asking, counts as alive: never remove what may still be in use."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: someone else's live process
        return True
    return True


def is_stale(entry_name: str, folder: Path) -> bool:
    m = _OURS.match(entry_name)
    if not m or int(m["pid"]) == os.getpid():
        return False
    if not pid_alive(int(m["pid"])):
        return True
    try:
        return time.time() - os.lstat(folder / entry_name).st_mtime > STALE_AFTER_S
    except OSError:
        return False


def sweep(folder: Path) -> list[str]:
    """Remove our stale temporaries in `folder`; restore a folder whose swap was cut between two renames."""
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not is_stale(name, folder):
            continue
        m = _OURS.match(name)
        entry, original = folder / name, folder / m["name"]
        try:
            if m["kind"] == "old" and not os.path.lexists(original):
                os.rename(entry, original)  # killed after moving the old set out: put it back
            elif m["kind"] == "tmp":
                os.unlink(entry)
            else:
                import shutil

                shutil.rmtree(entry)
            removed.append(name)
        except OSError:
            pass  # best effort: another run may be sweeping too
    return removed


def refuse_special(path: Path) -> None:
    """Refuse to write over anything but a regular file (a FIFO, /dev/null, a folder …)."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return  # nothing there (the missing or non-folder parent is reported by the caller)
    except OSError as e:
        raise SpinekgError(os_error_message(path, e, "write")) from None
    if not stat.S_ISREG(st.st_mode):
        raise SpinekgError(f"{path} is {kind_of(st.st_mode)}; refusing to replace it")


def check_writable(path: Path, force: bool) -> None:
    """Refuse early (before any work): a special file, an existing file without force, no folder."""
    path = Path(path)
    refuse_special(path)
    if os.path.lexists(path) and not force:
        raise _exists_error(path)
    sweep(path.parent)  # a killed earlier run's temporaries go first, before this run's work
    if not path.parent.is_dir():
        raise SpinekgError(f"{path.parent} does not exist" if not path.parent.exists()
                           else f"{path.parent} is not a folder")


def file_mode(path: Path) -> int:
    """The mode the written file should have: the old file's, else 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def _link_fd(fd: int, dest: Path) -> bool:
    """Give the unnamed file behind fd the name dest; False when this system cannot."""
    try:
        os.link(f"/proc/self/fd/{fd}", dest)  # linkat(AT_SYMLINK_FOLLOW)
        return True
    except FileExistsError:
        raise
    except OSError:
        pass
    import ctypes  # linkat(fd, "", AT_EMPTY_PATH): where /proc is not usable (needs CAP_DAC_READ_SEARCH)

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.linkat(fd, b"", -100, os.fsencode(dest), 0x1000) == 0:
            return True
        if ctypes.get_errno() == errno.EEXIST:
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dest))
    except (AttributeError, OSError) as e:
        if isinstance(e, FileExistsError):
            raise
    return False


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _exists_error(path: Path) -> SpinekgError:
    return SpinekgError(f"{path} already exists; use --force to overwrite it")


def write_file_atomic(path: Path, data: bytes, *, force: bool = False) -> Path:
    """Write data to path: whole or not at all; without force an existing file is never replaced."""
    path = Path(path)
    refuse_special(path)
    if not force and os.path.lexists(path):
        raise _exists_error(path)
    folder = path.parent
    sweep(folder)
    mode = file_mode(path)
    try:
        if not _write_unnamed(path, data, mode, force):
            _write_named(path, data, mode, force)
    except FileExistsError:
        raise _exists_error(path) from None
    except OSError as e:
        raise SpinekgError(os_error_message(path, e, "write")) from None
    fsync_dir(folder)
    return path


def _write_unnamed(path: Path, data: bytes, mode: int, force: bool) -> bool:
    try:
        fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY | os.O_CLOEXEC, mode)
    except (AttributeError, OSError) as e:
        if isinstance(e, OSError) and e.errno not in _NO_TMPFILE:
            raise
        return False
    try:
        os.fchmod(fd, mode)  # open()'s mode is cut by the umask; keep the old file's mode exactly
        _write_all(fd, data)
        failpoint("file-written", path)
        if not force or not os.path.lexists(path):
            return _link_fd(fd, path)  # no-clobber and atomic: EEXIST if someone got there first
        temp = path.parent / temp_name(path.name)
        if not _link_fd(fd, temp):
            return False
        try:
            failpoint("file-linked", path)
            refuse_special(path)
            os.replace(temp, path)
        except BaseException:
            _unlink_quietly(temp)
            raise
        return True
    finally:
        os.close(fd)


def _write_named(path: Path, data: bytes, mode: int, force: bool) -> None:
    temp = path.parent / temp_name(path.name)
    fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, mode)
    try:
        try:
            os.fchmod(fd, mode)
            _write_all(fd, data)
        finally:
            os.close(fd)
        failpoint("file-written", path)
        failpoint("file-linked", path)
        if force:
            refuse_special(path)
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)  # no-clobber: EEXIST if the file appeared meanwhile
            except OSError as e:
                if e.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK):
                    raise
                if os.path.lexists(path):  # a filesystem without hard links (FAT, some FUSE)
                    raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path)) from None
                os.replace(temp, path)
    finally:
        _unlink_quietly(temp)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class AtomicWriter:
    """For writers that stream (`with AtomicWriter(path, force=f) as out: out.write(b"...")`):
    the bytes are collected and written by write_file_atomic when the block ends without error,
    so a failure or a kill leaves no file and no temporary."""

    def __init__(self, path: Path, *, force: bool = False):
        import io

        self.path, self.force = Path(path), force
        refuse_special(self.path)
        if not force and os.path.lexists(self.path):
            raise _exists_error(self.path)
        self.buffer = io.BytesIO()

    def write(self, data: bytes) -> int:
        return self.buffer.write(data)

    def __enter__(self) -> "AtomicWriter":
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            write_file_atomic(self.path, self.buffer.getvalue(), force=self.force)
