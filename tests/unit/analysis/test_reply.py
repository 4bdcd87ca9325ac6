"""Parsing and validating model replies: every kind of bad reply is rejected with its reason."""

from __future__ import annotations

import json
import typing

import pytest

from analysis_samples import (
    AUDIO_OBSERVATIONS,
    VALID_REPLY,
    reply,
    reply_text,
    sample_transcript,
    small_config,
)
from angel_intelligence.analysis import schema as schema_module
from angel_intelligence.analysis.prompting import build_prompt
from angel_intelligence.analysis.reply import (
    AnalysisReply,
    AudioObservationsReply,
    ReplyContext,
    ReplyRejected,
    parse_reply,
)
from angel_intelligence.analysis.schema import OutputLimits
from angel_intelligence.domain.analysis import AnalysisMode


def context(mode: AnalysisMode = AnalysisMode.TRANSCRIPT, duration_s: float = 24.0) -> ReplyContext:
    config = small_config(mode)
    prompt = build_prompt(sample_transcript(), config, mode)
    return ReplyContext(config, mode, duration_s, OutputLimits(), prompt.instruction_ngrams)


def test_a_valid_reply_passes() -> None:
    parsed = parse_reply(json.dumps(VALID_REPLY), context())
    assert isinstance(parsed, AnalysisReply)
    assert parsed.performance_scores == {
        "Clarity of speech": 8,
        "Tone control": 9,
        "Effective closing": 7,
    }
    assert str(parsed.action_items[0].due_date) == "2026-01-20"


def test_whitespace_around_the_object_is_fine() -> None:
    parse_reply("\n  " + json.dumps(VALID_REPLY) + "\n", context())


PROMPT_ECHO = build_prompt(sample_transcript(), small_config(), AnalysisMode.TRANSCRIPT).messages[
    1
]["content"]

PARSE_ERRORS = [
    ("", "the reply is empty"),
    (PROMPT_ECHO, "repeats the prompt"),
    ("Here is the analysis: " + json.dumps(VALID_REPLY), "text before the JSON object"),
    (json.dumps(VALID_REPLY) + "\nI hope this helps!", "text after the JSON object"),
    ("```json\n" + json.dumps(VALID_REPLY) + "\n```", "text before the JSON object"),
    (json.dumps(VALID_REPLY)[:150], "cut off"),
    ('{"summary": "x" "sentiment_score": 1}', "not valid JSON"),
    ("[1, 2, 3]", "not JSON"),
    ('{"summary": "a", "summary": "b"}', "repeats the key 'summary'"),
    ('{"sentiment_score": NaN}', "NaN, which is not a JSON number"),
    ("I cannot analyse this call.", "not JSON"),
]


@pytest.mark.parametrize(("text", "reason"), PARSE_ERRORS)
def test_when_the_reply_is_not_one_json_object_then_it_is_a_parse_error(
    text: str, reason: str
) -> None:
    with pytest.raises(ReplyRejected) as raised:
        parse_reply(text, context())
    assert raised.value.kind == "parse"
    assert reason in raised.value.reason


def topic(
    name: str = "Regular giving signup",
    confidence: float = 0.9,
    start: float = 1.0,
    end: float = 2.0,
) -> dict[str, object]:
    return {"name": name, "confidence": confidence, "timestamp_start": start, "timestamp_end": end}


