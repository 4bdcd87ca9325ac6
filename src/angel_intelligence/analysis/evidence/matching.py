"""Topics and agent actions: each configured item located in the turns that support it.

A turn supports an item when one of the item's keywords is in it (confidence `KEYWORD_SCORE`),
or when, by sentence embedding, the item is the turn's nearest of the list, at cosine ≥
`SIMILARITY_FLOOR` and at least `SIMILARITY_MARGIN` nearer than the next item (confidence rises
with the similarity). A configured item is only a short name ("Identity verification"), so its
embedding is a weak prototype: on the built-in lists the nearest wrong item often scores within
0.1 of the right one, hence the margin, and the keywords carry most of the precision. Agent
actions are looked for in agent turns only. An item with no supporting turn is not a
candidate: the model is never offered it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache

import numpy as np
import numpy.typing as npt
import regex

from angel_intelligence.analysis.evidence.model import Candidate, Support, Turn
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

Embed = Callable[[Sequence[str]], npt.NDArray[np.float32]]
"""Texts to L2-normalised sentence embeddings, one row each (`ports.TextEmbedder.embed`)."""

KEYWORD_SCORE = 0.9
SIMILARITY_FLOOR = 0.55
"""all-MiniLM-L6-v2 cosine between a turn and an item's name that counts as support."""
SIMILARITY_MARGIN = 0.05
"""How much nearer than the next item the nearest must be."""
MAX_SUPPORT = 3
"""Supporting turns kept per candidate (the strongest, shown in time order)."""
MIN_WORDS_FOR_SIMILARITY = 3
"""Shorter turns ("Yes.", "Thank you.") are too vague to be compared with an item."""


MATCH_TIMEOUT_S = 0.05
"""The longest one keyword search may take. A phrase on a turn takes microseconds; a client's
expression that backtracks catastrophically (`config.runaway_shape` refuses the known shapes
when the config is saved) is stopped here, and not run again in this process."""
_runaway: set[str] = set()
"""Expressions that ran past `MATCH_TIMEOUT_S` once: skipped from then on (each logged once)."""


@cache
def _pattern(expression: str) -> regex.Pattern[str]:
    # grouped, so that both boundaries hold for every alternative of "a|b"; the `regex`
    # package (VERSION0: the `re` syntax) because it can stop a search that runs too long
    return regex.compile(rf"(?<![\w-])(?:{expression})(?![\w-])", regex.IGNORECASE | regex.VERSION0)


def keyword_hit(text: str, keywords: Sequence[str]) -> str | None:
    """The first keyword expression found in `text`, or None. An expression that takes longer
    than `MATCH_TIMEOUT_S` finds nothing, now and later (a warning names it once)."""
    for expression in keywords:
        if expression in _runaway:
            continue
        try:
            match = _pattern(expression).search(text, timeout=MATCH_TIMEOUT_S)
        except TimeoutError:
            _runaway.add(expression)
            log.warning(
                "keyword_expression_stopped",
                expression=expression,
                timeout_s=MATCH_TIMEOUT_S,
                reason="it backtracks catastrophically: fix the keywords or compliance config",
            )
            continue
        if match:
            return str(match.group(0)).lower()
    return None


def find_candidates(
    items: Sequence[str],
    turns: Sequence[Turn],
    *,
    keywords: Mapping[str, Sequence[str]],
    embed: Embed | None = None,
    turn_vectors: npt.NDArray[np.float32] | None = None,
    roles: frozenset[str] = frozenset({"agent", "supporter", "unknown"}),
) -> tuple[Candidate, ...]:
    """The items supported by at least one turn of the given roles, strongest first.

    `turn_vectors`: the turns' embeddings (row i for `turns[i]`), computed once per call and
    shared by topics and actions; None without an embedder (keywords only)."""
    eligible = [t for t in turns if t.role in roles]
    nearest = _nearest_items(items, eligible, embed, turn_vectors)
    candidates = []
    for row, item in enumerate(items):
        found: list[Support] = []
        for turn in eligible:
            hit = keyword_hit(turn.text, keywords.get(item, ()))
            if hit is not None:
                found.append(
                    Support(turn.index, turn.start_s, turn.end_s, KEYWORD_SCORE, f'keyword "{hit}"')
                )
                continue
            best = nearest.get(turn.index)
            if best is not None and best[0] == row:
                similarity = best[1]
                score = min(0.95, 0.5 + similarity / 2)
                found.append(
                    Support(
                        turn.index, turn.start_s, turn.end_s, round(score, 3),
                        f"similarity {similarity:.2f}",
                    )
                )  # fmt: skip
        if not found:
            continue
        strongest = sorted(found, key=lambda s: (-s.score, s.start_s))[:MAX_SUPPORT]
        support = tuple(sorted(strongest, key=lambda s: s.start_s))
        candidates.append(Candidate(item, max(s.score for s in support), support))
    return tuple(sorted(candidates, key=lambda c: (-c.confidence, c.start_s)))


def _nearest_items(
    items: Sequence[str],
    turns: Sequence[Turn],
    embed: Embed | None,
    turn_vectors: npt.NDArray[np.float32] | None,
) -> dict[int, tuple[int, float]]:
    """Per turn index, the item (its row) the turn is clearly nearest to, with the cosine."""
    if embed is None or turn_vectors is None or not items:
        return {}
    item_vectors = embed(list(items))
    nearest: dict[int, tuple[int, float]] = {}
    for turn in turns:
        if len(turn.text.split()) < MIN_WORDS_FOR_SIMILARITY:
            continue
        similarities = item_vectors @ turn_vectors[turn.index]
        order = np.argsort(-similarities)
        best = float(similarities[order[0]])
        runner_up = float(similarities[order[1]]) if len(order) > 1 else -1.0
        if best >= SIMILARITY_FLOOR and best - runner_up >= SIMILARITY_MARGIN:
            nearest[turn.index] = (int(order[0]), best)
    return nearest
