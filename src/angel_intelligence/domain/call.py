"""A call as the pipeline needs it: the recording row's facts, read once from the database.

Also the rules for apex ids, which end up inside PBX URLs and storage keys: an id is validated
strictly (ASCII digits, one dot, ASCII digits) before it touches either, so ``../``, ``@host``,
``?`` or ``#`` can never reach a URL (docs/recordings.md, "Download").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from angel_intelligence.errors import InvalidApexIdError

# `[0-9]`, not `\d`: `\d` also matches other scripts' digits ("١٢٣"). `fullmatch` rather than
# `$`, which would accept a trailing newline. 20 digits each side is far beyond real ids
# (10-digit Unix seconds, a short sequence) and keeps keys well inside VARCHAR(255).
APEX_ID_PATTERN = r"^[0-9]{1,20}\.[0-9]{1,20}$"
"""What an apex id looks like (also published in the API's OpenAPI schema)."""
_APEX_ID = re.compile(APEX_ID_PATTERN)


def validate_apex_id(apex_id: str) -> str:
    """Return `apex_id` unchanged if it is ``<digits>.<digits>``; raise `InvalidApexIdError`."""
    if not isinstance(apex_id, str) or _APEX_ID.fullmatch(apex_id) is None:
        shown = repr(apex_id)[:60]
        raise InvalidApexIdError(
            f"apex id {shown} is not of the form <digits>.<digits> (e.g. 1737123456.12345)"
        )
    return apex_id


def call_date_from_apex_id(apex_id: str) -> dt.date:
    """The call's date (UTC) from the apex id's Unix-timestamp prefix.

    ``1737123456.12345`` was made at 2025-01-17 14:17:36 UTC, so the date is 17/01/2025.
    """
    seconds = int(validate_apex_id(apex_id).split(".", 1)[0])
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        raise InvalidApexIdError(
            f"apex id {apex_id!r} does not start with a Unix timestamp, so the call date "
            "cannot be derived from it; set call_date on the recording"
        ) from None


def resolve_call_date(apex_id: str, call_date: dt.date | None) -> dt.date:
    """`call_date` when the row has one, else the date derived from the apex id."""
    return call_date if call_date is not None else call_date_from_apex_id(apex_id)


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
