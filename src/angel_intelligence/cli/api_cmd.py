"""`angel api`: the HTTP API for Pulse (uvicorn)."""

from __future__ import annotations

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import database_or_exit, settings_or_exit


def api(
    host: str | None = typer.Option(None, help="Interface to bind (default API_HOST)."),
    port: int | None = typer.Option(None, help="Port (default API_PORT)."),
) -> None:
    """Serve the HTTP API (bearer token on every route but /livez and /readyz)."""
    import uvicorn

    settings = settings_or_exit()
    database_or_exit(settings).close()  # fail fast with one line when the database is unreachable
    uvicorn.run(
        bootstrap.build_api_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_config=None,  # our structlog set-up formats uvicorn's lines too
        access_log=False,  # AccessLogMiddleware logs requests without query strings
        proxy_headers=True,
        server_header=False,
    )
