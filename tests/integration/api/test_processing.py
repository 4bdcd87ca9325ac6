"""`POST /api/process` and `GET /api/statistics` on the real queue."""

from __future__ import annotations

import pytest
from apikit import AUTH
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from angel_intelligence.db.models import AiCallRecording
from dbkit import TestDatabase


def _add(db: TestDatabase, apex_id: str, **values: object) -> int:
    with Session(db.engine) as session, session.begin():
        recording = AiCallRecording(apex_id=apex_id, **values)
        session.add(recording)
        session.flush()
        return recording.id


def _status(db: TestDatabase, recording_id: int) -> tuple[str, int]:
    with db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT processing_status, retry_count FROM ai_call_recordings WHERE id = :id"),
            {"id": recording_id},
        ).one()
    return row[0], row[1]


def test_a_pending_call_is_queued_in_the_spec_shape(api: TestClient, db: TestDatabase) -> None:
    rid = _add(db, "1737123456.12345")
    response = api.post("/api/process", headers=AUTH, json={"apex_id": "1737123456.12345"})
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "recording_id": rid,
        "status": "queued",
        "message": "Call queued for processing",
    }
    assert _status(db, rid) == ("queued", 0)


def test_unknown_apex_id_is_404(api: TestClient) -> None:
    response = api.post("/api/process", headers=AUTH, json={"apex_id": "1737000000.1"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "apex_id",
    ["../../etc/passwd", "1737123456", "1.2.3", "abc.def", "1737123456.12345?x=1", "", "١٢٣.٤٥"],
)
def test_malformed_apex_id_is_422(api: TestClient, apex_id: str) -> None:
    response = api.post("/api/process", headers=AUTH, json={"apex_id": apex_id})
    assert response.status_code == 422
    assert response.json()["success"] is False


def test_a_call_being_processed_is_409(api: TestClient, db: TestDatabase) -> None:
    rid = _add(
        db, "1737123456.2", processing_status="processing", claimed_by="w1", claim_token="t" * 32
    )
    response = api.post(
        "/api/process", headers=AUTH, json={"apex_id": "1737123456.2", "force_reprocess": True}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "ALREADY_PROCESSING"
    assert _status(db, rid) == ("processing", 0)


def test_completed_needs_force_which_resets_the_retry_count(
    api: TestClient, db: TestDatabase
) -> None:
    rid = _add(db, "1737123456.3", processing_status="completed", retry_count=2)
    refused = api.post("/api/process", headers=AUTH, json={"apex_id": "1737123456.3"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "ALREADY_PROCESSED"
    forced = api.post(
        "/api/process", headers=AUTH, json={"apex_id": "1737123456.3", "force_reprocess": True}
    )
    assert forced.status_code == 200
    assert _status(db, rid) == ("queued", 0)


def test_permanently_failed_needs_force(api: TestClient, db: TestDatabase) -> None:
    rid = _add(
        db,
        "1737123456.4",
        processing_status="failed",
        retry_count=3,
        processing_error="DOWNLOAD_FAILED: x",
    )
    assert (
        api.post("/api/process", headers=AUTH, json={"apex_id": "1737123456.4"}).status_code == 409
    )
    assert (
        api.post(
            "/api/process", headers=AUTH, json={"apex_id": "1737123456.4", "force_reprocess": True}
        ).status_code
        == 200
    )
    assert _status(db, rid) == ("queued", 0)


def test_statistics_count_statuses_and_failures(api: TestClient, db: TestDatabase) -> None:
    _add(db, "1.1")
    _add(db, "1.2", processing_status="queued")
    _add(db, "1.3", processing_status="completed")
    _add(
        db,
        "1.4",
        processing_status="failed",
        retry_count=3,
        processing_error="RECORDING_NOT_FOUND: no URL had it",
    )
    _add(
        db,
        "1.5",
        processing_status="failed",
        retry_count=3,
        processing_error="RECORDING_NOT_FOUND: again",
    )
    body = api.get("/api/statistics", headers=AUTH).json()
    assert body["success"] is True
    assert (
        body["total"],
        body["pending"],
        body["queued"],
        body["completed"],
        body["failed"],
        body["processing"],
    ) == (5, 1, 1, 1, 2, 0)
    assert body["failures_by_code"] == {"RECORDING_NOT_FOUND": 2}
    assert body["oldest_pending_age_seconds"] is not None
    assert body["permanently_failed"] == 2


def test_metrics_expose_queue_and_request_figures(api: TestClient, db: TestDatabase) -> None:
    _add(db, "1.6")
    api.get("/health", headers=AUTH)
    text_ = api.get("/metrics", headers=AUTH).text
    assert 'angel_queue_recordings{status="pending"} 1.0' in text_
    assert 'angel_api_requests_total{method="GET",route="/health",status="200"}' in text_
