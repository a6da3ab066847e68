"""Where the user's own imported files live (never in the repository or the package).

$SPINEKG_HOME if set, else $XDG_DATA_HOME/spinekg, else ~/.local/share/spinekg.
Nothing is created until an import writes there.
"""
from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path


def data_dir() -> Path:
    env = os.environ.get("SPINEKG_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "spinekg"


def descriptors_path() -> Path:
    return data_dir() / "descriptors.json"


def ncci_path() -> Path:
    return data_dir() / "ncci-addons.json"


def store_import(target: Path, source: Path, payload: dict, today=None) -> dict:
    """Write an import (payload + provenance: file name, date, SHA-256) atomically; return the record."""
    import datetime as dt
    import json

    from spinekg.graph.atomicfile import write_file_atomic
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userfiles import os_error_message

    record = {"source_file": source.name, "imported_on": (today or dt.date.today()).isoformat(),
              "sha256": sha256_file(source), **payload}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SpinekgError(os_error_message(target.parent, e, "create the data folder")) from None
    write_file_atomic(target, (json.dumps(record, indent=1, ensure_ascii=False) + "\n").encode("utf-8"), force=True)
    _damaged.pop(target, None)
    return record


def remove_import(target: Path) -> bool:
    """Remove a stored import, whatever damage it has (an empty folder in its place included)."""
    import stat

    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userfiles import os_error_message

    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return False
    except OSError as e:
        raise SpinekgError(os_error_message(target, e, "remove")) from None
    try:
        os.rmdir(target) if stat.S_ISDIR(st.st_mode) else os.unlink(target)
    except OSError as e:
        if stat.S_ISDIR(st.st_mode) and e.errno == errno.ENOTEMPTY:
            raise SpinekgError(f"{target} is a folder with files in it, not spinekg's file; "
                               "move it away yourself") from None
        raise SpinekgError(os_error_message(target, e, "remove")) from None
    _damaged.pop(target, None)
    return True


# Damaged stores seen by this process: path -> (size, mtime) when last warned. While any is
# damaged the compiled cache is not written, so the warning shows on every run until fixed.
_damaged: dict[Path, tuple] = {}
STORE_MAX_BYTES = 256 << 20
_PROVENANCE = ("source_file", "imported_on", "sha256")


def any_damaged() -> bool:
    """Whether a store reported damaged is still there as it was (a store since removed or rewritten
    no longer counts, so a long-lived process writes its caches again)."""
    current = {descriptors_path(), ncci_path()}  # SPINEKG_HOME may have changed in this process
    for target, signature in list(_damaged.items()):
        if target not in current:
            _damaged.pop(target, None)
            continue
        try:
            st = os.lstat(target)
            now = (st.st_size, st.st_mtime_ns)
        except OSError:
            now = None
        if now is None or now != signature:
            _damaged.pop(target, None)
    return bool(_damaged)


def damaged(target: Path, command: str, what: str, reason: str, *, strict: bool) -> None:
    """Report a damaged store in one line: an error when the command needs it, else a warning."""
    import sys

    from spinekg.graph.errors import SpinekgError

    fix = f"remove it with `spinekg import {command} --remove`"
    if strict:
        raise SpinekgError(f"{target}: the stored {what} are damaged ({reason}); {fix}")
    try:
        st = os.lstat(target)
        signature = (st.st_size, st.st_mtime_ns)
    except OSError:
        signature = None
    if _damaged.get(target, ()) != signature:
        from spinekg.graph.textsafe import terminal_text

        sys.stderr.write(terminal_text(f"warning: {target}: the stored {what} are damaged ({reason}) "
                                       f"and are left out; {fix}") + "\n")
        sys.stderr.flush()
    _damaged[target] = signature


def read_import(target: Path, key: str, command: str, what: str, *, strict: bool = False) -> dict | None:
    """The stored record, or None. A damaged store is reported in one line naming how to clear it:
    a warning (and None) by default, so every command still works; an error with strict=True."""
    import json

    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userfiles import read_user_file

    if not os.path.lexists(target):
        _damaged.pop(target, None)
        return None
    try:
        record = json.loads(read_user_file(target, STORE_MAX_BYTES))
    except SpinekgError as e:
        reason = str(e).removeprefix(f"{target}").lstrip(": ") or "unreadable"
        return damaged(target, command, what, reason, strict=strict)
    except ValueError:  # bad UTF-8 or bad JSON (truncated, empty, garbage)
        return damaged(target, command, what, "not valid JSON", strict=strict)
    if not isinstance(record, dict):
        return damaged(target, command, what, f"a JSON {type(record).__name__}, not an object", strict=strict)
    bad = [f for f in _PROVENANCE if not isinstance(record.get(f), str)]
    if key not in record or not isinstance(record[key], (dict, list)):
        bad.append(key)
    if bad:
        return damaged(target, command, what, f"missing or wrong-typed {', '.join(bad)}", strict=strict)
    _damaged.pop(target, None)
    return record


def user_files(*, ncci: bool = True) -> list[Path]:
    """The imported files that exist now (they change what the graph holds); with ncci=False,
    the descriptors only (what the code catalog reads: graph.compiled.catalog_key)."""
    return [p for p in ([descriptors_path(), ncci_path()] if ncci else [descriptors_path()]) if p.exists()]


def sha256_file(path: Path, max_bytes: int | None = None) -> str:
    """SHA-256 of the user's source file, streamed (an NCCI PTP part is hundreds of MB), through
    the same checks as the import itself: regular file, at most `max_bytes` (default: a table's)."""
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userfiles import TABLE_MAX_BYTES, open_user_file, os_error_message

    h = hashlib.sha256()
    try:
        with open_user_file(path, TABLE_MAX_BYTES if max_bytes is None else max_bytes) as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        raise SpinekgError(os_error_message(path, e)) from None
    return h.hexdigest()


def import_node_iri(kind: str, sha256: str) -> str:
    return f"urn:spinekg:import:{kind}:{sha256}"


def add_import_node(g, kind: str, record: dict):
    """The sk:UserImport node recording where imported data came from (file name, date, SHA-256)."""
    from rdflib import RDF, Literal, URIRef
    from rdflib.namespace import XSD

    from spinekg.ontology.namespaces import SK

    node = URIRef(import_node_iri(kind, record["sha256"]))
    g.add((node, RDF.type, SK.UserImport))
    g.add((node, SK.sourceFile, Literal(record["source_file"])))
    g.add((node, SK.importedOn, Literal(record["imported_on"], datatype=XSD.date)))
    g.add((node, SK.sha256, Literal(record["sha256"])))
    return node
