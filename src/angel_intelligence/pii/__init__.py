"""UK PII in call transcripts: detection (written and spoken forms) and redaction.

See docs/pii.md for the types, validation and context rules, placeholders, the PCI policy and
how audio timestamps are derived.
"""

from angel_intelligence.pii.detector import PiiDetector

__all__ = ["PiiDetector"]
