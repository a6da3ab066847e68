"""CLI command modules. Each module defines `register(app)` adding its commands to the typer app.

Modules must not import heavy libraries at import time: commands import what they need inside.
"""
MODULES = ("analysis", "explore", "export", "imports", "search", "history")


def register_all(app) -> None:
    import importlib

    for name in MODULES:
        try:
            module = importlib.import_module(f"spinekg.commands.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"spinekg.commands.{name}":
                continue  # that area is not built yet
            raise
        module.register(app)
