"""`GET /api/training-data`: the spec's training-data schema, filters, paging, JSON lines, and
never a raw transcript."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from apikit import AUTH
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from angel_intelligence.db.models import (
    AiCallAnalysis,
    AiCallAnnotation,
    AiCallRecording,
    AiCallTranscription,
)
from dbkit import TestDatabase

RAW = "Supporter: my card is 4111 1111 1111 1111 and I live at SW1A 1AA"
REDACTED = "Supporter: my card is [CARD_NUMBER] and I live at [POSTCODE]"


def _seed(database: TestDatabase) -> list[int]:
    """Two calls with analyses; four annotations, three of them training data."""
    ids = []
    with Session(database.engine) as session, session.begin():
        for n, redacted in ((1, REDACTED), (2, None)):
            recording = AiCallRecording(apex_id=f"1737123456.{n}")
            session.add(recording)
            session.flush()
            session.add(
                AiCallTranscription(
                    ai_call_recording_id=recording.id,
                    full_transcript=RAW,
                    redacted_transcript=redacted,
                )
            )
            analysis = AiCallAnalysis(
                ai_call_recording_id=recording.id,
                sentiment_label="positive",
                sentiment_score=Decimal("5.20"),
                quality_score=Decimal("78.50"),
                key_topics=[{"name": "Regular giving signup", "confidence": 0.9}],
            )
            session.add(analysis)
            session.flush()
            rows = [
                AiCallAnnotation(
                    ai_call_analysis_id=analysis.id,
                    user_id=42,
                    annotation_type="sentiment",
                    original_value="positive",
                    corrected_value="neutral",
                    notes="Supporter showed frustration",
                    created_at=dt.datetime(2026, 1, 15, 14, 30),
                ),
                AiCallAnnotation(
                    ai_call_analysis_id=analysis.id,
                    user_id=7,
                    annotation_type="quality",
                    field_name="quality_score",
                    corrected_value="65.0",
                    created_at=dt.datetime(2026, 2, 1, 9, 0),
                    is_training_data=n == 1,
                ),
            ]
            session.add_all(rows)
            session.flush()
            ids += [r.id for r in rows]
    return ids


def test_export_has_the_spec_training_schema_with_the_redacted_transcript(
    api: TestClient, db: TestDatabase
) -> None:
    _seed(db)
    body = api.get("/api/training-data", headers=AUTH).json()
    assert body["success"] is True and body["count"] == 3
    first = body["data"][0]
    assert first["id"].startswith("annotation_")
    assert first["transcript"] == REDACTED
    assert first["original_analysis"] == {
        "sentiment_label": "positive",
        "sentiment_score": 5.2,
        "quality_score": 78.5,
        "key_topics": [{"name": "Regular giving signup", "confidence": 0.9}],
    }
    assert first["corrected_analysis"] == {"sentiment_label": "neutral"}
    meta = first["annotation_metadata"]
    assert (meta["annotator_id"], meta["annotation_type"]) == (42, "sentiment")
    assert meta["notes"] == "Supporter showed frustration"
    assert meta["created_at"] == "2026-01-15T14:30:00Z"
    assert body["data"][1]["corrected_analysis"] == {"quality_score": 65.0}
    assert "4111" not in json.dumps(body) and "SW1A" not in json.dumps(body)
    assert body["data"][2]["transcript"] is None  # no redacted text: never the raw one


def test_filters_by_type_user_and_dates(api: TestClient, db: TestDatabase) -> None:
    _seed(db)

    def count(query: str) -> int:
        response = api.get(f"/api/training-data?{query}", headers=AUTH)
        assert response.status_code == 200, response.text
        return int(response.json()["count"])

    assert count("type=sentiment") == 2
    assert count("type=quality") == 1
    assert count("user_id=7") == 1
    assert count("since=2026-01-16") == 1
    assert count("until=2026-01-15") == 2
    assert count("since=2026-01-15&until=2026-01-15&type=sentiment&user_id=42") == 2
    assert count("since=2026-02-01&until=2026-01-01") == 0  # an empty range, not an error
    assert api.get("/api/training-data?since=yesterday", headers=AUTH).status_code == 422
    # The calendar's ends are ordinary days: the last one simply has no day after it.
    assert count("until=9999-12-31") == count("since=0001-01-01") == count("") == 3
    assert api.get("/api/training-data?until=9999-12-31&format=jsonl", headers=AUTH).is_success
    # user ids up to BIGINT UNSIGNED's largest: past SQLite's signed 64 bits nothing matches
    for user_id in (2**63 - 1, 2**63, 2**64 - 1):
        assert count(f"user_id={user_id}") == 0
        assert api.get(
            f"/api/training-data?user_id={user_id}&format=jsonl", headers=AUTH
        ).is_success


def test_pages_with_a_cursor(api: TestClient, db: TestDatabase) -> None:
    _seed(db)
    seen = []
    after = 0
    while True:
        body = api.get(f"/api/training-data?limit=2&after_id={after}", headers=AUTH).json()
        seen += [d["id"] for d in body["data"]]
        if body["next_after_id"] is None:
            break
        after = body["next_after_id"]
    assert len(seen) == len(set(seen)) == 3


def test_json_lines_stream_every_record(api: TestClient, db: TestDatabase) -> None:
    _seed(db)
    response = api.get("/api/training-data?format=jsonl&type=sentiment", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in response.text.splitlines()]
    assert len(records) == 2
    assert {r["annotation_metadata"]["annotation_type"] for r in records} == {"sentiment"}


def test_count_is_every_match_not_the_page(api: TestClient, db: TestDatabase) -> None:
    _seed(db)
    body = api.get("/api/training-data?limit=1", headers=AUTH).json()
    assert (body["count"], len(body["data"])) == (3, 1)
    assert api.get("/api/training-data?limit=1&type=quality", headers=AUTH).json()["count"] == 1


def test_the_flat_shape_of_the_spec_endpoint_example(api: TestClient, db: TestDatabase) -> None:
    _seed(db)
    body = api.get("/api/training-data?shape=flat&type=sentiment", headers=AUTH).json()
    assert body["count"] == 2
    first = body["data"][0]
    assert {k: first[k] for k in ("transcript", "original_sentiment", "corrected_sentiment")} == {
        "transcript": REDACTED,
        "original_sentiment": "positive",
        "corrected_sentiment": "neutral",
    }
    assert first["annotator_notes"] == "Supporter showed frustration"
    assert body["data"][1]["transcript"] is None  # no redacted transcript: never the raw one
    quality = api.get("/api/training-data?shape=flat&type=quality", headers=AUTH).json()["data"]
    assert quality[0]["corrected_sentiment"] is None
    assert (quality[0]["field_name"], quality[0]["corrected_value"]) == ("quality_score", 65.0)
    lines = api.get("/api/training-data?shape=flat&format=jsonl", headers=AUTH).text
    assert all("original_sentiment" in json.loads(line) for line in lines.splitlines())
    assert RAW not in lines
