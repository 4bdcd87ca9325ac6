"""The fine-tuning dataset from real annotations on real MariaDB and SQLite: the worker's exact
prompt and schema, corrections applied and checked by the worker's parser, a stable split."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analysis_samples import SMALL_CONFIG_FILE, VALID_REPLY, small_config
from angel_intelligence import bootstrap
from angel_intelligence.analysis.prompting import build_prompt
from angel_intelligence.analysis.reply import ReplyContext, parse_reply
from angel_intelligence.analysis.schema import build_output_schema
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.services.training_set import DatasetError, TrainingSetBuilder
from clikit import run_angel
from dbkit import TestDatabase
from training_samples import SEGMENTS, add_call


def builder(db: TestDatabase, tmp_path: Path) -> TrainingSetBuilder:
    config = tmp_path / "call_analysis_config.json"
    config.write_text(json.dumps(SMALL_CONFIG_FILE))
    return bootstrap.build_training_set(db.settings(call_analysis_config_path=config), db.engine)


def test_an_example_is_the_worker_s_prompt_and_the_corrected_reply(
    db: TestDatabase, tmp_path: Path
) -> None:
    ids = add_call(
        db,
        1,
        [
            ("sentiment", None, "neutral"),
            ("quality", "quality_score", "65.0"),
            ("topics", "key_topics", '["Gift Aid explanation/enrolment"]'),
        ],
    )
    built = builder(db, tmp_path).build()
    (example,) = built.examples
    assert example.annotation_ids == tuple(ids)
    transcript = Transcript.from_segments_json(SEGMENTS)
    config = small_config(client_ref="ACME001")
    prompt = build_prompt(transcript, config, AnalysisMode.TRANSCRIPT)
    assert example.messages == prompt.messages  # exactly what the worker sends
    assert example.json_schema == build_output_schema(
        config, AnalysisMode.TRANSCRIPT, duration_s=transcript.duration_s
    )
    reply = parse_reply(
        example.response,
        ReplyContext(config, AnalysisMode.TRANSCRIPT, duration_s=transcript.duration_s),
    )
    assert reply.sentiment_score == 0.0  # neutral: the middle of its band
    scores = reply.performance_scores
    assert sum(scores.values()) / len(scores) * 10 == pytest.approx(65.0, abs=5)
    assert [t.name for t in reply.key_topics] == ["Gift Aid explanation/enrolment"]
    assert reply.summary == VALID_REPLY["summary"]  # what nobody corrected is kept
    assert example.corrections == {
        "sentiment_label": "neutral",
        "quality_score": 65.0,
        "key_topics": ["Gift Aid explanation/enrolment"],
    }
    record = json.loads(built.lines()[0])
    assert record["messages"][-1] == {"role": "assistant", "content": example.response}
    assert "raw text" not in built.lines()[0]


def test_the_split_and_hash_are_stable(db: TestDatabase, tmp_path: Path) -> None:
    for n in range(10):
        add_call(db, n, [("sentiment", None, "negative")])
    first = builder(db, tmp_path).build()
    again = builder(db, tmp_path).build()
    assert first.dataset_hash == again.dataset_hash and first.dataset_hash.startswith("sha256:")
    assert 1 <= len(first.split("eval")) < 10
    sides = {e.analysis_id: e.split for e in first.examples}
    add_call(db, 99, [("sentiment", None, "positive")])
    grown = builder(db, tmp_path).build()
    assert grown.dataset_hash != first.dataset_hash
    assert all(sides[e.analysis_id] == e.split for e in grown.examples if e.analysis_id in sides)


def test_two_calls_always_hold_one_out(db: TestDatabase, tmp_path: Path) -> None:
    add_call(db, 1, [("sentiment", None, "negative")])
    add_call(db, 2, [("sentiment", None, "negative")])
    built = builder(db, tmp_path).build()
    assert (len(built.split("train")), len(built.split("eval"))) == (1, 1)


@pytest.mark.parametrize(
    ("correction", "reason"),
    [
        (("tone", "agent_tone", "rude"), "field 'agent_tone' cannot be corrected"),
        (("quality", "quality_score", "sixty"), "expected a number"),
        (("quality", "quality_score", "250"), "250 is outside 0–100"),
        (("sentiment", None, "furious"), "'furious' is not a sentiment label"),
        (("topics", "key_topics", '["Dog grooming"]'), "not a reply the worker accepts"),
        (("sentiment", None, None), "no corrected_value"),
    ],
)
def test_a_correction_that_cannot_apply_is_refused_by_annotation(
    db: TestDatabase, tmp_path: Path, correction: Any, reason: str
) -> None:
    add_call(db, 1, [("sentiment", None, "neutral")])
    (bad,) = add_call(db, 2, [correction])
    with pytest.raises(DatasetError, match=f"annotation.* {bad}.*{reason}"):
        builder(db, tmp_path).build()


def test_nothing_to_train_on_and_unknown_ids_are_refused(db: TestDatabase, tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="nothing to train on"):
        builder(db, tmp_path).build()
    (known,) = add_call(db, 1, [("sentiment", None, "neutral")])
    with pytest.raises(DatasetError, match="annotation 424242: not found"):
        builder(db, tmp_path).build(annotation_ids=[known, 424242])
    assert builder(db, tmp_path).build(annotation_ids=[known]).annotation_ids == (known,)


def test_angel_train_dataset_writes_the_json_lines(tmp_path: Path, sqlite: TestDatabase) -> None:
    for n in range(3):
        add_call(sqlite, n, [("sentiment", None, "neutral")])
    config = tmp_path / "config.json"
    config.write_text(json.dumps(SMALL_CONFIG_FILE))
    env = {**sqlite.env(), "CALL_ANALYSIS_CONFIG_PATH": str(config)}
    out = tmp_path / "dataset.jsonl"
    result = run_angel("train", "dataset", "--out", str(out), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["examples"] == 3 and summary["train"] + summary["eval"] == 3
    assert len(out.read_text().splitlines()) == 3
