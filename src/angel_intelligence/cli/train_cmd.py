"""`angel train`: the fine-tuning dataset and the training runner (docs/models.md)."""

from __future__ import annotations

import datetime as dt
import json
import signal
from pathlib import Path
from typing import Annotated

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import database_or_exit, settings_or_exit
from angel_intelligence.domain.training import TrainingDataFilter
from angel_intelligence.services.training_jobs import TrainingBusyError
from angel_intelligence.services.training_set import DatasetError

app = typer.Typer(help="Fine-tuning of the analysis model.", no_args_is_help=True)


@app.command("dataset")
def dataset(
    out: Annotated[Path, typer.Option("--out", help="Where to write the JSON lines.")],
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD).")] = None,
    annotation_type: Annotated[str | None, typer.Option("--type", help="annotation_type")] = None,
) -> None:
    """Write the corrected analyses as instruction/response pairs (JSONL) and print the split
    and the dataset hash."""
    settings = settings_or_exit()
    database_or_exit(settings).close()
    try:
        filters = TrainingDataFilter(
            since=dt.date.fromisoformat(since) if since else None,
            until=dt.date.fromisoformat(until) if until else None,
            annotation_type=annotation_type,
        )
    except ValueError as error:
        typer.echo(f"angel: error: {error}", err=True)
        raise typer.Exit(2) from None
    builder = bootstrap.build_training_set(settings, bootstrap.build_database(settings))
    try:
        built = builder.build(filters)
    except DatasetError as error:
        typer.echo(f"angel: error: {error}", err=True)
        raise typer.Exit(1) from None
    built.write_jsonl(out)
    typer.echo(json.dumps({**built.summary(), "path": str(out)}))


@app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="Run what is queued now, then exit."),
    poll_s: float = typer.Option(10.0, "--poll-seconds", help="How often to look for jobs."),
) -> None:
    """Run queued training jobs, one at a time across the cluster (a database lock); progress
    goes to the job's row and here. Stops on SIGTERM/SIGINT between jobs."""
    settings = settings_or_exit()
    database_or_exit(settings).close()
    jobs = bootstrap.build_training_jobs(settings, bootstrap.build_database(settings))
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    try:
        ran = jobs.run(once=once, poll_s=poll_s, echo=typer.echo, stop=lambda: bool(stopping))
    except TrainingBusyError as error:
        typer.echo(f"angel: error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{ran} training job(s) run")
