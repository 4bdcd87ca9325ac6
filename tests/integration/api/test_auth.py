"""Every route needs the bearer token, except the probes; every way of getting it wrong is the
same 401; the token is never taken from the query string and never logged."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Route
from starlette.testclient import TestClient
from structlog.testing import capture_logs

from angel_intelligence.api.app import PROBES
from angel_intelligence.api.auth import UNAUTHORISED_BODY
from conftest import TestDatabase

from .conftest import AUTH, NEXT_TOKEN, TOKEN, build_app


def _routes(client: TestClient) -> list[tuple[str, str]]:
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, APIRoute | Route):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    found.append((method, path))
    return found


def _assert_unauthorised(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.content == UNAUTHORISED_BODY


def test_every_route_but_the_probes_needs_the_token(api: TestClient) -> None:
    routes = _routes(api)
    assert len(routes) >= 5
    for method, path in routes:
        response = api.request(method, path)
        if path in PROBES:
            assert response.status_code in (200, 503), path
        else:
            _assert_unauthorised(response)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wrong-token",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        f"bearer{TOKEN}",
        "Bearer",
        "Bearer ",
        TOKEN,
        "Bearer tök€n-ñon-ascii",
    ],
)
def test_a_wrong_missing_or_malformed_token_is_the_same_401(api: TestClient, header: str) -> None:
    response = api.get("/health", headers={"Authorization": header.encode("utf-8").decode("latin-1")})
    _assert_unauthorised(response)


def test_no_header_is_the_same_401(api: TestClient) -> None:
    _assert_unauthorised(api.get("/health"))


def test_a_token_in_the_query_string_is_never_accepted(api: TestClient) -> None:
    for name in ("token", "access_token", "api_token"):
        _assert_unauthorised(api.get(f"/health?{name}={TOKEN}"))


@pytest.mark.parametrize("token", [TOKEN, NEXT_TOKEN])
def test_the_current_and_the_next_token_are_accepted(api: TestClient, token: str) -> None:
    assert api.get("/health", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_unknown_paths_are_401_without_a_token_and_404_with_one(api: TestClient) -> None:
    _assert_unauthorised(api.get("/api/nope"))
    response = api.get("/api/nope", headers=AUTH)
    assert response.status_code == 404
    assert response.json() == {"success": False,
                               "error": {"code": "NOT_FOUND", "message": "Not Found"}}


def test_probes_answer_without_a_token_and_say_only_their_status(api: TestClient) -> None:
    assert api.get("/livez").json() == {"status": "alive"}
    assert api.get("/readyz").json() == {"status": "ready"}


def test_docs_are_open_in_development_and_gone_in_production(db: TestDatabase) -> None:
    app, _ = build_app(db)
    with TestClient(app) as client:
        assert client.get("/openapi.json").status_code == 200
    app, _ = build_app(db, angel_env="production", ai_db_host="127.0.0.1")
    with TestClient(app, raise_server_exceptions=False) as client:
        _assert_unauthorised(client.get("/openapi.json"))
        for path in ("/openapi.json", "/docs", "/redoc"):
            assert client.get(path, headers=AUTH).status_code == 404


def test_the_token_is_never_logged(api: TestClient) -> None:
    with capture_logs() as logs:
        api.get("/health", headers=AUTH)
        api.get(f"/health?access_token={TOKEN}")
        api.get("/health", headers={"Authorization": f"Bearer {TOKEN}zz"})
    assert logs, "the access log should have recorded the requests"
    assert TOKEN not in repr(logs)


def test_an_oversized_body_is_413(api: TestClient) -> None:
    response = api.post("/api/process", headers=AUTH, content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
