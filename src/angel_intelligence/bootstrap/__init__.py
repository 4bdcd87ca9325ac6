"""The composition root: settings → options → backends → repositories → services → edges.

Entry points (the CLI, the demo) build `Settings` once and call these; nothing else builds a
backend, an engine or a service. Each settings section becomes its options object in
`bootstrap/options.py`; each backend is looked up by name in `backends/registry.py`, so an
unknown or unavailable name fails here, at start, with the names that would work.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.api.app import create_app
from angel_intelligence.backends.llm.options import Purpose
from angel_intelligence.backends.registry import BACKENDS, Role, backend
from angel_intelligence.bootstrap import options as opts
from angel_intelligence.db import schema
from angel_intelligence.db.chat import ChatRepository
from angel_intelligence.db.client_configs import ClientConfigRepository
from angel_intelligence.db.engine import build_engine, session_factory
from angel_intelligence.db.insights import InsightsRepository
from angel_intelligence.db.queue import ORPHAN_AFTER_S, REAP_BATCH, JobQueue
from angel_intelligence.db.queue_sql import check_claim_plans
from angel_intelligence.db.results import CallResultRepository
from angel_intelligence.db.summaries import SummaryRepository
from angel_intelligence.errors import DatabaseUnavailableError
from angel_intelligence.logging import get_logger
from angel_intelligence.pii import PiiDetector
from angel_intelligence.ports import (
    Diarizer,
    LanguageModel,
    ObjectStorage,
    RecordingSource,
    SpeakerEmbedder,
    Transcriber,
)
from angel_intelligence.services.analysis import AnalysisService
from angel_intelligence.services.api_services import ApiServices
from angel_intelligence.services.chat import ChatService
from angel_intelligence.services.client_configs import ClientConfigService
from angel_intelligence.services.database import DatabaseAdmin
from angel_intelligence.services.health import HealthService
from angel_intelligence.services.models import ModelRegistry, version_of
from angel_intelligence.services.pii_scan import PiiScanner
from angel_intelligence.services.processing import CallProcessor
from angel_intelligence.services.runner import StageListener
from angel_intelligence.services.speech import SpeechService, SpeechStages
from angel_intelligence.services.summaries import SummaryService
from angel_intelligence.services.training_data import TrainingDataService
from angel_intelligence.services.voices import VoiceService, stored_fingerprints
from angel_intelligence.settings import Settings
from angel_intelligence.worker import CallPipeline, Worker

log = get_logger(__name__)


def warn_unhonoured(settings: Settings) -> None:
    """Log each setting that asks for something no code does yet (never silently ignored)."""
    for line in opts.unhonoured(settings):
        log.warning("Setting not honoured", detail=line)


# --- Backends, by name from the registry ------------------------------------------------------


def build_transcriber(settings: Settings) -> Transcriber:
    """Whisper (or the mock), loaded now: raises ModelLoadError."""
    speech = opts.speech_options(settings)
    transcriber: Transcriber = backend(Role.ASR, speech.asr_backend).build(speech.whisper)
    return transcriber


def build_diarizer(settings: Settings) -> Diarizer:
    speech = opts.speech_options(settings)
    diarizer: Diarizer = backend(Role.DIARIZER, speech.diarizer_backend).build(speech.diarization)
    return diarizer


def build_embedder(settings: Settings) -> SpeakerEmbedder:
    """The voice embedder behind fingerprints (resemblyzer, whatever the diarizer)."""
    embedder: SpeakerEmbedder = backend(Role.EMBEDDER, "resemblyzer").build(
        opts.speech_options(settings).diarization
    )
    return embedder


def build_language_model(settings: Settings, purpose: Purpose = "analysis") -> LanguageModel:
    """A new language model for `purpose`; in-process models load on `load()`."""
    options = opts.language_model_options(settings, purpose)
    model: LanguageModel = backend(Role.LANGUAGE_MODEL, options.backend).build(options)
    return model


def build_storage(settings: Settings) -> ObjectStorage:
    """R2 when its endpoint and keys are set, else LOCAL_STORAGE_PATH."""
    options = opts.storage_options(settings)
    if not options.r2_configured and settings.is_production:
        # Allowed (retention may be unused), but a pod's disk is no place to keep audio.
        log.warning("r2_not_configured", local_storage_path=str(options.local_path))
    storage: ObjectStorage = backend(
        Role.STORAGE, "r2" if options.r2_configured else "local"
    ).build(options)
    return storage


def build_recording_source(settings: Settings) -> RecordingSource:
    source: RecordingSource = backend(Role.RECORDINGS, "pbx").build(
        opts.recording_options(settings)
    )
    return source


def backend_table() -> list[dict[str, Any]]:
    """The registry as `angel backends` shows it: role, name, missing libraries, summary."""
    return [
        {"role": b.role.value, "name": b.name, "missing": b.missing(), "summary": b.summary}
        for b in BACKENDS
    ]


# --- The database -----------------------------------------------------------------------------


def build_database(settings: Settings) -> Engine:
    """The engine for the configured database (not connected yet)."""
    return build_engine(opts.database_options(settings))


def build_job_queue(settings: Settings, engine: Engine) -> JobQueue:
    """The queue as this worker (or the API) uses it."""
    return JobQueue.from_options(engine, opts.queue_options(settings))


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


# --- The worker -------------------------------------------------------------------------------


def build_call_pipeline(
    settings: Settings, engine: Engine, *, listener: StageListener | None = None
) -> CallProcessor:
    """The real call pipeline, its models loaded now (once per process).

    A model that cannot load raises `ModelLoadError` here, before the worker claims anything.
    """
    warn_unhonoured(settings)
    sessions = session_factory(engine)
    model = build_language_model(settings, "analysis")
    model.load()
    return CallProcessor(
        recordings=build_recording_source(settings),
        transcriber=build_transcriber(settings),
        diarizer=build_diarizer(settings),
        detector=PiiDetector(min_confidence=settings.pii_min_confidence),
        analyser=CallAnalyser.from_options(opts.analysis_options(settings), model),
        configs=ClientConfigResolver.from_options(
            opts.client_config_options(settings), ClientConfigRepository(sessions)
        ),
        storage=build_storage(settings),
        results=CallResultRepository(sessions),
        options=opts.processing_options(settings),
        listener=listener,
    )


def build_worker(
    settings: Settings, pipeline: CallPipeline, engine: Engine | None = None
) -> Worker:
    """A worker on `engine`, with a heartbeat on a connection of its own."""
    engine = engine or build_database(settings)
    # The heartbeat must not wait for a pooled connection behind busy job threads, and neither
    # renewals nor the loop's claims may wait long on a hung database.
    heartbeat_engine = build_engine(opts.heartbeat_database_options(settings))
    control_engine = build_engine(opts.control_database_options(settings))
    return Worker(
        build_job_queue(settings, engine),
        pipeline,
        opts.worker_config(settings),
        heartbeat_queue=build_job_queue(settings, heartbeat_engine),
        control_queue=build_job_queue(settings, control_engine),
    )


# --- The command line ------------------------------------------------------------------------


def build_database_admin(settings: Settings) -> DatabaseAdmin:
    """The configured database, for `angel db` and the commands that need it (not connected)."""
    options = replace(opts.database_options(settings), read_timeout_s=None)  # migrations
    return DatabaseAdmin(build_engine(options), shown_url=options.masked_url)


def existing_database(settings: Settings) -> Engine | None:
    """The configured database, or None when it is the embedded SQLite file and that has not
    been created yet (commands that work without a database then use none)."""
    if settings.ai_db_connection == "sqlite" and not settings.ai_db_sqlite_path.exists():
        return None
    return build_database(settings)


def build_speech_service(settings: Settings) -> SpeechService:
    """`angel transcribe`: the models load on the first file, after it was checked."""
    speakers = opts.speech_options(settings).speakers

    def stages() -> SpeechStages:
        return SpeechStages.build(build_transcriber(settings), build_diarizer(settings), speakers)

    return SpeechService(stages, lambda: stored_fingerprints(existing_database(settings)))


def build_voice_service(settings: Settings, engine: Engine) -> VoiceService:
    return VoiceService(
        engine,
        embedder=lambda: build_embedder(settings),
        diarizer=lambda: build_diarizer(settings),
    )


def build_analysis_service(settings: Settings) -> AnalysisService:
    """`angel analyse`: the client configs from the database when it exists, the analysis
    model (in-process models load on the first analysis)."""
    engine = existing_database(settings)
    store = ClientConfigRepository(session_factory(engine)) if engine is not None else None
    model = build_language_model(settings, "analysis")
    return AnalysisService(
        ClientConfigResolver.from_options(opts.client_config_options(settings), store),
        CallAnalyser.from_options(opts.analysis_options(settings), model),
    )


def build_pii_scanner(settings: Settings, *, min_confidence: float | None = None) -> PiiScanner:
    return PiiScanner(opts.pii_policy(settings), min_confidence=min_confidence)


# --- The chat model, the chat assistant and monthly summaries ------------------------------------


def register_chat_model(settings: Settings, models: ModelRegistry) -> None:
    """Register the chat model (CHAT_*), built by the same registry as the analysis model but
    always its own instance (the analysis model is fine-tuned, chat never is); it loads on
    first use and stays loaded for the process."""
    options = opts.language_model_options(settings, "chat")

    def load() -> LanguageModel:
        model = build_language_model(settings, "chat")
        model.load()
        return model

    default = "mock" if options.backend == "mock" else options.backend
    models.register("chat", version_of(options.model_path, default), load)


def build_chat_service(settings: Settings, engine: Engine, models: ModelRegistry) -> ChatService:
    """`POST /api/chat` on `engine`, with `models`' chat model."""
    return ChatService(
        InsightsRepository(engine),
        ChatRepository(engine),
        lambda: models.get("chat"),
        opts.chat_options(settings),
    )


