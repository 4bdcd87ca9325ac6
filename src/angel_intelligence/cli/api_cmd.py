"""`angel api`: the HTTP API for Pulse (uvicorn)."""

from __future__ import annotations

import signal
from types import FrameType

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import database_or_exit, settings_or_exit
from angel_intelligence.logging import get_logger

log = get_logger(__name__)


def _stopped(signum: int, frame: FrameType | None) -> None:
    log.info("api_stopped", signal=signal.Signals(signum).name)
    raise SystemExit(0)


def api(
    host: str | None = typer.Option(None, help="Interface to bind (default API_HOST)."),
    port: int | None = typer.Option(None, help="Port (default API_PORT)."),
) -> None:
    """Serve the HTTP API (bearer token on every route but /livez and /readyz)."""
    import uvicorn

    # SIGTERM (every Kubernetes rollout) is a graceful stop, exit 0: uvicorn stops accepting,
    # lets requests in flight finish (up to API_SHUTDOWN_GRACE_SECONDS), then restores the
    # handler it found and raises the signal again (`uvicorn/server.py`, `capture_signals`),
    # which with the default handler would end the process with 143. This handler takes it,
    # and a SIGTERM before uvicorn listens stops the command at once, also with 0.
    signal.signal(signal.SIGTERM, _stopped)
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
        timeout_graceful_shutdown=settings.api_shutdown_grace_seconds,
    )
