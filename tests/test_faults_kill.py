"""SIGKILL at any moment: the next run leaves no temporary, and a folder holds one whole set.

Random kills of a real `spinekg export all --force` subprocess, then targeted kills at each step of
a write (SPINEKG_FAILPOINT, graph/atomicfile.py) for every command that writes.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXE = shutil.which("spinekg") or str(Path(sys.executable).parent / "spinekg")
USER = Path(__file__).parent / "fixtures" / "user"
KILLS = 20
RUN_TIMEOUT_S = 120


def temporaries(root: Path) -> list[str]:
    """Anything our writers name as a temporary, anywhere under root."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".spinekg-" in p.name or p.name.endswith(".tmp"))


def set_state(out: Path) -> str:
    """'absent', or the filters of the whole set the folder holds; fails on any mix."""
    if not out.exists():
        return "absent"
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {e["file"]: e["sha256"] for e in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == set(listed), f"files on disk differ from the manifest: {sorted(on_disk ^ set(listed))}"
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, f"{name} is not the manifest's"
    return json.dumps(manifest["filters"], sort_keys=True)


@pytest.fixture()
def env(tmp_path):
    return dict(os.environ, SPINEKG_HOME=str(tmp_path / "home"), SPINEKG_CACHE=str(tmp_path / "cache"))


def run(args, env, cwd, **extra_env):
    r = subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, env={**env, **extra_env},
                       timeout=RUN_TIMEOUT_S)
    assert "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
    base = tmp_path_factory.mktemp("warm")
    env = dict(os.environ, SPINEKG_HOME=str(base / "home"), SPINEKG_CACHE=str(base / "cache"))
    assert run(["path", "63304", "22853"], env, base).returncode == 0
    return base / "cache"


def test_random_kills_of_export_all(tmp_path, env, warm_cache):
    env = {**env, "SPINEKG_CACHE": str(warm_cache)}  # every run warm, so the kill times span real runs
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    filters = [[], ["--region", "cervical"]]
    expected = ["{}", json.dumps({"region": ["cervical"]})]
    t0 = time.monotonic()
    assert run(["export", "all", "-o", "out"], env, work).returncode == 0
    duration = time.monotonic() - t0
    rng = random.Random(20261201)
    outcomes = {"old": 0, "new": 0}
    for i in range(KILLS):
        before = set_state(out)
        new = expected[(i + 1) % 2]
        p = subprocess.Popen([EXE, "export", "all", "-o", "out", "--force", *filters[(i + 1) % 2]], cwd=work,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0, duration))
        p.send_signal(signal.SIGKILL)
        _, err = p.communicate(timeout=RUN_TIMEOUT_S)
        assert b"Traceback" not in err
        after = set_state(out)  # never a mix: either set, whole, with its manifest
        assert after in (before, new), (i, after)
        outcomes["old" if after == before and p.returncode == -signal.SIGKILL else "new"] += 1
        # the next run: succeeds, sweeps what the killed one left, and leaves no temporary itself
        nxt = run(["export", "all", "-o", "out", "--force", *filters[i % 2]], env, work)
        assert nxt.returncode == 0, nxt.stderr
        assert temporaries(tmp_path) == [] and temporaries(warm_cache) == [], (i, temporaries(tmp_path))
        assert set_state(out) == expected[i % 2]
    print(f"\n{KILLS} random SIGKILLs of export all --force (run {duration:.1f} s): "
          f"{outcomes['old']} left the old set, {outcomes['new']} the new one, 0 mixed, 0 temporaries after the next run")


# Targeted kills: (failpoint, command, what must hold afterwards). The command runs once to make
# the old state where a replace is being tested; SPINEKG_FAILPOINT then kills it at that step.
TARGETED = [
    ("file-written", ["export", "nt", "-o", "g.nt"], "g.nt", False),
    ("file-written", ["export", "nt", "-o", "g.nt", "--force"], "g.nt", True),
    ("file-linked", ["export", "nt", "-o", "g.nt", "--force"], "g.nt", True),
    ("file-written", ["export", "csv", "-o", "c.csv", "--force"], "c.csv", True),
    ("file-linked", ["export", "csv", "-o", "c.csv", "--force"], "c.csv", True),
    ("file-written", ["explore", "-o", "e.html", "--no-open", "--force"], "e.html", True),
    ("file-linked", ["explore", "-o", "e.html", "--no-open", "--force"], "e.html", True),
    ("folder-half-built", ["export", "all", "-o", "all"], "all", False),
    ("folder-half-built", ["export", "all", "-o", "all", "--force"], "all", True),
    ("folder-built", ["export", "all", "-o", "all", "--force"], "all", True),
    ("folder-swapped", ["export", "all", "-o", "all", "--force"], "all", True),
    ("folder-half-built", ["export", "omop", "-o", "omop", "--force"], "omop", True),
    ("folder-built", ["export", "omop", "-o", "omop", "--force"], "omop", True),
    ("folder-swapped", ["export", "omop", "-o", "omop", "--force"], "omop", True),
    ("file-written", ["import", "descriptors", str(USER / "descriptors.csv")], "home/descriptors.json", False),
    ("file-written", ["import", "descriptors", str(USER / "descriptors.tsv")], "home/descriptors.json", True),
    ("file-linked", ["import", "descriptors", str(USER / "descriptors.tsv")], "home/descriptors.json", True),
    ("file-written", ["import", "ncci-addon", str(USER / "ncci_aoc.csv")], "home/ncci-addons.json", False),
    ("file-linked", ["import", "ncci-addon", str(USER / "ncci_aoc.csv")], "home/ncci-addons.json", True),
    ("file-written", ["show", "63304"], "cache", False),  # the compiled cache, rebuilt on a fresh run
]


def _snapshot(path: Path):
    if not path.exists():
        return None
    if path.is_file():
        return path.read_bytes()
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


@pytest.mark.parametrize("point,args,target,existing", TARGETED,
                         ids=[f"{p}-{' '.join(a[:2])}{'-replace' if e else ''}" for p, a, t, e in TARGETED])
def test_targeted_kill(tmp_path, env, warm_cache, point, args, target, existing):
    work = tmp_path / "work"
    work.mkdir()
    # a warm compiled cache shared by these tests (each cold rebuild costs seconds); the cache case has its own
    cache = work / "cache" if target == "cache" else warm_cache
    env = {**env, "SPINEKG_HOME": str(work / "home"), "SPINEKG_CACHE": str(cache)}
    if existing:
        first = [a for a in args if a != "--force"]
        if args[0] == "import":  # an earlier, different import to be replaced
            first = [*args[:2], str(USER / ("ncci_aoc.csv" if args[1] == "ncci-addon" else "descriptors.csv"))]
        assert run(first, env, work).returncode == 0
    old = _snapshot(work / target) if target != "cache" else None
    point = point if target == "cache" else f"{point}:{Path(target).name}"
    r = run(args, env, work, SPINEKG_FAILPOINT=point)
    assert r.returncode == -signal.SIGKILL, (r.returncode, r.stderr)  # the failpoint was reached
    now = _snapshot(work / target)
    if target == "all":
        set_state(work / "all")  # a whole set, consistent with its manifest
    if not point.startswith("folder-swapped") and target != "cache":
        assert now == old, "a kill before the final rename must leave the old state"
    r = run(args, env, work)  # the next run
    assert r.returncode == 0, r.stderr
    assert temporaries(work) == [] and temporaries(cache) == [], (temporaries(work), temporaries(cache))
    if target == "all":
        set_state(work / "all")
