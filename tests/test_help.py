"""Every --help page reads as plain text: no rich escapes, and each carries an example."""
import click
import pytest
import typer.main

from spinekg.cli import app


def _commands(cmd, path=()):
    yield path, cmd
    if isinstance(cmd, click.Group):  # the root group loads its commands on demand: ask it for each
        ctx = click.Context(cmd)
        for name in sorted(cmd.list_commands(ctx)):
            yield from _commands(cmd.get_command(ctx, name), (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "spinekg")
def test_help_has_no_backslashes(cli, path):
    r = cli(*path, "--help")
    assert r.exit_code == 0, r.output
    assert "\\" not in r.stdout, f"`spinekg {' '.join(path)} --help` shows a backslash:\n{r.stdout}"


def test_every_command_is_listed():
    assert len(COMMANDS) > 10
