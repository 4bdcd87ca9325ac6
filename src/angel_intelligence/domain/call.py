"""A call as the pipeline needs it: the recording row's facts, read once from the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CallInput:
    """What the pipeline knows about one recording before it starts."""

    recording_id: int
    apex_id: str
    call_date: dt.date | None
    client_ref: str | None = None
    campaign: str | None = None
    halo_id: int | None = None
    agent_name: str | None = None
    direction: str | None = None
    retain_audio: bool = False
