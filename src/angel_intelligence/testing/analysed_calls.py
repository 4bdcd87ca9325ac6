"""Analysed calls as Pulse and the worker leave them, inserted in bulk (tests, benchmarks).

`insert_calls` writes `ai_call_recordings` and `ai_call_analysis` rows in batches with explicit
ids, so a hundred thousand calls take seconds; `synthetic_calls` makes a reproducible mix of
clients, agents, topics and compliance flags for the benchmark.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, cast

from sqlalchemy import Engine, Table, func, insert, select

from angel_intelligence.db.models import AiCallAnalysis, AiCallRecording
from angel_intelligence.domain.analysis import quality_score_for, sentiment_label_for


@dataclass(frozen=True)
class SeedCall:
    """One call; an analysis row is written unless `status` is not `completed`."""

    apex_id: str
    call_date: dt.date
    client_ref: str | None = "ACME001"
    campaign: str | None = "spring"
    halo_id: int | None = 1001
    agent_name: str | None = "Agent One"
    status: str = "completed"
    sentiment_score: float = 5.0
    rubric: dict[str, int] = field(default_factory=lambda: {"empathy": 7, "clarity": 8})
    topics: tuple[str, ...] = ("Regular giving signup",)
    actions: tuple[str, ...] = ("Greeted supporter",)
    flags: tuple[tuple[str, str], ...] = ()
    summary: str = "The supporter asked about their regular gift."


def _rows(call: SeedCall, recording_id: int) -> tuple[dict[str, Any], dict[str, Any] | None]:
    recording = {
        "id": recording_id,
        "apex_id": call.apex_id,
        "client_ref": call.client_ref,
        "campaign": call.campaign,
        "halo_id": call.halo_id,
        "agent_name": call.agent_name,
        "call_date": call.call_date,
        "processing_status": call.status,
    }
    if call.status != "completed":
        return recording, None
    analysis = {
        "id": recording_id,
        "ai_call_recording_id": recording_id,
        "summary": call.summary,
        "sentiment_score": call.sentiment_score,
        "sentiment_label": sentiment_label_for(call.sentiment_score).value,
        "key_topics": [
            {"name": t, "confidence": 0.9, "timestamp_start": 0.0, "timestamp_end": 10.0}
            for t in call.topics
        ],
        "agent_actions_performed": [
            {"action": a, "timestamp_start": 1.0, "quality": 4} for a in call.actions
        ],
        "performance_scores": call.rubric,
        "quality_score": quality_score_for(call.rubric),
        "compliance_flags": [
            {"type": t, "issue": t.replace("_", " "), "severity": s} for t, s in call.flags
        ],
        "model_used": "seed",
    }
    return recording, analysis


def insert_calls(engine: Engine, calls: Iterable[SeedCall], *, batch: int = 5000) -> int:
    """Insert the calls (and their analyses) in batches; returns how many."""
    recordings_table = cast(Table, AiCallRecording.__table__)
    analyses_table = cast(Table, AiCallAnalysis.__table__)
    with engine.connect() as conn:
        next_id = int(conn.execute(select(func.max(recordings_table.c.id))).scalar() or 0) + 1
        analysis_id = int(conn.execute(select(func.max(analyses_table.c.id))).scalar() or 0) + 1
    total = 0
    iterator = iter(calls)
    while chunk := list(islice(iterator, batch)):
        recordings, analyses = [], []
        for call in chunk:
            recording, analysis = _rows(call, next_id)
            recordings.append(recording)
            if analysis is not None:
                analysis["id"] = analysis_id
                analysis_id += 1
                analyses.append(analysis)
            next_id += 1
        with engine.begin() as conn:
            conn.execute(insert(recordings_table), recordings)
            if analyses:
                conn.execute(insert(analyses_table), analyses)
        total += len(chunk)
    return total


TOPICS = (
    "Regular giving signup",
    "Gift Aid explanation/enrolment",
    "Donation amount change",
    "Cancellation request",
    "Address update",
    "Complaint",
)
ACTIONS = ("Greeted supporter", "Verified supporter identity", "Explained Gift Aid")
FLAGS = (("missing_disclosure", "high"), ("pressure_selling", "medium"), ("no_consent", "low"))


def synthetic_calls(
    count: int, *, clients: int = 10, agents: int = 50, start: dt.date, days: int, seed: int = 7
) -> Iterator[SeedCall]:
    """`count` calls spread over `clients`, `agents` and `days` from `start` (reproducible)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    for n in range(count):
        agent = rng.randrange(agents)
        status = "completed" if rng.random() < 0.95 else "failed"
        flags = (rng.choice(FLAGS),) if rng.random() < 0.15 else ()
        yield SeedCall(
            apex_id=f"{1700000000 + n}.{n % 100}",
            call_date=start + dt.timedelta(days=rng.randrange(days)),
            client_ref=f"CLIENT{rng.randrange(clients):03d}",
            campaign=rng.choice(("spring", "summer", "appeal")),
            halo_id=2000 + agent,
            agent_name=f"Agent {agent}",
            status=status,
            sentiment_score=round(rng.uniform(-8, 9), 2),
            rubric={"empathy": rng.randint(3, 10), "clarity": rng.randint(3, 10)},
            topics=tuple(rng.sample(TOPICS, 2)),
            actions=tuple(rng.sample(ACTIONS, 2)),
            flags=flags,
            summary=f"The supporter called about {rng.choice(TOPICS).lower()}.",
        )
