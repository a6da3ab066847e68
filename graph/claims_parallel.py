"""`check claims` on several cores: the file is cut at claim boundaries into one byte range per
process; each process checks its range (the rule engine is built once, before the fork) and
writes its findings to a part file; the parts are joined in order. Same findings, same order, as
one process (a test proves it).

Only for CSV/TSV files without line breaks inside quoted fields (claim exports have none); a cut
that lands inside a quoted field is detected and the file is checked in one process instead.
"""
from __future__ import annotations

import csv
import io
import itertools
import multiprocessing as mp
import os
import tempfile
from pathlib import Path

from spinekg.graph.claims_file import FindingsWriter, Summary, check_rows, read_header
from spinekg.graph.errors import SpinekgError

MIN_BYTES_PER_JOB = 4 << 20  # below this a second process costs more than it saves


def default_jobs(path: Path) -> int:
    if path.suffix.lower() not in (".csv", ".tsv", ".txt", ".tab"):
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, path.stat().st_size // MIN_BYTES_PER_JOB))


def _claim_of(raw: bytes, delimiter: str, ic: int) -> str | None:
    cells = next(csv.reader([raw.decode("utf-8", errors="replace")], delimiter=delimiter), [])
    return cells[ic].strip() if len(cells) > ic else None


def cut_points(path: Path, jobs: int, delimiter: str, ic: int, start: int) -> list[tuple[int, int]] | None:
    """[(byte offset, line number)] where each range after the first starts: the first line of a new
    claim after size/jobs·k. None when a cut is unsafe (an unbalanced quote before it)."""
    size = path.stat().st_size
    cuts = [(start, 0)]
    with open(path, "rb") as f:
        for k in range(1, jobs):
            f.seek(max(size * k // jobs, cuts[-1][0]))
            f.readline()  # to the start of a line
            prev = None
            while True:
                pos = f.tell()
                raw = f.readline()
                if not raw:
                    pos = size
                    break
                claim = _claim_of(raw, delimiter, ic)
                if prev is not None and claim != prev:
                    break
                prev = claim
            if pos >= size or pos <= cuts[-1][0]:
                break
            cuts.append((pos, 0))
        # line numbers (and a quote check) by one pass over the bytes before each cut
        f.seek(0)
        line, done, quotes, out = 1, 0, 0, []
        for pos, _ in cuts:
            chunk = f.read(pos - done)
            line += chunk.count(b"\n")
            quotes += chunk.count(b'"')
            done = pos
            if quotes % 2:
                return None
            out.append((pos, line))
    return out


def _lines(path: Path, start: int, end: int, block: int = 1 << 20):
    """The lines of bytes [start, end), decoded a block at a time (a block ends at a line end, so no
    character is split) and split by io.StringIO in C: per line, no Python code runs."""
    return itertools.chain.from_iterable(_blocks(path, start, end, block))


def _blocks(path: Path, start: int, end: int, size: int):
    with open(path, "rb") as f:
        f.seek(start)
        left, rest = end - start, b""
        while left > 0 or rest:
            data = f.read(min(left, size)) if left > 0 else b""
            left = left - len(data) if data else 0
            data = rest + data
            cut = data.rfind(b"\n") + 1 if left > 0 else len(data)
            if not cut:  # a line longer than a block: read on
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
            try:
                yield io.StringIO(data.decode("utf-8"), newline="\n")
            except UnicodeDecodeError:  # line by line up to the bad one, so the error names its line
                yield (raw.decode("utf-8") for raw in io.BytesIO(data))


_COUNTS = None  # lines checked per process, shared with the parent for its progress display
PARTS_PREFIX = "spinekg-claims-"  # + the parent's pid + "-": the temporary folder of the part files


def _die_with_parent(parent: int) -> None:
    """Pool initializer: on Linux a worker is killed when the process that forked it dies, so a
    killed `check claims` leaves no worker writing on to the end of its share."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the workers finish their share, then exit
        return
    if os.getppid() != parent:  # the parent died before the call
        os._exit(1)


def remove_stale_parts(folder: str | None = None) -> None:
    """Remove the part-file folders of runs whose process is gone (killed mid-run: its own
    clean-up never ran); a live run's folder is left alone."""
    import shutil

    from spinekg.graph.atomicfile import pid_alive

    for d in Path(folder or tempfile.gettempdir()).glob(f"{PARTS_PREFIX}*-*"):
        pid = d.name[len(PARTS_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


def _worker(args) -> tuple[Summary, set[str]]:
    path, start, end, first_line, idx, delimiter, fmt, part, setting, slot = args
    from spinekg.graph.claims import checker

    writer = FindingsWriter(str(part), fmt, part=True)
    reader = csv.reader(_lines(path, start, end), delimiter=delimiter, strict=True)

    def rows():
        try:
            for cells in reader:
                if cells and any(cells):
                    yield first_line + reader.line_num - 1, cells
        except csv.Error as e:
            raise SpinekgError(f"{path}: line {first_line + reader.line_num - 1}: malformed CSV: {e}") from None
        except UnicodeDecodeError:
            raise SpinekgError(f"{path}: near line {first_line + reader.line_num}: not UTF-8 text; save the file as UTF-8") from None

    def progress(n: int) -> None:
        _COUNTS[slot] = n

    try:
        return check_rows(path, rows(), idx, checker(setting), writer.write, progress)
    finally:
        writer.close(True)


def check_file_parallel(path: Path, writer: FindingsWriter, *, jobs: int, setting: str, names: dict | None,
                        progress=None) -> Summary | None:
    """Check `path` in `jobs` processes, appending the findings to `writer` in file order; None when
    the file cannot be cut safely (the caller then checks it in one process)."""
    from spinekg.graph.claims import checker

    path = Path(path)
    delimiter = "," if path.suffix.lower() == ".csv" else "\t"
    header_line, idx = read_header(path, names)
    with open(path, "rb") as f:  # the byte offset just after the heading line
        for _ in range(header_line):
            f.readline()
        start = f.tell()
    cuts = cut_points(path, jobs, delimiter, idx["claim_id"], start)
    if cuts is None or len(cuts) < 2:
        return None
    checker(setting)  # built once here; the forked processes share it
    ends = [c[0] for c in cuts[1:]] + [path.stat().st_size]
    remove_stale_parts()
    with tempfile.TemporaryDirectory(prefix=f"{PARTS_PREFIX}{os.getpid()}-") as tmp:
        parts = [Path(tmp) / f"part-{i}" for i in range(len(cuts))]
        tasks = [(path, pos, end, line, idx, delimiter, writer.fmt, part, setting, i)
                 for i, ((pos, line), end, part) in enumerate(zip(cuts, ends, parts))]
        global _COUNTS
        ctx = mp.get_context("fork")
        _COUNTS = ctx.Array("q", len(tasks), lock=False)
        with ctx.Pool(len(tasks), initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
            pending = pool.map_async(_worker, tasks)
            while not pending.ready():
                pending.wait(0.5)
                if progress is not None:
                    progress(sum(_COUNTS))
            results = pending.get()
        seen: set[str] = set()
        total = Summary()
        for (summary, claims), part in zip(results, parts):
            again = seen & claims
            if again:
                raise SpinekgError(f"{path}: claim {sorted(again)[0]!r} appears again after other claims; "
                                   "sort the file by claim_id")
            seen |= claims
            total.lines += summary.lines
            total.claims += summary.claims
            total.by_rule.update(summary.by_rule)
            writer.append_part(part)
    return total

