"""`angel workers list`: every worker that has reported itself, live or not (`ai_workers`)."""

from __future__ import annotations

import json

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import database_or_exit, settings_or_exit

app = typer.Typer(help="The workers and the models they run.", no_args_is_help=True)


@app.command("list")
def list_workers(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
) -> None:
    """Each worker: live, stale or stopped; host, device, models and versions, jobs running."""
    settings = settings_or_exit()
    database_or_exit(settings).close()
    health = bootstrap.build_health_service(settings, bootstrap.build_database(settings))
    workers = health.workers()
    live = {w.worker_id for w in health.live(workers)}
    if as_json:
        rows = [{**w.to_json(), "live": w.worker_id in live} for w in workers]
        typer.echo(json.dumps(rows, indent=2))
        return
    if not workers:
        typer.echo("no worker has reported yet")
    for w in workers:
        state = "live" if w.worker_id in live else ("stopped" if w.status == "stopped" else "stale")
        models = ", ".join(f"{k} {m.version} ({m.name})" for k, m in sorted(w.models.items()))
        errors = "".join(f"; {k} reload failed: {e}" for k, e in w.model_errors.items())
        typer.echo(
            f"{w.worker_id:<24} {state:<7} {w.host}:{w.pid} {w.device} "
            f"jobs {w.jobs_running} seen {w.seen_s_ago} s ago  {models or 'no models'}{errors}"
        )
