"""The PII policy: what is stored in clear, what is masked, how much audio is bleeped.

`PII_POLICY` (docs/pii.md, docs/configuration.md):

- ``pci`` (default): payment card data (card number, expiry date, CVV) is masked everywhere it
  is stored (`full_transcript`, `segments`, `pii_detected.original`); the last four digits of a
  card number at most stay readable. Other PII is stored as the spec says: in clear in
  `full_transcript` and `segments`, replaced by placeholders in `redacted_transcript`.
- ``strict``: as ``pci``, and every other finding is replaced by its placeholder in the stored
  transcript and segments too, and masked in `pii_detected.original`.
- ``clear``: nothing masked in storage (the spec read literally). Card data would be stored in
  clear, which PCI DSS forbids; production refuses it.

Audio redaction does not trust the ASR with digits (docs/pii.md, "Audio redaction"): with
`question_windows` on, the answer to a question asking for PII is bleeped whatever Whisper
wrote there, from the question to the asker's next turn, at most `question_window_max_s`
(a slow card read-out with pauses and "mm-hm"s takes 15-25 s); agents' read-backs are bleeped
within `read_back_reach_s` of such a window, and digits near one are masked in the text too.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from angel_intelligence.domain.pii import PiiSpan, PiiType

CARD_MASK_GROUPS = 3  # "**** **** **** 1111": a fixed shape, so not even the length shows
GENERIC_MASK = "********"


class PiiStorage(enum.StrEnum):
    PCI = "pci"
    STRICT = "strict"
    CLEAR = "clear"


@dataclass(frozen=True, slots=True)
class PiiPolicy:
    storage: PiiStorage = PiiStorage.PCI
    min_confidence: float = 0.5
    audio_padding_s: float = 0.5
    card_visible_digits: int = 4
    # Question windows, read-backs and digit runs (off: text findings only, as before).
    question_windows: bool = True
    question_window_max_s: float = 30.0
    question_window_padding_s: float = 0.5
    read_back_reach_s: float = 60.0  # a read-back counts this long after a question window
    digit_run_reach_s: float = 20.0  # digits this long after a window are masked too
    cue_similarity: float = 0.8  # how close a heard phrase must be to a cue (0-1)

    def __post_init__(self) -> None:
        if not 0 <= self.card_visible_digits <= 4:
            raise ValueError("card_visible_digits must be 0 to 4 (PCI DSS: last four at most)")
        if self.audio_padding_s < 0 or self.question_window_padding_s < 0:
            raise ValueError("audio_padding_s must not be negative")
        if self.question_window_max_s <= 0:
            raise ValueError("question_window_max_s must be positive")
        if self.read_back_reach_s < 0 or self.digit_run_reach_s < 0:
            raise ValueError("read_back_reach_s and digit_run_reach_s must not be negative")
        if not 0.5 <= self.cue_similarity <= 1.0:
            raise ValueError("cue_similarity must be between 0.5 and 1")

    def masks_in_storage(self, kind: PiiType, *, card_data: bool = False) -> bool:
        """Whether a finding of this type is replaced in `full_transcript` and `segments`
        (`card_data`: found where card data was asked for, `PiiSpan.card_data`)."""
        if self.storage is PiiStorage.CLEAR:
            return False
        return kind.is_payment_card_data or card_data or self.storage is PiiStorage.STRICT

    def stored_replacement(self, span: PiiSpan) -> str | None:
        """What replaces a finding in the stored transcript (None: kept as said)."""
        if not self.masks_in_storage(span.type, card_data=span.card_data):
            return None
        if span.type.is_payment_card_data or span.card_data:
            return self.mask(span)
        return span.type.placeholder

    def original(self, span: PiiSpan, said: str) -> str:
        """`pii_detected[].original`: as said, or masked."""
        masked = self.masks_in_storage(span.type, card_data=span.card_data)
        return self.mask(span) if masked else said

    def mask(self, span: PiiSpan) -> str:
        """A masked form that shows nothing but (for a card) its last digits."""
        if span.type is PiiType.CREDIT_CARD:
            digits = "".join(ch for ch in span.value if ch.isdigit())
            shown = (
                digits[len(digits) - self.card_visible_digits :] if self.card_visible_digits else ""
            )
            return "**** " * CARD_MASK_GROUPS + shown.rjust(4, "*")
        if span.type is PiiType.CVV:
            return "***"
        if span.type is PiiType.CARD_EXPIRY:
            return "**/**"
        return GENERIC_MASK
