"""The analysis stage against a real OpenAI-compatible HTTP server on loopback that misbehaves.

The server replies, in turn, with the kinds of bad output real servers give (they ignore
`response_format` silently): the prompt echoed back, prose around the JSON, truncated JSON,
invalid enums, out-of-range numbers, US spellings. Retries happen with the reason in the
prompt, the right error code comes out, and nothing invalid is returned.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fake_openai_server import Delayed, HttpError, fake_openai_server

from analysis_samples import (
    AUDIO_OBSERVATIONS,
    VALID_REPLY,
    reply_text,
    sample_transcript,
    small_config,
)
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.prompting import build_prompt
from angel_intelligence.backends.llm.openai_compatible import OpenAICompatibleLanguageModel
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.speakers import Handover
from angel_intelligence.errors import (
    AnalysisFailedError,
    AnalysisParseError,
    AnalysisValidationError,
)

PROMPT_ECHO = build_prompt(sample_transcript(), small_config(), AnalysisMode.TRANSCRIPT).messages[
    1
]["content"]
PROSE_AROUND = (
    "Sure! Here is the analysis:\n" + json.dumps(VALID_REPLY) + "\nLet me know if you need more."
)
TRUNCATED = json.dumps(VALID_REPLY)[:200]
BAD_ENUM = reply_text(
    key_topics=[
        {"name": "Dog grooming", "confidence": 0.9, "timestamp_start": 1.0, "timestamp_end": 2.0}
    ]
)
OUT_OF_RANGE = reply_text(
    sentiment_score=42,
    performance_scores={"Clarity of speech": 0, "Tone control": 9, "Effective closing": 7},
)
US_SPELLING = reply_text(
    summary="The supporter canceled her $10 program and asked the organization to analyze her gift on January 17, 2026.",
    action_items=[
        {
            "description": "Mail the catalog and the Gift Aid authorization.",
            "priority": "low",
            "due_date": None,
        }
    ],
)


def model(url: str, **options: Any) -> OpenAICompatibleLanguageModel:
    return OpenAICompatibleLanguageModel(url, model="fake-omni", retry_wait_s=0.01, **options)


def test_every_kind_of_bad_reply_is_retried_until_a_valid_one() -> None:
    script = [PROMPT_ECHO, PROSE_AROUND, TRUNCATED, BAD_ENUM]
    with fake_openai_server([*script, reply_text()]) as server:
        analyser = CallAnalyser(model(server.url), max_reprompts=4)
        analysis = analyser.analyse(sample_transcript(), small_config())
    assert len(server.requests) == 5
    assert analysis.audio_analysis["attempts"] == 5
    assert analysis.summary == VALID_REPLY["summary"]
    first, last = server.requests[0], server.requests[-1]
    assert "rejected" not in first["messages"][-1]["content"]
    feedback = last["messages"][-1]["content"]
    for reason in (
        "repeats the prompt",
        "text before the JSON object",
        "cut off",
        "'Dog grooming' is not one of the configured topics",
    ):
        assert reason in feedback
    # the schema went with every request, with the client's lists as enums
    for request in server.requests:
        schema = request["response_format"]["json_schema"]["schema"]
        assert request["response_format"]["type"] == "json_schema"
        assert schema["properties"]["key_topics"]["items"]["properties"]["name"]["enum"] == list(
            small_config().topics
        )
        assert schema["properties"]["performance_scores"]["required"] == list(
            small_config().performance_rubric
        )
    assert first["temperature"] == 0 and last["temperature"] > 0  # re-prompts sample


@pytest.mark.parametrize(
    ("bad_reply", "error_class", "reason"),
    [
        (PROMPT_ECHO, AnalysisParseError, "repeats the prompt"),
        (PROSE_AROUND, AnalysisParseError, "text before the JSON object"),
        (TRUNCATED, AnalysisParseError, "cut off"),
        (BAD_ENUM, AnalysisValidationError, "'Dog grooming' is not one of the configured topics"),
        (
            OUT_OF_RANGE,
            AnalysisValidationError,
            "sentiment_score: Input should be less than or equal to 10 (got 42)",
        ),
    ],
)
def test_when_every_reply_is_bad_then_the_specific_error_is_raised(
    bad_reply: str, error_class: type[Exception], reason: str
) -> None:
    with fake_openai_server([bad_reply] * 4) as server:
        analyser = CallAnalyser(model(server.url), max_reprompts=3)
        with pytest.raises(error_class) as raised:
            analyser.analyse(sample_transcript(), small_config())
    assert len(server.requests) == 4  # the first try and 3 re-prompts
    stored = raised.value.processing_error  # type: ignore[attr-defined]
    assert stored.startswith(f"{raised.value.code}: no valid analysis after 4 attempts")  # type: ignore[attr-defined]
    assert reason in stored
    assert "Hope Trust" not in stored  # never the transcript


def test_the_code_is_that_of_the_last_rejection() -> None:
    with (
        fake_openai_server([PROMPT_ECHO, PROSE_AROUND, BAD_ENUM]) as server,
        pytest.raises(AnalysisValidationError),
    ):
        CallAnalyser(model(server.url), max_reprompts=2).analyse(
            sample_transcript(), small_config()
        )


def test_us_spellings_come_out_british_and_enum_values_untouched() -> None:
    config = small_config()
    with fake_openai_server([US_SPELLING]) as server:
        analysis = CallAnalyser(model(server.url)).analyse(sample_transcript(), config)
    assert analysis.summary == (
        "The supporter cancelled her £10 programme and asked the organisation to analyse her gift on 17 January 2026."
    )
    assert (
        analysis.action_items[0].description == "Mail the catalogue and the Gift Aid authorisation."
    )
    assert [t.name for t in analysis.key_topics] == [
        "Regular giving signup",
        "Gift Aid explanation/enrolment",
    ]


def test_a_server_error_is_retried_by_the_backend() -> None:
    with fake_openai_server([HttpError(503), HttpError(502), reply_text()]) as server:
        analysis = CallAnalyser(model(server.url)).analyse(sample_transcript(), small_config())
    assert len(server.requests) == 3
    assert analysis.audio_analysis["attempts"] == 1


def test_a_server_that_keeps_failing_is_analysis_failed() -> None:
    with (
        fake_openai_server([HttpError(503, {"error": {"message": "overloaded"}})] * 3) as server,
        pytest.raises(AnalysisFailedError) as raised,
    ):
        CallAnalyser(model(server.url)).analyse(sample_transcript(), small_config())
    assert len(server.requests) == 3
    assert raised.value.processing_error.startswith("ANALYSIS_FAILED: ")
    assert "HTTP 503: overloaded" in str(raised.value)


def test_a_client_error_is_not_retried() -> None:
    message = "This model's maximum context length is 8192 tokens"
    expected = pytest.raises(AnalysisFailedError, match="HTTP 400: This model's maximum context")
    with fake_openai_server([HttpError(400, {"error": {"message": message}})]) as server, expected:
        CallAnalyser(model(server.url)).analyse(sample_transcript(), small_config())
    assert len(server.requests) == 1


def test_a_slow_server_times_out() -> None:
    with (
        fake_openai_server([Delayed(2.0, reply_text())] * 3) as server,
        pytest.raises(AnalysisFailedError, match="after 3 attempts: ReadTimeout"),
    ):
        CallAnalyser(model(server.url, timeout_s=0.3)).analyse(sample_transcript(), small_config())


def test_an_unreachable_server_is_analysis_failed() -> None:
    with pytest.raises(
        AnalysisFailedError, match=re.escape("cannot reach http://127.0.0.1:9/v1/chat/completions")
    ):
        CallAnalyser(model("http://127.0.0.1:9")).analyse(sample_transcript(), small_config())


def test_the_api_key_is_sent_as_a_bearer_token() -> None:
    with fake_openai_server([reply_text()]) as server:
        CallAnalyser(model(server.url, api_key="k" * 40)).analyse(
            sample_transcript(), small_config()
        )
    assert server.headers[0]["authorization"] == "Bearer " + "k" * 40
    assert server.requests[0]["model"] == "fake-omni"


def synthetic_call(path: Path) -> Path:
    """A short real recording: espeak-ng speech at 8 kHz, as the PBX delivers."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(
        ["espeak-ng", "-w", str(raw), "Hello, thank you for calling Hope Trust."], check=True
    )
    subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", str(path)], check=True)
    return path


