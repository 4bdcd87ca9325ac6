"""Training data: which annotations to export (the filter Pulse sends)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingDataFilter:
    """`GET /api/training-data` filters; dates are inclusive calendar days (UTC)."""

    since: dt.date | None = None
    until: dt.date | None = None
    annotation_type: str | None = None
    user_id: int | None = None
