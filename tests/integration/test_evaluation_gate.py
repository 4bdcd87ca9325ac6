"""The evaluation gate on real models: a model that answers the worker's prompt validly (a
real OpenAI-compatible server on loopback) against a tiny random Llama that cannot within the
token budget. The worse one is refused, with the reason; an equal one passes. Then the
teacher-forced `reply_loss` on two in-process models that both fail to finish a reply: a
candidate LoRA-trained on the corrected replies passes, the base against itself (no better)
and the trained one replaced by the base (worse) are refused."""

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
from angel_intelligence.backends.training.lora import ChatExample, LoraOptions, train_lora
from angel_intelligence.services.evaluation import evaluation_report
from angel_intelligence.services.training_set import TrainingExample
from dbkit import TestDatabase
from tiny_models import save_tiny_llama
from training_samples import add_call


def held_out_examples(db: TestDatabase, tmp_path: Path) -> list[TrainingExample]:
    """Two annotated calls as training examples (both, whichever side they fell)."""
    add_call(db, 1, [("sentiment", "sentiment_score", "6.5")])
    add_call(db, 2, [("topics", "key_topics", '["Regular giving signup"]')])
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SMALL_CONFIG_FILE))
    built = bootstrap.build_training_set(
        db.settings(call_analysis_config_path=config), db.engine
    ).build()
    return list(built.examples)


def test_a_worse_candidate_is_refused_and_a_better_one_passes(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    examples = held_out_examples(sqlite, tmp_path)
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


def test_the_reply_loss_passes_a_candidate_that_learnt_the_replies_and_refuses_a_tie(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    examples = held_out_examples(sqlite, tmp_path)
    base_dir = save_tiny_llama(tmp_path / "tiny")
    train_lora(
        base_dir,
        [ChatExample(e.messages, e.response, e.transcript) for e in examples],
        tmp_path / "adapter",
        LoraOptions(epochs=3, learning_rate=0.01, lora_rank=8, lora_alpha=16),
        cpu_threads=2,
    )
    base = TransformersLanguageModel(locate_model(base_dir, allow_bundled=False))
    trained = TransformersLanguageModel(locate_model(tmp_path / "adapter", allow_bundled=False))
    held_out = examples[:1]  # (one is enough to compare, and each report generates)
    better = evaluation_report(base, trained, held_out, max_new_tokens=64)
    tie = evaluation_report(base, base, held_out, max_new_tokens=64)
    worse = evaluation_report(trained, base, held_out, max_new_tokens=64)
    # Neither model finishes a reply in 64 tokens: the generated figures tie at nothing.
    assert better["base"]["valid_rate"] == better["candidate"]["valid_rate"] == 0.0
    before, after = better["base"]["reply_loss"], better["candidate"]["reply_loss"]
    assert after < before, (before, after)
    assert better["passed"] is True and better["reasons"] == []
    assert tie["passed"] is False
    assert tie["reasons"] == [
        f"reply_loss stayed at {before:g}: the candidate is no better than the base"
    ]
    assert worse["passed"] is False
    assert worse["reasons"] == [f"reply_loss went from {after:g} to {before:g}"]
