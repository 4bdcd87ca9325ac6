"""Settings → options: each section of `Settings` becomes its options object here, once.

Stages, backends, the database layer and the worker receive these small frozen objects and
never see `Settings`; this module is the only place that reads a setting's value (the API's and
the command line's own settings aside). `unhonoured` lists the settings that are parsed but that
no code acts on yet, so the composition root can warn about them instead of ignoring them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from angel_intelligence.analysis.analyser import AnalysisOptions
from angel_intelligence.analysis.client_config import ClientConfigOptions
from angel_intelligence.api.app import ApiOptions
from angel_intelligence.backends.asr.faster_whisper import WhisperOptions
from angel_intelligence.backends.diarization import DiarizationOptions
from angel_intelligence.backends.llm.options import LanguageModelOptions, Purpose
from angel_intelligence.backends.recordings.pbx import PbxOptions
from angel_intelligence.backends.storage.options import StorageOptions
from angel_intelligence.db.engine import DatabaseOptions
from angel_intelligence.db.queue import QueueOptions
from angel_intelligence.logging import LoggingOptions
from angel_intelligence.pii.policy import PiiPolicy, PiiStorage
from angel_intelligence.pipeline.speakers import SpeakerOptions
from angel_intelligence.services.chat import ChatOptions
from angel_intelligence.services.hot_reload import ReloadOptions
from angel_intelligence.services.processing import ProcessingOptions
from angel_intelligence.settings import Settings
from angel_intelligence.worker import WorkerConfig


@dataclass(frozen=True, slots=True)
class SpeechOptions:
    """The speech section: Whisper, diarization and speakers."""

    asr_backend: str
    whisper: WhisperOptions
    diarizer_backend: str
    diarization: DiarizationOptions
    speakers: SpeakerOptions


def logging_options(settings: Settings) -> LoggingOptions:
    return LoggingOptions(level=settings.log_level, format=settings.log_format)


def database_options(settings: Settings) -> DatabaseOptions:
    """The worker's and the API's database: no statement may outlast half a lease, so a job
    whose database hangs fails its write while its claim is still its own (issue 19)."""
    return DatabaseOptions(
        url=settings.database_url(),
        masked_url=settings.masked_database_url(),
        pool_size=settings.ai_db_pool_size,
        read_timeout_s=min(settings.ai_db_read_timeout_seconds, settings.lease_seconds / 2),
    )


def heartbeat_database_options(settings: Settings) -> DatabaseOptions:
    """The heartbeat's own connection: a renewal that cannot finish before the next one is
    due fails, so failures are counted and the job self-fences before its lease runs out."""
    return replace(
        database_options(settings),
        pool_size=1,
        read_timeout_s=min(settings.heartbeat_seconds, settings.ai_db_read_timeout_seconds),
    )


CONTROL_TIMEOUT_S = 2.0  # claims take milliseconds (p99 0.3 s under load, docs/performance.md)


def control_database_options(settings: Settings) -> DatabaseOptions:
    """The worker loop's connection (claims, reaping, releases on shutdown): short statements,
    so a hung database cannot keep the loop from its signals past a few seconds."""
    timeout_s = min(CONTROL_TIMEOUT_S, settings.ai_db_read_timeout_seconds)
    return replace(database_options(settings), pool_size=2, read_timeout_s=timeout_s)


def queue_options(settings: Settings) -> QueueOptions:
    return QueueOptions(
        worker_id=settings.worker_id,
        lease_s=settings.lease_seconds,
        max_retries=settings.max_retries,
        retry_delay_s=settings.retry_delay_seconds,
    )


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        worker_id=settings.worker_id,
        poll_interval_s=settings.poll_interval_seconds,
        max_concurrent_jobs=settings.max_concurrent_jobs,
        heartbeat_s=settings.heartbeat_seconds,
        lease_s=settings.lease_seconds,
        shutdown_grace_s=settings.shutdown_grace_seconds,
        job_timeout_s=settings.job_timeout_seconds,
        temp_dir=settings.temp_dir,
        release_try_s=release_try_s(settings),
    )


def recording_options(settings: Settings) -> PbxOptions:
    return PbxOptions(
        recording_url=settings.pbx_recording_url,
        archive_url=settings.pbx_archive_url,
        connect_timeout_s=settings.download_connect_timeout_seconds,
        read_timeout_s=settings.download_read_timeout_seconds,
        total_timeout_s=settings.download_timeout_seconds,
        max_bytes=settings.max_recording_bytes,
        attempts=settings.download_attempts,
        backoff_s=settings.download_retry_backoff_seconds,
        deadline_s=settings.download_deadline_seconds,
    )


def storage_options(settings: Settings) -> StorageOptions:
    key, secret = settings.r2_access_key, settings.r2_secret_key
    return StorageOptions(
        local_path=settings.local_storage_path,
        r2_endpoint=settings.r2_endpoint,
        r2_access_key=key.get_secret_value() if key else None,
        r2_secret_key=secret.get_secret_value() if secret else None,
        bucket=settings.r2_bucket,
        region=settings.r2_region,
    )


def speech_options(settings: Settings) -> SpeechOptions:
    mock = settings.use_mock_models
    return SpeechOptions(
        asr_backend="mock" if mock else "faster-whisper",
        whisper=WhisperOptions(
            model=settings.whisper_model,
            model_path=settings.whisper_model_path,
            device=settings.whisper_device,
            compute_type=settings.whisper_compute_type,
            beam_size=settings.whisper_beam_size,
            batch_size=settings.whisper_batch_size,
            vad_filter=settings.whisper_vad_filter,
            cpu_threads=settings.whisper_cpu_threads,
            vad_threshold=settings.whisper_vad_threshold,
            vad_min_silence_ms=settings.whisper_vad_min_silence_ms,
            vad_speech_pad_ms=settings.whisper_vad_speech_pad_ms,
            window_max_s=settings.whisper_window_seconds,
            redecode=settings.whisper_redecode,
            redecode_prompt=settings.whisper_redecode_prompt,
        ),
        diarizer_backend="mock" if mock else settings.diarization_backend,
        diarization=DiarizationOptions(
            max_speakers=settings.diarization_max_speakers,
            torch_threads=settings.diarization_torch_threads,
            pyannote_pipeline_path=settings.pyannote_pipeline_path,
        ),
        speakers=SpeakerOptions(
            organisation_names=tuple(settings.organisation_names),
            auto_enrol=settings.voice_auto_enrol,
            enrol_min_confidence=settings.voice_enrol_min_confidence,
            enrol_min_speech_s=settings.voice_enrol_min_speech_seconds,
            match_floor=settings.voice_match_floor,
            match_margin=settings.voice_match_margin,
        ),
    )


def pii_policy(settings: Settings) -> PiiPolicy:
    return PiiPolicy(
        storage=PiiStorage(settings.pii_policy),
        min_confidence=settings.pii_min_confidence,
        audio_padding_s=settings.pii_audio_padding_seconds,
        card_visible_digits=settings.pii_card_visible_digits,
        question_windows=settings.pii_question_windows,
        question_window_max_s=settings.pii_question_window_max_seconds,
        read_back_reach_s=settings.pii_read_back_reach_seconds,
    )


def processing_options(settings: Settings) -> ProcessingOptions:
    return ProcessingOptions(
        sox_timeout_s=settings.sox_timeout_seconds,
        redaction_mode=settings.redaction_mode,
        redaction_padding_s=settings.redaction_padding_ms / 1000,
        speaker=speech_options(settings).speakers,
        pii_policy=pii_policy(settings),
    )


def analysis_options(settings: Settings) -> AnalysisOptions:
    return AnalysisOptions(
        max_reprompts=settings.analysis_max_reprompts,
        max_new_tokens=settings.analysis_max_new_tokens,
        compact_output=settings.analysis_compact_output,
        summary_style=settings.analysis_summary_style,
    )


def client_config_options(settings: Settings) -> ClientConfigOptions:
    return ClientConfigOptions(
        file_path=settings.call_analysis_config_path, default_mode=settings.analysis_mode
    )


def language_model_options(settings: Settings, purpose: Purpose) -> LanguageModelOptions:
    """The analysis section's model (ANALYSIS_*) or the chat section's (CHAT_*)."""
    analysis = purpose == "analysis"
    key = settings.analysis_llm_api_key if analysis else settings.chat_llm_api_key
    return LanguageModelOptions(
        purpose=purpose,
        backend=settings.analysis_llm_backend if analysis else settings.chat_llm_backend,
        model_path=settings.analysis_model_path if analysis else settings.chat_model_path,
        base_model=settings.analysis_model_base if analysis else settings.chat_model_base,
        allow_bundled=not settings.is_production,
        cache_dir=settings.model_cache_path,
        cpu_threads=settings.llm_cpu_threads,
        quantization=(
            settings.analysis_model_quantization if analysis else settings.chat_model_quantization
        ),
        url=settings.analysis_llm_url if analysis else settings.chat_llm_url,
        served_model=settings.analysis_llm_model if analysis else settings.chat_llm_model,
        api_key=key.get_secret_value() if key else None,
        timeout_s=settings.llm_timeout_seconds,
    )


def model_reload_options(settings: Settings) -> ReloadOptions:
    """ENABLE_MODEL_HOT_RELOAD and MODEL_RELOAD_CHECK_INTERVAL (docs/models.md)."""
    return ReloadOptions(
        enabled=settings.enable_model_hot_reload,
        interval_s=float(settings.model_reload_check_interval),
    )


def chat_options(settings: Settings) -> ChatOptions:
    """The chat assistant's and the monthly summaries' limits (the model is
    `language_model_options(settings, "chat")`)."""
    return ChatOptions(
        max_new_tokens=settings.chat_max_new_tokens,
        brief_max_tokens=settings.chat_brief_max_tokens,
        history_max_tokens=settings.chat_history_max_tokens,
        max_regenerations=settings.chat_max_regenerations,
    )


def api_options(settings: Settings) -> ApiOptions:
    tokens = tuple(
        token.get_secret_value().encode()
        for token in (settings.api_auth_token, settings.api_auth_token_next)
        if token
    )
    return ApiOptions(
        tokens=tokens, max_body_bytes=settings.api_max_body_bytes, docs=not settings.is_production
    )


# Parsed, documented, and not acted on yet: each has the issue that gives it its meaning.
NOT_YET_HONOURED: dict[str, str] = {
    "model_versions_path": "versions live in MODELS_BASE_PATH/<kind>/versions/ (docs/models.md); "
    "this path is not used",
}
# Defaults that follow other settings: only a value other than the derived one is news.
_DERIVED: dict[str, Callable[[Settings], object]] = {
    "model_versions_path": lambda settings: settings.models_base_path / "versions",
}


def unhonoured(settings: Settings) -> list[str]:
    """One line per setting that asks for something no code does yet (a value other than its
    default): logged as a warning at start, never silently ignored."""
    fields = type(settings).model_fields
    asked = []
    for name in NOT_YET_HONOURED:
        value = getattr(settings, name)
        derived = _DERIVED.get(name)
        default = value == (derived(settings) if derived else fields[name].default)
        if not default:
            asked.append(name)
    return [f"{name.upper()} is set but {NOT_YET_HONOURED[name]}" for name in asked]


def release_try_s(settings: Settings) -> float:
    """How long one release on shutdown may take on a hung database: the pool's liveness ping
    and the statement, each bounded by the control connection's time-out."""
    timeout_s = control_database_options(settings).read_timeout_s or CONTROL_TIMEOUT_S
    return 2 * timeout_s + 0.5
