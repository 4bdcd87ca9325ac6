"""One JSON error shape for every failure, never a stack trace.

{"success": false, "error": {"code": "NOT_FOUND", "message": "...", "details": [...]}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from angel_intelligence.errors import DatabaseUnavailableError, is_database_outage
from angel_intelligence.logging import describe_exception, get_logger

log = get_logger(__name__)

RETRY_AFTER_S = 5
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORISED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR",
    503: "UNAVAILABLE",
}


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    """The body of every error response."""

    success: bool = False
    error: ErrorBody


class ApiError(Exception):
    """An error a route raises on purpose: its status, code and message reach the caller."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.code, self.message = status_code, code, message


def error_response(
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, details=details))
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, headers=dict(headers or {})
    )


def _json_safe(error: dict[str, Any]) -> dict[str, Any]:
    # The offending input is left out: it may be PII or a secret.
    return {
        "loc": list(error.get("loc", ())),
        "msg": str(error.get("msg", "")),
        "type": str(error.get("type", "")),
    }


def _summary(details: list[dict[str, Any]]) -> str:
    """The first problem, by where it is: "… not valid: body.config_type: Input should be …"."""
    if not details:
        return "The request is not valid."
    first = details[0]
    where = ".".join(str(part) for part in first["loc"])
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"The request is not valid: {where}: {first['msg']}{more}."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status_code, error.code, error.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = STATUS_CODES.get(error.status_code, "HTTP_ERROR")
        message = error.detail if isinstance(error.detail, str) else code.replace("_", " ").lower()
        return error_response(error.status_code, code, message, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        details = [_json_safe(e) for e in error.errors()]
        return error_response(422, "VALIDATION_ERROR", _summary(details), details)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(DatabaseUnavailableError)
    async def _database_down(request: Request, error: Exception) -> JSONResponse:
        if not is_database_outage(error):  # the server refused the data: a defect, not an outage
            return await _unexpected(request, error)
        # The database is unreachable, restarting or locked: the caller should come back.
        log.warning(
            "api_database_unavailable", path=request.url.path, error=describe_exception(error)
        )
        return error_response(
            503,
            "DATABASE_UNAVAILABLE",
            "The database is not available; try again shortly.",
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.error("api_unhandled_error", path=request.url.path, error_type=type(error).__name__)
        return error_response(500, "INTERNAL_ERROR", "Something went wrong; it has been logged.")
