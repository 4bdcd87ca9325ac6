"""Scores for tests and benchmarks: word error rate and diarization error rate.

Both are the standard definitions, small enough to keep here rather than add a dependency:
WER = (substitutions + deletions + insertions) / reference words, after a light normalisation
(case, punctuation, hyphens); DER = (missed speech + false alarm + speaker confusion) / reference
speech, on a 10 ms grid, with the best one-to-one mapping of hypothesis to reference speakers and
a collar around reference boundaries that is not scored (NIST md-eval convention).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.optimize import linear_sum_assignment

from angel_intelligence.domain.speakers import SpeakerTurn

_NON_WORD = re.compile(r"[^a-z0-9' ]+")
_GRID_S = 0.01


def normalise_words(text: str) -> list[str]:
    """Lower-case words without punctuation ("Trust." → "trust", "re-use" → "re use")."""
    text = text.lower().replace("-", " ").replace("’", "'")
    return [w.strip("'") for w in _NON_WORD.sub(" ", text).split() if w.strip("'")]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(S + D + I) / N over normalised words; 0.0 for two empty texts."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, start=1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (ref_word != hyp_word),
            )
        previous = current
    return previous[-1] / len(ref)


_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def spelled_digits(words: Sequence[str]) -> list[str]:
    """Digits said one by one, whatever way they were written: "4539" → four five three nine,
    "oh" → zero. Whisper writes digits, scripts spell them; both sides get this, so a number
    heard right counts as right. Numbers said as numbers ("twenty two") stay words."""
    out: list[str] = []
    for word in words:
        if any(c.isdigit() for c in word):
            out.extend(_DIGIT_WORDS[int(c)] if c.isdigit() else c for c in word if c.isalnum())
        else:
            out.append("zero" if word == "oh" else word)
    return out


@dataclass(frozen=True, slots=True)
class WordErrors:
    """Substitutions, deletions and insertions against `reference_words` (one alignment)."""

    reference_words: int
    substitutions: int
    deletions: int
    insertions: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        if not self.reference_words:
            return 0.0 if not self.insertions else 1.0
        return self.errors / self.reference_words

    def __add__(self, other: WordErrors) -> WordErrors:
        return WordErrors(
            self.reference_words + other.reference_words,
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
        )


def word_errors(reference: str, hypothesis: str, *, spell_digits: bool = True) -> WordErrors:
    """The minimum-edit alignment's counts over normalised words (`spelled_digits` when asked)."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    if spell_digits:
        ref, hyp = spelled_digits(ref), spelled_digits(hyp)
    # Each cell: (edits, substitutions, deletions, insertions) of the best path to it.
    previous = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i, ref_word in enumerate(ref, start=1):
        current = [(i, 0, i, 0)]
        for j, hyp_word in enumerate(hyp, start=1):
            e, s, d, n = previous[j - 1]
            miss = int(ref_word != hyp_word)
            best = (e + miss, s + miss, d, n)
            e, s, d, n = previous[j]
            if e + 1 < best[0]:
                best = (e + 1, s, d + 1, n)
            e, s, d, n = current[j - 1]
            if e + 1 < best[0]:
                best = (e + 1, s, d, n + 1)
            current.append(best)
        previous = current
    _, s, d, n = previous[-1]
    return WordErrors(len(ref), s, d, n)


@dataclass(frozen=True, slots=True)
class DiarizationScore:
    """DER and its parts, in seconds of scored reference speech."""

    der: float
    missed_s: float
    false_alarm_s: float
    confusion_s: float
    scored_speech_s: float
    mapping: dict[str, str]  # hypothesis speaker -> reference speaker


def diarization_error(
    reference: Sequence[SpeakerTurn],
    hypothesis: Sequence[SpeakerTurn],
    *,
    collar_s: float = 0.25,
) -> DiarizationScore:
    """Diarization error rate of `hypothesis` against `reference` (overlaps scored per speaker)."""
    end_s = max([t.end_s for t in (*reference, *hypothesis)], default=0.0)
    frames = int(np.ceil(end_s / _GRID_S)) + 1
    ref_speakers = sorted({t.speaker for t in reference})
    hyp_speakers = sorted({t.speaker for t in hypothesis})
    ref = _activity(reference, ref_speakers, frames)
    hyp = _activity(hypothesis, hyp_speakers, frames)
    scored = np.ones(frames, dtype=bool)
    for turn in reference:
        for edge in (turn.start_s, turn.end_s):
            scored[_frame(edge - collar_s) : _frame(edge + collar_s)] = False
    ref, hyp = ref[:, scored], hyp[:, scored]

    # Frames both speakers share, for every pair: the mapping maximises the total.
    overlap = ref.astype(np.int64) @ hyp.T.astype(np.int64)
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    mapping = {hyp_speakers[c]: ref_speakers[r] for r, c in zip(rows, cols, strict=True)}
    ref_count = ref.sum(axis=0)
    hyp_count = hyp.sum(axis=0)
    correct = sum(int(overlap[r, c]) for r, c in zip(rows, cols, strict=True))
    missed = np.maximum(ref_count - hyp_count, 0).sum()
    false_alarm = np.maximum(hyp_count - ref_count, 0).sum()
    confusion = np.minimum(ref_count, hyp_count).sum() - correct
    total = int(ref_count.sum())
    der = (missed + false_alarm + confusion) / total if total else 0.0
    return DiarizationScore(
        der=float(der),
        missed_s=float(missed) * _GRID_S,
        false_alarm_s=float(false_alarm) * _GRID_S,
        confusion_s=float(confusion) * _GRID_S,
        scored_speech_s=total * _GRID_S,
        mapping=mapping,
    )


