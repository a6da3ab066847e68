"""Filesystem faults on reading and writing: one line naming the path, exit 2, no traceback, no
stray or partial file. One test per fault class, through the real CLI."""
from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

USER = Path(__file__).parent / "fixtures" / "user"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def one_line_error(r, *needles):
    assert r.exit_code == 2, (r.exit_code, r.output, r.exception)
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in r.output
    for n in needles:
        assert str(n) in lines[0], (n, lines[0])
    return lines[0]


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.fixture()
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture()
def mount(tmp_path):
    """mount(name, options) -> a tmpfs folder (root only; CI runs as root). Unmounted afterwards."""
    mounted = []

    def make(name: str, options: str) -> Path:
        d = tmp_path / name
        d.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(d)], capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not permitted'})")
        mounted.append(d)
        return d

    yield make
    for d in reversed(mounted):
        subprocess.run(["umount", "-l", str(d)], capture_output=True)


# Every command that writes, as (args before the target, how the target is given).
WRITERS = {
    "export one file": lambda t: ["export", "nt", "-o", str(t / "g.nt")],
    "export folder format": lambda t: ["export", "omop", "-o", str(t / "omop")],
    "export all": lambda t: ["export", "all", "-o", str(t / "all")],
    "explore": lambda t: ["explore", "--no-open", "-o", str(t / "e.html")],
}


# ------------------------------------------------------------------ writes

@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_enospc_real_full_disk(cli, mount, writer):
    small = mount("small", "size=64k")
    filler = small / "filler"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY)  # fill the file system to the last block
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        assert e.errno == errno.ENOSPC
    finally:
        os.close(fd)
    before = listing(small)
    one_line_error(cli(*WRITERS[writer](small)), small, "No space left on device")
    assert listing(small) == before  # no partial file, no temporary


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_enospc_injected(cli, tmp_path, monkeypatch, writer):
    """Without a mount: os.write fails with ENOSPC after the first block."""
    real_write = os.write
    calls = {"n": 0}

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data[:4096])

    target = tmp_path / "out"
    target.mkdir()
    monkeypatch.setattr(os, "write", write)
    one_line_error(cli(*WRITERS[writer](target)), target, "No space left on device")
    monkeypatch.undo()
    assert listing(target) == []


