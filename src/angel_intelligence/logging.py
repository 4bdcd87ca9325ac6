"""Structured logs: JSON in production, readable lines in development.

Context (recording id, apex id, worker id, stage) is bound with `structlog.contextvars` and
appears on every line logged inside it, including lines from the standard library's loggers
(uvicorn, SQLAlchemy, botocore), which are routed through the same processors.

Never log a transcript, PII, a token or a password: log ids, counts and durations. As the last
line of defence (issue 19), every record, including the standard library's (uvicorn's error
logger, SQLAlchemy) and its formatted traceback, passes `mask_pii` before it is written: values
shaped like card, account, phone, NHS or NI numbers, sort codes, postcodes and e-mail addresses
are replaced, whatever key or message they hide in.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

import structlog

_SECRET_KEYS = frozenset({"authorization", "token", "password", "api_auth_token", "secret"})


def _drop_secrets(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in list(event):
        if key.lower() in _SECRET_KEYS:
            event[key] = "**********"
    return event


# Shapes of PII, for log lines only: generous on purpose (a masked duration is harmless, a logged
# card number is not), but never an apex id (`1737123456.12345`) or a decimal.
_PII_SHAPES = re.compile(
    r"""
    (?<![\w.])(?:\+?\d[\s-]?){7,18}\d(?![\w]|\.\d)     # 8-19 digits: card, account, phone, NHS
    | (?<![\w-])\d{2}-\d{2}-\d{2}(?![\w-])               # sort code
    | \b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b   # NI number
    | \b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b               # postcode
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                       # e-mail
    """,
    re.VERBOSE | re.IGNORECASE,
)
PII_MASK = "[masked]"


def mask_pii_text(text: str) -> str:
    """`text` with every PII-shaped value replaced by `PII_MASK`."""
    return _PII_SHAPES.sub(PII_MASK, text)


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii_text(value)
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_masked(v) for v in value)
    return value


def mask_pii(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    """The structlog processor: every string in the record, at any depth, through
    `mask_pii_text` (the timestamp and level are left alone)."""
    for key, value in event.items():
        if key not in ("timestamp", "level", "logger"):
            event[key] = _masked(value)
    return event


def describe_exception(error: BaseException) -> str:
    """An exception as a log line may show it: ours (an `AngelError`, whose message we wrote)
    with its message, a database error with its code, anything else by its type only, since
    a message can quote the data that caused it (a trigger's SIGNAL, "Duplicate entry '…'")."""
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    if isinstance(getattr(error, "code", None), str) and hasattr(error, "message"):
        return mask_pii_text(f"{name}: {error}")
    orig = getattr(error, "orig", None)
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return f"{name}: database error {args[0]} (its text is not logged)"
    return f"{name} (its message is not logged: it may hold data)"


def _format_exception(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> Mapping[str, Any]:
    """`exc_info` as text: every frame of the chain, each exception described by
    `describe_exception` (never its raw message)."""
    exc_info = event.pop("exc_info", None)
    if not exc_info:
        return event
    error = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
    if isinstance(exc_info, tuple):
        error = exc_info[1]
    chain: list[BaseException] = []
    while error is not None and error not in chain:
        chain.append(error)
        error = error.__cause__ or error.__context__
    lines: list[str] = []
    for link in reversed(chain):
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_tb(link.__traceback__))
        lines.append(describe_exception(link) + "\n")
    event["exception"] = "".join(lines).rstrip("\n")
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
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
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
            # Tracebacks become text here, without the exceptions' own messages (a database
            # error's text can hold the values it was given), then `mask_pii` sees it all.
            _format_exception,
            mask_pii,
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


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
