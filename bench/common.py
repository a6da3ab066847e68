"""What the benchmark's sections share: the installed commands, medians, process timings and the table's ratio cells."""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def exe(name: str) -> str:
    found = BIN / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def time_process(argv: list[str], runs: int, env=None, check=True) -> float:
    subprocess.run(argv, capture_output=True, env=env, check=check)  # warm: OS cache, compiled catalog
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=check)
        samples.append(time.perf_counter() - t)
    return median_ms(samples)


def ratio(a, b):
    return f"{a / b:.2f}x" if a and b else "-"


def cpu_s(r: dict, key: str) -> str:
    return f" (cpu {r[key]:.2f})" if key in r else ""


def cpu_ms(r: dict, key: str) -> str:
    """The slowest query's CPU time, beside its wall time (a shared machine inflates the wall)."""
    return f" (slowest cpu {max(r[key].values()):.1f})" if r.get(key) else ""
