"""`angel config`: show the effective configuration."""

from __future__ import annotations

import json

import typer

from angel_intelligence.cli.common import settings_or_exit

app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)


@app.command("show")
def show(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
) -> None:
    """Print the effective configuration, secrets masked."""
    settings = settings_or_exit()
    values = settings.effective()
    if as_json:
        typer.echo(json.dumps(values, indent=2, default=str))
        return
    width = max(len(name) for name in values)
    for name, value in values.items():
        shown = "" if value is None else value
        typer.echo(f"{name:<{width}}  {shown}")
