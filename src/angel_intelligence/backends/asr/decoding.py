"""A call decoded window by window: voice activity, a first pass, re-decoding of bad windows.

1. Silero VAD (faster-whisper's bundled ONNX model) finds the speech, with thresholds tuned on
   8 kHz telephone audio (`WhisperOptions.vad_*`), and `windows.plan_windows` merges it into
   windows of at most `window_max_s`.
2. First pass: all windows through the batched pipeline (`batch_size > 0`), or sequentially.
3. Each batched window's result is checked (`windows.redecode_reason`: loops, compression,
   log probability, words per second, unheard speech, truncation); a bad window is decoded
   again in pieces of at most 10 s (from the piece where a loop began), batched, and a piece
   still bad on its own, sequentially, with Whisper's temperature fallback and checks on and
   nothing carried over from the text before it, optionally after a short prompt
   (`redecode_prompt`). The better decode stays (`windows.badness`). Windows Whisper judges
   silence are dropped.
4. Any loop left is cut down to its first occurrence (`loops.cut_loops`).

docs/transcription.md, "Loops and re-decoding", has the measurements behind each step.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from angel_intelligence.audio_io import SAMPLE_RATE_HZ
from angel_intelligence.backends.asr.loops import cut_loops, find_loop
from angel_intelligence.backends.asr.windows import (
    RedecodePolicy,
    Window,
    WindowResult,
    badness,
    is_silence,
    longest_unheard_s,
    plan_windows,
    redecode_reason,
)
from angel_intelligence.backends.asr.words import RawWord

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from angel_intelligence.backends.asr.faster_whisper import WhisperOptions

# Whisper's own fallback: decode again, hotter, while a check fails.
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
_BEST_OF = 5  # candidates sampled at each temperature above 0 (Whisper's default)
_FIXED_WINDOW_S = 30.0  # without VAD: the batched pipeline gets fixed 30 s windows
_FRAMES_PER_S = 100  # Whisper's mel frames, faster-whisper's `seek` unit
_MAX_TOKENS = 440  # Whisper's 448 less the prompt's tokens
# Digits read out fast take about 6 tokens a second; a decode past this is a loop, cut short.
_TOKENS_PER_S = 8.0


@dataclass(frozen=True, slots=True)
class DecodedSegment:
    """One Whisper segment, in call time, with its words as decoded."""

    text: str
    start_s: float
    end_s: float
    words: tuple[RawWord, ...]
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


@dataclass
class DecodeReport:
    """What happened to the windows (counts only: logs and metadata carry it, never text)."""

    windows: int = 0
    speech_s: float = 0.0
    redecoded: Counter[str] = field(default_factory=Counter)
    redecode_kept: int = 0  # re-decodes better than the first pass
    silent_windows: int = 0
    loop_words_cut: int = 0
    language: str = "en"
    language_probability: float = 1.0
    # Where Whisper was unsure (a window that looped from its loop's onset, or that failed a
    # check, and the words of a loop cut): times only. Audio redaction treats these as speech
    # Whisper lost, since re-decoding and cutting hide the garble it would otherwise see.
    uncertain: list[tuple[float, float]] = field(default_factory=list)

    def as_metadata(self) -> dict[str, object]:
        return {
            "uncertain_spans": [[round(s, 2), round(e, 2)] for s, e in sorted(self.uncertain)],
            "windows": self.windows,
            "speech_s": round(self.speech_s, 2),
            "redecoded": dict(self.redecoded),
            "redecode_kept": self.redecode_kept,
            "silent_windows": self.silent_windows,
            "loop_words_cut": self.loop_words_cut,
            "language_probability": round(self.language_probability, 4),
        }


class WindowedDecoder:
    """Runs the steps above on one faster-whisper model (and its batched pipeline, if any)."""

    def __init__(
        self, model: Any, batched: Any, options: WhisperOptions, language: str | None
    ) -> None:
        self._model = model
        self._batched = batched
        self._options = options
        self._language = language
        self._policy = RedecodePolicy()

    def speech(self, samples: npt.NDArray[np.float32]) -> list[tuple[float, float]]:
        """Voice activity as (start_s, end_s) spans, with this deployment's VAD settings."""
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        vad = VadOptions(
            threshold=self._options.vad_threshold,
            min_silence_duration_ms=self._options.vad_min_silence_ms,
            speech_pad_ms=self._options.vad_speech_pad_ms,
            max_speech_duration_s=self._options.window_max_s,
        )
        found = get_speech_timestamps(samples, vad, sampling_rate=SAMPLE_RATE_HZ)
        return [(t["start"] / SAMPLE_RATE_HZ, t["end"] / SAMPLE_RATE_HZ) for t in found]

    def windows(self, samples: npt.NDArray[np.float32]) -> list[Window]:
        duration_s = len(samples) / SAMPLE_RATE_HZ
        if self._options.vad_filter:
            return plan_windows(self.speech(samples), self._options.window_max_s)
        if self._batched is None:  # sequential without VAD: Whisper seeks through it all
            return [Window(0.0, duration_s, ((0.0, duration_s),))]
        starts = [i * _FIXED_WINDOW_S for i in range(int(duration_s // _FIXED_WINDOW_S) + 1)]
        return [
            Window(
                s,
                min(s + _FIXED_WINDOW_S, duration_s),
                ((s, min(s + _FIXED_WINDOW_S, duration_s)),),
            )
            for s in starts
            if s < duration_s
        ]

    def decode(self, samples: npt.NDArray[np.float32]) -> tuple[list[DecodedSegment], DecodeReport]:
        windows = self.windows(samples)
        report = DecodeReport(windows=len(windows), speech_s=sum(w.speech_s for w in windows))
        if not windows:
            return [], report
        if self._language is None:  # a multilingual model: one language for the whole call
            language, probability, _all = self._model.detect_language(samples)
            self._language = str(language)
            report.language_probability = float(probability)
        report.language = self._language
        if self._batched is not None:
            first = self._batched_pass(samples, windows)
        else:
            first = self._sequential(samples, windows)
        checked = [
            self._checked(window, segments, report)
            for window, segments in zip(windows, first, strict=True)
        ]
        bad = [k for k, (_segments, reason, _onset_s) in enumerate(checked) if reason]
        if bad:
            again = self._redecoded(
                samples, [(windows[k], checked[k][0], checked[k][2]) for k in bad]
            )
            for k, segments in zip(bad, again, strict=True):
                before = _result(windows[k], checked[k][0])
                if badness(_result(windows[k], segments), self._policy) < badness(
                    before, self._policy
                ):
                    report.redecode_kept += 1
                    checked[k] = (segments, checked[k][1], checked[k][2])
        out: list[DecodedSegment] = []
        for segments, _reason, _onset_s in checked:
            out.extend(self._without_loops(segments, report))
        return out, report

    def _checked(
        self, window: Window, segments: list[DecodedSegment], report: DecodeReport
    ) -> tuple[list[DecodedSegment], str | None, float | None]:
        """The window's first-pass segments (none when it is silence), why it should be decoded
        again (or None), and when its loop began (or None)."""
        result = _result(window, segments)
        if is_silence(result, self._policy):
            report.silent_windows += 1
            return [], None, None
        if self._batched is None or not self._options.redecode:
            return segments, None, None  # sequential decoding already ran Whisper's fallback
        reason = redecode_reason(result, self._policy)
        if reason is None:
            return segments, None, None
        report.redecoded[reason] += 1
        onset_s = _loop_onset_s(segments, self._policy)
        report.uncertain.append((window.start_s if onset_s is None else onset_s, window.end_s))
        return segments, reason, onset_s

    def _redecoded(
        self,
        samples: npt.NDArray[np.float32],
        bad: list[tuple[Window, list[DecodedSegment], float | None]],
    ) -> list[list[DecodedSegment]]:
        """The bad windows again, in pieces of at most `redecode_piece_s`: shorter pieces loop
        less. When a window's first pass looped from `onset_s`, the pieces before the one
        holding the onset keep their first-pass words (those before the loop). The pieces of
        all the bad windows go through the batched pipeline together; a piece that fails the
        checks again is decoded on its own, sequentially (with timestamps, so a decode that
        stops early seeks on) and with Whisper's temperature fallback. Every decode stops at
        `_TOKENS_PER_S` tokens a second, so a piece that loops again stays cheap. (Decoding
        every piece sequentially was as accurate and 1.6 times slower on the tuning calls.)
        """
        plans: list[tuple[list[DecodedSegment], list[Window]]] = []
        for window, first, onset_s in bad:
            pieces = window.split(self._options.redecode_piece_s)
            if onset_s is not None:
                later = [p for p in pieces if p.end_s > onset_s]
                if later and later[0] is not pieces[0]:
                    pieces = later
            kept = _before(first, pieces[0].start_s) if pieces[0].start_s > window.start_s else []
            plans.append((kept, pieces))
        every = [p for _kept, pieces in plans for p in pieces]
        decoded = self._batched_pass(
            samples,
            every,
            beam_size=self._options.redecode_beam_size or None,
            no_repeat_ngram_size=self._options.redecode_no_repeat_ngram,
        )
        by_piece = dict(zip(every, decoded, strict=True))
        still_bad = []
        for piece in every:
            result = _result(piece, by_piece[piece])
            if is_silence(result, self._policy):
                by_piece[piece] = []
            elif self._options.redecode_fallback and redecode_reason(result, self._policy):
                still_bad.append(piece)
        for piece in still_bad:
            again = self._sequential(
                samples,
                [piece],
                prompt=self._options.redecode_prompt,
                max_new_tokens=_max_tokens(piece.duration_s),
            )[0]
            if badness(_result(piece, again), self._policy) < badness(
                _result(piece, by_piece[piece]), self._policy
            ):
                by_piece[piece] = again
        return [kept + [s for p in pieces for s in by_piece[p]] for kept, pieces in plans]

    def _without_loops(
        self, segments: list[DecodedSegment], report: DecodeReport
    ) -> list[DecodedSegment]:
        out = []
        for segment in segments:
            kept = cut_loops([w.text for w in segment.words], self._policy.loops)
            if len(kept) == len(segment.words):
                out.append(segment)
                continue
            report.loop_words_cut += len(segment.words) - len(kept)
            kept_at = set(kept)
            cut = [w for k, w in enumerate(segment.words) if k not in kept_at]
            starts = [w.start_s for w in cut if w.start_s is not None]
            ends = [w.end_s for w in cut if w.end_s is not None]
            report.uncertain.append(
                (min(starts, default=segment.start_s), max(ends, default=segment.end_s))
            )
            words = tuple(segment.words[k] for k in kept)
            text = "".join(w.text for w in words).strip()
            if text:
                out.append(
                    DecodedSegment(
                        text, segment.start_s, segment.end_s, words,
                        segment.avg_logprob, segment.no_speech_prob,
                    )
                )  # fmt: skip
        return out

    def _common(self) -> dict[str, Any]:
        return {
            "word_timestamps": True,
            "language": self._language,
            # Each window decodes on its own: a misheard stretch cannot start a repetition
            # loop that runs on through the rest of the call.
            "condition_on_previous_text": False,
        }

    def _batched_pass(
        self,
        samples: npt.NDArray[np.float32],
        windows: list[Window],
        beam_size: int | None = None,
        no_repeat_ngram_size: int = 0,
    ) -> list[list[DecodedSegment]]:
        found, _info = self._batched.transcribe(
            samples,
            clip_timestamps=[{"start": w.start_s, "end": w.end_s} for w in windows],
            batch_size=self._options.batch_size,
            without_timestamps=True,
            beam_size=beam_size or self._options.beam_size,
            no_repeat_ngram_size=no_repeat_ngram_size,
            max_new_tokens=_max_tokens(max(w.duration_s for w in windows)),
            **self._common(),
        )
        by_window: list[list[DecodedSegment]] = [[] for _ in windows]
        index = {int(w.start_s * _FRAMES_PER_S): k for k, w in enumerate(windows)}
        for raw in found:
            by_window[index[int(raw.seek)]].append(_decoded(raw))
        return by_window

    def _sequential(
        self,
        samples: npt.NDArray[np.float32],
        windows: list[Window],
        prompt: str = "",
        max_new_tokens: int | None = None,
    ) -> list[list[DecodedSegment]]:
        clips = [t for w in windows for t in (w.start_s, w.end_s)]
        found, _info = self._model.transcribe(
            samples,
            clip_timestamps=clips,
            vad_filter=False,
            beam_size=self._options.beam_size,
            temperature=FALLBACK_TEMPERATURES,
            best_of=_BEST_OF,
            initial_prompt=prompt or None,
            max_new_tokens=max_new_tokens,
            **self._common(),
        )
        by_window: list[list[DecodedSegment]] = [[] for _ in windows]
        for raw in found:
            segment = _decoded(raw)
            k = next(
                (k for k, w in enumerate(windows) if segment.start_s < w.end_s), len(windows) - 1
            )
            by_window[k].append(segment)
        return by_window


def _loop_onset_s(segments: list[DecodedSegment], policy: RedecodePolicy) -> float | None:
    """When the first word of a loop was said (by Whisper's alignment), or None."""
    words = [w for s in segments for w in s.words]
    loop = find_loop([w.text for w in words], policy.loops)
    if loop is None:
        return None
    return words[loop.start].start_s


def _before(segments: list[DecodedSegment], cut_s: float) -> list[DecodedSegment]:
    """The segments' words that start before `cut_s` and before any loop, as segments."""
    words = [w for s in segments for w in s.words]
    loop = find_loop([w.text for w in words])
    limit = loop.start if loop is not None else len(words)
    kept = tuple(
        w
        for w in words[:limit]
        if w.start_s is not None and w.end_s is not None and w.start_s < cut_s
    )
    if not kept:
        return []
    text = "".join(w.text for w in kept)
    end_s = max(float(w.end_s) for w in kept if w.end_s is not None)
    return [DecodedSegment(text, segments[0].start_s, end_s, kept)]


def _max_tokens(duration_s: float) -> int:
    return min(_MAX_TOKENS, math.ceil(_TOKENS_PER_S * max(duration_s, 2.0)))


def _decoded(raw: Any) -> DecodedSegment:
    return DecodedSegment(
        text=str(raw.text),
        start_s=float(raw.start),
        end_s=float(raw.end),
        words=tuple(
            RawWord(str(w.word), w.start, w.end, float(w.probability)) for w in (raw.words or ())
        ),
        avg_logprob=float(raw.avg_logprob),
        no_speech_prob=float(raw.no_speech_prob),
    )


def _result(window: Window, segments: list[DecodedSegment]) -> WindowResult:
    words = tuple(w.text for s in segments for w in s.words) or tuple(
        t for s in segments for t in s.text.split()
    )
    timed = [
        (float(w.start_s), float(w.end_s))
        for s in segments
        for w in s.words
        if w.start_s is not None and w.end_s is not None
    ]
    ends = [end_s for _start_s, end_s in timed]
    counted = [s for s in segments if s.text.strip()] or segments
    return WindowResult(
        window=window,
        words=words,
        avg_logprob=min((s.avg_logprob for s in counted), default=0.0),
        no_speech_prob=max((s.no_speech_prob for s in counted), default=0.0),
        last_word_end_s=max(ends) if ends else None,
        longest_unheard_s=longest_unheard_s(window.spans, timed) if timed else 0.0,
    )
