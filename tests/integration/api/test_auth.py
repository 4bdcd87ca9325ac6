"""Every route needs the bearer token, except the probes; every way of getting it wrong is the
same 401; the token is never taken from the query string and never logged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from apikit import AUTH, NEXT_TOKEN, TOKEN, build_app
from starlette.testclient import TestClient
from structlog.testing import capture_logs

from angel_intelligence.api.app import DOCS, PROBES
from angel_intelligence.api.auth import UNAUTHORISED_BODY
from dbkit import TestDatabase


def _routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, including routers FastAPI wraps on inclusion."""
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        candidates = (
            route.effective_candidates() if hasattr(route, "effective_candidates") else [route]
        )
        for candidate in candidates:
            path = re.sub(r"\{[^}]+\}", "1", candidate.path)
            for method in sorted(candidate.methods or ()):
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
        if path in PROBES + DOCS:  # DOCS: development only (see the production test below)
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
    status, headers, body = _raw_get(api, "/health", [(b"authorization", header.encode("utf-8"))])
    assert status == 401
    assert headers[b"www-authenticate"] == b"Bearer"
    assert body == UNAUTHORISED_BODY


def _raw_get(
    client: TestClient, path: str, headers: list[tuple[bytes, bytes]]
) -> tuple[int, dict[bytes, bytes], bytes]:
    """Call the ASGI app with raw header bytes (HTTP clients refuse non-ASCII header values;
    servers pass them through as bytes, which is what the middleware must survive)."""
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    anyio.run(client.app, scope, receive, send)  # type: ignore[arg-type]
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


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
    assert response.json() == {
        "success": False,
        "error": {"code": "NOT_FOUND", "message": "Not Found"},
    }


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


def test_a_streamed_body_over_the_limit_is_413_too(api: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(20):
            yield b"x" * 65536

    for path in ("/api/process", "/api/config"):
        response = api.post(path, headers=AUTH, content=chunks())
        assert response.status_code == 413, (path, response.text)
        assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
