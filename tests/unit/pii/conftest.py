"""Shared by the PII detector's tests."""

from __future__ import annotations

import pytest

from angel_intelligence.pii import PiiDetector


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    """The detector with a fixed year, so ages and expiries read the same on any date."""
    return PiiDetector(reference_year=2026)
