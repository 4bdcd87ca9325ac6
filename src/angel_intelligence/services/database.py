"""The database as an operator sees it (`angel db`): reachable, migrated, matching the models."""

from __future__ import annotations

from sqlalchemy import Engine

from angel_intelligence.db import grants, schema
from angel_intelligence.db.engine import check_database
from angel_intelligence.errors import ConfigurationError


class DatabaseAdmin:
    """Check, migrate and compare the schema of one database."""

    def __init__(self, engine: Engine, *, shown_url: str) -> None:
        self.engine = engine
        self.shown_url = shown_url
        """The URL with the password masked: safe to print."""

    def check_reachable(self) -> str:
        """Connect once; the server's version, or `DatabaseUnavailableError` with the fix."""
        return check_database(self.engine)

    def upgrade(self, revision: str = "head") -> schema.UpgradeReport:
        """Create or migrate the schema (adopts tables Pulse already created)."""
        return schema.upgrade(self.engine, revision)

    def drift(self) -> schema.DriftReport:
        """Differences between the live schema and Angel's models."""
        return schema.check(self.engine)

    def close(self) -> None:
        self.engine.dispose()


def grant_script(role: str, *, database: str, user: str | None = None, host: str = "%") -> str:
    """The least-privilege GRANT script of one of Angel's database users (db/grants.py).

    Raises `ConfigurationError` for an unrole role or a name that is not a plain identifier.
    """
    if role not in grants.ROLES:
        raise ConfigurationError(f"unrole role {role!r}: use one of {', '.join(grants.ROLES)}")
    try:
        account = grants.account_for(role, database, host)
        if user is not None:
            account = grants.Account(database=database, user=user, host=host)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    return grants.render_script(role, account)