def test_enospc_import_store(cli, home, monkeypatch):
    real_write = os.write

    def write(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    assert cli("show", "63304").exit_code == 0  # warm the catalog first: only the store write fails
    monkeypatch.setattr(os, "write", write)
    one_line_error(cli("import", "descriptors", str(USER / "descriptors.csv")), home / "descriptors.json",
                   "No space left on device")
    monkeypatch.setattr(os, "write", real_write)
    assert listing(home) == []


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_erofs_read_only_file_system(cli, mount, writer):
    ro = mount("ro", "size=64k,ro")
    one_line_error(cli(*WRITERS[writer](ro)), ro, "Read-only file system")
    assert listing(ro) == []


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_eacces_folder_not_writable(cli, tmp_path, monkeypatch, writer):
    """A folder the user may not write into. As root chmod does not deny, so EACCES is injected
    at the system call for that folder; as a normal user the folder's mode is real."""
    target = tmp_path / "locked"
    target.mkdir()
    if IS_ROOT:
        real_open, real_mkdir = os.open, os.mkdir

        def deny(f):
            def call(path, *a, **kw):
                p = Path(os.path.abspath(path))
                if target in (p, p.parent):  # creating in the folder, or O_TMPFILE on it
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
                return f(path, *a, **kw)
            return call

        monkeypatch.setattr(os, "open", deny(real_open))
        monkeypatch.setattr(os, "mkdir", deny(real_mkdir))
    else:
        target.chmod(0o555)
    try:
        one_line_error(cli(*WRITERS[writer](target)), "Permission denied")
    finally:
        target.chmod(0o755)
        monkeypatch.undo()
    assert listing(target) == []


def test_exdev_mount_point_as_export_folder(cli, mount):
    mp = mount("mp", "size=4m")
    msg = one_line_error(cli("export", "all", "-o", str(mp)), mp)
    assert "mount point" in msg
    assert listing(mp) == [] and listing(mp.parent) == ["mp"]


@pytest.mark.parametrize("special", ["fifo", "/dev/null", "folder", "symlink to /dev/null"])
@pytest.mark.parametrize("writer", ["export one file", "explore"])
def test_special_files_are_never_replaced_even_with_force(cli, tmp_path, writer, special):
    name = "g.nt" if writer == "export one file" else "e.html"
    target = tmp_path / name
    if special == "fifo":
        os.mkfifo(target)
    elif special == "folder" and writer == "explore":
        target.mkdir()
    elif special == "folder":
        pytest.skip("a folder given to a one-file export means 'write the default name into it'")
    else:
        target.symlink_to("/dev/null") if special.startswith("symlink") else None
    args = WRITERS[writer](tmp_path) + ["--force"]
    if special == "/dev/null":
        args[args.index(str(target))] = "/dev/null"
        one_line_error(cli(*args), "/dev/null", "character device")
        assert Path("/dev/null").is_char_device()
        return
    one_line_error(cli(*args), target, "refusing to replace it")
    assert os.path.lexists(target) and not target.is_file()
    assert listing(tmp_path) == [name]


@pytest.mark.parametrize("writer", ["export all", "export folder format"])
def test_special_file_in_place_of_an_export_folder(cli, tmp_path, writer):
    target = tmp_path / ("all" if writer == "export all" else "omop")
    os.mkfifo(target)
    one_line_error(cli(*WRITERS[writer](tmp_path), "--force"), target)
    assert target.is_fifo()


def test_export_folder_with_foreign_files_is_not_swapped_away(cli, tmp_path):
    out = tmp_path / "all"
    out.mkdir()
    (out / "my-notes.txt").write_text("keep")
    one_line_error(cli("export", "all", "-o", str(out), "--force"), out, "my-notes.txt")
    assert listing(out) == ["my-notes.txt"]


def test_enoent_and_enotdir_targets(cli, tmp_path):
    (tmp_path / "file.txt").write_text("x")
    one_line_error(cli("export", "nt", "-o", str(tmp_path / "missing" / "g.nt")), tmp_path / "missing", "does not exist")
    one_line_error(cli("export", "nt", "-o", str(tmp_path / "file.txt" / "g.nt")), tmp_path / "file.txt", "not a folder")
    one_line_error(cli("explore", "--no-open", "-o", str(tmp_path / "file.txt" / "e.html")), "file.txt", "not a folder")
    one_line_error(cli("export", "all", "-o", str(tmp_path / "missing" / "x")), tmp_path / "missing", "does not exist")
    assert listing(tmp_path) == ["file.txt"]


def test_data_folder_cannot_be_created(cli, tmp_path, monkeypatch):
    (tmp_path / "file.txt").write_text("x")
    monkeypatch.setenv("SPINEKG_HOME", str(tmp_path / "file.txt" / "spinekg"))
    one_line_error(cli("import", "descriptors", str(USER / "descriptors.csv")), "file.txt")


# ------------------------------------------------------------------ reads

READERS = {
    "validate": lambda p: ["validate", str(p)],
    "import descriptors": lambda p: ["import", "descriptors", str(p)],
    "import ncci-addon": lambda p: ["import", "ncci-addon", str(p)],
}
SUFFIX = {"validate": ".ttl", "import descriptors": ".csv", "import ncci-addon": ".csv"}


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "folder", "missing", "not a folder", "too large"])
def test_inputs_must_be_regular_files_under_the_cap(cli, home, tmp_path, monkeypatch, reader, kind):
    path = tmp_path / f"input{SUFFIX[reader]}"
    expect = {"fifo": "FIFO", "/dev/zero": "character device", "folder": "folder",
              "missing": "No such file or directory", "not a folder": "Not a directory", "too large": "limit"}[kind]
    if kind == "fifo":
        os.mkfifo(path)  # opening it blocking would hang: the command must not wait for a writer
    elif kind == "/dev/zero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    elif kind == "not a folder":
        (tmp_path / "plain").write_text("x")
        path = tmp_path / "plain" / path.name
    elif kind == "too large":
        with open(path, "wb") as f:
            f.truncate(65 << 20)  # sparse: costs no disk, over the 64 MiB cap
        # validate streams large files through Oxigraph under its own (16 GiB) cap: test that cap here
        monkeypatch.setattr("spinekg.graph.validate.LARGE_INPUT_MAX_BYTES", 64 << 20)
    one_line_error(cli(*READERS[reader](path)), path, expect)
    assert not home.exists()  # nothing imported, no data folder made


@pytest.mark.parametrize("reader", sorted(READERS))
def test_unreadable_input(cli, home, tmp_path, monkeypatch, reader):
    path = tmp_path / f"input{SUFFIX[reader]}"
    path.write_text("code,descriptor\n63304,x\n")
    if IS_ROOT:  # root reads anything: inject EACCES at open()
        real_open = os.open

        def deny(p, *a, **kw):
            if Path(p) == path:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(p))
            return real_open(p, *a, **kw)

        monkeypatch.setattr(os, "open", deny)
    else:
        path.chmod(0)
    one_line_error(cli(*READERS[reader](path)), path, "Permission denied")


def test_read_user_file_caps_a_growing_or_endless_file(tmp_path):
    """The cap holds while reading too (a file that grows, /dev/zero behind a regular check)."""
    from spinekg.graph.errors import SpinekgError
    from spinekg.graph.userfiles import read_user_file

    f = tmp_path / "q.rq"
    f.write_bytes(b"x" * 100)
    assert read_user_file(f, 100) == b"x" * 100
    with pytest.raises(SpinekgError, match="larger than the 99 bytes limit"):
        read_user_file(f, 99)
    with pytest.raises(SpinekgError, match="character device"):
        read_user_file("/dev/zero", 1 << 20)