def build_summary_service(
    settings: Settings, engine: Engine, models: ModelRegistry | None = None
) -> SummaryService:
    """Monthly summaries on `engine`; without `models`, the configured chat model (the CLI)."""
    if models is None:
        models = ModelRegistry()
        register_chat_model(settings, models)
    registry = models
    return SummaryService(
        InsightsRepository(engine),
        SummaryRepository(engine),
        lambda: registry.get("chat"),
        opts.chat_options(settings),
    )


# --- The API ----------------------------------------------------------------------------------


def build_api_services(
    settings: Settings, engine: Engine | None = None, *, models: ModelRegistry | None = None
) -> ApiServices:
    """What the API process needs; models load lazily, on first use (`models`: the registry
    to use instead of the configured one)."""
    engine = engine or build_database(settings)
    sessions = session_factory(engine)
    models = models if models is not None else build_api_models(settings)
    return ApiServices(
        queue=build_job_queue(settings, engine),
        client_configs=ClientConfigService(
            sessions,
            resolver_options=opts.client_config_options(settings),
            analysis_options=opts.analysis_options(settings),
            models=models,
        ),
        training_data=TrainingDataService(sessions),
        health=HealthService(engine, models, worker_id=settings.worker_id),
        chat=build_chat_service(settings, engine, models),
        summaries=build_summary_service(settings, engine, models),
        models=models,
        engine=engine,
    )


