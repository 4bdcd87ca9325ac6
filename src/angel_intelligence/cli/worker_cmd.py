"""`angel worker` and `angel process`: run calls through the pipeline, from the queue.

Both take the same path: the queue claims the call, the worker runs it with a lease and a
heartbeat, and the result is written in one fenced transaction (docs/worker.md).
"""

from __future__ import annotations

from collections.abc import Callable

import typer
from sqlalchemy import Engine

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import database_or_exit, settings_or_exit
from angel_intelligence.logging import get_logger
from angel_intelligence.settings import Settings
from angel_intelligence.worker import CallPipeline, JobResult

log = get_logger(__name__)

PipelineFactory = Callable[[Settings, Engine], CallPipeline]


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("process")(process)


def worker(
    once: bool = typer.Option(False, "--once", help="Process what is due now, then exit."),
) -> None:
    """Poll the queue and process calls until SIGTERM/SIGINT (exit 0 after a clean stop)."""
    settings = settings_or_exit()
    database_or_exit(settings).close()  # one line and exit 1 when it is unreachable
    engine = bootstrap.build_database(settings)
    raise typer.Exit(run_worker(settings, engine, bootstrap.build_call_pipeline, once=once))


def process(
    apex_id: str = typer.Option(..., "--apex-id", help="The call's apex id."),
    force: bool = typer.Option(
        False, "--force", help="Process it again even if it completed or failed permanently."
    ),
) -> None:
    """Process one call now, in the foreground."""
    settings = settings_or_exit()
    database_or_exit(settings).close()
    engine = bootstrap.build_database(settings)
    code = run_process(
        settings, engine, bootstrap.build_call_pipeline, apex_id=apex_id, force=force
    )
    raise typer.Exit(code)


def run_worker(
    settings: Settings, engine: Engine, make_pipeline: PipelineFactory, *, once: bool
) -> int:
    """`angel worker` with a given pipeline factory; returns the exit code."""
    bootstrap.check_queue_ready(engine)
    pipeline = make_pipeline(settings, engine)
    the_worker = bootstrap.build_worker(settings, pipeline, engine)
    if settings.worker_metrics_port is not None and not once:
        port = the_worker.metrics.serve(settings.worker_metrics_port)
        log.info("Serving the worker's metrics", url=f"http://0.0.0.0:{port}/metrics")
    return the_worker.run(once=once)


def run_process(
    settings: Settings,
    engine: Engine,
    make_pipeline: PipelineFactory,
    *,
    apex_id: str,
    force: bool,
) -> int:
    """`angel process` with a given pipeline factory; prints one line, returns the exit code."""
    bootstrap.check_queue_ready(engine)
    # Build the pipeline first: if its models cannot load, the call is left as it was.
    pipeline = make_pipeline(settings, engine)
    the_worker = bootstrap.build_worker(settings, pipeline, engine)
    request = the_worker.queue.request_processing(apex_id, force=force)
    if not request.queued or request.recording_id is None:
        hint = " (use --force)" if request.result == "needs_force" else ""
        typer.echo(f"angel: error: {request.message}{hint}", err=True)
        return 1
    report = the_worker.process(request.recording_id)
    name = f"recording {request.recording_id} ({apex_id})"
    if report is None:
        typer.echo(f"{name}: queued; another worker claimed it first and is processing it")
        return 0
    if report.result is JobResult.COMPLETED:
        typer.echo(f"{name}: completed in {report.duration_s:.1f} s")
        return 0
    typer.echo(f"{name}: {report.result.value}: {report.error}", err=True)
    return 1
