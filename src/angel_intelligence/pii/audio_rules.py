"""The audio rules, in order: cues → question windows → read-backs → digit runs → payment
phases.

`redact_transcript` runs them after the text detector when `PiiPolicy.question_windows` is on
(docs/pii.md, "Audio redaction"). Windows become `AudioRedaction`s of their own; digit runs
become findings (text masked, an item in `pii_detected`) whose audio reason is `digit_run`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.domain.pii import AudioRedaction, PiiSpan
from angel_intelligence.pii.code_runs import code_runs
from angel_intelligence.pii.cues import find_cues
from angel_intelligence.pii.digit_runs import NumberRun, digit_openings, number_runs
from angel_intelligence.pii.openings import answer_openings, earlier_questions, lost_speech
from angel_intelligence.pii.phases import payment_phases
from angel_intelligence.pii.policy import PiiPolicy
from angel_intelligence.pii.read_backs import read_back_windows
from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.timing import padded
from angel_intelligence.pii.turns import classify
from angel_intelligence.pii.windows import (
    Window,
    first_reaches_back,
    question_windows,
    reach_back,
)


@dataclass(frozen=True)
class AudioRules:
    windows: tuple[Window, ...]
    runs: tuple[NumberRun, ...]

    def redactions(self, policy: PiiPolicy, duration_s: float) -> list[AudioRedaction]:
        """The windows as padded, clipped `AudioRedaction`s."""
        out = []
        for window in self.windows:
            said = TimeInterval(window.start_s, window.end_s)
            interval = padded(said, policy.question_window_padding_s, duration_s)
            out.append(
                AudioRedaction(
                    interval.start_s, interval.end_s, window.reason, window.pii_type, window.rule
                )
            )
        return out


def audio_rules(stream: CallStream, findings: Sequence[PiiSpan], policy: PiiPolicy) -> AudioRules:
    cues = find_cues(stream, policy.cue_similarity)
    kinds = classify(stream, cues)
    runs = code_runs(stream, findings)
    questions = question_windows(stream, cues, kinds, [], policy)
    openings = digit_openings(stream, kinds, runs, questions, findings, policy.digit_run_reach_s)
    openings += answer_openings(stream, kinds, questions)
    questions += question_windows(stream, [], kinds, openings, policy)
    questions += question_windows(stream, [], kinds, lost_speech(stream, kinds, questions), policy)
    questions += question_windows(
        stream, [], kinds, earlier_questions(stream, kinds, questions), policy
    )
    questions = reach_back(stream, kinds, questions)
    questions = first_reaches_back(stream, kinds, questions, policy.question_window_max_s)
    read_backs = read_back_windows(stream, cues, kinds, questions, policy)
    windows = sorted([*questions, *read_backs], key=lambda w: (w.start_s, w.end_s))
    numbers = number_runs(runs, windows, policy.digit_run_reach_s)
    # Audio only: the text keeps the types its own windows give (a postcode asked for after
    # the payment is not card data).
    phases = payment_phases(stream, kinds, questions, policy.question_window_max_s)
    ordered = sorted([*windows, *phases], key=lambda w: (w.start_s, w.end_s))
    return AudioRules(tuple(ordered), tuple(numbers))
