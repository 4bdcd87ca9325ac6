"""The composition root: settings → options → backends → repositories → services → edges.

Entry points (the CLI, the demo) build `Settings` once and call these; nothing else builds a
backend, an engine or a service. Each settings section becomes its options object in
`bootstrap/options.py`; each backend is looked up by name in `backends/registry.py`, so an
unknown or unavailable name fails here, at start, with the names that would work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.api.app import create_app
from angel_intelligence.backends.asr.faster_whisper import BUNDLED_PREFIX
from angel_intelligence.backends.llm.model_files import locate_model
from angel_intelligence.backends.llm.options import Purpose
from angel_intelligence.backends.registry import BACKENDS, Role, backend
from angel_intelligence.backends.training.lora import (
    ChatExample,
    LoraOptions,
    Progress,
    TrainingRun,
    train_lora,
    trainable_base,
)
from angel_intelligence.bootstrap import options as opts
from angel_intelligence.db import schema
from angel_intelligence.db.chat import ChatRepository
from angel_intelligence.db.client_configs import ClientConfigRepository
from angel_intelligence.db.engine import build_engine, session_factory
from angel_intelligence.db.insights import InsightsRepository
from angel_intelligence.db.model_versions import ModelVersionRepository
from angel_intelligence.db.queue import ORPHAN_AFTER_S, REAP_BATCH, JobQueue
from angel_intelligence.db.queue_sql import check_claim_plans
from angel_intelligence.db.results import CallResultRepository
from angel_intelligence.db.summaries import SummaryRepository
from angel_intelligence.db.training_jobs import TrainingJobRepository, TrainingLock
from angel_intelligence.db.workers import WorkerRepository
from angel_intelligence.domain.model_version import ModelInUse
from angel_intelligence.errors import ConfigurationError, DatabaseUnavailableError
from angel_intelligence.logging import get_logger
from angel_intelligence.pii import PiiDetector
from angel_intelligence.ports import (
    Diarizer,
    LanguageModel,
    ObjectStorage,
    RecordingSource,
    SpeakerEmbedder,
    TextEmbedder,
    Transcriber,
)
from angel_intelligence.services.analysis import AnalysisService
from angel_intelligence.services.api_services import ApiServices
from angel_intelligence.services.chat import ChatService
from angel_intelligence.services.client_configs import ClientConfigService
from angel_intelligence.services.database import DatabaseAdmin
from angel_intelligence.services.doctor import Doctor, DoctorOptions, GrantsRole
from angel_intelligence.services.evaluation import evaluation_report
from angel_intelligence.services.health import HealthService
from angel_intelligence.services.hot_reload import (
    AnalysisModelReloader,
    ModelHolder,
    ModelReloader,
    Reloaders,
    TranscriberHolder,
    WhisperReloader,
)
from angel_intelligence.services.model_versions import ModelVersions
from angel_intelligence.services.models import ModelRegistry, version_of
from angel_intelligence.services.pii_scan import PiiScanner
from angel_intelligence.services.processing import CallProcessor
from angel_intelligence.services.runner import StageListener
from angel_intelligence.services.speech import SpeechService, SpeechStages
from angel_intelligence.services.summaries import SummaryService
from angel_intelligence.services.training_data import TrainingDataService
from angel_intelligence.services.training_jobs import TrainingBase, TrainingJobs
from angel_intelligence.services.training_set import TrainingExample, TrainingSetBuilder
from angel_intelligence.services.voices import VoiceService, stored_fingerprints
from angel_intelligence.settings import Settings
from angel_intelligence.worker import CallPipeline, Worker
from angel_intelligence.worker.presence import WorkerPresence

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
    """R2 when its endpoint and keys are set, else LOCAL_STORAGE_PATH (development only).

    Production without R2 is refused (docs/decisions.md, 41): a `retain_audio` call would keep
    its audio on the pod's disk and write an `r2_path` Pulse can never fetch.
    """
    options = opts.storage_options(settings)
    if not options.r2_configured and settings.is_production:
        raise ConfigurationError(
            "production needs R2 to retain audio (calls with retain_audio = TRUE): set "
            "R2_ENDPOINT, R2_ACCESS_KEY and R2_SECRET_KEY (or R2_ACCESS_KEY_ID and "
            "R2_SECRET_ACCESS_KEY) and R2_BUCKET; LOCAL_STORAGE_PATH is for development only, "
            "since Pulse cannot fetch audio from a worker's disk"
        )
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

    A model that cannot load raises `ModelLoadError` here, before the worker claims anything;
    production without R2 raises `ConfigurationError` before any model loads.
    """
    warn_unhonoured(settings)
    storage = build_storage(settings)  # refused in production without R2, before the models
    sessions = session_factory(engine)
    model = build_language_model(settings, "analysis")
    model.load()
    analyser = build_analyser(settings, model)
    if analyser.embedder is not None:
        analyser.embedder.load()
    return CallProcessor(
        recordings=build_recording_source(settings),
        transcriber=build_transcriber(settings),
        diarizer=build_diarizer(settings),
        detector=PiiDetector(min_confidence=settings.pii_min_confidence),
        analyser=analyser,
        configs=ClientConfigResolver.from_options(
            opts.client_config_options(settings), ClientConfigRepository(sessions)
        ),
        storage=storage,
        results=CallResultRepository(sessions),
        options=opts.processing_options(settings),
        listener=listener,
        # A pinned Whisper (bundled:…, a directory) is not the registry's current version.
        whisper_version=(
            version_of(settings.whisper_model_path, default="")
            if follows_registry(opts.speech_options(settings))
            else None
        ),
    )


