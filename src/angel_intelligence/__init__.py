"""Angel Intelligence: PII-safe transcripts and validated call analysis for Pulse."""

__version__ = "1.0.0"