def build_api_app(settings: Settings, services: ApiServices | None = None) -> FastAPI:
    """The HTTP API; its services are built when the server starts, unless given (tests)."""
    warn_unhonoured(settings)
    return create_app(
        opts.api_options(settings), services or (lambda: build_api_services(settings))
    )


def build_api_models(settings: Settings) -> ModelRegistry:
    """The models the API may use: the chat model answers `POST /api/chat` and writes monthly
    summaries (loaded on the first question). The analysis model checks a custom prompt before it is
    saved (`POST/PUT /api/config`). `API_PROMPT_CHECK=auto` registers it only when it is served
    (`ANALYSIS_LLM_URL`): holding an in-process 7B model in every API pod for the odd prompt
    save is not worth its memory, so with the `transformers` backend prompts then get the
    placeholder check only. `model` registers the in-process model too (loaded on the first
    prompt save; for a single-box deployment); `placeholders` registers none (docs/api.md)."""
    models = ModelRegistry()
    register_chat_model(settings, models)
    check = settings.api_prompt_check
    served = settings.analysis_llm_backend == "openai"
    if check == "model" or (check == "auto" and served):

        def load() -> Any:
            model = build_language_model(settings, "analysis")
            model.load()
            return model

        models.register("analysis", "server" if served else "in-process", load)
    return models
