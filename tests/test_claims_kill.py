"""`check claims` killed while its worker processes run (kill -9 of the command): the workers die
with it instead of checking on to the end of their share, no output file is left, and the part
files they wrote (in a folder the killed run could not remove) go at the next parallel run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
EXE = str(Path(sys.executable).with_name("spinekg"))


def children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


def test_killed_check_leaves_no_worker_no_output_and_its_parts_go_next_run(tmp_path):
    import claims as bench_claims

    from spinekg.graph.claims_parallel import PARTS_PREFIX

    data = tmp_path / "claims.csv"
    bench_claims.generate_claims(data, 600_000, bench_claims.graph_codes())
    assert data.stat().st_size >= 8 << 20  # big enough for two processes (MIN_BYTES_PER_JOB each)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "SPINEKG_HOME": str(tmp_path / "home"), "SPINEKG_CACHE": str(tmp_path / "cache"),
           "TMPDIR": str(temp)}
    out = tmp_path / "findings.csv"
    cmd = [EXE, "check", "claims", str(data), "-o", str(out), "--jobs", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []
        while time.monotonic() < deadline and proc.poll() is None:
            workers = [c for c in children(proc.pid) if not gone(c)]
            if len(workers) >= 2 and list(temp.glob(f"{PARTS_PREFIX}*")):
                break
            time.sleep(0.05)
        assert len(workers) >= 2, "the two worker processes did not start"
        time.sleep(0.3)  # they are checking and writing their parts
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        # each worker has seconds of its share left; killed with the command, they go at once
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline and not all(gone(w) for w in workers):
            time.sleep(0.05)
        assert all(gone(w) for w in workers), "workers checked on after the command was killed"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not out.exists()
    stale = list(temp.glob(f"{PARTS_PREFIX}*"))
    assert stale, "the killed run's part folder is not there to be cleaned (nothing to test)"

    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode in (0, 1), again.stderr  # 1: findings reported
    assert out.stat().st_size > 0
    assert not any(p.exists() for p in stale)
    assert list(temp.iterdir()) == []  # its own parts went with it
