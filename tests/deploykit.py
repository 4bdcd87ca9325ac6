"""Deployment files for tests: the compose files, the variables Angel reads, `angel` commands
parsed without running them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer
import yaml
from pydantic import AliasChoices

from angel_intelligence.cli import app
from angel_intelligence.settings import Settings
from dbkit import REPO_ROOT

COMPOSE_FILES = [
    REPO_ROOT / "docker-compose.yml",
    *sorted((REPO_ROOT / "deploy" / "compose").glob("*.yml")),
]

NOT_ANGELS = {
    "CUDA_VISIBLE_DEVICES": "read by CUDA itself: which GPU the container's processes see (spec)",
}
"""Variables the deployment files may set that Angel itself does not read, and who reads them."""


def angel_variables() -> set[str]:
    """Every environment variable name Angel reads (settings.py), aliases included."""
    names = set()
    for name, field in Settings.model_fields.items():
        names.add(name.upper())
        if isinstance(field.validation_alias, AliasChoices):
            names |= {c.upper() for c in field.validation_alias.choices if isinstance(c, str)}
    return names


def load_yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict), f"{path} is not a mapping"
    return loaded


def parse_angel_command(args: list[str]) -> None:
    """Parse `angel ARGS` as the real command line would, without running it (raises when the
    command or an option does not exist)."""
    command: Any = typer.main.get_command(app)  # typer's own click (typer._click): duck-typed
    ctx = command.make_context("angel", list(args))
    while hasattr(command, "resolve_command"):  # a group
        # click 8.2+ keeps the subcommand's words in `_protected_args` (no public name)
        words = [*getattr(ctx, "_protected_args", []), *ctx.args]
        name, sub, rest = command.resolve_command(ctx, words)
        assert sub is not None, f"angel has no command {name!r}"
        ctx = sub.make_context(str(name), rest, parent=ctx)
        command = sub


def env_file_names(path: Path) -> list[str]:
    """The variable names an env file sets."""
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", path.read_text(), flags=re.M)


def seconds(duration: str) -> float:
    """A compose duration (`75s`, `1m30s`) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a duration: {duration}"
    return sum(float(n) * units[u] for n, u in parts)
