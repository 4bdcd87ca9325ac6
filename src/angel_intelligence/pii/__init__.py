"""UK PII in call transcripts: detection (written and spoken forms) and redaction.

    detector = PiiDetector()
    spans = detector.detect(text)                                  # list[PiiSpan]
    result = redact_transcript(transcript, detector, PiiPolicy())  # bootstrap maps settings
    result.full_transcript, result.redacted_transcript, result.segments,
    result.redacted_segments, result.pii_detected, result.audio_intervals

docs/pii.md describes the types, validation and context rules, spoken forms, placeholders, the
PCI policy and how audio timestamps are derived.
"""

from angel_intelligence.pii.detector import PiiDetector
from angel_intelligence.pii.policy import PiiPolicy, PiiStorage
from angel_intelligence.pii.redaction import redact_text, redact_transcript

__all__ = ["PiiDetector", "PiiPolicy", "PiiStorage", "redact_text", "redact_transcript"]
