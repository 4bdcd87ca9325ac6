"""Reading and writing `ai_client_configs`: the rows that can apply to a client's calls, and
the create/read/update/delete behind `/api/config`.

The lookup follows the spec's "Client Configuration System": active rows for the client, and
the global rows (`client_ref` NULL) to fall back on. Which row wins per type is decided in
`analysis/client_config.py`, and what a valid `config_data` is too; this module only stores rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.db.models import AiClientConfig
from angel_intelligence.domain.client_config import ClientConfigFilter, StoredClientConfig
from angel_intelligence.errors import DatabaseError


class ClientConfigExistsError(Exception):
    """A config of this type already exists for this client (or globally)."""


def _detached(row: AiClientConfig) -> StoredClientConfig:
    return StoredClientConfig(
        id=row.id,
        client_ref=row.client_ref,
        config_type=row.config_type,
        config_data=row.config_data,
        # NULL counts as inactive, as in the spec's `is_active = TRUE` query.
        is_active=bool(row.is_active),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def active_config_rows(session: Session, client_ref: str | None) -> list[StoredClientConfig]:
    """The active rows for `client_ref` and the active global rows, client rows first."""
    scope: ColumnElement[bool] = AiClientConfig.client_ref.is_(None)
    if client_ref is not None:
        scope = or_(AiClientConfig.client_ref == client_ref, scope)
    rows = session.scalars(
        select(AiClientConfig)
        .where(AiClientConfig.is_active == true(), scope)
        .order_by(AiClientConfig.client_ref.is_(None), AiClientConfig.id)
    ).all()
    return [_detached(row) for row in rows]


def _filtered(filters: ClientConfigFilter) -> Select[AiClientConfig]:
    query = select(AiClientConfig)
    if filters.global_only:
        query = query.where(AiClientConfig.client_ref.is_(None))
    elif filters.client_ref is not None:
        query = query.where(AiClientConfig.client_ref == filters.client_ref)
    if filters.config_type is not None:
        query = query.where(AiClientConfig.config_type == filters.config_type)
    if filters.is_active is True:
        query = query.where(AiClientConfig.is_active == true())
    elif filters.is_active is False:
        query = query.where(
            or_(AiClientConfig.is_active.is_(None), AiClientConfig.is_active != true())
        )
    return query


def list_configs(
    sessions: sessionmaker[Session],
    filters: ClientConfigFilter,
    *,
    after_id: int = 0,
    limit: int,
) -> list[StoredClientConfig]:
    """One page of matching rows with id > `after_id`, in id order."""
    query = _filtered(filters).where(AiClientConfig.id > after_id).order_by(AiClientConfig.id)
    with sessions() as session:
        return [_detached(row) for row in session.scalars(query.limit(limit))]


def get_config(sessions: sessionmaker[Session], config_id: int) -> StoredClientConfig | None:
    with sessions() as session:
        row = session.get(AiClientConfig, config_id)
        return _detached(row) if row is not None else None


def create_config(
    sessions: sessionmaker[Session],
    *,
    client_ref: str | None,
    config_type: str,
    config_data: Any,
    is_active: bool = True,
) -> StoredClientConfig:
    """Insert a row; raise ClientConfigExistsError if (client_ref, config_type) is taken.

    The unique keys decide, not a prior SELECT, so two concurrent creates cannot both succeed;
    `uq_client_config_scope` makes the global (NULL) client unique per type too. They are the
    only constraints a validated row can break, so an IntegrityError means a duplicate.
    """
    try:
        with sessions.begin() as session:
            row = AiClientConfig(
                client_ref=client_ref,
                config_type=config_type,
                config_data=config_data,
                is_active=is_active,
            )
            session.add(row)
            session.flush()
            session.refresh(row)
            return _detached(row)
    except IntegrityError:
        scope = f"client {client_ref!r}" if client_ref is not None else "the global config"
        raise ClientConfigExistsError(
            f"{scope} already has a {config_type} config; change that one (PUT) instead"
        ) from None


_UNCHANGED: Any = object()


def update_config(
    sessions: sessionmaker[Session],
    config_id: int,
    *,
    config_data: Any = _UNCHANGED,
    is_active: bool | None = None,
) -> StoredClientConfig | None:
    """Change a row's `config_data` and/or `is_active`; None if there is no such row."""
    with sessions.begin() as session:
        row = session.get(AiClientConfig, config_id, with_for_update=True)
        if row is None:
            return None
        if config_data is not _UNCHANGED:
            row.config_data = config_data
        if is_active is not None:
            row.is_active = is_active
        row.updated_at = func.now()
        session.flush()
        session.refresh(row)
        return _detached(row)


def delete_config(sessions: sessionmaker[Session], config_id: int) -> StoredClientConfig | None:
    """Delete a row and return what it was; None if there is no such row."""
    with sessions.begin() as session:
        row = session.get(AiClientConfig, config_id, with_for_update=True)
        if row is None:
            return None
        deleted = _detached(row)
        session.delete(row)
        return deleted


class ClientConfigRepository:
    """`ports.ClientConfigStore` on the database: the rows a call's config is resolved from."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def active(self, client_ref: str | None) -> list[StoredClientConfig]:
        """The active rows for `client_ref` and the global ones; DATABASE_ERROR if unreadable."""
        try:
            with self._sessions() as session:
                return active_config_rows(session, client_ref)
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            raise DatabaseError(f"cannot read ai_client_configs: {reason}") from error
