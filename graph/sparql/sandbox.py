"""No network for query evaluation, by construction: a seccomp filter makes socket()/connect() fail.

Every query runs on a thread (or in a worker process) that first installs this filter, so even
a SERVICE or FROM the parser check missed cannot open a connection: the kernel answers EACCES.
Without TSYNC the filter binds the calling thread and the threads it starts, so a CLI or a
notebook keeps its own network while its query threads have none; workers bind the whole process.
"""
from __future__ import annotations

import errno
import functools
import os
import threading

from spinekg.graph.errors import SpinekgError

DENIED = ("socket", "socketpair", "connect", "io_uring_setup")
OPT_OUT = "SPINEKG_NO_SANDBOX"  # =1: rely on the parser check alone (platforms without seccomp)
_local = threading.local()
_SONAMES = {"c": "libc.so.6", "seccomp": "libseccomp.so.2"}  # glibc's and libseccomp's current sonames
_import_lock = threading.Lock()


def _pyseccomp():
    """pyseccomp, imported with its two ctypes.util.find_library look-ups answered by dlopen of the
    usual sonames first: on Linux each look-up runs `ldconfig -p` in a subprocess (5-10 ms each,
    on every CLI query and every worker start). A name dlopen cannot open is looked up as before.
    When nothing imported ctypes.util yet, a stand-in holding only that find_library serves the
    import (ctypes.util's own imports cost a worker start ~10 ms) and is taken out again after."""
    import sys

    if "pyseccomp" in sys.modules:
        return sys.modules["pyseccomp"]
    import ctypes
    import types

    with _import_lock:
        real = sys.modules.get("ctypes.util")
        original = real.find_library if real is not None else None
        stand_in = None

        def find_library(name):
            soname = _SONAMES.get(name) if sys.platform.startswith("linux") else None
            if soname:
                try:
                    ctypes.CDLL(soname)
                    return soname
                except OSError:
                    pass
            if original is not None:
                return original(name)
            _drop(stand_in)
            import importlib

            return importlib.import_module("ctypes.util").find_library(name)  # the real module

        if real is None:
            stand_in = types.ModuleType("ctypes.util")
            stand_in.find_library = find_library
            sys.modules["ctypes.util"] = ctypes.util = stand_in
        else:
            real.find_library = find_library
        try:
            import pyseccomp
        finally:
            if real is None:
                _drop(stand_in)
            else:
                real.find_library = original
    return pyseccomp


def _drop(stand_in) -> None:
    """Take the ctypes.util stand-in out (a later `import ctypes.util` loads the real one)."""
    import ctypes
    import sys

    if sys.modules.get("ctypes.util") is stand_in:
        del sys.modules["ctypes.util"]
    if getattr(ctypes, "util", None) is stand_in:
        del ctypes.util


class SandboxUnavailable(SpinekgError):
    """The network cannot be shut off here and the user did not opt out."""


@functools.cache
def unavailable_reason() -> str | None:
    """Why the sandbox cannot be installed on this machine (None when it can)."""
    try:
        pyseccomp = _pyseccomp()
        pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    except Exception as e:  # noqa: BLE001 (no libseccomp, not Linux, ...)
        return f"seccomp is not available: {' '.join(str(e).split()) or type(e).__name__}"
    return None


def deny_network(*, whole_process: bool = False) -> bool:
    """Install the filter on this thread (or every thread, with whole_process). Idempotent per
    thread. Returns False when opted out; raises SandboxUnavailable when impossible."""
    if getattr(_local, "sealed", False):
        return True
    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get(OPT_OUT) == "1":
            return False
        raise SandboxUnavailable(f"cannot shut the network off for query evaluation ({reason}); "
                                 f"set {OPT_OUT}=1 to rely on the parser check alone")
    pyseccomp = _pyseccomp()
    f = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for name in DENIED:
        try:
            f.add_rule(pyseccomp.ERRNO(errno.EACCES), name)
        except OSError:  # a syscall this architecture lacks (e.g. socketcall-only ABIs)
            continue
    if whole_process:
        f.set_attr(pyseccomp.Attr.CTL_TSYNC, 1)
    f.load()
    _local.sealed = True
    return True


def sealed_here() -> bool:
    """Whether the calling thread runs under the filter."""
    return bool(getattr(_local, "sealed", False))
