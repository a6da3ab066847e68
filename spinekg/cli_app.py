"""The `spinekg` command's typer app (spinekg.cli.main runs it). Commands stay thin: the work lives
in graph/ and exports/.

The root group builds only the command that runs (its table is spinekg/commands/__init__.py), and
commands import what they use inside, so that each command pays only for what it uses.
"""
from __future__ import annotations

import sys

import click
import typer
import typer.core
from typer.core import TyperGroup

# Typer escapes "[default: ...]" for rich whenever rich is importable, and the escape shows as a
# literal backslash in plain help; we never render help with rich, so say so.
typer.core.HAS_RICH = False

from spinekg import __version__
from spinekg.commands import COMMANDS, build


class SpinekgGroup(TyperGroup):
    """The root group: loads a command when it is asked for (click's lazy-group pattern), and turns
    user errors raised anywhere below a command into one line on stderr and exit 2."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS) + [name for name in self.commands if name not in COMMANDS]

    def get_command(self, ctx, name: str):
        cmd = self.commands.get(name)
        if cmd is None and name in COMMANDS:
            cmd = self.commands[name] = build(name, pretty_exceptions_short=app.pretty_exceptions_short,
                                              rich_markup_mode=self.rich_markup_mode)
        return cmd

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as e:
            # click suggests close names from the commands it holds: offer every command instead
            no_such = getattr(click.exceptions, "NoSuchCommand", None)
            if no_such is None or not isinstance(e, no_such):
                raise
            raise no_such(e.command_name, possibilities=self.list_commands(ctx), ctx=ctx) from None

    def format_commands(self, ctx, formatter) -> None:
        """click's command list, with the one-line help of commands not loaded taken from the table."""
        rows = [(name, self.commands.get(name) or click.Command(name, help=COMMANDS[name][1]))
                for name in self.list_commands(ctx)]
        rows = [(name, cmd) for name, cmd in rows if not cmd.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

    def invoke(self, ctx):
        from spinekg.graph.errors import SpinekgError

        try:
            return super().invoke(ctx)
        except SpinekgError as e:
            from spinekg.graph.textsafe import terminal_text

            typer.echo(f"error: {terminal_text(str(e))}", err=True)  # messages may quote user input
            raise typer.Exit(e.exit_code) from None


app = typer.Typer(
    cls=SpinekgGroup,
    help="spinekg: a knowledge graph of spine procedure codes (CPT 63001-63308 and related codes).\n\n"
         "Example: spinekg show 63304",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"spinekg {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """spinekg: a knowledge graph of spine procedure codes.\n\nExample: spinekg show 63304"""


def _drop_stdout() -> None:
    """After stdout failed, point it at /dev/null so the flush at exit cannot fail again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main() -> None:
    """Console entry point: user errors become one line on stderr, never a traceback.

    SpinekgError is handled by SpinekgGroup; here only click's own usage errors remain.
    The process ends after it: see _end().
    """
    try:
        _main()
    finally:
        _end()


def _end() -> None:
    """Freeze what the garbage collector tracks, as the process is about to end: the interpreter's
    shutdown then skips its collection passes over every object the command made (15-25 ms, about
    as much as a short command's own work). Nothing is lost: the streams are flushed and the
    atexit handlers run as before, and objects still go when their last reference does; only
    cycles left at exit stay for the OS to reclaim, as any object alive at exit may. The graph
    a query loaded joins them (graph.sparql.store.leave_at_exit)."""
    import gc

    enabled = gc.isenabled()
    gc.disable()  # no collection between the two steps below
    store = sys.modules.get("spinekg.graph.sparql.store")
    if store is not None:
        store.leave_at_exit()  # the graph is left to the OS, not freed piece by piece
    gc.freeze()
    if enabled:
        gc.enable()


def _main() -> None:
    no_args_help = getattr(click.exceptions, "NoArgsIsHelpError", ())
    try:
        rv = app(standalone_mode=False)
        if isinstance(rv, int) and rv:
            sys.exit(rv)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        _drop_stdout()
        sys.exit(0)
    except OSError as e:  # e.g. standard output on a full disk: one line, never a traceback
        from spinekg.graph.userfiles import os_error_message

        _drop_stdout()
        sys.stderr.write(f"error: {os_error_message(e.filename or 'standard output', e, 'write')}\n")
        sys.exit(2)
    except click.Abort:
        sys.exit(1)
    except no_args_help as e:
        typer.echo(e.format_message())
        sys.exit(0)
    except click.ClickException as e:
        typer.echo(f"error: {' '.join(e.format_message().split())}", err=True)
        sys.exit(e.exit_code)
