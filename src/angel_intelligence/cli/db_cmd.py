"""`angel db`: create, migrate, adopt and check the schema."""

from __future__ import annotations

import typer

from angel_intelligence.cli.common import database_or_exit, settings_or_exit

app = typer.Typer(help="Create, migrate and check the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    revision: str = typer.Option("head", help="Alembic revision to migrate to."),
) -> None:
    """Create or migrate the schema (adopts tables Pulse already created)."""
    database = database_or_exit(settings_or_exit())
    report = database.upgrade(revision)
    typer.echo(f"{database.shown_url}: {report.describe()}")


@app.command("check")
def check() -> None:
    """Report drift between the live schema and Angel's models (exit 1 on errors)."""
    database = database_or_exit(settings_or_exit())
    report = database.drift()
    for item in report.items:
        typer.echo(str(item))
    if report.ok:
        notes = f" ({len(report.items)} notes)" if report.items else ""
        typer.echo(f"{database.shown_url}: schema matches{notes}")
    else:
        errors = sum(1 for d in report.items if d.severity == "error")
        typer.echo(f"{database.shown_url}: {errors} errors; run `angel db upgrade`", err=True)
        raise typer.Exit(1)
