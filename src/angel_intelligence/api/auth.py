"""Bearer-token authentication for every route, as ASGI middleware with an explicit allowlist.

Middleware rather than a route dependency, so a route added later cannot forget it, unknown paths
answer 401 (not 404) to anonymous callers, and FastAPI's own routes are covered too.

- The token is compared as bytes with `hmac.compare_digest` (a non-ASCII header is a 401, not a
  500: `compare_digest` on non-ASCII `str` raises TypeError; research/reliability_anchors.md §5).
- Missing, malformed and wrong tokens get one identical 401 body with `WWW-Authenticate: Bearer`.
- Only the `Authorization` header counts; a token in the query string is never accepted.
- `API_AUTH_TOKEN_NEXT` is accepted too (rotation); both are always compared (no short cut).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

UNAUTHORISED_BODY = json.dumps(
    {
        "success": False,
        "error": {"code": "UNAUTHORISED", "message": "A valid bearer token is required."},
    }
).encode()


class BearerAuthMiddleware:
    """Reject every HTTP request without a valid bearer token, except allowlisted paths."""

    def __init__(self, app: ASGIApp, *, tokens: Iterable[bytes], allowlist: Iterable[str]) -> None:
        self.app = app
        self.tokens = tuple(t for t in tokens if t)
        self.allowlist = frozenset(allowlist)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.allowlist:
            await self.app(scope, receive, send)
            return
        if self._authorised(scope):
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"www-authenticate", b"Bearer"),
                    (b"content-length", str(len(UNAUTHORISED_BODY)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": UNAUTHORISED_BODY})

    def _authorised(self, scope: Scope) -> bool:
        values = [v for k, v in scope["headers"] if k == b"authorization"]
        if len(values) != 1 or not self.tokens:
            return False
        scheme, _, presented = values[0].partition(b" ")
        if scheme.lower() != b"bearer" or not presented:
            return False
        presented = presented.strip()
        matched = False
        for token in self.tokens:
            matched |= hmac.compare_digest(presented, token)
        return matched
