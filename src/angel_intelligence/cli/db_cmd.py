"""`angel db`: create, migrate, adopt and check the schema; print the grant scripts."""

from __future__ import annotations

import typer

from angel_intelligence.cli.common import database_or_exit, fail, settings_or_exit
from angel_intelligence.errors import ConfigurationError
from angel_intelligence.services.database import grant_script

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


@app.command("grants")
def grants(
    role: str = typer.Argument(..., help="worker, api or migration."),
    database: str = typer.Option("pulse", help="The database (AI_DB_DATABASE)."),
    user: str | None = typer.Option(
        None, help="The user (default angel_worker, angel_api, angel_migrate)."
    ),
    host: str = typer.Option("%", help="The account's host part."),
) -> None:
    """Print the least-privilege GRANT script for one of Angel's database users."""
    try:
        script = grant_script(role, database=database, user=user, host=host)
    except ConfigurationError as error:
        fail(error)
    typer.echo(script, nl=False)
