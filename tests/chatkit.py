"""Analysed calls of known figures, and language models that say what a test needs.

`seed_known_calls` writes January 2026 for ACME001 (and a December before it, and another
client) with figures worked out by hand in `KNOWN`. `ScriptedModel` implements the
`LanguageModel` port with fixed replies (the last one repeats): it is how a test proves that
the number check catches a wrong figure, never a stand-in for the real model, which the
SmolLM2 tests run.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from angel_intelligence.testing.analysed_calls import SeedCall, insert_calls

JAN = dt.date(2026, 1, 10)
DEC = dt.date(2025, 12, 10)


def seed_known_calls(engine: Engine) -> None:
    """ACME001, January 2026: 5 calls, 4 completed and analysed, 1 failed.

    Quality (rubric mean x 10): 80, 60, 90, 50 → average 70.0; sentiment 6, -4, 8, 2 → 3.00;
    topics: Complaint 2, Regular giving signup 3; flags: missing_disclosure high 2,
    pressure_selling medium 1 (3 in total). December 2025: 2 calls, quality 40 and 60 → 50.0.
    """
    calls = [
        SeedCall("1001.1", JAN, rubric={"empathy": 8, "clarity": 8}, sentiment_score=6,
                 topics=("Regular giving signup",), flags=(("missing_disclosure", "high"),),
                 summary="The supporter signed up to give monthly and asked about Gift Aid."),
        SeedCall("1001.2", JAN, rubric={"empathy": 6, "clarity": 6}, sentiment_score=-4,
                 topics=("Complaint",), halo_id=1002, agent_name="Agent Two",
                 flags=(("missing_disclosure", "high"), ("pressure_selling", "medium")),
                 summary="The supporter complained about a refund that had not arrived."),
        SeedCall("1001.3", JAN, rubric={"empathy": 9, "clarity": 9}, sentiment_score=8,
                 topics=("Regular giving signup", "Complaint"),
                 summary="A warm call: the supporter raised their monthly gift."),
        SeedCall("1001.4", JAN, rubric={"empathy": 5, "clarity": 5}, sentiment_score=2,
                 topics=("Regular giving signup",), halo_id=1002, agent_name="Agent Two",
                 summary="The supporter updated their address and kept their gift."),
        SeedCall("1001.5", JAN, status="failed"),
        SeedCall("1000.1", DEC, rubric={"empathy": 4, "clarity": 4}),
        SeedCall("1000.2", DEC, rubric={"empathy": 6, "clarity": 6}),
        SeedCall("2001.1", JAN, client_ref="OTHER01", rubric={"empathy": 1, "clarity": 1}),
    ]  # fmt: skip
    insert_calls(engine, calls)


KNOWN = {
    "calls": 5,
    "completed": 4,
    "failed": 1,
    "analysed": 4,
    "quality_avg": 70.0,
    "sentiment_avg": 3.0,
    "compliance_flags": 3,
    "previous_calls": 2,
    "previous_quality_avg": 50.0,
}


class ScriptedModel:
    """`ports.LanguageModel` that answers with `replies` in turn (the last one repeats) and
    keeps every request; `barrier`, when given, makes each call wait for the others."""

    def __init__(
        self,
        *replies: str,
        name: str = "scripted",
        barrier: threading.Barrier | None = None,
    ) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []
        self._name = name
        self._barrier = barrier
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return self._name

    @property
    def model_version(self) -> str:
        return "test"

    @property
    def supports_audio(self) -> bool:
        return False

    def load(self) -> None:
        return None

    def generate(
        self,
        messages: list[dict[str, Any]],
        *,
        json_schema: dict[str, Any] | None = None,
        max_new_tokens: int = 512,
        audio_path: Path | None = None,
        temperature: float = 0.0,
        seed: int | None = None,
    ) -> str:
        with self._lock:
            self.requests.append({"messages": messages, "json_schema": json_schema})
            reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if self._barrier is not None:
            self._barrier.wait(timeout=30)
        return reply


class UntouchableModel(ScriptedModel):
    """A model that fails the test if it is ever asked anything."""

    def generate(self, messages: list[dict[str, Any]], **options: Any) -> str:
        raise AssertionError("this model must not be called")
