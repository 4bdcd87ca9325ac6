"""`angel config show` (the effective settings, by section) and `angel backends` (the registry)."""

from __future__ import annotations

import json

import typer

from angel_intelligence.bootstrap import backend_table
from angel_intelligence.cli.common import settings_or_exit
from angel_intelligence.settings import SECTIONS

app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)


@app.command("show")
def show(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
) -> None:
    """Print the effective configuration by section, secrets masked."""
    settings = settings_or_exit()
    values = settings.effective()
    if as_json:
        typer.echo(json.dumps(values, indent=2, default=str))
        return
    width = max(len(name) for name in values)
    for section, names in SECTIONS.items():
        typer.echo(f"[{section}]")
        for name in names:
            value = values[name.upper()]
            shown = "" if value is None else value
            typer.echo(f"  {name.upper():<{width}}  {shown}")


def backends(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List every backend by role: its name, whether it can run here, and what it is."""
    settings_or_exit()
    rows = backend_table()
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        state = "available" if not row["missing"] else "missing " + ", ".join(row["missing"])
        typer.echo(f"{row['role']:<15} {row['name']:<15} {state:<20} {row['summary']}")
