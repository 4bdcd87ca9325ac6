"""A chat answer and a monthly summary end to end with the real bundled chat model
(SmolLM2-135M-Instruct, GGUF, in-process) built as the API builds it, on calls of known figures.

The model is far too small to answer well, and it often states numbers that are not in the
brief: what is tested is that whatever it writes, what reaches Pulse states only the brief's
numbers, in British English, and is stored.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from apikit import AUTH, build_app
from starlette.testclient import TestClient

from angel_intelligence.bootstrap import build_api_models
from angel_intelligence.db.insights import InsightsRepository
from angel_intelligence.domain.insights import CallFilters, Feature, month_period
from angel_intelligence.language.british import to_british_english
from angel_intelligence.services.brief import build_brief
from angel_intelligence.services.numbers import Allowed, unsupported
from chatkit import seed_known_calls
from dbkit import TestDatabase

pytestmark = [pytest.mark.models, pytest.mark.slow]

# Shared with the analysis tests: the GGUF conversion is done once per machine.
MODEL_CACHE = Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache"
LIMITS = {
    "chat_max_new_tokens": 60,
    "chat_max_regenerations": 1,
    "chat_brief_max_tokens": 400,
    "llm_cpu_threads": 2,
}


def test_the_bundled_model_answers_and_summarises_from_the_brief(mariadb: TestDatabase) -> None:
    seed_known_calls(mariadb.engine)
    settings = mariadb.settings(model_cache_path=MODEL_CACHE, **LIMITS)
    models = build_api_models(settings)  # the chat model as `angel api` builds it
    app, _ = build_app(mariadb, models=models, model_cache_path=MODEL_CACHE, **LIMITS)
    question = "What was the average quality score in January?"
    with TestClient(app, raise_server_exceptions=False) as client:
        chat = client.post(
            "/api/chat",
            json={
                "message": question,
                "feature": "call_quality",
                "user_id": 1,
                "filters": {
                    "client_ref": "ACME001",
                    "start_date": "2026-01-01",
                    "end_date": "2026-01-31",
                },
            },
            headers=AUTH,
        )
        summary = client.post(
            "/api/summary/generate",
            json={"feature": "call_quality", "month": 1, "year": 2026, "client_ref": "ACME001"},
            headers=AUTH,
        )
        health = client.get("/health", headers=AUTH).json()

    assert chat.status_code == 200, chat.text
    body = chat.json()
    meta = body["metadata"]
    assert meta["model"] == "SmolLM2-135M-Instruct"
    assert meta["context_calls_analysed"] == 4 and meta["tokens_used"] > 0
    figures = InsightsRepository(mariadb.engine).figures(
        CallFilters("ACME001"), month_period(2026, 1), question=question
    )
    brief = build_brief(figures, Feature.CALL_QUALITY, budget_tokens=settings.chat_brief_max_tokens)
    allowed = Allowed.of(brief.text)
    answer = body["response"]
    assert answer and unsupported(answer, allowed) == []
    assert to_british_english(answer) == answer
    assert health["models_loaded"]["chat"]["loaded"] is True
    analysis = health["models_loaded"].get("analysis", {"loaded": False})
    assert analysis["loaded"] is False  # the chat never loaded the analysis model

    assert summary.status_code == 200, summary.text
    data = summary.json()["summary_data"]
    assert set(data) == {"summary", "key_insights", "recommendations"}
    month_brief = build_brief(
        InsightsRepository(mariadb.engine).figures(
            CallFilters("ACME001"), month_period(2026, 1), notes=3
        ),
        Feature.CALL_QUALITY,
        budget_tokens=settings.chat_brief_max_tokens,
    )
    month_allowed = Allowed.of(month_brief.text)
    for text in (data["summary"], *data["key_insights"], *data["recommendations"]):
        assert unsupported(text, month_allowed) == [], text
        assert to_british_english(text) == text
    generation = summary.json()["metrics"]["generation"]
    print(json.dumps({"chat": meta["number_check"], "summary": generation["number_check"]}))