VALIDATION_ERRORS = [
    (
        reply(key_topics=[topic("Dog grooming")]),
        "key_topics[0].name 'Dog grooming' is not one of the configured topics",
    ),
    (
        reply(
            agent_actions_performed=[
                {"action": "Sang a song", "timestamp_start": 1.0, "quality": 3}
            ]
        ),
        "not one of the configured agent actions",
    ),
    (
        reply(performance_scores={"Clarity of speech": 8, "Tone control": 9}),
        "performance_scores is missing 'Effective closing'",
    ),
    (
        reply(
            performance_scores={
                "Clarity of speech": 8,
                "Tone control": 9,
                "Effective closing": 7,
                "Singing": 5,
            }
        ),
        "'Singing', not in the rubric",
    ),
    (
        reply(
            performance_scores={"Clarity of speech": 11, "Tone control": 9, "Effective closing": 7}
        ),
        "scores are 1 to 10",
    ),
    (
        reply(sentiment_score=15),
        "sentiment_score: Input should be less than or equal to 10 (got 15)",
    ),
    (reply(sentiment_score="5"), "sentiment_score: Input should be a valid number"),
    (
        reply(key_topics=[topic(confidence=1.5)]),
        "key_topics[0].confidence: Input should be less than or equal to 1",
    ),
    (
        reply(key_topics=[topic(start=30.0, end=31.0)]),
        "timestamp_start 30 is after the end of the call (24 s)",
    ),
    (
        reply(key_topics=[topic(start=10.0, end=5.0)]),
        "timestamp_end 5 is before its timestamp_start 10",
    ),
    (reply(key_topics=[]), "key_topics needs at least 1 item"),
    (
        reply(
            agent_actions_performed=[
                {"action": "Greeted supporter", "timestamp_start": 1.0, "quality": 6}
            ]
        ),
        "quality: Input should be less than or equal to 5",
    ),
    (reply(sentiment_label="positive"), "sentiment_label: Extra inputs are not permitted"),
    (reply(summary=None), "summary: Field required"),
    (reply(summary="Too short"), "summary is shorter than 20 characters"),
    (reply(summary="x" * 700), "summary is 700 characters; at most 600"),
    (reply(supporter_sentiment_trend="ecstatic"), "supporter_sentiment_trend: Input should be"),
    (
        reply(action_items=[{"description": "Call back", "priority": "urgent", "due_date": None}]),
        "priority: Input should be 'low', 'medium' or 'high'",
    ),
    (
        reply(
            action_items=[{"description": "Call back", "priority": "low", "due_date": "17/01/2026"}]
        ),
        "due_date",
    ),
    (
        reply(
            compliance_flags=[
                {
                    "type": "Missing Disclosure!",
                    "issue": "x" * 10,
                    "severity": "high",
                    "timestamp_start": None,
                    "timestamp_end": None,
                }
            ]
        ),
        "compliance_flags[0].type",
    ),
    (
        reply(audio_observations=AUDIO_OBSERVATIONS),
        "audio_observations is only given in audio mode",
    ),
    (
        reply(
            summary="You are a call quality analyst for a charity fundraising contact centre in the United Kingdom."
        ),
        "summary repeats the prompt's instructions",
    ),
    (
        reply(summary="The agent picked a <topic from config.topics> for this call."),
        "summary repeats the prompt's instructions",
    ),
    (
        reply(summary="{{<summary_title_1}} and more words here"),
        "summary contains template or JSON syntax",
    ),
    (
        reply(summary='{"a": 1, "b": "two", "c": "three"}'),
        "summary contains template or JSON syntax",
    ),
    (
        reply(summary="The <b>supporter</b> called about Gift Aid."),
        "summary contains template or JSON syntax",
    ),
    (reply(summary="........................"), "summary is not prose"),
    (
        reply(action_items=[{"description": "1 2 3 4 5", "priority": "low", "due_date": None}]),
        "action_items[0].description is not prose",
    ),
]


@pytest.mark.parametrize(("data", "reason"), VALIDATION_ERRORS)
def test_when_the_json_is_not_a_valid_analysis_then_it_is_a_validation_error(
    data: dict[str, object], reason: str
) -> None:
    with pytest.raises(ReplyRejected) as raised:
        parse_reply(json.dumps(data), context())
    assert raised.value.kind == "validation"
    assert reason in raised.value.reason, raised.value.reason


def test_prose_is_never_quoted_in_a_reason() -> None:
    secret = "Mrs Jones of 4 Acacia Avenue SW1A 1AA"
    with pytest.raises(ReplyRejected) as raised:
        parse_reply(reply_text(summary=secret * 20), context())
    assert "Acacia" not in raised.value.reason


def test_audio_mode_needs_audio_observations() -> None:
    with pytest.raises(ReplyRejected, match="audio_observations is required in audio mode"):
        parse_reply(reply_text(), context(AnalysisMode.AUDIO))
    parsed = parse_reply(
        reply_text(audio_observations=AUDIO_OBSERVATIONS), context(AnalysisMode.AUDIO)
    )
    assert (
        parsed.audio_observations is not None and parsed.audio_observations.agent_tone == "friendly"
    )


def test_an_unknown_call_length_allows_timestamps_up_to_ten_hours() -> None:
    parse_reply(reply_text(key_topics=[topic(start=3000.0, end=3100.0)]), context(duration_s=0.0))


def test_the_reply_model_and_the_schema_allow_the_same_enum_values() -> None:
    fields = AudioObservationsReply.model_fields
    assert typing.get_args(fields["call_quality"].annotation) == schema_module.CALL_QUALITIES
    assert typing.get_args(fields["background_noise"].annotation) == schema_module.BACKGROUND_NOISE
    assert typing.get_args(fields["agent_tone"].annotation) == schema_module.AGENT_TONES
    assert typing.get_args(fields["supporter_tone"].annotation) == schema_module.SUPPORTER_TONES
    reply_fields = AnalysisReply.model_fields
    assert (
        typing.get_args(reply_fields["supporter_sentiment_trend"].annotation)
        == schema_module.SENTIMENT_TRENDS
    )
