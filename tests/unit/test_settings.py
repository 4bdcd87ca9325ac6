"""Settings: the spec's variable names, aliases, development defaults, production refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from angel_intelligence.settings import (
    AnalysisMode,
    AngelEnv,
    ConfigurationError,
    load_settings,
)

GOOD_TOKEN = "a" * 64


def test_development_needs_no_configuration() -> None:
    settings = load_settings(_env_file=None)
    assert settings.angel_env is AngelEnv.DEVELOPMENT
    assert settings.ai_db_connection == "sqlite"
    assert settings.database_url().startswith("sqlite:///")
    assert settings.whisper_model == "bundled:tiny.en"
    assert settings.analysis_mode is AnalysisMode.TRANSCRIPT
    assert settings.r2_configured is False
    assert (settings.poll_interval_seconds, settings.max_retries, settings.retry_delay_hours) == (
        30,
        3,
        1.0,
    )


def test_reads_the_spec_names_without_a_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_DB_HOST", "db.internal")
    monkeypatch.setenv("AI_DB_DATABASE", "ai_calls")
    monkeypatch.setenv("AI_DB_PASSWORD", "s3cret")
    monkeypatch.setenv("PBX_RECORDING_URL", "https://pbx.example/callrec/")
    monkeypatch.setenv("MAX_CONCURRENT_JOBS", "2")
    monkeypatch.setenv("ANALYSIS_MODE", "audio")
    settings = load_settings(_env_file=None)
    assert settings.ai_db_connection == "mysql"
    assert settings.database_url() == (
        "mysql+pymysql://root:s3cret@db.internal:3306/ai_calls?charset=utf8mb4"
    )
    assert "s3cret" not in settings.masked_database_url()
    assert settings.pbx_recording_url == "https://pbx.example/callrec/"
    assert settings.max_concurrent_jobs == 2
    assert settings.analysis_mode is AnalysisMode.AUDIO


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("R2_ACCESS_KEY", "r2_access_key"),
        ("R2_ACCESS_KEY_ID", "r2_access_key"),
        ("R2_SECRET_KEY", "r2_secret_key"),
        ("R2_SECRET_ACCESS_KEY", "r2_secret_key"),
    ],
)
def test_r2_keys_accept_both_spellings(
    monkeypatch: pytest.MonkeyPatch, name: str, field: str
) -> None:
    monkeypatch.setenv(name, "value-1")
    secret = getattr(load_settings(_env_file=None), field)
    assert secret.get_secret_value() == "value-1"


@pytest.mark.parametrize("name", ["POLL_INTERVAL_SECONDS", "POLL_INTERVAL"])
def test_poll_interval_accepts_both_spellings(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, "7")
    assert load_settings(_env_file=None).poll_interval_seconds == 7


def test_reads_an_optional_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("WORKER_ID=from-dotenv\nMAX_RETRIES=5\n")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert (settings.worker_id, settings.max_retries) == ("from-dotenv", 5)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "API_AUTH_TOKEN is missing"),
        ({"api_auth_token": "x" * 63}, "API_AUTH_TOKEN is too short"),
        ({"api_auth_token": GOOD_TOKEN, "api_auth_token_next": "short"}, "API_AUTH_TOKEN_NEXT"),
        ({"api_auth_token": GOOD_TOKEN, "ai_db_host": ""}, "AI_DB_HOST"),
        (
            {"api_auth_token": GOOD_TOKEN, "ai_db_host": "db", "r2_endpoint": "https://r2.example"},
            "R2_ACCESS_KEY",
        ),
    ],
)
def test_production_refuses_to_start_without_what_it_needs(
    overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings(_env_file=None, angel_env="production", **overrides)


def test_production_with_a_strong_token_and_a_database_starts() -> None:
    settings = load_settings(
        _env_file=None, angel_env="production", api_auth_token=GOOD_TOKEN, ai_db_host="db.internal"
    )
    assert settings.is_production
    assert settings.analysis_mode is AnalysisMode.AUDIO  # the spec's default
    assert settings.whisper_model == "openai/whisper-medium"
    assert settings.log_format == "json"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"ANGEL_ENV": "staging"}, "ANGEL_ENV"),
        ({"AI_DB_PORT": "three"}, "AI_DB_PORT"),
        ({"MAX_CONCURRENT_JOBS": "0"}, "MAX_CONCURRENT_JOBS"),
        ({"PBX_RECORDING_URL": "pbx.example/callrec"}, "PBX_RECORDING_URL"),
        ({"R2_ENDPOINT": "ftp://r2"}, "R2_ENDPOINT"),
        ({"LEASE_SECONDS": "40", "HEARTBEAT_SECONDS": "30"}, "HEARTBEAT_SECONDS"),
        ({"ANALYSIS_SUMMARY_STYLE": "bullets"}, "ANALYSIS_SUMMARY_STYLE"),
    ],
)
def test_a_bad_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], named: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigurationError, match=named):
        load_settings(_env_file=None)


def test_errors_never_echo_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "hunter2-very-secret-token"
    monkeypatch.setenv("ANGEL_ENV", "production")
    monkeypatch.setenv("API_AUTH_TOKEN", secret)
    monkeypatch.setenv("AI_DB_PASSWORD", secret)
    monkeypatch.setenv("AI_DB_PORT", secret)  # invalid: pydantic would normally echo the input
    with pytest.raises(ConfigurationError) as raised:
        load_settings(_env_file=None)
    assert secret not in str(raised.value)
    assert "AI_DB_PORT" in str(raised.value)


def test_effective_configuration_masks_secrets() -> None:
    settings = load_settings(
        _env_file=None,
        api_auth_token=GOOD_TOKEN,
        ai_db_password="pw-123",
        r2_secret_key="r2-secret",
    )
    shown = settings.effective()
    assert shown["API_AUTH_TOKEN"] == shown["AI_DB_PASSWORD"] == "**********"
    assert GOOD_TOKEN not in str(shown) and "pw-123" not in str(shown)
    assert "POLL_INTERVAL_SECONDS" in shown and "PBX_ARCHIVE_URL" in shown


def test_model_paths_default_under_models_base_path() -> None:
    settings = load_settings(_env_file=None, models_base_path="/models")
    assert settings.analysis_model_path == Path("/models/analysis/current")
    assert settings.chat_model_path == Path("/models/chat/current")
    assert settings.whisper_model_path == Path("/models/whisper/current")
    assert settings.model_versions_path == Path("/models/versions")
