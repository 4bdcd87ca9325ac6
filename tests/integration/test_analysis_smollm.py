"""The analysis stage on the real bundled model (SmolLM2-135M-Instruct, GGUF, on the CPU).

The model is far too small to analyse calls well; what is tested is the machinery: every reply
the real model writes under llguidance is schema-valid JSON (enums from the client's config,
numbers in range), and what the stage returns is either a fully valid analysis or the specific
error code, never anything in between.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import jsonschema_rs
import pytest

from analysis_samples import sample_transcript, small_config
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.schema import COMPACT_LIMITS, build_output_schema
from angel_intelligence.backends.llm.model_files import BUNDLED_NAME, locate_model
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.domain.analysis import AnalysisMode, quality_score_for, sentiment_label_for
from angel_intelligence.errors import AnalysisParseError, AnalysisValidationError
from angel_intelligence.testing.recording_model import RecordingLanguageModel

pytestmark = [pytest.mark.models, pytest.mark.slow]

# Converted once per machine and shared by test runs (the conversion takes a minute or two).
MODEL_CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"


@pytest.fixture(scope="session")
def smollm() -> TransformersLanguageModel:
    model = TransformersLanguageModel(
        locate_model(Path("missing-so-bundled"), allow_bundled=True),
        cache_dir=MODEL_CACHE,
        cpu_threads=1,
    )
    model.load()
    return model


def test_every_reply_of_the_real_model_is_schema_valid_and_the_result_valid_or_a_specific_error(
    smollm: TransformersLanguageModel,
) -> None:
    assert smollm.model_name == BUNDLED_NAME and smollm.model_version == "bundled"
    config = small_config(AnalysisMode.TRANSCRIPT)
    recording = RecordingLanguageModel(smollm)
    analyser = CallAnalyser(recording, limits=COMPACT_LIMITS, max_reprompts=1, max_new_tokens=700)
    transcript = sample_transcript()
    try:
        analysis = analyser.analyse(transcript, config)
    except (AnalysisParseError, AnalysisValidationError) as error:
        analysis = None
        assert error.processing_error.startswith(
            ("ANALYSIS_PARSE_ERROR: ", "ANALYSIS_VALIDATION_ERROR: ")
        )
        assert "after 2 attempts" in str(error)

    assert recording.replies, "the model was never asked"
    assert recording.schemas[0] == build_output_schema(
        config, AnalysisMode.TRANSCRIPT, duration_s=24.0, limits=COMPACT_LIMITS
    )
    for reply, schema in zip(recording.replies, recording.schemas, strict=True):
        data = json.loads(reply)  # constrained decoding: always one JSON object
        jsonschema_rs.validate(schema, data)
        assert {t["name"] for t in data["key_topics"]} <= set(config.topics)
        assert {a["action"] for a in data["agent_actions_performed"]} <= set(config.agent_actions)
        assert list(data["performance_scores"]) == list(config.performance_rubric)
        assert -10 <= data["sentiment_score"] <= 10
        assert all(1 <= s <= 10 for s in data["performance_scores"].values())

    if analysis is not None:
        row = analysis.to_json()
        assert {t["name"] for t in row["key_topics"]} <= set(config.topics)
        assert {a["action"] for a in row["agent_actions_performed"]} <= set(config.agent_actions)
        assert set(row["performance_scores"]) == set(config.performance_rubric)
        assert row["sentiment_label"] == sentiment_label_for(row["sentiment_score"]).value
        assert row["quality_score"] == quality_score_for(row["performance_scores"])
        assert 0 <= row["quality_score"] <= 100
        assert all(0 <= t["timestamp_start"] <= t["timestamp_end"] <= 24 for t in row["key_topics"])
        assert (
            "<transcript>" not in row["summary"]
            and "You are a call quality analyst" not in row["summary"]
        )
        assert row["model_used"] == BUNDLED_NAME
        assert row["audio_analysis"]["attempts"] == len(recording.replies)
