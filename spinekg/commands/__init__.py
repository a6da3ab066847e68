"""CLI command modules, and the table the root group uses to load only the command that runs.

Each module defines `register(app)` adding its commands to a typer app; it must not import heavy
libraries at import time (commands import what they need inside). Building a command's click
parameters is most of a cold start's cost, so `spinekg CMD` builds CMD alone and `spinekg --help`
lists COMMANDS without importing any module; tests/test_cli_lazy.py checks the table against
the commands the modules really define, so the two cannot drift apart.
"""
from __future__ import annotations

# name -> (module under spinekg.commands, first paragraph of the command's help), in `--help` order
COMMANDS: dict[str, tuple[str, str]] = {
    "show": ("codes", "Show one code: its label, facts, evidence, history, add-ons or primaries, siblings and sources."),
    "list": ("codes", "List codes, filtered by facets, evidence and year."),
    "validate": ("codes", "Check the graph (plus any files given) against the SHACL shapes; exit 1 on any violation."),
    "query": ("analysis", "Run a SPARQL query (inline, from a file, or a saved one) on the graph, read-only."),
    "neighbors": ("analysis", "List what a code is related to (regions, approaches, groups, add-ons, ...), up to N steps away."),
    "path": ("analysis", "The shortest chain of relations between two codes, each step named."),
    "compare": ("analysis", "Compare 2-4 codes facet by facet, then their add-ons, primaries and reported-with codes."),
    "family": ("analysis", "Codes that differ from a code in exactly one facet, grouped by that facet; or, with "
                           "--table, its family (range group) laid out by the facets that vary inside it."),
    "find": ("analysis", "Which codes to report for an operation, how many times, and why (exit 1 when nothing fits)."),
    "serve": ("analysis", "Serve the graph over the SPARQL 1.1 Protocol (read-only), with a query page at / and FHIR at /fhir."),
    "push": ("analysis", "Load the graph into an external SPARQL server via the SPARQL 1.1 Graph Store Protocol."),
    "explore": ("explore", "Write the whole graph as one interactive HTML file that works offline (double-click it)."),
    "export": ("export", "Export the graph (or the codes the filters select) for terminology and graph tools."),
    "search": ("search", "Find codes, range groups and facet values, best first; knows coders' words (TLIF, tumor, "
                         "cage, fusion, level)."),
    "diff": ("history", "Codes added, deleted and replaced between two code-set years, with the pages that give the years."),
    "import": ("imports", "Load your own licensed files (kept in your data folder, never in the repository)."),
    "check": ("imports", "Check claims against the graph and CMS's NCCI edits; compare the graph with imported files."),
}

MODULES = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))


def register_all(app) -> None:
    """Register every command on one typer app (eagerly: for tests and tools that want them all)."""
    import importlib

    for name in MODULES:
        importlib.import_module(f"spinekg.commands.{name}").register(app)


def build(name: str, *, pretty_exceptions_short: bool, rich_markup_mode):
    """The click command (or group) `name` as typer builds it, with only its own module imported."""
    import importlib

    import typer
    import typer.main

    module = importlib.import_module(f"spinekg.commands.{COMMANDS[name][0]}")
    holder = typer.Typer()
    module.register(holder)  # cheap: decorators only record the functions
    opts = {"pretty_exceptions_short": pretty_exceptions_short, "rich_markup_mode": rich_markup_mode}
    for info in holder.registered_commands:
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name:
            return typer.main.get_command_from_info(info, **opts)
    for group in holder.registered_groups:
        if group.name == name:
            return typer.main.get_group_from_info(group, **opts)
    raise LookupError(f"spinekg.commands.{COMMANDS[name][0]} defines no command {name!r}")
