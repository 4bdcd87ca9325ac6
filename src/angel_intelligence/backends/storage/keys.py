"""Where retained audio goes: a predictable key per call, so Pulse and operators can find it."""

from __future__ import annotations

import datetime as dt

from angel_intelligence.domain.call import resolve_call_date, validate_apex_id

RETAINED_CONTENT_TYPE = "audio/wav"
RETAINED_SUFFIX = ".wav"


def retention_key(apex_id: str, call_date: dt.date | None) -> str:
    """``recordings/YYYY/MM/DD/{apex_id}.wav``, dated by `call_date` (or the apex id's date).

    The apex id is validated first, so a key can never climb out of ``recordings/``.
    """
    validate_apex_id(apex_id)
    day = resolve_call_date(apex_id, call_date)
    return f"recordings/{day:%Y/%m/%d}/{apex_id}{RETAINED_SUFFIX}"
