"""bench/load.py at small sizes (the issue's sizes run in `python bench/load.py`): many clients get
no errors, idle sockets cost no threads, a worker stays under its memory cap, and answering many
large queries leaves no retained growth. Latency figures are reported by the bench, not asserted."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
load = pytest.importorskip("load")


def test_many_clients_no_errors():
    r = load.clients(50, 3.0)
    assert r["errors"] == 0 and r["requests"] > 100, r


def test_idle_sockets_cost_no_threads():
    r = load.idle_sockets(300)
    assert r["threads_with_idle"] <= r["threads_before"] + 2 and r["query_errors"] == 0, r


def test_worker_peak_rss_stays_under_its_cap():
    r = load.worker_memory(256, 30.0)
    assert r["status"] == 503 and "256 MB" in r["message"], r
    assert r["under_cap"], r


def test_no_retained_growth_over_many_large_answers():
    r = load.growth(60)
    assert r["bytes_answered"] > 60 * 900_000, r  # about 1 MB each
    assert r["server_growth_mb"] < 60 and r["workers_growth_mb"] < 120, r
