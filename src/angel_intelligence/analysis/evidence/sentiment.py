"""The supporter's sentiment, turn by turn, with the VADER lexicon (`vaderSentiment`).

- Each supporter turn gets VADER's compound score (−1 to 1).
- The call's `sentiment_score` (−10 to 10) is the mean over the supporter's turns weighted by
  their length in words, with the last third of the call counting double (how a supporter
  leaves a call says more than how they open it), times 10; `sentiment_label` follows from it
  (`domain.analysis.sentiment_label_for`).
- The trend compares the first half of the supporter's turns with the second: a rise of at least
  `TREND_STEP` is "improving", a fall "declining"; otherwise the call's label, folded to
  positive, neutral or negative.

A call where the supporter says nothing scored is neutral (0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from angel_intelligence.analysis.evidence.model import SentimentEvidence, Turn, TurnSentiment
from angel_intelligence.domain.analysis import sentiment_label_for

TREND_STEP = 0.3
"""Change in mean compound score between the halves that makes a trend."""


@cache
def _analyser() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound score of `text`."""
    return float(_analyser().polarity_scores(text)["compound"])


TurnScorer = Callable[[Sequence[str]], Sequence[float]]
"""Texts to sentiment values from −1 (negative) to 1 (positive), one each."""


def vader_scores(texts: Sequence[str]) -> list[float]:
    """VADER's compound score of each text (the default `TurnScorer`)."""
    return [compound(text) for text in texts]


def supporter_sentiment(
    turns: Sequence[Turn], duration_s: float, score_turns: TurnScorer = vader_scores
) -> SentimentEvidence:
    """The supporter's sentiment from `score_turns` of each supporter turn (VADER by default;
    `benchmarks/sentiment_quality.py` compares others on the same combination)."""
    supporter = [t for t in turns if t.role == "supporter"]
    values = score_turns([t.text for t in supporter]) if supporter else []
    scored = tuple(
        TurnSentiment(t.index, t.start_s, float(v)) for t, v in zip(supporter, values, strict=True)
    )
    if not scored:
        return SentimentEvidence(0.0, sentiment_label_for(0.0).value, "neutral", ())
    words = {t.index: max(1, len(t.text.split())) for t in turns}
    late_from = duration_s * 2 / 3
    weights = [words[s.turn] * (2 if s.start_s >= late_from else 1) for s in scored]
    mean = sum(w * s.compound for w, s in zip(weights, scored, strict=True)) / sum(weights)
    score = round(max(-10.0, min(10.0, 10 * mean)), 2)
    label = sentiment_label_for(score).value
    return SentimentEvidence(score, label, _trend(scored, label), scored)


def _trend(scored: Sequence[TurnSentiment], label: str) -> str:
    if len(scored) >= 4:
        half = len(scored) // 2
        first = sum(s.compound for s in scored[:half]) / half
        second = sum(s.compound for s in scored[half:]) / (len(scored) - half)
        if second - first >= TREND_STEP:
            return "improving"
        if first - second >= TREND_STEP:
            return "declining"
    if "positive" in label:
        return "positive"
    if "negative" in label:
        return "negative"
    return "neutral"
