"""Options shared by the CLI's commands (one definition, so every read command behaves alike)."""
from enum import Enum

import typer


class TextJson(str, Enum):
    text = "text"
    json = "json"


def text_json_option(help: str = "text for people, json for machines."):
    return typer.Option(TextJson.text, "--format", "-f", help=help)


# The facet filters of `list`, `find` and `export` (graph/select.FILTER_KEYS): parameter -> (flag, help).
FACET_FILTERS = {
    "region": ("--region", "e.g. lumbar, or lumbar,sacral for either."),
    "approach": ("--approach", 'e.g. "lateral extracavitary".'),
    "procedure": ("--procedure", "e.g. corpectomy."),
    "lesion": ("--lesion", "A lesion compartment or nature, e.g. intradural, neoplasm."),
    "access": ("--access", "open, percutaneous or endoscopic."),
    "imaging": ("--imaging", 'Imaging guidance, e.g. "fluoroscopy or CT".'),
    "agent": ("--agent", 'e.g. "neurolytic agent".'),
    "delivery": ("--delivery", 'e.g. "single injection".'),
    "device": ("--device", 'e.g. "programmable pump".'),
    "device_action": ("--device-action", "e.g. insertion, removal."),
}


def facet_option(name: str):
    """The option for one facet filter: repeatable, a comma list counting as several values."""
    flag, help_text = FACET_FILTERS[name]
    return typer.Option(None, flag, metavar="NAME", help=help_text)


def facet_filters(**given) -> dict:
    """The facet filters a command was given, by the keys graph/select.filter_codes takes."""
    return {name: given[name] for name in FACET_FILTERS}
