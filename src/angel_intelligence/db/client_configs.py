"""Reading `ai_client_configs`: the rows that can apply to one client's calls.

The lookup follows the spec's "Client Configuration System": active rows for the client, and
the global rows (`client_ref` NULL) to fall back on. Which row wins per type is decided in
`analysis/config.py`; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from angel_intelligence.db.models import ClientConfig


@dataclass(frozen=True, slots=True)
class ClientConfigRow:
    """One `ai_client_configs` row, detached from the session."""

    id: int
    client_ref: str | None
    config_type: str
    config_data: Any
    is_active: bool = True


def active_config_rows(session: Session, client_ref: str | None) -> list[ClientConfigRow]:
    """The active rows for `client_ref` and the active global rows, client rows first.

    `is_active` NULL counts as inactive, as in the spec's `is_active = TRUE` query.
    """
    scope: ColumnElement[bool] = ClientConfig.client_ref.is_(None)
    if client_ref is not None:
        scope = or_(ClientConfig.client_ref == client_ref, scope)
    rows = session.scalars(
        select(ClientConfig)
        .where(ClientConfig.is_active == true(), scope)
        .order_by(ClientConfig.client_ref.is_(None), ClientConfig.id)
    ).all()
    return [
        ClientConfigRow(
            id=row.id,
            client_ref=row.client_ref,
            config_type=row.config_type,
            config_data=row.config_data,
            is_active=bool(row.is_active),
        )
        for row in rows
    ]
