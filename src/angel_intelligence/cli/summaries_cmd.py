"""`angel summaries generate`: monthly summaries, as the Kubernetes CronJob runs them.

`angel summaries generate --all-clients --month M --year Y` writes one summary per client with
calls in that month; one line of JSON per summary is printed. A client whose summary fails is
reported and the others still run; the command then exits 1.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import EXIT_FAILURE, database_or_exit, fail, settings_or_exit
from angel_intelligence.domain.insights import Feature, SummaryKey
from angel_intelligence.errors import AngelError

app = typer.Typer(help="Monthly summaries (ai_monthly_summaries).", no_args_is_help=True)


@app.command("generate")
def generate(
    month: Annotated[int, typer.Option("--month", min=1, max=12, help="1 to 12.")],
    year: Annotated[int, typer.Option("--year", min=2000, max=2100, help="e.g. 2026.")],
    feature: Annotated[
        Feature, typer.Option("--feature", help="The Pulse page the summary is for.")
    ] = Feature.CALL_QUALITY,
    client_ref: Annotated[str | None, typer.Option("--client-ref", help="One client.")] = None,
    campaign: Annotated[str | None, typer.Option("--campaign", help="One campaign.")] = None,
    agent_id: Annotated[
        int | None, typer.Option("--agent-id", min=0, help="One agent (halo id).")
    ] = None,
    all_clients: Annotated[
        bool, typer.Option("--all-clients", help="One summary per client with calls.")
    ] = False,
) -> None:
    """Generate (or regenerate) monthly summaries and store them."""
    if all_clients and client_ref is not None:
        fail(AngelError("give --client-ref or --all-clients, not both"))
    settings = settings_or_exit()
    admin = database_or_exit(settings)
    service = bootstrap.build_summary_service(settings, admin.engine)
    clients: list[str | None] = list(service.clients(month, year)) if all_clients else [client_ref]
    failed = 0
    for client in clients:
        key = SummaryKey(feature.value, month, year, client, campaign, agent_id)
        try:
            generated = service.generate(key)
        except AngelError as error:
            failed += 1
            typer.echo(
                json.dumps({"client_ref": client, "error": error.code, "message": error.message}),
                err=True,
            )
            continue
        totals = generated.metrics["totals"]
        typer.echo(
            json.dumps(
                {
                    "summary_id": generated.id,
                    "feature": feature.value,
                    "month": month,
                    "year": year,
                    "client_ref": client,
                    "campaign": campaign,
                    "agent_id": agent_id,
                    "calls": totals["calls"],
                    "duration_ms": generated.metrics["generation"]["duration_ms"],
                }
            )
        )
    admin.close()
    if failed:
        raise typer.Exit(EXIT_FAILURE)
