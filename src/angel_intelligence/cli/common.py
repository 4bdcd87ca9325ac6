"""Helpers shared by the command modules: settings, the database, and one-line errors."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from angel_intelligence import bootstrap
from angel_intelligence.bootstrap.options import logging_options
from angel_intelligence.errors import (
    AngelError,
    ConfigurationError,
    DatabaseUnavailableError,
    ModelVersionError,
)
from angel_intelligence.logging import configure_logging
from angel_intelligence.services.database import DatabaseAdmin
from angel_intelligence.settings import Settings, load_settings

EXPECTED_ERRORS: tuple[type[Exception], ...] = (
    ConfigurationError,
    DatabaseUnavailableError,
    ModelVersionError,
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
    configure_logging(logging_options(settings))
    return settings


def database_or_exit(settings: Settings) -> DatabaseAdmin:
    """The configured database, reachable and recent enough, or exit with one line."""
    admin = bootstrap.build_database_admin(settings)
    try:
        admin.check_reachable()
    except DatabaseUnavailableError as error:
        fail(error)
    return admin
