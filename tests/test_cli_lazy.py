"""The root group loads only the command that runs; its table of names, modules and one-line help
(spinekg/commands/__init__.py) must say exactly what the command modules define."""
import json
import subprocess
import sys

import click
import typer
import typer.main

from spinekg.cli import app
from spinekg.commands import COMMANDS, build, register_all


def eager_group() -> click.Group:
    """Every command registered and built up front (the way the CLI was built before it was lazy)."""
    full = typer.Typer(rich_markup_mode=None)
    register_all(full)
    return typer.main.get_command(full)


def first_paragraph(help_text: str) -> str:
    return " ".join(help_text.partition("\n\n")[0].split())


def test_the_table_names_every_command_in_order():
    assert list(eager_group().commands) == list(COMMANDS)


def test_the_table_gives_each_commands_module_and_help():
    real = eager_group().commands
    for name, (module, help_text) in COMMANDS.items():
        cmd = build(name, pretty_exceptions_short=True, rich_markup_mode=None)  # LookupError if not in module
        assert cmd.name == name
        if not isinstance(cmd, click.Group):  # a group's module is the one that registers it (built above)
            assert cmd.callback.__module__ == f"spinekg.commands.{module}", name
        assert help_text == first_paragraph(real[name].help), name
        assert first_paragraph(cmd.help) == help_text, name


def root_help(width: int, load_all: bool) -> str:
    group = typer.main.get_command(app)
    ctx = click.Context(group, info_name="spinekg", terminal_width=width, max_content_width=width)
    if load_all:
        for name in group.list_commands(ctx):
            group.get_command(ctx, name)
    return group.get_help(ctx)


def test_root_help_reads_the_same_with_every_command_loaded():
    for width in (40, 60, 80, 120, 200):
        lazy = root_help(width, load_all=False)
        assert lazy == root_help(width, load_all=True)
        for name in COMMANDS:
            assert f"\n  {name} " in lazy


PROBE = r"""
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(m for m in sys.modules
                                                               if m.startswith("spinekg.commands.")))))
sys.argv[0] = "spinekg"
from spinekg.cli import main
main()
"""


def command_modules(tmp_path, *args) -> list[str]:
    out = tmp_path / "modules.json"
    env = {"SPINEKG_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", PROBE, str(out), *args], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


def test_help_lists_commands_without_loading_them(tmp_path):
    assert command_modules(tmp_path, "--help") == []


def test_a_command_loads_its_own_module_only(tmp_path):
    assert command_modules(tmp_path, "show", "63304") == ["spinekg.commands.codes"]
    assert command_modules(tmp_path, "search", "--help") == ["spinekg.commands.search"]


def test_unknown_command_is_one_line_and_suggests_a_near_name(tmp_path):
    r = subprocess.run([sys.executable, "-m", "spinekg", "shw", "63304"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=120)
    assert r.returncode == 2
    assert r.stdout == ""
    line, = r.stderr.splitlines()
    assert line.startswith("error: No such command 'shw'.")
    if hasattr(click.exceptions, "NoSuchCommand"):  # click 8.4+ suggests; the lazy group must not lose it
        assert "Did you mean 'show'?" in line
