"""`angel doctor`: check the database, PBX, R2, devices, models and disk; one line each.

Exit code 0 when nothing failed (SKIP is not a failure), 1 on any FAIL; `--json` prints the
same report as one JSON object.
"""

from __future__ import annotations

import datetime as dt
import json

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import settings_or_exit
from angel_intelligence.services.doctor import CheckStatus, GrantsRole, to_json


def doctor(
    apex_id: str | None = typer.Option(
        None, "--apex-id", help="A call the PBX holds: checks its URLs (nothing is saved)."
    ),
    call_date: str | None = typer.Option(
        None, "--call-date", help="Its date (YYYY-MM-DD) when not the apex id's own."
    ),
    role: str = typer.Option(
        "worker", "--role", help="Whose grants to expect: worker, api or migration."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check this machine can run Angel: OK / FAIL / SKIP per line, with the fix for a FAIL."""
    if role not in ("worker", "api", "migration"):
        raise typer.BadParameter("worker, api or migration", param_hint="--role")
    try:
        date = dt.date.fromisoformat(call_date) if call_date else None
    except ValueError:
        raise typer.BadParameter("a date as YYYY-MM-DD", param_hint="--call-date") from None
    settings = settings_or_exit()
    grants_role: GrantsRole = role  # type: ignore[assignment]  # checked above
    results = bootstrap.build_doctor(
        settings, role=grants_role, apex_id=apex_id, call_date=date
    ).run()
    if as_json:
        typer.echo(json.dumps(to_json(results), indent=2))
    else:
        width = max(len(r.name) for r in results)
        for result in results:
            typer.echo(f"{result.status.value:<4}  {result.name:<{width}}  {result.detail}")
            if result.fix:
                typer.echo(f"{'':<4}  {'':<{width}}  fix: {result.fix}")
    raise typer.Exit(1 if any(r.status is CheckStatus.FAIL for r in results) else 0)
