"""Settings: every environment variable Angel reads, with the spec's names (no prefix).

One ``.env`` can serve Pulse and Angel, so the names are exactly those of the customer's
specification ("Environment Variables Required", "Local Development Configuration") plus seed
000's aliases (``R2_ACCESS_KEY_ID``, ``R2_SECRET_ACCESS_KEY``, ``POLL_INTERVAL``). Variables we
added are documented in ``docs/configuration.md``.

``Settings`` is built once in an entry point (CLI, API, worker) and passed down; nothing reads
the environment anywhere else.
"""

from __future__ import annotations

import socket
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.errors import ConfigurationError

MIN_API_TOKEN_LENGTH = 64


class AngelEnv(StrEnum):
    """Where Angel runs: a developer's machine or the production cluster."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


def _env_alias(name: str, *more: str, default: Any = None) -> Any:
    return Field(default=default, validation_alias=AliasChoices(name.lower(), name, *more))


PositiveInt = Annotated[int, Field(gt=0)]


SECTIONS: dict[str, tuple[str, ...]] = {
    "environment": (
        "angel_env",
        "use_mock_models",
    ),
    "logging": (
        "log_level",
        "log_format",
    ),
    "database": (
        "ai_db_connection",
        "ai_db_host",
        "ai_db_port",
        "ai_db_database",
        "ai_db_username",
        "ai_db_password",
        "ai_db_sqlite_path",
        "ai_db_pool_size",
        "ai_db_read_timeout_seconds",
    ),
    "queue": (
        "poll_interval_seconds",
        "max_concurrent_jobs",
        "max_retries",
        "retry_delay_hours",
        "lease_seconds",
        "heartbeat_seconds",
        "shutdown_grace_seconds",
        "job_timeout_seconds",
        "temp_dir",
        "worker_id",
        "worker_metrics_port",
    ),
    "recordings": (
        "pbx_recording_url",
        "pbx_archive_url",
        "download_connect_timeout_seconds",
        "download_read_timeout_seconds",
        "download_timeout_seconds",
        "download_deadline_seconds",
        "download_attempts",
        "download_retry_backoff_seconds",
        "max_recording_bytes",
        "sox_timeout_seconds",
    ),
    "storage": (
        "r2_endpoint",
        "r2_access_key",
        "r2_secret_key",
        "r2_bucket",
        "r2_region",
        "local_storage_path",
    ),
    "speech": (
        "whisper_model",
        "whisper_device",
        "whisper_compute_type",
        "whisper_beam_size",
        "whisper_batch_size",
        "whisper_vad_filter",
        "whisper_cpu_threads",
        "whisper_vad_threshold",
        "whisper_vad_min_silence_ms",
        "whisper_vad_speech_pad_ms",
        "whisper_window_seconds",
        "whisper_redecode",
        "whisper_redecode_prompt",
        "diarization_backend",
        "pyannote_pipeline_path",
        "diarization_max_speakers",
        "diarization_torch_threads",
        "organisation_names",
        "voice_auto_enrol",
        "voice_enrol_min_confidence",
        "voice_enrol_min_speech_seconds",
        "voice_match_floor",
        "voice_match_margin",
    ),
    "pii": (
        "pii_policy",
        "pii_min_confidence",
        "pii_audio_padding_seconds",
        "pii_card_visible_digits",
        "pii_question_windows",
        "pii_question_window_max_seconds",
        "pii_read_back_reach_seconds",
        "redaction_mode",
        "redaction_padding_ms",
    ),
    "analysis": (
        "analysis_model_base",
        "analysis_model_quantization",
        "analysis_mode",
        "analysis_llm_backend",
        "analysis_llm_url",
        "analysis_llm_model",
        "analysis_llm_api_key",
        "analysis_max_reprompts",
        "analysis_max_new_tokens",
        "analysis_compact_output",
        "analysis_summary_style",
        "call_analysis_config_path",
    ),
    "chat": (
        "chat_model_base",
        "chat_model_quantization",
        "chat_llm_backend",
        "chat_llm_url",
        "chat_llm_model",
        "chat_llm_api_key",
        "chat_max_new_tokens",
        "chat_brief_max_tokens",
        "chat_history_max_tokens",
        "chat_max_regenerations",
    ),
    "models": (
        "models_base_path",
        "analysis_model_path",
        "chat_model_path",
        "whisper_model_path",
        "model_versions_path",
        "model_cache_path",
        "enable_model_hot_reload",
        "model_reload_check_interval",
        "llm_timeout_seconds",
        "llm_cpu_threads",
    ),
    "api": (
        "api_auth_token",
        "api_auth_token_next",
        "api_host",
        "api_port",
        "api_shutdown_grace_seconds",
        "api_max_body_bytes",
        "api_prompt_check",
    ),
}
"""Every setting by section: bootstrap turns each section into its options object once
(`bootstrap/options.py`), and `angel config show` prints them grouped the same way."""


class Settings(BaseSettings):
    """The effective configuration. Field names are the lower-cased variable names."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,
        populate_by_name=True,
        validate_default=True,
    )

    # --- Environment ----------------------------------------------------------------------
    angel_env: AngelEnv = AngelEnv.DEVELOPMENT
    use_mock_models: bool = False

    # --- Logging --------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"  # production default: json

    # --- Database (Pulse's `ai` connection) -----------------------------------------------
    ai_db_connection: Literal["mysql", "sqlite"] = "sqlite"  # mysql when AI_DB_HOST is set
    ai_db_host: str | None = None
    ai_db_port: int = Field(default=3306, ge=1, le=65535)
    ai_db_database: str = "pulse"
    ai_db_username: str = "root"
    ai_db_password: SecretStr = SecretStr("")
    ai_db_sqlite_path: Path = Path("./data/angel.sqlite3")
    ai_db_pool_size: PositiveInt = 5
    ai_db_read_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)

    # --- Queue and worker (docs/worker.md) ------------------------------------------------
    poll_interval_seconds: PositiveInt = _env_alias(
        "POLL_INTERVAL_SECONDS", "POLL_INTERVAL", default=30
    )
    max_concurrent_jobs: PositiveInt = 1  # production default: 4 (spec)
    max_retries: int = Field(default=3, ge=1, le=255)  # retry_count is TINYINT UNSIGNED
    retry_delay_hours: float = Field(default=1.0, ge=0)
    lease_seconds: PositiveInt = 180
    heartbeat_seconds: PositiveInt = 30
    shutdown_grace_seconds: float = Field(default=15.0, ge=0)
    job_timeout_seconds: PositiveInt = 3600  # a job is no longer renewed after this long
    temp_dir: Path = Path("./temp")
    worker_id: str = "local-dev"  # production default: the pod's hostname (spec)
    # The worker's own Prometheus metrics over HTTP (no token; cluster-internal). None: off.
    worker_metrics_port: int | None = Field(default=None, ge=0, le=65535)

    # --- Recordings (docs/recordings.md) --------------------------------------------------
    pbx_recording_url: str = "https://pbx.angelfs.co.uk/callrec/"
    pbx_archive_url: str = "https://afs-pbx-callarchive.angelfs.co.uk/"
    download_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    download_read_timeout_seconds: float = Field(default=60.0, gt=0)
    download_timeout_seconds: float = Field(default=300.0, gt=0)  # whole file, per attempt
    download_deadline_seconds: float = Field(default=60.0, gt=0)  # all URLs and tries together
    download_attempts: PositiveInt = 3  # per URL, for 5xx / timeouts / resets
    download_retry_backoff_seconds: float = Field(default=1.0, ge=0)
    max_recording_bytes: PositiveInt = 200 * 1024 * 1024
    sox_timeout_seconds: float = Field(default=120.0, gt=0)

    # --- Storage of retained audio: R2 (optional) or a local directory --------------------
    r2_endpoint: str | None = None
    r2_access_key: SecretStr | None = _env_alias("R2_ACCESS_KEY", "R2_ACCESS_KEY_ID")
    r2_secret_key: SecretStr | None = _env_alias("R2_SECRET_KEY", "R2_SECRET_ACCESS_KEY")
    r2_bucket: str = "angel-call-recordings"
    r2_region: str = "auto"
    local_storage_path: Path = Path("./storage")

    # --- Speech: Whisper and speakers (docs/transcription.md, docs/speakers.md) -----------
    whisper_model: str = "bundled:tiny.en"  # production default: openai/whisper-medium (spec)
    whisper_device: Literal["auto", "cpu", "cuda"] = "auto"
    whisper_compute_type: str = "auto"  # auto: float16 on CUDA, int8 on CPU
    whisper_beam_size: int = Field(default=5, ge=1, le=10)
    whisper_batch_size: int = Field(default=8, ge=0, le=64)  # 0: sequential decoding
    whisper_vad_filter: bool = True
    whisper_cpu_threads: int = Field(default=0, ge=0)  # 0: one per CPU core
    whisper_vad_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)  # Silero speech probability
    whisper_vad_min_silence_ms: int = Field(default=500, ge=50, le=5000)  # pause that splits
    whisper_vad_speech_pad_ms: int = Field(default=400, ge=0, le=2000)  # kept around speech
    whisper_window_seconds: float = Field(default=30.0, ge=5.0, le=30.0)  # longest window
    whisper_redecode: bool = True  # decode bad batched windows again, with fallback
    whisper_redecode_prompt: str = ""  # initial prompt for those re-decodes
    diarization_backend: str = "resemblyzer"  # a name in backends/registry.py
    pyannote_pipeline_path: Path | None = None  # a local pyannote pipeline directory
    diarization_max_speakers: int = Field(default=4, ge=1, le=10)
    diarization_torch_threads: int = Field(default=1, ge=0)  # 0: torch's own setting
    organisation_names: Annotated[list[str], NoDecode] = Field(default_factory=list)
    voice_auto_enrol: bool = True
    voice_enrol_min_confidence: float = Field(default=0.75, ge=0, le=1)
    voice_enrol_min_speech_seconds: float = Field(default=8.0, ge=0)
    voice_match_floor: float = Field(default=0.70, ge=0, le=1)  # nearest-fingerprint naming
    voice_match_margin: float = Field(default=0.08, ge=0, le=1)

    # --- PII and audio redaction (docs/pii.md) --------------------------------------------
    pii_policy: Literal["pci", "strict", "clear"] = "pci"
    pii_min_confidence: float = Field(default=0.5, ge=0, le=1)
    pii_audio_padding_seconds: float = Field(default=0.5, ge=0, le=5)
    pii_card_visible_digits: int = Field(default=4, ge=0, le=4)
    # Bleep the answer to a question asking for PII whatever the ASR wrote (docs/pii.md).
    pii_question_windows: bool = True
    pii_question_window_max_seconds: float = Field(default=30.0, gt=0, le=300)
    pii_read_back_reach_seconds: float = Field(default=60.0, ge=0, le=600)
    redaction_mode: Literal["tone", "silence"] = "tone"
    redaction_padding_ms: int = Field(default=250, ge=0, le=5000)

    # --- Analysis model and client configs (docs/analysis.md) -----------------------------
    analysis_model_base: str = "Qwen/Qwen2.5-Omni-7B"
    analysis_model_quantization: Literal["int8", "int4", "none"] = "int8"
    analysis_mode: AnalysisMode = AnalysisMode.TRANSCRIPT  # production default: audio (spec)
    analysis_llm_backend: str = "transformers"  # openai when ANALYSIS_LLM_URL is set
    analysis_llm_url: str | None = None  # OpenAI-compatible server (vLLM, llama-server)
    analysis_llm_model: str | None = None  # model name sent to the server
    analysis_llm_api_key: SecretStr | None = None  # bearer token for that server
    analysis_max_reprompts: int = Field(default=3, ge=0, le=10)
    analysis_max_new_tokens: PositiveInt = 2048
    analysis_compact_output: bool | None = None  # None: compact for the bundled small model
    # The summary saved when the model writes none (docs/analysis.md "The summary without the
    # model"): the call's own sentences, or the template of what the evidence found.
    analysis_summary_style: Literal["extractive", "templated"] = "extractive"
    call_analysis_config_path: Path | None = None

    # --- Chat and summary model (base only) -----------------------------------------------
    chat_model_base: str = "Qwen/Qwen2.5-Omni-7B"
    chat_model_quantization: Literal["int8", "int4", "none"] = "int8"
    chat_llm_backend: str = "transformers"  # openai when CHAT_LLM_URL is set
    chat_llm_url: str | None = None
    chat_llm_model: str | None = None
    chat_llm_api_key: SecretStr | None = None
    chat_max_new_tokens: PositiveInt = 300  # an answer's or a summary's length (docs/chat.md)
    chat_brief_max_tokens: int = Field(default=1500, ge=200)  # the data brief's budget
    chat_history_max_tokens: int = Field(default=1000, ge=0)  # history kept, newest first
    chat_max_regenerations: int = Field(default=1, ge=0, le=3)  # after a failed number check

    # --- Model files, versions and runtime ------------------------------------------------
    models_base_path: Path = Path("./models")
    analysis_model_path: Path = Path("./models/analysis/current")  # follows MODELS_BASE_PATH
    chat_model_path: Path = Path("./models/chat/current")  # follows MODELS_BASE_PATH
    whisper_model_path: Path = Path("./models/whisper/current")  # follows MODELS_BASE_PATH
    model_versions_path: Path = Path("./models/versions")  # follows MODELS_BASE_PATH
    model_cache_path: Path = Path("./models/cache")  # follows MODELS_BASE_PATH
    enable_model_hot_reload: bool = False  # production default: true (spec)
    model_reload_check_interval: PositiveInt = 60
    llm_timeout_seconds: float = Field(default=300.0, gt=0)  # per request to a server
    llm_cpu_threads: int = Field(default=0, ge=0)  # 0: torch's default

    # --- API (docs/api.md) ----------------------------------------------------------------
    api_auth_token: SecretStr | None = None
    api_auth_token_next: SecretStr | None = None
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    # After SIGTERM, how long requests in flight may take to finish (within Kubernetes' default
    # 30 s grace); then they are cancelled and the process exits all the same.
    api_shutdown_grace_seconds: int = Field(default=20, ge=0, le=3600)
    api_max_body_bytes: PositiveInt = 1024 * 1024
    # How a saved prompt is checked (docs/api.md): auto = run it on the analysis model when the
    # model is served (ANALYSIS_LLM_URL), model = also load the in-process model in the API,
    # placeholders = never run a model.
    api_prompt_check: Literal["auto", "model", "placeholders"] = "auto"

    @field_validator(
        "pbx_recording_url", "pbx_archive_url", "r2_endpoint", "analysis_llm_url", "chat_llm_url"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None if value == "" else value
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an http(s) URL such as https://host/path/")
        return value

    @field_validator("organisation_names", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        # ORGANISATION_NAMES="Hope Foundation, Hope" (comma-separated, not JSON).
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("worker_id")
    @classmethod
    def _worker_id(cls, value: str) -> str:
        value = value.strip()
        if not value or len(value) > 64:
            raise ValueError("must be 1 to 64 characters")
        return value

    # Defaults that differ by environment, or follow another variable, are filled in before
    # validation, so every field has one effective, typed value. A field's own default is the
    # development value.
    @model_validator(mode="before")
    @classmethod
    def _environment_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        raw = {str(key).lower(): value for key, value in data.items()}

        def given(name: str) -> bool:
            return raw.get(name) not in (None, "")

        production = str(raw.get("angel_env") or "").strip().lower() == "production"
        mock = str(raw.get("use_mock_models") or "").strip().lower() in {"1", "true", "yes", "on"}
        base = Path(str(raw.get("models_base_path") or "./models"))
        llm = "mock" if mock else "transformers"
        derived: dict[str, Any] = {
            "ai_db_connection": "mysql" if given("ai_db_host") or production else "sqlite",
            "analysis_llm_backend": "openai" if given("analysis_llm_url") else llm,
            "chat_llm_backend": "openai" if given("chat_llm_url") else llm,
            "analysis_model_path": base / "analysis" / "current",
            "chat_model_path": base / "chat" / "current",
            "whisper_model_path": base / "whisper" / "current",
            "model_versions_path": base / "versions",
            "model_cache_path": base / "cache",
        }
        if production:
            derived |= {
                "analysis_mode": "audio",
                "log_format": "json",
                "whisper_model": "openai/whisper-medium",
                "max_concurrent_jobs": 4,
                "worker_id": socket.gethostname()[:64],
                "enable_model_hot_reload": True,
            }
        for name, value in derived.items():
            if not given(name):
                data[name] = value
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.heartbeat_seconds * 2 > self.lease_seconds:
            raise ValueError(
                "HEARTBEAT_SECONDS must be at most half of LEASE_SECONDS, so one missed "
                "heartbeat does not lose the lease"
            )
        if self.is_production:
            self._check_production()
        return self

    def _check_production(self) -> None:
        token = self.api_auth_token.get_secret_value() if self.api_auth_token else ""
        if len(token) < MIN_API_TOKEN_LENGTH:
            raise ValueError(
                f"API_AUTH_TOKEN is {'missing' if not token else 'too short'}: production needs "
                f"at least {MIN_API_TOKEN_LENGTH} characters (generate one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        nxt = self.api_auth_token_next.get_secret_value() if self.api_auth_token_next else None
        if nxt is not None and len(nxt) < MIN_API_TOKEN_LENGTH:
            raise ValueError(
                f"API_AUTH_TOKEN_NEXT must be at least {MIN_API_TOKEN_LENGTH} characters"
            )
        if self.ai_db_connection == "mysql":
            missing = [
                name
                for name, value in (
                    ("AI_DB_HOST", self.ai_db_host),
                    ("AI_DB_DATABASE", self.ai_db_database),
                    ("AI_DB_USERNAME", self.ai_db_username),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"production needs {', '.join(missing)}")
        if self.pii_policy == "clear":
            raise ValueError(
                "PII_POLICY=clear would store card numbers in clear (PCI DSS forbids it); "
                "production allows pci or strict"
            )
        if self.r2_endpoint and not (self.r2_access_key and self.r2_secret_key):
            raise ValueError(
                "R2_ENDPOINT is set but R2_ACCESS_KEY/R2_SECRET_KEY (or R2_ACCESS_KEY_ID/"
                "R2_SECRET_ACCESS_KEY) are missing"
            )

    # --- Derived values -----------------------------------------------------------------
    @property
    def is_production(self) -> bool:
        return self.angel_env is AngelEnv.PRODUCTION

    @property
    def r2_configured(self) -> bool:
        return bool(self.r2_endpoint and self.r2_access_key and self.r2_secret_key)

    @property
    def retry_delay_seconds(self) -> int:
        return round(self.retry_delay_hours * 3600)

    def database_url(self) -> str:
        """The SQLAlchemy URL (with the password; never log it, use `masked_database_url`)."""
        from sqlalchemy.engine import URL

        if self.ai_db_connection == "sqlite":
            return f"sqlite:///{self.ai_db_sqlite_path}"
        return URL.create(
            "mysql+pymysql",
            username=self.ai_db_username,
            password=self.ai_db_password.get_secret_value() or None,
            host=self.ai_db_host or "127.0.0.1",
            port=self.ai_db_port,
            database=self.ai_db_database,
            query={"charset": "utf8mb4"},
        ).render_as_string(hide_password=False)

    def masked_database_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.database_url()).render_as_string(hide_password=True)

    def effective(self) -> dict[str, Any]:
        """Every setting by its environment-variable name, secrets masked."""
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "**********" if value.get_secret_value() else ""
            elif isinstance(value, StrEnum):
                value = value.value
            elif isinstance(value, Path):
                value = str(value)
            shown[name.upper()] = value
        return shown


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        loc = [str(part) for part in item["loc"] if part != "__root__"]
        name = loc[0].upper() if loc else ""
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}" if name else message)
    return "; ".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment (and `.env`), or raise ConfigurationError.

    The error names the variable and never contains a value, so it is safe to print.
    """
    try:
        return Settings(**overrides)
    except ValidationError as error:
        raise ConfigurationError(f"invalid configuration: {_describe(error)}") from None
