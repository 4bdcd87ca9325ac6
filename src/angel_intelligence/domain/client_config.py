"""A client's stored analysis config rows (`ai_client_configs`), as every layer sees them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StoredClientConfig:
    """One `ai_client_configs` row, detached from the database session."""

    id: int
    client_ref: str | None
    config_type: str
    config_data: Any
    is_active: bool = True
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ClientConfigFilter:
    """`GET /api/config` filters. `global_only`: the rows with `client_ref` NULL."""

    client_ref: str | None = None
    global_only: bool = False
    config_type: str | None = None
    is_active: bool | None = None
