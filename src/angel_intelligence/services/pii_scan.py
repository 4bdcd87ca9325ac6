"""`angel pii scan`: PII spans and redacted text for lines of text, card data never in clear."""

from __future__ import annotations

from typing import Any

from angel_intelligence.domain.pii import PiiSpan
from angel_intelligence.pii import PiiDetector, PiiPolicy, redact_text


class PiiScanner:
    """Detects and redacts PII in free text under one policy."""

    def __init__(self, policy: PiiPolicy, *, min_confidence: float | None = None) -> None:
        self._policy = policy
        self._detector = PiiDetector(
            min_confidence=policy.min_confidence if min_confidence is None else min_confidence
        )

    def scan(self, text: str) -> dict[str, Any]:
        """`{"text", "spans": [...], "redacted_text"}` for one line (ARCHITECTURE.md §2)."""
        spans = self._detector.detect(text)
        return {
            "text": text,
            "spans": [self._span_json(span) for span in spans],
            "redacted_text": redact_text(text, spans),
        }

    def _span_json(self, span: PiiSpan) -> dict[str, Any]:
        # `value` is masked where the policy masks it in storage (payment card data by
        # default), so card numbers never reach stdout in clear.
        policy = self._policy
        value = policy.mask(span) if policy.masks_in_storage(span.type) else span.value
        return {
            "type": span.type.value,
            "start_char": span.start_char,
            "end_char": span.end_char,
            "value": value,
            "redacted": span.redacted,
            "confidence": span.confidence,
        }