def test_audio_mode_sends_the_recording_and_stores_what_was_heard(tmp_path: Path) -> None:
    audio = synthetic_call(tmp_path / "call.wav")
    handover = Handover(time_s=12.5, from_speaker_id="agent_1001", to_speaker_id="agent_unknown_1")
    with fake_openai_server([reply_text(audio_observations=AUDIO_OBSERVATIONS)]) as server:
        analysis = CallAnalyser(model(server.url)).analyse(
            sample_transcript(),
            small_config(AnalysisMode.AUDIO),
            audio_path=audio,
            speaker_metrics={
                "agent": {"talk_time_seconds": 14, "interruptions": 0},
                "supporter": {"talk_time_seconds": 6},
            },
            handovers=[handover],
        )
    content = server.requests[0]["messages"][-1]["content"]
    assert content[0]["type"] == "input_audio"
    assert content[0]["input_audio"]["format"] == "wav"
    assert base64.b64decode(content[0]["input_audio"]["data"]) == audio.read_bytes()
    assert content[1]["type"] == "text" and "audio recording of a call" in content[1]["text"]
    assert (
        "audio_observations"
        in server.requests[0]["response_format"]["json_schema"]["schema"]["required"]
    )
    row = analysis.to_json()
    assert row["audio_analysis"]["analysis_mode"] == "audio"
    assert row["audio_analysis"]["audio_observations"]["supporter_tone"] == "happy"
    assert row["audio_analysis"]["handovers"] == [
        {"time_seconds": 12.5, "from_speaker_id": "agent_1001", "to_speaker_id": "agent_unknown_1"}
    ]
    assert row["speaker_metrics"] == {
        "agent": {"talk_time_seconds": 14, "interruptions": 0},
        "supporter": {"talk_time_seconds": 6, "sentiment_trend": "positive"},
    }