def _frame(time_s: float) -> int:
    return max(0, round(time_s / _GRID_S))


def _activity(turns: Sequence[SpeakerTurn], speakers: list[str], frames: int) -> np.ndarray:
    index = {s: i for i, s in enumerate(speakers)}
    active = np.zeros((len(speakers), frames), dtype=bool)
    for turn in turns:
        active[index[turn.speaker], _frame(turn.start_s) : _frame(turn.end_s)] = True
    return active


class TimedToken(Protocol):
    """A timed word: `domain.transcript.Word` and `testing.speech.ScriptedWord` both are."""

    @property
    def text(self) -> str: ...

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...


def word_start_errors(
    reference: Sequence[TimedToken], hypothesis: Sequence[TimedToken]
) -> list[float]:
    """|start error| in seconds of each recognised word that matches the script word in place.

    Words are aligned by a longest-matching-blocks diff of their normalised texts, so only words
    recognised correctly are timed.
    """
    ref = [(normalise_words(t.text), t.start_s) for t in reference]
    hyp = [(normalise_words(t.text), t.start_s) for t in hypothesis]
    ref_words = [(w[0], s) for w, s in ref if w]
    hyp_words = [(w[0], s) for w, s in hyp if w]
    matcher = difflib.SequenceMatcher(
        None, [w for w, _ in ref_words], [w for w, _ in hyp_words], autojunk=False
    )
    return [
        abs(ref_words[block.a + k][1] - hyp_words[block.b + k][1])
        for block in matcher.get_matching_blocks()
        for k in range(block.size)
    ]


def role_accuracy(
    reference_turns: Sequence[SpeakerTurn],
    labelled_words: Sequence[tuple[TimedToken, bool]],
    agent_speakers: set[str],
) -> float:
    """Share of words labelled agent/supporter as the reference turn at their middle says.

    `labelled_words` pairs each recognised word with whether it was labelled as an agent's.
    """
    if not labelled_words or not reference_turns:
        return 0.0
    right = 0
    for word, is_agent in labelled_words:
        middle = (word.start_s + word.end_s) / 2
        turn = min(reference_turns, key=lambda t: max(t.start_s - middle, middle - t.end_s, 0.0))
        right += (turn.speaker in agent_speakers) == is_agent
    return right / len(labelled_words)


@dataclass(frozen=True, slots=True)
class TimeAgreement:
    """Seconds of scored reference speech whose hypothesis label was right, of `total_s`."""

    right_s: float
    total_s: float

    @property
    def share(self) -> float:
        return self.right_s / self.total_s if self.total_s else 1.0


def label_agreement(
    reference: Sequence[SpeakerTurn],
    hypothesis: Sequence[SpeakerTurn],
    truth: Callable[[str], str | None],
    label: Callable[[str], str | None],
    *,
    collar_s: float = 0.25,
) -> TimeAgreement:
    """How much of each reference speaker's speech a hypothesis speaker with the right label
    covers, on DER's grid and collar: role accuracy by speech time (labels "agent"/"supporter"),
    or agent identification (labels "agent_<halo_id>").

    `truth(reference speaker)` is the label that speaker should get (None: not scored);
    `label(hypothesis speaker)` the label it got. Speech nobody covered counts as wrong, so
    missed speech lowers the figure too; in overlapped speech each voice is scored on its own.
    """
    end_s = max([t.end_s for t in (*reference, *hypothesis)], default=0.0)
    frames = int(np.ceil(end_s / _GRID_S)) + 1
    scored = np.ones(frames, dtype=bool)
    for turn in reference:
        for edge in (turn.start_s, turn.end_s):
            scored[_frame(edge - collar_s) : _frame(edge + collar_s)] = False
    labels = sorted({x for t in hypothesis if (x := label(t.speaker)) is not None})
    covered = _activity(
        [SpeakerTurn(t.start_s, t.end_s, x) for t in hypothesis if (x := label(t.speaker))],
        labels,
        frames,
    )
    row = {x: i for i, x in enumerate(labels)}
    right = total = 0
    for speaker in sorted({t.speaker for t in reference}):
        wanted = truth(speaker)
        if wanted is None:
            continue
        active = _activity([t for t in reference if t.speaker == speaker], [speaker], frames)[0]
        active &= scored
        total += int(active.sum())
        if wanted in row:
            right += int((active & covered[row[wanted]]).sum())
    return TimeAgreement(right * _GRID_S, total * _GRID_S)
