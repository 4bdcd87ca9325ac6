"""The evaluation gate on real models: a model that answers the worker's prompt validly (a
real OpenAI-compatible server on loopback) against a tiny random Llama that cannot within the
token budget. The worse one is refused, with the reason; an equal one passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_openai_server import fake_openai_server

from analysis_samples import SMALL_CONFIG_FILE, VALID_REPLY
from angel_intelligence import bootstrap
from angel_intelligence.backends.llm.model_files import locate_model
from angel_intelligence.backends.llm.openai_compatible import OpenAICompatibleLanguageModel
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.services.evaluation import evaluation_report
from dbkit import TestDatabase
from tiny_models import save_tiny_llama
from training_samples import add_call


def test_a_worse_candidate_is_refused_and_a_better_one_passes(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    add_call(sqlite, 1, [("sentiment", "sentiment_score", "6.5")])
    add_call(sqlite, 2, [("topics", "key_topics", '["Regular giving signup"]')])
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SMALL_CONFIG_FILE))
    built = bootstrap.build_training_set(
        sqlite.settings(call_analysis_config_path=config), sqlite.engine
    ).build()
    examples = list(built.examples)  # both calls, whichever side they fell
    tiny = TransformersLanguageModel(
        locate_model(save_tiny_llama(tmp_path / "tiny"), allow_bundled=False)
    )
    tiny.load()
    with fake_openai_server([json.dumps(VALID_REPLY)] * 4) as server:
        good = OpenAICompatibleLanguageModel(server.url, retry_wait_s=0.01)
        refused = evaluation_report(good, tiny, examples, max_new_tokens=64)
        passed = evaluation_report(tiny, good, examples, max_new_tokens=64)
    assert refused["passed"] is False
    assert refused["base"]["valid_rate"] == 1.0 and refused["candidate"]["valid_rate"] == 0.0
    assert "valid_rate went from 1 to 0" in refused["reasons"]
    assert refused["base"]["sentiment_accuracy"] == 1.0  # 6.5 is very positive, as corrected
    assert refused["base"]["topic_f1"] == pytest.approx(2 / 3, abs=1e-3)  # two topics, one expected
    assert passed["passed"] is True and passed["reasons"] == []
