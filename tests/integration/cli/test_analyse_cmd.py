"""`angel analyse FILE.json` prints the analysis; bad input is one line and a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session
from test_cli import angel

from analysis_samples import sample_transcript
from angel_intelligence.db.models import AiClientConfig
from dbkit import TestDatabase


def test_it_prints_the_analysis_of_a_segments_file(tmp_path: Path) -> None:
    segments = tmp_path / "call.json"
    segments.write_text(json.dumps(sample_transcript().to_segments_json()))
    result = angel("analyse", str(segments), cwd=tmp_path, env={"USE_MOCK_MODELS": "true"})
    assert result.returncode == 0, result.stderr
    analysis = json.loads(result.stdout)
    # the supporter's sentiment is measured (VADER), the topics found in the turns (issue 16)
    assert analysis["sentiment_label"] == "very_positive"
    assert analysis["key_topics"][0]["name"] == "Regular giving signup"  # from the spec's defaults
    assert analysis["key_topics"][0]["timestamp_start"] == 5.0  # the supporter's turn
    assert analysis["speaker_metrics"]["agent"]["talk_time_seconds"] > 0
    assert analysis["audio_analysis"]["analysis_source"] == "model"
    assert len(analysis["performance_scores"]) == 15
    assert analysis["audio_analysis"]["config_sources"]["topics"] == "default"
    assert not (tmp_path / "data").exists()  # no database was created just to read configs


def test_an_object_with_segments_and_a_client_config_from_the_database(
    sqlite: TestDatabase, tmp_path: Path
) -> None:
    with Session(sqlite.engine) as session, session.begin():
        session.add(
            AiClientConfig(
                client_ref="ACME001", config_type="topics", config_data=["Legacy/bequest enquiry"]
            )
        )
    segments = tmp_path / "call.json"
    segments.write_text(json.dumps({"segments": sample_transcript().to_segments_json()}))
    env = {"USE_MOCK_MODELS": "true", **sqlite.env()}
    result = angel(
        "analyse",
        str(segments),
        "--client-ref",
        "ACME001",
        "--mode",
        "audio",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    analysis = json.loads(result.stdout)
    # the client's only topic is not in the call, so it is not offered to the model
    assert analysis["key_topics"] == []
    assert analysis["audio_analysis"]["config_sources"]["topics"].startswith("client:")
    assert analysis["audio_analysis"]["fallback_reason"] == "no recording was given"
    assert analysis["audio_analysis"]["config_sources"]["analysis_mode"] == "override"


def test_a_file_that_is_not_segments_is_one_line_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    for content, message in [
        ("{nope", "cannot read"),
        ('{"text": "hi"}', "must hold the segments JSON"),
        ('[{"text": "x"}]', "a segment is malformed"),
        ('{"segments": [], "duration_seconds": "long"}', '"duration_seconds" must be a number'),
        ('{"segments": [], "duration_seconds": -1}', '"duration_seconds" must be a number'),
    ]:
        bad.write_text(content)
        result = angel("analyse", str(bad), cwd=tmp_path, env={"USE_MOCK_MODELS": "true"})
        assert result.returncode == 1
        assert message in result.stderr and "ANALYSIS_FAILED" in result.stderr
        assert "Traceback" not in result.stderr
