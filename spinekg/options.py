"""Options shared by the CLI's commands (one definition, so every read command behaves alike)."""
from enum import Enum

import typer


class TextJson(str, Enum):
    text = "text"
    json = "json"


def text_json_option(help: str = "text for people, json for machines."):
    return typer.Option(TextJson.text, "--format", "-f", help=help)
