"""Structured logs: JSON in production, readable lines in development.

Context (recording id, apex id, worker id, stage) is bound with `structlog.contextvars` and
appears on every line logged inside it, including lines from the standard library's loggers
(uvicorn, SQLAlchemy, botocore), which are routed through the same processors.

Never log a transcript, PII, a token or a password: log ids, counts and durations.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any, Literal

import structlog

_SECRET_KEYS = frozenset({"authorization", "token", "password", "api_auth_token", "secret"})


def _drop_secrets(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        if key.lower() in _SECRET_KEYS:
            event[key] = "**********"
    return event


@dataclass(frozen=True, slots=True)
class LoggingOptions:
    """The logging section: LOG_LEVEL, LOG_FORMAT."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["console", "json"] = "console"


def configure_logging(options: LoggingOptions) -> None:
    """Configure structlog and the standard library's logging once, at an entry point."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if options.format == "json"
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(),
            # rich's default shows every frame's local variables: transcripts and PII included
            exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False),
        )
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if options.format == "json" else _noop,  # type: ignore[list-item]
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(options.level)
    for noisy in (
        "sqlalchemy.engine",
        "alembic",
        "botocore",
        "urllib3",
        "httpcore2",
        "httpx2",
        "faster_whisper",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def _noop(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    return event


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
