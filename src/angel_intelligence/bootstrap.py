"""The composition root: settings → engines → queue → pipeline → worker.

Entry points (CLI, API) build `Settings` once and call these; nothing else constructs backends.
"""

from __future__ import annotations

from sqlalchemy import Engine

from angel_intelligence.api.deps import ApiServices
from angel_intelligence.config import Settings
from angel_intelligence.db import schema
from angel_intelligence.db.engine import (
    DatabaseUnavailableError,
    build_engine,
    engine_for_url,
    session_factory,
)
from angel_intelligence.db.queue import ORPHAN_AFTER_S, REAP_BATCH, JobQueue
from angel_intelligence.db.queue_sql import check_claim_plans
from angel_intelligence.errors import ModelLoadError
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.worker import CallPipeline, Worker, WorkerConfig

HEARTBEAT_POOL_SIZE = 1


def build_job_queue(settings: Settings, engine: Engine) -> JobQueue:
    """The queue as this worker (or the API) uses it."""
    return JobQueue(
        engine,
        worker_id=settings.worker_id,
        lease_s=settings.lease_seconds,
        max_retries=settings.max_retries,
        retry_delay_s=settings.retry_delay_seconds,
    )


def check_queue_ready(engine: Engine) -> None:
    """Refuse to run the worker on an old schema or with claim queries that would lock too much."""
    with engine.connect() as conn:
        current = schema.current_revision(conn)
    head = schema.head_revision()
    if current != head:
        raise DatabaseUnavailableError(
            f"the database schema is at revision {current or 'none'}, the worker needs {head}: "
            "run `angel db upgrade`"
        )
    problems = check_claim_plans(engine, ORPHAN_AFTER_S, REAP_BATCH)
    if problems:
        raise DatabaseUnavailableError("claim query plans are unsafe: " + "; ".join(problems))


def build_call_pipeline(settings: Settings) -> CallPipeline:
    """The real call pipeline (fetch → convert → transcribe → … → persist)."""
    raise ModelLoadError(
        "the call pipeline is not wired yet (issues 4–7 and 9 bring its stages); the worker "
        "cannot process calls in this build"
    )


def build_worker(
    settings: Settings, pipeline: CallPipeline, engine: Engine | None = None
) -> Worker:
    """A worker on `engine`, with a heartbeat on a connection of its own."""
    engine = engine or build_engine(settings)
    # The heartbeat must not wait for a pooled connection behind busy job threads.
    heartbeat_engine = engine_for_url(settings.database_url(), pool_size=HEARTBEAT_POOL_SIZE)
    return Worker(
        build_job_queue(settings, engine),
        pipeline,
        WorkerConfig.from_settings(settings),
        heartbeat_queue=build_job_queue(settings, heartbeat_engine),
    )


def build_api_services(settings: Settings) -> ApiServices:
    """What the API process needs; models load lazily, on first use."""
    engine = build_engine(settings)
    return ApiServices(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        queue=build_job_queue(settings, engine),
        models=ModelRegistry(),
    )
