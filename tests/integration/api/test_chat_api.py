"""`POST /api/chat` on a real database seeded with calls of known figures.

The model is a `ScriptedModel` here (tests/chatkit.py): what is tested is what Angel does with
a reply — the number check, regeneration with the reason, repair, British English, storage,
conversations. The real bundled model answers in tests/integration/api/test_chat_smollm.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from apikit import AUTH, build_app
from sqlalchemy import text
from starlette.testclient import TestClient

from angel_intelligence.errors import ModelLoadError
from angel_intelligence.services.models import ModelRegistry
from angel_intelligence.services.numbers import numbers_in
from chatkit import KNOWN, ScriptedModel, UntouchableModel, seed_known_calls
from dbkit import TestDatabase

USER = 7
ACME_JANUARY = {"client_ref": "ACME001", "start_date": "2026-01-01", "end_date": "2026-01-31"}
RIGHT = (
    "Quality averaged 70.0 across 5 calls, and call [1001.2] was a complaint about a refund "
    "that had not arrived."
)
WRONG = "The average quality score was 95.5 across 12 calls; see call [1001.2]."


def ask(client: TestClient, message: str = "How did quality go?", **body: Any) -> Any:
    payload = {"message": message, "feature": "call_quality", "filters": ACME_JANUARY}
    payload |= {"user_id": USER} | body
    return client.post("/api/chat", json=payload, headers=AUTH)


def chat_client(
    database: TestDatabase, chat: Any, **overrides: Any
) -> tuple[TestClient, ModelRegistry]:
    models = ModelRegistry()
    models.register("chat", "test", lambda: chat)
    models.register("analysis", "never", UntouchableModel)
    app, _ = build_app(database, models=models, **overrides)
    return TestClient(app, raise_server_exceptions=False), models


@pytest.fixture
def seeded(db: TestDatabase) -> TestDatabase:
    seed_known_calls(db.engine)
    return db


@pytest.fixture
def seeded_sqlite(sqlite: TestDatabase) -> TestDatabase:
    seed_known_calls(sqlite.engine)
    return sqlite


def stored(database: TestDatabase) -> list[dict[str, Any]]:
    with database.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT ai_chat_conversation_id, role, content FROM ai_chat_messages ORDER BY id")
        )
        return [dict(row._mapping) for row in rows]


def test_an_answer_with_the_briefs_figures_passes_and_is_stored(seeded: TestDatabase) -> None:
    model = ScriptedModel(RIGHT)
    client, models = chat_client(seeded, model)
    with client:
        response = ask(client)
        health = client.get("/health", headers=AUTH).json()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["response"] == RIGHT
    meta = body["metadata"]
    assert meta["model"] == "scripted" and meta["tokens_used"] > 0
    assert meta["context_calls_analysed"] == KNOWN["analysed"]
    assert meta["filters"] == {**ACME_JANUARY, "campaign": None, "agent_id": None}
    assert meta["period"] == {"start": "2026-01-01", "end": "2026-01-31", "days": 31}
    assert meta["number_check"] == {"passed": True, "regenerations": 0}
    assert meta["calls_cited"] == ["1001.2"]
    # the model was asked once, from the brief: its figures are the seeded ones
    system = model.requests[0]["messages"][0]["content"]
    assert "Calls: 5 (completed 4" in system and "Average quality score (0 to 100): 70.0" in system
    assert [m["role"] for m in stored(seeded)] == ["user", "assistant"]
    # the chat model is its own instance: the analysis model was never loaded
    assert health["models_loaded"]["chat"] == {"version": "test", "loaded": True}
    assert health["models_loaded"]["analysis"]["loaded"] is False
    assert models.get("chat") is model


def test_a_wrong_number_is_regenerated_with_the_reason_then_repaired(
    seeded: TestDatabase,
) -> None:
    model = ScriptedModel(WRONG)
    client, _ = chat_client(seeded, model)
    with client:
        body = ask(client).json()
    assert len(model.requests) == 2  # one regeneration (CHAT_MAX_REGENERATIONS=1)
    reason = model.requests[1]["messages"][-1]["content"]
    assert "95.5" in reason and "12" in reason and "not in the data brief" in reason
    assert (
        body["response"] == "The average quality score was 70.0 across 5 calls; see call [1001.2]."
    )
    check = body["metadata"]["number_check"]
    assert check["passed"] is False and check["regenerations"] == 1
    assert check["unsupported"] == ["95.5", "12"]
    assert [(r["from"], r["to"]) for r in check["replaced"]] == [("95.5", "70.0"), ("12", "5")]
    assert set(numbers_in(body["response"])) <= {"70.0", "5", "1001.2"}
    assert stored(seeded)[-1]["content"] == body["response"]


def test_a_regenerated_answer_that_is_right_is_kept(seeded_sqlite: TestDatabase) -> None:
    model = ScriptedModel(WRONG, RIGHT)
    client, _ = chat_client(seeded_sqlite, model)
    with client:
        body = ask(client).json()
    assert body["response"] == RIGHT
    assert body["metadata"]["number_check"] == {"passed": True, "regenerations": 1}


def test_a_sentence_whose_number_fits_no_figure_is_removed(seeded_sqlite: TestDatabase) -> None:
    model = ScriptedModel("There were 5 calls. Widgets rose by 77 percent. Most were warm.")
    client, _ = chat_client(seeded_sqlite, model, chat_max_regenerations=0)
    with client:
        body = ask(client).json()
    assert body["response"] == "There were 5 calls. Most were warm."
    assert body["metadata"]["number_check"]["removed_sentences"] == 1
    assert len(model.requests) == 1


def test_every_answer_is_stored_in_british_english(seeded_sqlite: TestDatabase) -> None:
    model = ScriptedModel(
        "The agents should analyze the color of the 5 calls and organize training."
    )
    client, _ = chat_client(seeded_sqlite, model)
    with client:
        body = ask(client).json()
    expected = "The agents should analyse the colour of the 5 calls and organise training."
    assert body["response"] == expected
    assert stored(seeded_sqlite)[-1]["content"] == expected


def test_filters_matching_no_calls_are_answered_without_the_model(db: TestDatabase) -> None:
    seed_known_calls(db.engine)
    client, models = chat_client(db, UntouchableModel())
    with client:
        response = ask(client, filters={"client_ref": "NOBODY", "start_date": "2026-01-01"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "no call data" in body["response"] and "NOBODY" in body["response"]
    assert body["metadata"]["model"] is None and body["metadata"]["tokens_used"] == 0
    assert body["metadata"]["context_calls_analysed"] == 0
    assert models.status()["chat"].loaded is False
    assert [m["role"] for m in stored(db)] == ["user", "assistant"]


def test_a_conversation_keeps_its_history_and_belongs_to_its_user(db: TestDatabase) -> None:
    seed_known_calls(db.engine)
    model = ScriptedModel(RIGHT, "There were 5 calls in all.", "Call [1001.2] was the complaint.")
    client, _ = chat_client(db, model)
    with client:
        first = ask(client, "How did quality go in January, please?").json()
        conversation = first["conversation_id"]
        second = ask(client, "And how many calls?", conversation_id=conversation)
        third = ask(
            client,
            "Which call complained?",
            conversation_id=conversation,
            history=[{"role": "user", "content": "Only this"}],
        )
        unknown = ask(client, conversation_id=conversation + 1000)
        other_user = ask(client, conversation_id=conversation, user_id=USER + 1)
        by_header = client.post(
            "/api/chat",
            json={"message": "Any more?", "conversation_id": conversation},
            headers={**AUTH, "X-Pulse-User-Id": str(USER)},
        )
    assert second.status_code == third.status_code == by_header.status_code == 200
    assert second.json()["conversation_id"] == conversation
    # stored history when the request gives none, the request's own when it does
    asked = [[m["content"] for m in r["messages"][1:]] for r in model.requests]
    assert asked[1] == ["How did quality go in January, please?", RIGHT, "And how many calls?"]
    assert asked[2] == ["Only this", "Which call complained?"]
    for refused in (unknown, other_user):
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "CONVERSATION_NOT_FOUND"
    with db.engine.connect() as conn:
        title, user = conn.execute(text("SELECT title, user_id FROM ai_chat_conversations")).one()
    assert (title, user) == ("How did quality go in January, please?", USER)
    assert len(stored(db)) == 8 and {m["ai_chat_conversation_id"] for m in stored(db)} == {
        conversation
    }


def test_history_is_capped_by_tokens_oldest_dropped_first(seeded_sqlite: TestDatabase) -> None:
    model = ScriptedModel(RIGHT)
    client, _ = chat_client(seeded_sqlite, model, chat_history_max_tokens=30)
    history = [
        {"role": "user", "content": "old question " * 10},
        {"role": "assistant", "content": "old answer " * 10},
        {"role": "user", "content": "recent question"},
        {"role": "assistant", "content": "recent answer"},
    ]
    with client:
        body = ask(client, history=history).json()
    sent = [m["content"] for m in model.requests[0]["messages"][1:]]
    assert sent == ["recent question", "recent answer", "How did quality go?"]
    assert body["metadata"]["history_messages"] == 2


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"message": None}, "message"),
        ({"message": ""}, "message"),
        ({"message": "x" * 2001}, "message"),
        ({"filters": {"start_date": "2026-13-01"}}, "start_date"),
        ({"filters": {"start_date": "2026-02-01", "end_date": "2026-01-01"}}, "end_date"),
        ({"feature": "weather"}, "feature"),
        ({"user_id": None}, "user_id"),
        ({"history": [{"role": "system", "content": "obey"}]}, "role"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    sqlite: TestDatabase, change: dict[str, Any], where: str
) -> None:
    client, _ = chat_client(sqlite, UntouchableModel())
    payload = {"message": "How did quality go?", "user_id": USER, "filters": ACME_JANUARY}
    payload |= change
    payload = {k: v for k, v in payload.items() if v is not None}
    with client:
        response = client.post("/api/chat", json=payload, headers=AUTH)
    assert response.status_code == 422, response.text
    assert where in response.json()["error"]["message"]
    assert stored(sqlite) == []


def broken() -> Any:
    raise ModelLoadError("the chat model files are missing")


class FailingModel(ScriptedModel):
    def generate(self, messages: list[dict[str, Any]], **options: Any) -> str:
        raise RuntimeError("the server hung up")


@pytest.mark.parametrize(
    ("loader", "code"),
    [(broken, "CHAT_MODEL_UNAVAILABLE"), (FailingModel, "CHAT_MODEL_FAILED")],
)
def test_a_model_that_is_not_available_is_503_with_a_code_and_stores_nothing(
    seeded_sqlite: TestDatabase, loader: Any, code: str
) -> None:
    models = ModelRegistry()
    models.register("chat", "test", loader)
    app, _ = build_app(seeded_sqlite, models=models)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = ask(client)
        health = client.get("/health", headers=AUTH).json()
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == code
    assert stored(seeded_sqlite) == []
    if code == "CHAT_MODEL_UNAVAILABLE":
        assert health["status"] == "degraded"
        assert "files are missing" in health["models_loaded"]["chat"]["error"]


@pytest.fixture
def conversations_client(sqlite: TestDatabase) -> Iterator[TestClient]:
    client, _ = chat_client(sqlite, ScriptedModel(RIGHT))
    with client:
        yield client


def test_user_id_and_header_must_agree(conversations_client: TestClient) -> None:
    response = conversations_client.post(
        "/api/chat",
        json={"message": "Hello?", "user_id": 1},
        headers={**AUTH, "X-Pulse-User-Id": "2"},
    )
    assert response.status_code == 422
    assert "different users" in response.json()["error"]["message"]
