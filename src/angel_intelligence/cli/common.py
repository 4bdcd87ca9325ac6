"""Helpers shared by the command modules: settings, engine, and one-line errors."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer
from sqlalchemy import Engine

from angel_intelligence.db.engine import DatabaseUnavailableError, build_engine, check_database
from angel_intelligence.errors import AngelError
from angel_intelligence.logging import configure_logging
from angel_intelligence.settings import ConfigurationError, Settings, load_settings

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    ConfigurationError,
    DatabaseUnavailableError,
    AngelError,
)

EXIT_CONFIG = 2
EXIT_FAILURE = 1


def fail(error: BaseException) -> NoReturn:
    """Print one line naming the problem and exit non-zero."""
    code = EXIT_CONFIG if isinstance(error, ConfigurationError) else EXIT_FAILURE
    typer.echo(f"angel: error: {error}", err=True)
    sys.exit(code)


def settings_or_exit() -> Settings:
    """Load settings and configure logging; an invalid configuration exits with code 2."""
    try:
        settings = load_settings()
    except ConfigurationError as error:
        fail(error)
    configure_logging(settings)
    return settings


def engine_or_exit(settings: Settings) -> Engine:
    """An engine on a reachable, recent-enough database, or exit with one line."""
    engine = build_engine(settings)
    try:
        check_database(engine)
    except DatabaseUnavailableError as error:
        fail(error)
    return engine
