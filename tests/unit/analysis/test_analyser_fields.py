"""Mock mode, derived fields and sentiment bands, the schema, and the backend factory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from analysis_samples import VALID_REPLY, sample_transcript, small_config
from angel_intelligence.analysis.analyser import CallAnalyser, merge_speaker_metrics
from angel_intelligence.analysis.client_config import resolve_config
from angel_intelligence.analysis.schema import COMPACT_LIMITS, OutputLimits, build_output_schema
from angel_intelligence.backends.llm.mock import MockLanguageModel
from angel_intelligence.backends.llm.openai_compatible import (
    OpenAICompatibleLanguageModel,
    chat_completions_url,
)
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.bootstrap import build_language_model
from angel_intelligence.domain.analysis import AnalysisMode, quality_score_for, sentiment_label_for
from angel_intelligence.settings import Settings


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (-10, "very_negative"), (-6, "very_negative"), (-5.99, "negative"), (-2, "negative"),
        (-1.99, "neutral"), (0, "neutral"), (1.99, "neutral"), (2, "positive"), (5.5, "positive"),
        (5.99, "positive"), (6, "very_positive"), (10, "very_positive"),
    ],
)  # fmt: skip
def test_sentiment_bands(score: float, label: str) -> None:
    assert sentiment_label_for(score).value == label


def test_quality_score_is_the_mean_rubric_score_times_ten() -> None:
    assert quality_score_for({"a": 8, "b": 9, "c": 7}) == 80.0
    assert quality_score_for({"a": 1}) == 10.0
    assert quality_score_for({"a": 10, "b": 10}) == 100.0
    assert quality_score_for({"a": 7, "b": 8, "c": 8}) == 76.67
    assert quality_score_for({}) is None


def test_speaker_metrics_keep_the_measured_numbers_and_add_the_trend() -> None:
    measured = {
        "agent": {"talk_time_seconds": 245, "interruptions": 2},
        "supporter": {"talk_time_seconds": 180},
    }
    merged = merge_speaker_metrics(measured, "improving")
    assert merged == {
        "agent": {"talk_time_seconds": 245, "interruptions": 2},
        "supporter": {"talk_time_seconds": 180, "sentiment_trend": "improving"},
    }
    assert "sentiment_trend" not in measured["supporter"]  # the input is not changed
    assert merge_speaker_metrics(None, "positive") == {"supporter": {"sentiment_trend": "positive"}}


@pytest.mark.parametrize("mode", list(AnalysisMode))
@pytest.mark.parametrize("compact", [False, True])
def test_the_valid_sample_and_the_mock_reply_match_the_schema(
    mode: AnalysisMode, compact: bool
) -> None:
    limits = COMPACT_LIMITS if compact else OutputLimits()
    for config in (small_config(mode), resolve_config(None, [], default_mode=mode)):
        schema = build_output_schema(config, mode, duration_s=60.0, limits=limits)
        mock = json.loads(
            MockLanguageModel().generate([], json_schema=schema, audio_path=Path("x.wav"))
        )
        jsonschema_rs.validate(schema, mock)
    if mode is AnalysisMode.TRANSCRIPT and not compact:
        jsonschema_rs.validate(
            build_output_schema(small_config(), mode, duration_s=60.0), VALID_REPLY
        )


def test_the_schema_has_the_configs_lists_as_enums_and_bounded_sizes() -> None:
    schema = build_output_schema(small_config(), AnalysisMode.TRANSCRIPT, duration_s=24.3)
    props: dict[str, Any] = schema["properties"]
    assert props["key_topics"]["items"]["properties"]["name"]["enum"] == list(small_config().topics)
    assert props["agent_actions_performed"]["items"]["properties"]["action"]["enum"] == list(
        small_config().agent_actions
    )
    assert props["performance_scores"]["required"] == list(small_config().performance_rubric)
    assert props["performance_scores"]["additionalProperties"] is False
    assert props["key_topics"]["items"]["properties"]["timestamp_start"]["maximum"] == 25.0
    assert props["sentiment_score"]["minimum"] == -10 and props["sentiment_score"]["maximum"] == 10
    assert props["summary"]["maxLength"] == 600
    assert (
        "audio_observations" not in props
        and "quality_score" not in props
        and "sentiment_label" not in props
    )
    assert schema["required"] == list(props)


def test_mock_mode_analysis_is_deterministic_realistic_and_config_valid() -> None:
    analyser = CallAnalyser(MockLanguageModel())
    first = analyser.analyse(sample_transcript(), small_config()).to_json()
    second = analyser.analyse(sample_transcript(), small_config()).to_json()
    first.pop("processing_time_seconds"), second.pop("processing_time_seconds")
    assert first == second
    assert first["summary"].startswith("The supporter enquired about regular giving options")
    assert first["sentiment_score"] == 5.5 and first["sentiment_label"] == "positive"
    assert [t["name"] for t in first["key_topics"]] == [
        "Regular giving signup",
        "Gift Aid explanation/enrolment",
    ]
    assert set(first["performance_scores"]) == set(small_config().performance_rubric)
    assert first["model_used"] == "mock"
    chat = MockLanguageModel("chat").generate([{"role": "user", "content": "Summarise the month."}])
    assert "mock" in chat.lower()


def test_the_factory_builds_separate_instances_per_purpose(make_settings: Any) -> None:
    mock_settings: Settings = make_settings(use_mock_models=True)
    analysis, chat = (
        build_language_model(mock_settings, "analysis"),
        build_language_model(mock_settings, "chat"),
    )
    assert isinstance(analysis, MockLanguageModel) and isinstance(chat, MockLanguageModel)
    assert analysis is not chat
    servers: Settings = make_settings(
        analysis_llm_url="http://127.0.0.1:8001/v1", analysis_llm_model="qwen"
    )
    assert isinstance(build_language_model(servers, "analysis"), OpenAICompatibleLanguageModel)
    in_process = build_language_model(servers, "chat")
    assert isinstance(in_process, TransformersLanguageModel)
    assert in_process.model_version == "bundled"  # nothing at CHAT_MODEL_PATH in development


def test_production_never_falls_back_to_the_bundled_model(make_settings: Any) -> None:
    from angel_intelligence.errors import ModelLoadError

    production: Settings = make_settings(
        angel_env="production", api_auth_token="t" * 64, ai_db_host="db"
    )
    with pytest.raises(ModelLoadError, match="no model at"):
        build_language_model(production, "analysis")


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("http://h:8000", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/v1", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/v1/chat/completions", "http://h:8000/v1/chat/completions"),
    ],
)
def test_server_urls(base: str, url: str) -> None:
    assert chat_completions_url(base) == url
