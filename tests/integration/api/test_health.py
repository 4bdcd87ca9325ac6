"""`/health` in the spec's shape, degraded with a reason when the database or a model is down."""

from __future__ import annotations

from pathlib import Path

import pytest
from apikit import AUTH, TOKEN, build_app
from sqlalchemy import text
from starlette.testclient import TestClient

from angel_intelligence import __version__
from angel_intelligence.bootstrap import build_api_app, build_api_services
from angel_intelligence.db.engine import engine_for_url, session_factory
from angel_intelligence.db.workers import WorkerRepository
from angel_intelligence.domain.model_version import ModelInUse
from angel_intelligence.services.model_versions import ModelVersions
from angel_intelligence.worker.presence import WorkerPresence
from dbkit import TestDatabase


def test_health_has_the_spec_shape(db: TestDatabase) -> None:
    app, services = build_app(db)
    services.models.register("analysis", "v1.2.0", lambda: object())
    services.models.register("chat", "base", lambda: object())
    services.models.register("whisper", "tiny.en", lambda: object())
    services.models.get("whisper")
    with TestClient(app) as client:
        body = client.get("/health", headers=AUTH).json()
    assert body["status"] == "healthy"
    assert body["version"] == __version__
    assert body["worker_id"] == "api-test"
    assert body["models_loaded"] == {
        "analysis": {"version": "v1.2.0", "loaded": False},
        "chat": {"version": "base", "loaded": False},
        "whisper": {"version": "tiny.en", "loaded": True},
    }


def test_a_model_that_fails_to_load_makes_health_degraded(db: TestDatabase) -> None:
    app, services = build_app(db)

    def broken() -> object:
        raise OSError("no such file: /models/analysis/current/config.json")

    services.models.register("analysis", "v2", broken)
    with pytest.raises(Exception, match="could not load the analysis model"):
        services.models.get("analysis")
    with TestClient(app) as client:
        body = client.get("/health", headers=AUTH).json()
    assert body["status"] == "degraded"
    assert body["models_loaded"]["analysis"]["loaded"] is False
    assert "analysis model unavailable" in body["reasons"][0]


def test_an_unreachable_database_makes_health_degraded_and_readyz_503(db: TestDatabase) -> None:
    settings = db.settings(api_auth_token=TOKEN)
    dead = engine_for_url("mysql+pymysql://root@127.0.0.1:1/nowhere")
    services = build_api_services(settings, dead)
    with TestClient(build_api_app(settings, services)) as client:
        body = client.get("/health", headers=AUTH).json()
        assert (body["status"], body["database"]) == ("degraded", "unavailable")
        assert "database unavailable" in body["reasons"]
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"status": "not_ready"})
        assert client.get("/livez").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/statistics", None),
        ("POST", "/api/process", {"apex_id": "1737123456.12345"}),
        ("GET", "/api/config", None),
        ("POST", "/api/config", {"config_type": "topics", "config_data": ["Legacy"]}),
        ("GET", "/api/training-data", None),
    ],
)
def test_with_the_database_down_every_data_route_is_503_with_retry_after(
    db: TestDatabase, method: str, path: str, body: dict[str, object] | None
) -> None:
    settings = db.settings(api_auth_token=TOKEN)
    dead = engine_for_url("mysql+pymysql://root@127.0.0.1:1/nowhere")
    services = build_api_services(settings, dead)
    with TestClient(build_api_app(settings, services), raise_server_exceptions=False) as client:
        answer = client.request(method, path, json=body, headers=AUTH)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    assert int(answer.headers["Retry-After"]) > 0


def test_health_reports_the_registry_and_what_the_live_workers_run(
    db: TestDatabase, tmp_path: Path
) -> None:
    registry = ModelVersions(tmp_path / "models")
    for name in ("v1", "v2"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text("{}")
        registry.add("analysis", name, tmp_path / name)
    registry.promote("analysis", "v2")
    app, _services = build_app(db, models_base_path=tmp_path / "models")
    store = WorkerRepository(session_factory(db.engine))

    def presence(worker_id: str, version: str) -> WorkerPresence:
        return WorkerPresence(
            store,
            worker_id=worker_id,
            device="cpu",
            models=lambda: {
                "analysis": ModelInUse("SmolLM2-135M-Instruct", version),
                "whisper": ModelInUse("whisper-tiny.en", "tiny.en"),
            },
        )

    for worker_id, version in (("w1", "v2"), ("w2", "v2"), ("w3", "v1"), ("gone", "v0")):
        presence(worker_id, version).report(1, starting=True)
    presence("gone", "v0").report(0, status="stopped")
    presence("stale", "v0").report(1, starting=True)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE ai_workers SET last_seen_at = '2026-01-01 00:00:00' WHERE worker_id = 'stale'"
            )
        )
    with TestClient(app) as client:
        body = client.get("/health", headers=AUTH).json()
    assert body["models_loaded"] == {
        "analysis": {
            "version": "v2",
            "loaded": True,
            "current": "v2",
            "workers": {"v2": 2, "v1": 1},
        },
        "chat": {"version": "none", "loaded": False},
        "whisper": {"version": "tiny.en", "loaded": True, "workers": {"tiny.en": 3}},
    }
    assert sorted(w["worker_id"] for w in body["workers"]) == ["w1", "w2", "w3"]
    w1 = next(w for w in body["workers"] if w["worker_id"] == "w1")
    assert (w1["device"], w1["jobs_running"]) == ("cpu", 1)
    assert w1["models"]["analysis"] == {"name": "SmolLM2-135M-Instruct", "version": "v2"}
    assert body["status"] == "healthy"
