"""The database as an operator sees it (`angel db`): reachable, migrated, matching the models."""

from __future__ import annotations

from sqlalchemy import Engine

from angel_intelligence.db import schema
from angel_intelligence.db.engine import check_database


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
