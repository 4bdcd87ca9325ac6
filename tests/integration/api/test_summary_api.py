"""Monthly summaries through the API on a real database: the month's figures from SQL, the
model's text under the schema and the number check, one row per key however often (and
however concurrently) it is generated."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from apikit import AUTH, build_app
from starlette.testclient import TestClient

from angel_intelligence.bootstrap import build_summary_service
from angel_intelligence.db.summaries import SummaryRepository
from angel_intelligence.domain.insights import SummaryKey
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.services.numbers import numbers_in
from chatkit import KNOWN, ScriptedModel, UntouchableModel, seed_known_calls
from dbkit import TestDatabase

JANUARY = {"feature": "call_quality", "month": 1, "year": 2026, "client_ref": "ACME001"}
GOOD = {
    "summary": "January saw 5 calls for ACME001 with an average quality score of 70.0, up "
    "from 50.0 the month before; the agents should analyze complaints.",
    "key_insights": ["Regular giving signup came up on 3 calls.", "There were 3 compliance flags."],
    "recommendations": ["Review the 2 missing disclosure flags with the team."],
}


def client_for(database: TestDatabase, model: Any) -> TestClient:
    models = ModelRegistry()
    models.register("chat", "test", lambda: model)
    app, _ = build_app(database, models=models)
    return TestClient(app, raise_server_exceptions=False)


def test_a_summary_is_written_from_the_months_figures_and_can_be_read_back(
    db: TestDatabase,
) -> None:
    seed_known_calls(db.engine)
    model = ScriptedModel(json.dumps(GOOD))
    with client_for(db, model) as client:
        first = client.post("/api/summary/generate", json=JANUARY, headers=AUTH)
        again = client.post("/api/summary/generate", json=JANUARY, headers=AUTH)
        one = client.get(f"/api/summary/{first.json()['summary_id']}", headers=AUTH)
        month = client.get(
            "/api/summary", params={"month": 1, "year": 2026, "client_ref": "ACME001"}, headers=AUTH
        )
        missing = client.get("/api/summary/999999", headers=AUTH)
    assert first.status_code == 200, first.text
    body = first.json()
    assert again.json()["summary_id"] == body["summary_id"]  # updated, not duplicated
    data = body["summary_data"]
    assert data["summary"].endswith("the agents should analyse complaints.")  # British English
    assert data["key_insights"] == GOOD["key_insights"]
    totals = body["metrics"]["totals"]
    assert totals["calls"] == KNOWN["calls"] and totals["quality_avg"] == KNOWN["quality_avg"]
    assert body["metrics"]["change"]["quality_avg"] == 20.0
    assert body["metrics"]["previous_period"]["start"] == "2025-12-01"
    assert body["metrics"]["generation"]["number_check"] == {"passed": True, "regenerations": 0}
    # constrained decoding: the model was given the schema
    assert model.requests[0]["json_schema"]["title"] == "monthly_summary"
    assert one.json()["data"]["summary_data"] == data
    assert month.json()["count"] == 1 and month.json()["data"][0]["id"] == body["summary_id"]
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "SUMMARY_NOT_FOUND"


def test_a_wrong_number_in_a_summary_is_regenerated_then_repaired(sqlite: TestDatabase) -> None:
    seed_known_calls(sqlite.engine)
    wrong = {**GOOD, "summary": "January had 5 calls and an average quality score of 99.9."}
    model = ScriptedModel(json.dumps(wrong))
    with client_for(sqlite, model) as client:
        body = client.post("/api/summary/generate", json=JANUARY, headers=AUTH).json()
    assert len(model.requests) == 2 and "99.9" in model.requests[1]["messages"][-1]["content"]
    assert body["summary_data"]["summary"] == (
        "January had 5 calls and an average quality score of 70.0."
    )
    check = body["metrics"]["generation"]["number_check"]
    assert check["unsupported"] == ["99.9"] and check["replaced"][0]["to"] == "70.0"
    for text in (body["summary_data"]["summary"], *body["summary_data"]["key_insights"]):
        assert "99.9" not in numbers_in(text)


def test_a_model_that_never_writes_usable_json_gives_a_summary_from_the_figures(
    sqlite: TestDatabase,
) -> None:
    # The bundled 135M model loops ("2020s: 2020s: …") until the schema's length runs out.
    seed_known_calls(sqlite.engine)
    model = ScriptedModel('{"summary":"The 2020s: 2020s: 2020s: 2')
    with client_for(sqlite, model) as client:
        response = client.post("/api/summary/generate", json=JANUARY, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(model.requests) == 2  # re-prompted once with the reason
    assert "there were 5 calls (4 completed, 1 failed)" in body["summary_data"]["summary"]
    assert body["summary_data"]["key_insights"] == []
    generation = body["metrics"]["generation"]
    assert generation["source"] == "brief" and "not valid JSON" in generation["reason"]


def test_a_month_without_calls_says_so_without_the_model(db: TestDatabase) -> None:
    seed_known_calls(db.engine)
    with client_for(db, UntouchableModel()) as client:
        response = client.post("/api/summary/generate", json={**JANUARY, "month": 6}, headers=AUTH)
    assert response.status_code == 200, response.text
    data = response.json()["summary_data"]
    assert data["summary"].startswith("There were no calls for ACME001 in June 2026")
    assert data["key_insights"] == [] and data["recommendations"] == []
    assert response.json()["metrics"]["generation"]["model"] is None


def test_two_generations_at_once_leave_one_row(db: TestDatabase) -> None:
    """Both threads compute and write their summary together (the model waits for the other
    one), then upsert the same key, NULL filters included: one row, both see its id."""
    seed_known_calls(db.engine)
    model = ScriptedModel(json.dumps(GOOD), barrier=threading.Barrier(2))
    models = ModelRegistry()
    models.register("chat", "test", lambda: model)
    service = build_summary_service(db.settings(), db.engine, models)
    key = SummaryKey("compliance", 1, 2026)  # client_ref, campaign and agent_id all NULL
    ids: list[int] = []
    errors: list[BaseException] = []

    def generate() -> None:
        try:
            ids.append(service.generate(key).id)
        except BaseException as error:
            errors.append(error)

    for _round in range(3):
        threads = [threading.Thread(target=generate) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors and len(ids) == 6 and len(set(ids)) == 1
    assert SummaryRepository(db.engine).count(key) == 1


def test_concurrent_upserts_of_one_key_leave_one_row(db: TestDatabase) -> None:
    """Eight writers released at once on the same NULL-filtered key."""
    repo = SummaryRepository(db.engine)
    key = SummaryKey("sentiment", 2, 2026, campaign="spring")
    barrier = threading.Barrier(8)
    ids: list[int] = []

    def upsert(n: int) -> None:
        barrier.wait(timeout=30)
        ids.append(repo.upsert(key, {"summary": f"writer {n}"}, {"n": n}))

    threads = [threading.Thread(target=upsert, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(ids) == 8 and len(set(ids)) == 1
    assert repo.count(key) == 1


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"month": 13}, "month"),
        ({"month": 0}, "month"),
        ({"year": 1999}, "year"),
        ({"feature": "weather"}, "feature"),
        ({"month": None}, "month"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    sqlite: TestDatabase, change: dict[str, Any], where: str
) -> None:
    payload = {k: v for k, v in (JANUARY | change).items() if v is not None}
    with client_for(sqlite, UntouchableModel()) as client:
        response = client.post("/api/summary/generate", json=payload, headers=AUTH)
        listing = client.get("/api/summary", params={"month": 13, "year": 2026}, headers=AUTH)
    assert response.status_code == 422 and where in response.json()["error"]["message"]
    assert listing.status_code == 422 and "month" in listing.json()["error"]["message"]


def test_the_model_not_available_is_503(sqlite: TestDatabase) -> None:
    seed_known_calls(sqlite.engine)
    app, _ = build_app(sqlite, models=ModelRegistry())  # no chat model registered
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/api/summary/generate", json=JANUARY, headers=AUTH)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "CHAT_MODEL_UNAVAILABLE"
