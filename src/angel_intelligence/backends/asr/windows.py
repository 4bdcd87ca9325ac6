"""Decoding windows: voice activity merged into windows, and which windows to decode again.

The batched pipeline decodes each window once, at temperature 0, without Whisper's own checks
(temperature fallback, compression ratio, log probability, no-speech; faster-whisper's
`BatchedInferencePipeline` keeps only the first temperature). So we check each window's
result here and decode the bad ones again, in shorter pieces and, where still bad, with those
checks on (docs/transcription.md, "Loops and re-decoding"). Pure functions, no model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from angel_intelligence.backends.asr.loops import LoopPolicy, compression_ratio, find_loop


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of the call decoded as one piece: voice activity from `start_s` to `end_s`."""

    start_s: float
    end_s: float
    spans: tuple[tuple[float, float], ...]  # the voice activity inside, (start_s, end_s)

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def speech_s(self) -> float:
        return sum(end_s - start_s for start_s, end_s in self.spans)

    def split(self, max_window_s: float) -> list[Window]:
        """This window's speech as shorter windows (for re-decoding a bad one in pieces)."""
        return plan_windows(self.spans, max_window_s)


def plan_windows(speech: Sequence[tuple[float, float]], max_window_s: float) -> list[Window]:
    """Consecutive speech spans merged into windows no longer than `max_window_s`.

    The pauses between spans stay in the window (Whisper hears them as silence); a span
    longer than the limit is a window of its own (the VAD already splits at `max_window_s`).
    """
    windows: list[Window] = []
    for span in speech:
        if windows and span[1] - windows[-1].start_s <= max_window_s:
            last = windows[-1]
            windows[-1] = Window(last.start_s, span[1], (*last.spans, span))
        else:
            windows.append(Window(span[0], span[1], (span,)))
    return windows


def longest_unheard_s(
    spans: Sequence[tuple[float, float]], words: Sequence[tuple[float, float]], slack_s: float = 0.5
) -> float:
    """The longest stretch of speech (`spans`) that no word (`words`, widened by `slack_s`
    each side) covers."""
    covered = sorted((start_s - slack_s, end_s + slack_s) for start_s, end_s in words)
    longest = 0.0
    for span_start_s, span_end_s in spans:
        cursor = span_start_s
        for start_s, end_s in covered:
            if end_s <= cursor or start_s >= span_end_s:
                continue
            longest = max(longest, start_s - cursor)
            cursor = max(cursor, end_s)
        longest = max(longest, span_end_s - cursor)
    return max(longest, 0.0)


@dataclass(frozen=True, slots=True)
class WindowResult:
    """What one decode of a window gave, as much as the re-decode decision needs."""

    window: Window
    words: tuple[str, ...]
    avg_logprob: float
    no_speech_prob: float
    last_word_end_s: float | None  # None when no word has a time
    longest_unheard_s: float = 0.0  # longest stretch of the window's speech with no word


@dataclass(frozen=True, slots=True)
class RedecodePolicy:
    """When a window's result is bad enough to decode it again (Whisper's own limits first)."""

    compression_ratio_max: float = 2.4  # Whisper's compression_ratio_threshold
    avg_logprob_min: float = -1.0  # Whisper's log_prob_threshold
    no_speech_min: float = 0.6  # Whisper's no_speech_threshold
    words_per_s_max: float = 5.0  # fast speech is about 3.5 words a second
    words_per_s_min: float = 1.2  # fewer: the decoder skipped speech (slow speech is about 2)
    truncated_gap_s: float = 4.0  # speech left undecoded at the window's end
    loops: LoopPolicy = field(default_factory=LoopPolicy)


def is_silence(result: WindowResult, policy: RedecodePolicy) -> bool:
    """Whisper's no-speech rule: confident there is no speech and unsure of the words."""
    return (
        result.no_speech_prob > policy.no_speech_min and result.avg_logprob < policy.avg_logprob_min
    )


def redecode_reason(result: WindowResult, policy: RedecodePolicy | None = None) -> str | None:
    """Why this window should be decoded again, or None when its result stands.

    Reasons, in order: `loop` (a repetition loop, `loops.find_loop`), `compression` (the text
    compresses like a loop does), `words_per_s` (more words than the speech could hold),
    `log_prob` (the decoder was unsure of its words), `few_words` (fewer words than the speech
    holds: the decoder skipped some), `unheard` (seconds of speech with no
    word in them: the decoder skipped a sentence), `truncated` (the decoder stopped with
    speech left, which batched decoding never resumes). A window judged silence is not
    decoded again: its text is dropped, as Whisper drops it.
    """
    policy = policy or RedecodePolicy()
    if is_silence(result, policy):
        return None
    if find_loop(result.words, policy.loops) is not None:
        return "loop"
    if compression_ratio(" ".join(result.words)) > policy.compression_ratio_max:
        return "compression"
    if len(result.words) > policy.words_per_s_max * max(result.window.speech_s, 1.0):
        return "words_per_s"
    if result.words and result.avg_logprob < policy.avg_logprob_min:
        return "log_prob"
    if result.words and len(result.words) < policy.words_per_s_min * result.window.speech_s:
        return "few_words"
    if result.words and result.longest_unheard_s > policy.truncated_gap_s:
        return "unheard"
    decoded_to = result.last_word_end_s if result.words else result.window.start_s
    if decoded_to is not None and result.window.end_s - decoded_to > policy.truncated_gap_s:
        return "truncated"
    return None


def badness(result: WindowResult, policy: RedecodePolicy | None = None) -> int:
    """Words a loop inserted plus 1 for any other reason: to keep the better of two decodes."""
    policy = policy or RedecodePolicy()
    loop = find_loop(result.words, policy.loops)
    extra = loop.extra_words if loop is not None else 0
    return extra + (1 if redecode_reason(result, policy) is not None else 0)
