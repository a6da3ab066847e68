"""`spinekg serve` with plain options skips click and typer (spinekg.serve_fast): it must hand
run_server exactly what the typer command would, decline everything else to click (which reports
it as before), and fail the way the typer path fails."""
import random
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from spinekg import serve_fast

EXE = str(Path(sys.executable).with_name("spinekg"))


@pytest.fixture()
def typer_kwargs(cli, monkeypatch):
    """What the typer command passes to run_server for ARGS (None when click refuses them)."""
    import spinekg.server

    def run(args):
        got = {}
        monkeypatch.setattr(spinekg.server, "run_server", lambda **kw: got.update(kw))
        r = cli("serve", *args)
        if r.exit_code != 0:
            assert r.exit_code == 2 and not got, (args, r.output)
            return None
        got.pop("announce")
        return got

    return run


def fast_kwargs(args):
    kw = serve_fast.parse(args)
    return None if kw is None else {**kw, "endpoint": None}


ACCEPTED = [
    [], ["--port", "0"], ["--port=65535"], ["--host", "0.0.0.0", "--port", "8080"], ["--host="],
    ["--engine", "rdflib", "--memory-mb=64"], ["--timeout", "2.5"], ["--timeout", "0"], ["--timeout", "1e3"],
    ["--max-rows", "1"], ["--max-rows", "0"], ["--workers", "32", "--fast-workers", "0"], ["--queue", "100000"],
    ["--cors-origin", "http://a", "--cors-origin=http://b", "--allow-host", "x:1"], ["--port", "1", "--port", "2"],
    ["--port", " 8000 "], ["--port", "8_000"], ["--memory-mb", "1048576"],
]
DECLINED = [  # click reads these: it refuses them (exit 2) or serves another endpoint / prints help
    ["--help"], ["-h"], ["--port"], ["--prot", "8000"], ["--port", "65536"], ["--port", "-1"], ["--port", "x"],
    ["--engine", "virtuoso"], ["--engine", "Oxigraph"], ["--memory-mb", "63"], ["--workers", "0"],
    ["--fast-workers", "33"], ["--queue", "0"], ["--timeout", "soon"], ["extra"], ["--", "--port", "1"],
    ["--endpoint", "http://127.0.0.1:9/sparql"], ["--host", "--port"], ["--port="],
]


@pytest.mark.parametrize("args", ACCEPTED)
def test_accepted_command_lines_give_run_server_what_typer_gives(typer_kwargs, args):
    assert fast_kwargs(args) is not None
    assert fast_kwargs(args) == typer_kwargs(args)


@pytest.mark.parametrize("args", DECLINED)
def test_other_command_lines_go_to_click(args):
    assert serve_fast.parse(args) is None


def test_random_command_lines_agree_with_typer(typer_kwargs):
    """Whatever the fast parser accepts, typer accepts with the same arguments."""
    rng = random.Random(16)
    names = [*serve_fast.OPTIONS, "--endpoint", "--prot"]
    values = ["0", "1", "-1", "64", "63", "32", "33", "65535", "65536", "100000", "1e3", "2.5", "nan", "x", "",
              "oxigraph", "rdflib", "http://a", "1_0", " 7 "]
    accepted = 0
    for _ in range(150):
        args = []
        for _ in range(rng.randint(0, 3)):
            name, value = rng.choice(names), rng.choice(values)
            args += [f"{name}={value}"] if rng.random() < 0.3 else [name, value]
        fast = fast_kwargs(args)
        if fast is not None:
            accepted += 1
            assert fast == typer_kwargs(args), args
    assert accepted > 20  # the draw reaches the fast path often enough to mean something


def test_the_typer_command_takes_its_defaults_and_ranges_from_the_table():
    import click

    from spinekg.commands import build

    cmd = build("serve", pretty_exceptions_short=True, rich_markup_mode=None)
    params = {p.opts[0]: p for p in cmd.params}
    for name, opt in serve_fast.OPTIONS.items():
        p = params[name]
        assert (list(p.default or []) if opt.multiple else p.default) == (list(opt.default) if opt.multiple else opt.default), name
        if opt.lo is not None:
            assert isinstance(p.type, click.IntRange) and (p.type.min, p.type.max) == (opt.lo, opt.hi), name
    assert set(params) - set(serve_fast.OPTIONS) == {"--endpoint"}


PROBE = r"""
import sys
import spinekg.server
spinekg.server.run_server = lambda **kw: print(sorted(m for m in ("typer", "click.core") if m in sys.modules), kw["port"])
sys.argv = ["spinekg", "serve", *sys.argv[1:]]
from spinekg.cli import main
main()
"""


def test_a_plain_serve_loads_no_typer_and_a_help_does():
    r = subprocess.run([sys.executable, "-c", PROBE, "--port", "0"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "typer" not in r.stdout and r.stdout.strip().endswith("0"), r.stdout
    r = subprocess.run([sys.executable, "-c", PROBE, "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "--memory-mb" in r.stdout


def test_a_busy_port_fails_as_the_typer_path_does(cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = str(busy.getsockname()[1])
        r = subprocess.run([EXE, "serve", "--port", port], capture_output=True, text=True, timeout=60)
        typer_path = cli("serve", "--port", port)
    assert r.returncode == typer_path.exit_code == 2
    assert r.stderr.splitlines() == typer_path.stderr.splitlines()
    assert r.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}: ") and "Traceback" not in r.stderr