def build_analyser(settings: Settings, model: LanguageModel) -> CallAnalyser:
    """The analysis stage, grounded in evidence (docs/analysis.md, "Evidence"): topics and
    actions found by keywords and all-MiniLM-L6-v2 (not loaded yet), or by keywords alone in
    the mock mode (`USE_MOCK_MODELS`), which loads no model."""
    embedder: TextEmbedder | None = None
    if not settings.use_mock_models:
        embedder = backend(Role.TEXT_EMBEDDER, "minilm").build(None)
    return CallAnalyser.from_options(
        opts.analysis_options(settings), model, grounded=True, embedder=embedder
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
    reloader = build_model_reloader(settings, pipeline)
    return Worker(
        build_job_queue(settings, engine),
        pipeline,
        opts.worker_config(settings),
        heartbeat_queue=build_job_queue(settings, heartbeat_engine),
        control_queue=build_job_queue(settings, control_engine),
        presence=build_worker_presence(settings, pipeline, heartbeat_engine, reloader),
        model_watch=reloader,
    )


def build_model_reloader(settings: Settings, pipeline: CallPipeline) -> Reloaders | None:
    """Hot reload of the in-process analysis model and of Whisper, with
    ENABLE_MODEL_HOT_RELOAD (docs/models.md "Hot reload"; a served analysis model is the
    server's to reload, its version asked of it on each analysis)."""
    reload = opts.model_reload_options(settings)
    if not reload.enabled:
        return None
    reloaders: list[ModelReloader[Any]] = []
    model_options = opts.language_model_options(settings, "analysis")
    if isinstance(pipeline, ModelHolder) and model_options.backend == "transformers":
        # The new version analyses as the first did: grounded, with the same (loaded) embedder.
        embedder = pipeline.analyser.embedder if pipeline.analyser is not None else None

        def make_analyser(path: Path) -> CallAnalyser:
            model: LanguageModel = backend(Role.LANGUAGE_MODEL, model_options.backend).build(
                replace(model_options, model_path=path, allow_bundled=False)
            )
            model.load()
            return CallAnalyser.from_options(
                opts.analysis_options(settings), model, grounded=True, embedder=embedder
            )

        reloaders.append(
            AnalysisModelReloader(
                pipeline, model_options.model_path, make_analyser, interval_s=reload.interval_s
            )
        )
    speech = opts.speech_options(settings)
    if isinstance(pipeline, TranscriberHolder) and follows_registry(speech):

        def make_transcriber(path: Path) -> Transcriber:
            whisper = replace(speech.whisper, model_path=path)
            transcriber: Transcriber = backend(Role.ASR, speech.asr_backend).build(whisper)
            return transcriber

        reloaders.append(
            WhisperReloader(
                pipeline,
                settings.whisper_model_path,
                make_transcriber,
                interval_s=reload.interval_s,
            )
        )
    return Reloaders(reloaders) if reloaders else None


def follows_registry(speech: opts.SpeechOptions) -> bool:
    """Whisper is reloaded from WHISPER_MODEL_PATH when that is where it is loaded from: the
    faster-whisper backend and WHISPER_MODEL a size name (`openai/whisper-medium`), not
    `bundled:…` nor a directory, which pin the model (`resolve_model`)."""
    spec = speech.whisper.model.strip()
    pinned = spec.startswith(BUNDLED_PREFIX) or spec.startswith((".", "/", "~"))
    return (
        speech.asr_backend == "faster-whisper"
        and speech.whisper.model_path is not None
        and not pinned
    )


def build_worker_presence(
    settings: Settings,
    pipeline: CallPipeline,
    engine: Engine,
    reloader: Reloaders | None = None,
) -> WorkerPresence:
    """The worker's row in `ai_workers`, written on the heartbeat's connection. A pipeline
    that is not the real one (a test double) reports no models."""
    models: Callable[[], dict[str, ModelInUse]] = dict
    device: str = settings.whisper_device
    if isinstance(pipeline, ModelHolder):
        models, device = pipeline.models_in_use, pipeline.device
    return WorkerPresence(
        WorkerRepository(session_factory(engine)),
        worker_id=settings.worker_id,
        device=device,
        models=models,
        model_errors=reloader.errors if reloader is not None else dict,
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


def build_model_versions(settings: Settings, engine: Engine | None = None) -> ModelVersions:
    """The model registry under MODELS_BASE_PATH, mirrored to `engine`'s `ai_model_versions`
    when given (`angel doctor` may call it without a database)."""
    store = ModelVersionRepository(session_factory(engine)) if engine is not None else None
    return ModelVersions(settings.models_base_path, store)


def build_training_set(settings: Settings, engine: Engine) -> TrainingSetBuilder:
    """The fine-tuning dataset from `engine`'s annotations, with the configs the worker uses."""
    sessions = session_factory(engine)
    return TrainingSetBuilder(
        sessions,
        ClientConfigResolver.from_options(
            opts.client_config_options(settings), ClientConfigRepository(sessions)
        ),
    )


def build_training_jobs(settings: Settings, engine: Engine) -> TrainingJobs:
    """Training jobs on `engine`: queued by the API, run by `angel train run`."""
    model_options = opts.language_model_options(settings, "analysis")

    def base() -> TrainingBase:
        files = locate_model(
            model_options.model_path,
            allow_bundled=model_options.allow_bundled,
            base_model=model_options.base_model,
        )
        directory = trainable_base(files, settings.model_cache_path)
        return TrainingBase(directory, files.name.removesuffix("+lora"), files.version)

    def trainer(
        base_dir: Path,
        examples: list[ChatExample],
        out: Path,
        options: LoraOptions,
        progress: Progress,
    ) -> TrainingRun:
        return train_lora(
            base_dir,
            examples,
            out,
            options,
            progress=progress,
            cpu_threads=settings.llm_cpu_threads,
        )

    def evaluator(
        candidate_dir: Path, examples: list[TrainingExample], max_new_tokens: int
    ) -> dict[str, Any]:
        """The current model (ANALYSIS_MODEL_PATH) against the candidate adapter."""
        build = backend(Role.LANGUAGE_MODEL, "transformers").build
        current: LanguageModel = build(model_options)
        candidate: LanguageModel = build(
            replace(model_options, model_path=candidate_dir, allow_bundled=False)
        )
        current.load()
        candidate.load()
        return evaluation_report(current, candidate, examples, max_new_tokens=max_new_tokens)

    return TrainingJobs(
        TrainingJobRepository(session_factory(engine)),
        build_training_set(settings, engine),
        build_model_versions(settings, engine),
        lock=lambda: TrainingLock(engine),
        base=base,
        trainer=trainer,
        evaluator=evaluator,
        runner_id=settings.worker_id,
    )


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
        build_analyser(settings, model),
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
        training=build_training_jobs(settings, engine),
        health=build_health_service(settings, engine, models),
        chat=build_chat_service(settings, engine, models),
        summaries=build_summary_service(settings, engine, models),
        models=models,
        engine=engine,
    )


def build_health_service(
    settings: Settings, engine: Engine, models: ModelRegistry | None = None
) -> HealthService:
    """`/health` and `angel workers list`: this process's models, the live workers' and the
    registry's current versions."""
    return HealthService(
        engine,
        models if models is not None else ModelRegistry(),
        worker_id=settings.worker_id,
        versions=build_model_versions(settings),
        heartbeat_s=settings.heartbeat_seconds,
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

        if served:
            models.register("analysis", "server", load)
        else:
            path = settings.analysis_model_path
            version = version_of(path, "base" if path.exists() else "bundled")
            models.register("analysis", version, load, path=path)
    reload = opts.model_reload_options(settings)
    if reload.enabled:
        models.watch(reload.interval_s)
    return models


# --- angel doctor -----------------------------------------------------------------------------


def build_doctor(
    settings: Settings,
    *,
    role: GrantsRole = "worker",
    apex_id: str | None = None,
    call_date: dt.date | None = None,
) -> Doctor:
    """`angel doctor`: the checks, on the configured database, PBX, R2, models and TEMP_DIR."""
    speech = opts.speech_options(settings)
    models = tuple(
        opts.language_model_options(settings, purpose) for purpose in ("analysis", "chat")
    )
    return Doctor(
        DoctorOptions(
            database=opts.database_options(settings),
            pbx=opts.recording_options(settings),
            storage=opts.storage_options(settings),
            whisper=speech.whisper,
            asr_backend=speech.asr_backend,
            models=models,
            temp_dir=settings.temp_dir,
            production=settings.is_production,
            role=role,
            apex_id=apex_id,
            call_date=call_date,
        )
    )
