"""PII found in a transcript: its type, where it is (characters and seconds), how it is shown."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.domain.transcript import Transcript


class PiiType(enum.StrEnum):
    """The spec's PII types ("UK PII Detection Patterns"), as stored in `pii_detected[].type`."""

    NATIONAL_INSURANCE_NUMBER = "national_insurance_number"
    NHS_NUMBER = "nhs_number"
    POSTCODE = "postcode"
    PHONE_NUMBER = "phone_number"
    SORT_CODE = "sort_code"
    BANK_ACCOUNT = "bank_account"
    CREDIT_CARD = "credit_card"
    CARD_EXPIRY = "card_expiry"
    CVV = "cvv"
    DATE_OF_BIRTH = "date_of_birth"
    EMAIL = "email"
    DRIVING_LICENCE = "driving_licence"
    # Not one of the spec's types: digits said in answer to a sensitive question that no rule
    # can read (Whisper's loops, dropped or swapped digits), masked rather than stored as said.
    UNKNOWN_NUMBER = "unknown_number"

    @property
    def placeholder(self) -> str:
        """The text that replaces a finding in `redacted_transcript`."""
        return PLACEHOLDERS[self]

    @property
    def is_payment_card_data(self) -> bool:
        """PCI DSS data: never stored in clear anywhere (docs/pii.md)."""
        return self in (PiiType.CREDIT_CARD, PiiType.CARD_EXPIRY, PiiType.CVV)


# The placeholder of each type in `redacted_transcript` and `pii_detected[].redacted`
# (docs/pii.md lists them; the spec names [NI_NUMBER] and [CARD_NUMBER]).
PLACEHOLDERS: dict[PiiType, str] = {
    PiiType.NATIONAL_INSURANCE_NUMBER: "[NI_NUMBER]",
    PiiType.NHS_NUMBER: "[NHS_NUMBER]",
    PiiType.POSTCODE: "[POSTCODE]",
    PiiType.PHONE_NUMBER: "[PHONE_NUMBER]",
    PiiType.SORT_CODE: "[SORT_CODE]",
    PiiType.BANK_ACCOUNT: "[BANK_ACCOUNT]",
    PiiType.CREDIT_CARD: "[CARD_NUMBER]",
    PiiType.CARD_EXPIRY: "[CARD_EXPIRY]",
    PiiType.CVV: "[CVV]",
    PiiType.DATE_OF_BIRTH: "[DATE_OF_BIRTH]",
    PiiType.EMAIL: "[EMAIL]",
    PiiType.DRIVING_LICENCE: "[DRIVING_LICENCE]",
    PiiType.UNKNOWN_NUMBER: "[NUMBER]",
}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One finding: characters [start_char, end_char) of the text it was found in.

    `start_s`/`end_s` are the padded audio interval to redact (None for text with no times).
    `card_data` marks a finding said where card data was asked for (a number in the answer to
    "the long number on your card"): it is masked in storage like card data, whatever its type.
    """

    type: PiiType
    start_char: int
    end_char: int
    value: str
    confidence: float
    start_s: float | None = None
    end_s: float | None = None
    card_data: bool = False

    @property
    def redacted(self) -> str:
        return self.type.placeholder


@dataclass(frozen=True, slots=True)
class DetectedPii:
    """One item of `pii_detected` (the spec's "PII Detected JSON Structure").

    `original` is the text as it appears in the transcript, or its masked form where the
    policy says so (payment card data always: "**** **** **** 1111", "***", "**/**").
    `start_s`/`end_s` are the padded audio interval to bleep.
    """

    type: PiiType
    original: str
    start_s: float
    end_s: float
    confidence: float

    @property
    def redacted(self) -> str:
        return self.type.placeholder

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "original": self.original,
            "redacted": self.redacted,
            "timestamp_start": round(self.start_s, 3),
            "timestamp_end": round(self.end_s, 3),
            "confidence": round(self.confidence, 4),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DetectedPii:
        return cls(
            type=PiiType(data["type"]),
            original=str(data.get("original", "")),
            start_s=float(data["timestamp_start"]),
            end_s=float(data["timestamp_end"]),
            confidence=float(data.get("confidence", 0.0)),
        )

    @property
    def interval(self) -> TimeInterval:
        return TimeInterval(self.start_s, self.end_s)


class AudioReason(enum.StrEnum):
    """Why a stretch of audio is bleeped (docs/pii.md, "Audio redaction")."""

    FINDING = "finding"  # a PII finding in the text, at the time of its words
    QUESTION_WINDOW = "question_window"  # the answer to a question asking for PII
    READ_BACK = "read_back"  # the agent reading a value back ("just to confirm, …")
    DIGIT_RUN = "digit_run"  # digits, number words or a loop near a sensitive question


@dataclass(frozen=True, slots=True)
class AudioRedaction:
    """One stretch of audio to bleep, padded, with the reason and the rule or cue behind it.

    `pii_type` is the type asked for or found (None when a question does not say, e.g. "your
    details" or an address); `rule` names the rule or cue phrase (never words of the call).
    """

    start_s: float
    end_s: float
    reason: AudioReason
    pii_type: PiiType | None
    rule: str

    @property
    def interval(self) -> TimeInterval:
        return TimeInterval(self.start_s, self.end_s)

    def to_json(self) -> dict[str, Any]:
        return {
            "start": round(self.start_s, 3),
            "end": round(self.end_s, 3),
            "reason": self.reason.value,
            "type": None if self.pii_type is None else self.pii_type.value,
            "rule": self.rule,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AudioRedaction:
        kind = data.get("type")
        return cls(
            start_s=float(data["start"]),
            end_s=float(data["end"]),
            reason=AudioReason(data["reason"]),
            pii_type=None if kind is None else PiiType(kind),
            rule=str(data.get("rule", "")),
        )


@dataclass(frozen=True)
class PiiRedaction:
    """A transcript after PII detection: what is stored, what is shown, what is bleeped.

    - `stored`: the transcript as stored in `full_transcript` and `segments`; payment card
      data masked, other PII as the policy says (clear by default, as the spec asks).
    - `redacted`: every finding replaced by its placeholder, words of a finding merged into
      one; `redacted_transcript`, the display copy of the segments, and what the LLM reads.
    - `detected`: `pii_detected`.
    - `audio_intervals`: sorted, merged intervals to bleep when the audio is retained (the
      union of `audio_redactions`).
    - `audio_redactions`: every interval behind them, with its reason, type and rule, in time
      order (`audio_redactions_json` is the stored form).
    """

    stored: Transcript
    redacted: Transcript
    detected: tuple[DetectedPii, ...]
    audio_intervals: tuple[TimeInterval, ...]
    audio_redactions: tuple[AudioRedaction, ...] = ()

    @property
    def full_transcript(self) -> str:
        return self.stored.full_text()

    @property
    def redacted_transcript(self) -> str:
        return self.redacted.full_text()

    @property
    def segments(self) -> list[dict[str, Any]]:
        return self.stored.to_segments_json()

    @property
    def redacted_segments(self) -> list[dict[str, Any]]:
        return self.redacted.to_segments_json()

    @property
    def pii_detected(self) -> list[dict[str, Any]]:
        return [item.to_json() for item in self.detected]

    @property
    def audio_redactions_json(self) -> list[dict[str, Any]]:
        """`[{"start", "end", "reason", "type", "rule"}]`: why each stretch is bleeped."""
        return [item.to_json() for item in self.audio_redactions]
