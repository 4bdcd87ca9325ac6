"""The composition root: settings → engines → queue → pipeline → worker.

Entry points (CLI, API) build `Settings` once and call these; nothing else constructs backends.
"""

from __future__ import annotations

from sqlalchemy import Engine

from angel_intelligence.api.deps import ApiServices
from angel_intelligence.db import schema
from angel_intelligence.db.engine import (
    DatabaseUnavailableError,
    build_engine,
    engine_for_url,
    session_factory,
)
from angel_intelligence.db.queue import ORPHAN_AFTER_S, REAP_BATCH, JobQueue
from angel_intelligence.db.queue_sql import check_claim_plans
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.services.processing import CallProcessor, ProcessingOptions, StageListener
from angel_intelligence.settings import Settings
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


def build_call_pipeline(
    settings: Settings, engine: Engine, *, listener: StageListener | None = None
) -> CallProcessor:
    """The real call pipeline, its models loaded now (once per process).

    A model that cannot load raises `ModelLoadError` here, before the worker claims anything.
    """
    from angel_intelligence.analysis.analyser import CallAnalyser
    from angel_intelligence.analysis.client_config import ClientConfigResolver
    from angel_intelligence.backends.asr import build_transcriber
    from angel_intelligence.backends.diarization import build_diarizer
    from angel_intelligence.backends.llm import build_language_model
    from angel_intelligence.backends.recordings.pbx import PbxRecordingSource
    from angel_intelligence.backends.storage import build_storage
    from angel_intelligence.pii import PiiDetector

    sessions = session_factory(engine)
    model = build_language_model(settings, "analysis")
    load = getattr(model, "load", None)
    if callable(load):
        load()
    return CallProcessor(
        recordings=PbxRecordingSource.from_settings(settings),
        transcriber=build_transcriber(settings),
        diarizer=build_diarizer(settings),
        detector=PiiDetector(min_confidence=settings.pii_min_confidence),
        analyser=CallAnalyser.from_settings(settings, model),
        configs=ClientConfigResolver.from_settings(settings, sessions),
        storage=build_storage(settings),
        sessions=sessions,
        options=ProcessingOptions.from_settings(settings),
        listener=listener,
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
        models=build_api_models(settings),
    )


def build_api_models(settings: Settings) -> ModelRegistry:
    """The models the API may use: the analysis model checks a custom prompt before it is
    saved (`POST/PUT /api/config`). `API_PROMPT_CHECK=auto` registers it only when it is served
    (`ANALYSIS_LLM_URL`): holding an in-process 7B model in every API pod for the odd prompt
    save is not worth its memory, so with the `transformers` backend prompts then get the
    placeholder check only. `model` registers the in-process model too (loaded on the first
    prompt save; for a single-box deployment); `placeholders` registers none (docs/api.md)."""
    models = ModelRegistry()
    check = settings.api_prompt_check
    served = settings.analysis_llm_backend == "openai"
    if check == "model" or (check == "auto" and served):
        from angel_intelligence.backends.llm import build_language_model

        models.register(
            "analysis",
            "server" if served else "in-process",
            lambda: build_language_model(settings, "analysis"),
        )
    return models
