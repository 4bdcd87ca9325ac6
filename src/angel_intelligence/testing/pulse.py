"""Pulse's side of the contract, for the demo and the tests: rows written the way Pulse writes
them (a client config, a pending recording), and a call's rows read back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from angel_intelligence.db.models import AiCallRecording, AiClientConfig
from angel_intelligence.db.results import CallRows, read_call_rows

__all__ = ["CallRows", "queue_like_pulse", "read_call_rows"]


def queue_like_pulse(
    engine: Engine,
    *,
    apex_id: str,
    client_ref: str,
    client_config: dict[str, Any],
    **recording: Any,
) -> None:
    """What Pulse does: the client's config rows, and a pending recording (replacing any)."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        session.query(AiClientConfig).filter(AiClientConfig.client_ref == client_ref).delete()
        for config_type, data in client_config.items():
            session.add(
                AiClientConfig(
                    client_ref=client_ref, config_type=config_type, config_data=data, is_active=True
                )
            )
        session.query(AiCallRecording).filter(AiCallRecording.apex_id == apex_id).delete()
        session.add(
            AiCallRecording(
                apex_id=apex_id,
                client_ref=client_ref,
                processing_status="pending",
                uploaded_at=now,
                created_at=now,
                updated_at=now,
                **recording,
            )
        )
