"""A custom prompt is checked on the sample call before it is saved."""

from __future__ import annotations

import pytest
from fake_openai_server import fake_openai_server

from analysis_samples import SMALL_CONFIG_FILE, reply_text
from angel_intelligence.analysis.client_config import InvalidConfigError, resolve_config
from angel_intelligence.analysis.prompt_check import check_custom_prompt
from angel_intelligence.analysis.samples import SAMPLE_LINES
from angel_intelligence.backends.llm.mock import MockLanguageModel
from angel_intelligence.backends.llm.openai_compatible import OpenAICompatibleLanguageModel

TEMPLATE = "Client {client_name}. Topics and rubric: {config}\nCall:\n<transcript>\n{transcript}\n</transcript>\nJSON only."


def test_a_prompt_that_gives_a_valid_analysis_passes() -> None:
    base = resolve_config("ACME001", [], file_config=SMALL_CONFIG_FILE)
    reply = reply_text(
        key_topics=[
            {
                "name": "Regular giving signup",
                "confidence": 0.9,
                "timestamp_start": 6.5,
                "timestamp_end": 34.0,
            }
        ],
    )
    with fake_openai_server([reply]) as server:
        model = OpenAICompatibleLanguageModel(server.url, retry_wait_s=0.01)
        analysis = check_custom_prompt(
            {"transcript": TEMPLATE, "client_name": "Hope Trust"}, model, base
        )
    assert analysis is not None and analysis.audio_analysis["prompt_version"].startswith("custom:")
    sent = server.requests[0]["messages"][1]["content"]
    assert sent.startswith("Client Hope Trust. Topics and rubric: {")
    assert SAMPLE_LINES[1][3] in sent  # the sample call was in the prompt


def test_a_prompt_whose_reply_is_invalid_is_refused_with_the_reason() -> None:
    base = resolve_config("ACME001", [], file_config=SMALL_CONFIG_FILE)
    with fake_openai_server(["Here you go: {}"]) as server:
        model = OpenAICompatibleLanguageModel(server.url, retry_wait_s=0.01)
        with pytest.raises(InvalidConfigError, match="did not produce a valid analysis") as raised:
            check_custom_prompt({"transcript": TEMPLATE}, model, base)
    assert "ANALYSIS_PARSE_ERROR" in str(raised.value) and "text before the JSON object" in str(
        raised.value
    )
    assert len(server.requests) == 1  # no re-prompts: the template alone must work


def test_placeholders_are_checked_before_any_model_runs() -> None:
    base = resolve_config(None, [])
    with fake_openai_server([]) as server:
        model = OpenAICompatibleLanguageModel(server.url, retry_wait_s=0.01)
        with pytest.raises(InvalidConfigError, match=r"must contain \{transcript\}"):
            check_custom_prompt({"transcript": "Analyse {config}"}, model, base)
    assert server.requests == []


def test_without_a_model_only_the_placeholders_are_checked() -> None:
    assert check_custom_prompt({"transcript": TEMPLATE}, None, resolve_config(None, [])) is None


def test_the_mock_model_passes_any_well_formed_prompt() -> None:
    analysis = check_custom_prompt(TEMPLATE, MockLanguageModel(), resolve_config(None, []))
    assert analysis is not None and analysis.model_used == "mock"