def test_audio_mode_without_a_recording_falls_back_to_the_transcript() -> None:
    with fake_openai_server([reply_text()]) as server:
        analysis = CallAnalyser(model(server.url)).analyse(
            sample_transcript(), small_config(AnalysisMode.AUDIO)
        )
    assert isinstance(server.requests[0]["messages"][-1]["content"], str)
    assert "<transcript>" in server.requests[0]["messages"][-1]["content"]
    assert analysis.audio_analysis["analysis_mode"] == "transcript"
    assert analysis.audio_analysis["requested_mode"] == "audio"
    assert analysis.audio_analysis["fallback_reason"] == "no recording was given"


def test_the_schema_probe_tells_a_server_that_ignores_schemas() -> None:
    with fake_openai_server(
        ['{"probe": "angel-schema-probe-7c3f"}', "Hello! How can I help?"]
    ) as server:
        backend = model(server.url)
        assert backend.check_schema_support() is True
        assert backend.check_schema_support() is False


def test_audio_mode_with_a_text_only_model_falls_back_and_says_why(tmp_path: Path) -> None:
    audio = synthetic_call(tmp_path / "call.wav")
    with fake_openai_server([reply_text()]) as server:
        text_only = model(server.url, supports_audio=False)
        analysis = CallAnalyser(text_only).analyse(
            sample_transcript(), small_config(AnalysisMode.AUDIO), audio_path=audio
        )
    assert isinstance(server.requests[0]["messages"][-1]["content"], str)  # no audio was sent
    assert (
        analysis.audio_analysis["fallback_reason"]
        == "the analysis model fake-omni cannot take audio"
    )


@pytest.mark.parametrize(
    ("served", "expected"),
    [
        (["/models/analysis/versions/v1.2.0"], "v1.2.0"),  # vLLM started on a version's path
        (["other-model", "fake-omni"], "fake-omni"),  # the configured one of several
        ([], "server"),  # no /v1/models route: nothing better to record
    ],
)
def test_the_analysis_records_the_version_the_server_serves(
    served: list[str], expected: str
) -> None:
    with fake_openai_server([reply_text()]) as server:
        server.served_models = served
        llm = model(server.url)
        llm.load()
        analysis = CallAnalyser(llm).analyse(sample_transcript(), small_config())
    assert analysis.model_version == expected


def test_a_server_started_on_current_records_the_version_current_links_to(
    tmp_path: Path,
) -> None:
    versions = tmp_path / "analysis" / "versions"
    (versions / "v7").mkdir(parents=True)
    (tmp_path / "analysis" / "current").symlink_to("versions/v7")
    with fake_openai_server([reply_text()]) as server:
        server.served_models = [str(tmp_path / "analysis" / "current")]
        llm = OpenAICompatibleLanguageModel(server.url, retry_wait_s=0.01)
        analysis = CallAnalyser(llm).analyse(sample_transcript(), small_config())
    assert analysis.model_version == "v7"
    assert analysis.model_used == str(tmp_path / "analysis" / "current")
