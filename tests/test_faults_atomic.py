"""The crash-safe writers themselves: unnamed temporaries, the sweep, and the folder swap's fallback."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from spinekg.graph import atomicfile
from spinekg.graph.atomicfile import sweep, temp_name, write_file_atomic


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_no_named_temporary_while_writing_where_o_tmpfile_works(tmp_path, monkeypatch):
    seen = []
    real = atomicfile._write_all

    def spy(fd, data):
        seen.append(sorted(os.listdir(tmp_path)))
        return real(fd, data)

    monkeypatch.setattr(atomicfile, "_write_all", spy)
    write_file_atomic(tmp_path / "a.txt", b"one")
    write_file_atomic(tmp_path / "a.txt", b"two", force=True)
    assert (tmp_path / "a.txt").read_bytes() == b"two"
    if hasattr(os, "O_TMPFILE"):  # the data was being written into an inode with no name at all
        assert seen == [[], ["a.txt"]]
    assert os.listdir(tmp_path) == ["a.txt"]


def test_named_fallback_when_o_tmpfile_is_missing(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    write_file_atomic(tmp_path / "a.txt", b"one")
    write_file_atomic(tmp_path / "a.txt", b"two", force=True)
    assert os.listdir(tmp_path) == ["a.txt"] and (tmp_path / "a.txt").read_bytes() == b"two"
    with pytest.raises(Exception, match="already exists"):
        write_file_atomic(tmp_path / "a.txt", b"three")
    assert (tmp_path / "a.txt").read_bytes() == b"two"


def test_mode_of_the_replaced_file_is_kept(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes(b"x")
    f.chmod(0o640)
    write_file_atomic(f, b"y", force=True)
    assert f.stat().st_mode & 0o777 == 0o640


def test_sweep_removes_only_stale_temporaries(tmp_path):
    gone = dead_pid()
    stale_file = tmp_path / f".a.txt.spinekg-{gone}-0123abcd.tmp"
    stale_dir = tmp_path / f".out.spinekg-{gone}-0123abcd.new"
    live = tmp_path / f".b.txt.spinekg-{os.getppid()}-0123abcd.tmp"  # a live process (pytest's parent)
    old_live = tmp_path / f".c.txt.spinekg-{os.getppid()}-0123abcd.tmp"  # live PID, but a day old: reused
    mine = tmp_path / temp_name("d.txt")
    look_alike = tmp_path / ".e.txt.tmp"  # not our pattern: never touched
    for p in (stale_file, live, old_live, mine, look_alike):
        p.write_bytes(b"x")
    stale_dir.mkdir()
    (stale_dir / "f").write_bytes(b"x")
    day_ago = time.time() - 86400
    os.utime(old_live, (day_ago, day_ago))
    removed = sweep(tmp_path)
    assert sorted(removed) == sorted([stale_file.name, stale_dir.name, old_live.name])
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, mine.name, look_alike.name])


def test_sweep_restores_a_folder_cut_between_two_renames(tmp_path):
    """The fallback swap renames the old set aside, then the new one in; killed in between, the
    folder is missing: the next run's sweep puts the old set back."""
    gone = dead_pid()
    old = tmp_path / f".out.spinekg-{gone}-0123abcd.old"
    new = tmp_path / f".out.spinekg-{gone}-89abcdef.new"
    old.mkdir()
    (old / "manifest.json").write_text("old")
    new.mkdir()
    sweep(tmp_path)
    assert os.listdir(tmp_path) == ["out"] and (tmp_path / "out" / "manifest.json").read_text() == "old"


def test_folder_swap_without_rename_exchange(tmp_path, monkeypatch):
    from spinekg.exports import folder_swap

    monkeypatch.setattr(folder_swap, "_exchange", lambda a, b: False)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    folder_swap.replace_folder(out, {"a.txt": b"1", "sub/b.txt": b"2"})
    folder_swap.replace_folder(out, {"a.txt": b"3"})
    assert folder_swap.existing_files(out) == {"a.txt"} and (out / "a.txt").read_bytes() == b"3"
    assert os.listdir(tmp_path) == ["out"]


def test_folder_swap_with_rename_exchange(tmp_path, monkeypatch):
    from spinekg.exports import folder_swap

    calls = []
    real = folder_swap._exchange
    monkeypatch.setattr(folder_swap, "_exchange", lambda a, b: calls.append(1) or real(a, b))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    folder_swap.replace_folder(out, {"a.txt": b"1"})
    folder_swap.replace_folder(out, {"b.txt": b"2"})
    assert calls == [1] and folder_swap.existing_files(out) == {"b.txt"} and os.listdir(tmp_path) == ["out"]


def test_export_all_refuses_the_current_folder(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("export", "all", "-o", ".")
    assert r.exit_code == 2 and "current folder" in r.stderr and len(r.stderr.splitlines()) == 1
    assert os.listdir(tmp_path) == []


def test_atomic_writer_writes_only_on_success(tmp_path):
    from spinekg.graph.atomicfile import AtomicWriter

    with AtomicWriter(tmp_path / "f.csv") as out:
        out.write(b"a,b\n")
        assert os.listdir(tmp_path) == []  # nothing on disk while streaming
    assert (tmp_path / "f.csv").read_bytes() == b"a,b\n"
    with pytest.raises(RuntimeError):
        with AtomicWriter(tmp_path / "g.csv") as out:
            out.write(b"half")
            raise RuntimeError("writer failed")
    assert os.listdir(tmp_path) == ["f.csv"]
