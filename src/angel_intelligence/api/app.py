"""The HTTP API for Pulse (`angel api`): one factory, one router per resource.

Every route needs the bearer token except `/livez` and `/readyz` (and, in development only,
the OpenAPI documentation). See docs/api.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from angel_intelligence import __version__
from angel_intelligence.api.auth import BearerAuthMiddleware
from angel_intelligence.api.deps import ApiServices
from angel_intelligence.api.errors import ErrorResponse, install_error_handlers
from angel_intelligence.api.metrics import ApiMetrics, queue_collector
from angel_intelligence.api.middleware import BodyLimitMiddleware, RequestObserverMiddleware
from angel_intelligence.api.routes import (
    client_configs,
    health,
    metrics,
    processing,
    training_data,
)
from angel_intelligence.settings import Settings

PROBES = ("/livez", "/readyz")
DOCS = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")


def create_app(settings: Settings, services: ApiServices | None = None) -> FastAPI:
    """The API. `services` is built from `settings` at start-up unless given (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is None:
            from angel_intelligence.bootstrap import build_api_services

            app.state.services = build_api_services(settings)
        yield
        app.state.services.engine.dispose()

    docs = not settings.is_production
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
    if services is not None:
        app.state.services = services
    app.state.metrics = ApiMetrics()
    app.state.metrics.add_collector(queue_collector(lambda: app.state.services.queue.statistics()))
    install_error_handlers(app)
    routers = (
        health.router,
        processing.router,
        client_configs.router,
        training_data.router,
        metrics.router,
    )
    for router in routers:
        app.include_router(router)

    tokens = [
        t.get_secret_value().encode()
        for t in (settings.api_auth_token, settings.api_auth_token_next)
        if t
    ]
    allowlist = PROBES + (DOCS if docs else ())
    # Added innermost first: the access log sees every request, auth runs before the body limit.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(BearerAuthMiddleware, tokens=tokens, allowlist=allowlist)
    app.add_middleware(RequestObserverMiddleware, metrics=app.state.metrics)
    return app
