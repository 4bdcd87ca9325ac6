"""The analysis prompts: versioned template files and safe placeholder substitution.

`system.v1.txt` is the system message; `transcript.v1.txt` and `audio.v1.txt` are the user
message per analysis mode, adapted from the spec's "Analysis Prompt Engineering" templates (the
changes are listed in docs/analysis.md). Changing the wording means adding a `*.v2.txt` file and
bumping `BUILTIN_VERSION`, so the `prompt_version` stored with every analysis names the exact
words the model saw.

Templates, built-in or a client's own (`ai_client_configs`, type `prompt`), may use
`{transcript}`, `{config}` and `{client_name}` (and the spec's own names `{full_transcript}` and
`{call_analysis_config_json}`). Substitution is a single pass over the template only: a
transcript containing braces, or the text "{config}", is inserted as it is and never expanded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources

BUILTIN_VERSION = "v1"
PLACEHOLDERS: tuple[str, ...] = ("transcript", "config", "client_name")
ALIASES: Mapping[str, str] = {
    "full_transcript": "transcript",
    "call_analysis_config_json": "config",
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholders_in(template: str) -> list[str]:
    """Every `{name}` in the template, aliases mapped to their canonical name, in order."""
    return [ALIASES.get(name, name) for name in _PLACEHOLDER.findall(template)]


def unknown_placeholders(template: str) -> list[str]:
    """`{name}`s that are not placeholders (likely typos such as `{transcrpt}`)."""
    return sorted({n for n in placeholders_in(template) if n not in PLACEHOLDERS})


def render(template: str, values: Mapping[str, str]) -> str:
    """Replace the placeholders in one pass; any other braces are left untouched."""

    def substitute(match: re.Match[str]) -> str:
        name = ALIASES.get(match.group(1), match.group(1))
        return values[name] if name in values else match.group(0)

    return _PLACEHOLDER.sub(substitute, template)


@cache
def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def builtin_template(mode: str, version: str = BUILTIN_VERSION) -> str:
    """The user-message template shipped for `mode` ("transcript" or "audio")."""
    return _read(f"{mode}.{version}.txt")


def system_template(version: str = BUILTIN_VERSION) -> str:
    """The system message: the model's role and the rules no template can remove."""
    return _read(f"system.{version}.txt")
