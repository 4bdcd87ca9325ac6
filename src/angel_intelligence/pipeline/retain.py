"""Keep a call's audio after processing, only ever in its redacted form (spec, "Audio Retention").

The guard against uploading unredacted audio is in two layers:

* the type: `retain_redacted_audio` takes a `RedactedWav`, which only `redact_audio` returns, so
  mypy (strict, in CI) rejects a plain `Path` such as the converted WAV;
* the file: it must carry the marker `redact_audio` writes into the WAV's comment, checked
  before anything is sent, so a wrong file fails closed at run time too.

A call with no PII still goes through `redact_audio` (with no intervals) before it is kept.
"""

from __future__ import annotations

import datetime as dt

from angel_intelligence.domain.audio import RetainedAudio
from angel_intelligence.domain.call import resolve_call_date, validate_apex_id
from angel_intelligence.logging import get_logger
from angel_intelligence.pipeline.redact_audio import RedactedWav, is_redacted
from angel_intelligence.ports import ObjectStorage

log = get_logger(__name__)

RETAINED_CONTENT_TYPE = "audio/wav"
RETAINED_SUFFIX = ".wav"


def retention_key(apex_id: str, call_date: dt.date | None) -> str:
    """``recordings/YYYY/MM/DD/{apex_id}.wav``, dated by `call_date` (or the apex id's date).

    The apex id is validated first, so a key can never climb out of ``recordings/``.
    """
    validate_apex_id(apex_id)
    day = resolve_call_date(apex_id, call_date)
    return f"recordings/{day:%Y/%m/%d}/{apex_id}{RETAINED_SUFFIX}"


class UnredactedAudioError(ValueError):
    """Refused to retain a file that `redact_audio` did not write."""


def retain_redacted_audio(
    storage: ObjectStorage,
    redacted_wav: RedactedWav,
    apex_id: str,
    call_date: dt.date | None,
) -> RetainedAudio:
    """Upload the redacted WAV under `retention_key` and return (bucket, key)."""
    key = retention_key(apex_id, call_date)
    if not is_redacted(redacted_wav):
        raise UnredactedAudioError(
            f"refusing to retain {redacted_wav.name}: it was not written by redact_audio, "
            "so it may contain unredacted PII"
        )
    storage.put_file(redacted_wav, key, content_type=RETAINED_CONTENT_TYPE)
    log.info(
        "audio_retained",
        bucket=storage.bucket,
        key=key,
        size_bytes=redacted_wav.stat().st_size,
    )
    return RetainedAudio(storage.bucket, key)
