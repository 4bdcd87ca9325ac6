"""The `angel` command line (Typer). Each command group lives in its own module here.

Expected failures (bad configuration, an unreachable database, a job error) print one line
naming the problem and exit non-zero, without a traceback.
"""

from __future__ import annotations

import sys

import typer

from angel_intelligence import __version__
from angel_intelligence.cli import (
    analyse_cmd,
    api_cmd,
    db_cmd,
    demo_cmd,
    doctor_cmd,
    models_cmd,
    pii_cmd,
    settings_cmd,
    speech_cmd,
    summaries_cmd,
    train_cmd,
    worker_cmd,
    workers_cmd,
)
from angel_intelligence.cli.common import EXPECTED_ERRORS, fail

app = typer.Typer(
    name="angel",
    help="Angel Intelligence: call recordings in, PII-safe transcripts and call analysis out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(settings_cmd.app, name="config")
worker_cmd.register(app)
app.add_typer(pii_cmd.app, name="pii")
app.command("api")(api_cmd.api)
speech_cmd.register(app)
app.command("analyse")(analyse_cmd.analyse)
app.command("demo")(demo_cmd.demo)
app.command("backends")(settings_cmd.backends)
app.command("doctor")(doctor_cmd.doctor)
app.add_typer(models_cmd.app, name="models")
app.add_typer(workers_cmd.app, name="workers")
app.add_typer(train_cmd.app, name="train")
app.add_typer(summaries_cmd.app, name="summaries")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"angel-intelligence {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Angel Intelligence command line."""


def main() -> None:
    """Entry point of the `angel` console script."""
    try:
        app()
    except EXPECTED_ERRORS as error:
        fail(error)
    sys.exit(0)
