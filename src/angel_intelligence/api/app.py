"""The HTTP API for Pulse (`angel api`): one factory, one router per resource.

Every route needs the bearer token except `/livez` and `/readyz` (and, in development only,
the OpenAPI documentation). See docs/api.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI

from angel_intelligence import __version__
from angel_intelligence.api.auth import BearerAuthMiddleware
from angel_intelligence.api.errors import ErrorResponse, install_error_handlers
from angel_intelligence.api.metrics import ApiMetrics, queue_collector
from angel_intelligence.api.middleware import BodyLimitMiddleware, RequestObserverMiddleware
from angel_intelligence.api.routes import (
    chat,
    client_configs,
    health,
    metrics,
    processing,
    summaries,
    training,
    training_data,
)
from angel_intelligence.services.api_services import ApiServices

PROBES = ("/livez", "/readyz")
DOCS = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """The API section: who may call it and how much they may send."""

    tokens: tuple[bytes, ...]
    """API_AUTH_TOKEN and API_AUTH_TOKEN_NEXT (rotation), as bytes."""
    max_body_bytes: int = 1024 * 1024
    docs: bool = False
    """Serve /docs and /openapi.json without a token (development only)."""


def create_app(options: ApiOptions, services: ApiServices | Callable[[], ApiServices]) -> FastAPI:
    """The API on `services`, or on what the factory builds at start-up (`angel api` passes
    `bootstrap.build_api_services`, so a server process builds them in its own event loop)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not isinstance(services, ApiServices):
            app.state.services = services()
        yield
        app.state.services.close()

    docs = options.docs
    app = FastAPI(
        title="Angel Intelligence",
        version=__version__,
        summary="Call transcription and analysis for Pulse.",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
        responses={
            401: {"model": ErrorResponse, "description": "Missing or invalid token"},
            422: {"model": ErrorResponse, "description": "Invalid request"},
        },
    )
    if isinstance(services, ApiServices):
        app.state.services = services
    app.state.metrics = ApiMetrics()
    app.state.metrics.add_collector(queue_collector(lambda: app.state.services.queue.statistics()))
    install_error_handlers(app)
    routers = (
        health.router,
        processing.router,
        client_configs.router,
        training_data.router,
        training.router,
        chat.router,
        summaries.router,
        metrics.router,
    )
    for router in routers:
        app.include_router(router)

    allowlist = PROBES + (DOCS if docs else ())
    # Added innermost first: the access log sees every request, auth runs before the body limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=options.max_body_bytes)
    app.add_middleware(BearerAuthMiddleware, tokens=options.tokens, allowlist=allowlist)
    app.add_middleware(RequestObserverMiddleware, metrics=app.state.metrics)
    return app
