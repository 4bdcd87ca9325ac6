"""Synthetic telephone calls with exact ground truth, made at test time from espeak-ng and SoX.

No real call recordings can be used in tests, so calls are synthesised: each line of a script is
spoken by an espeak-ng voice (`testing/espeak.py` gives the sample where every word starts),
coloured by a SoX chain (speed, pitch, equaliser) so that the speaker-embedding model can tell
the voices apart, placed on the call's timeline with a chosen pause (or overlap), mixed, given
optional noise at a set SNR, band-limited to the telephone band, resampled to 8 kHz and encoded
as raw GSM 6.10 like the PBX's recordings. The script, the turns and every word's time come back
as data (`SyntheticCall`), so tests can score WER, diarization, roles and timestamps exactly.

Why the SoX chains: stock espeak voices sound alike to resemblyzer (two voices 0.88 cosine,
higher than one voice with itself, 0.80: research/test_speech.md). The `VOICES` table below was
chosen by measurement with `benchmarks/voices.py`; the figures are in docs/speakers.md.

Needs the Debian packages espeak-ng/libespeak-ng1 and sox (with libsox-fmt-all for GSM).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile

from angel_intelligence.domain.speakers import SpeakerTurn
from angel_intelligence.testing.espeak import SpeechRequest, Utterance, synthesise_in_child
from angel_intelligence.testing.hold_music import hold_music

TELEPHONE_RATE_HZ = 8000
GSM_FRAME_SAMPLES = 160
_FRAME_S = 0.01
_TARGET_RMS = 0.08
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Voice:
    """An espeak voice and the SoX colouring that makes it a distinct speaker."""

    espeak_voice: str  # voice+variant, e.g. "en-gb-x-rp+m5"
    rate_wpm: int = 160
    pitch: int = 50  # espeak 0-99
    pitch_range: int = 50  # espeak 0-99
    speed: float = 1.0  # SoX `speed`: shifts formants and tempo together (times scale by 1/speed)
    pitch_cents: int = 0  # SoX `pitch`: shifts pitch, keeps duration
    equalizer: tuple[tuple[float, float, float], ...] = ()  # (centre_hz, width_q, gain_db)

    def sox_effects(self) -> list[str]:
        effects: list[str] = []
        if self.speed != 1.0:
            effects += ["speed", f"{self.speed:.4f}"]
        if self.pitch_cents:
            effects += ["pitch", str(self.pitch_cents)]
        for centre_hz, width_q, gain_db in self.equalizer:
            effects += ["equalizer", f"{centre_hz:g}", f"{width_q:g}q", f"{gain_db:g}"]
        return effects


# Voices measured to be separable by resemblyzer and intelligible to Whisper tiny.en
# (benchmarks/voices.py; docs/speakers.md has the similarity and WER figures).
VOICES: dict[str, Voice] = {
    "agent_a": Voice("en-us+m1", rate_wpm=150, pitch=62, pitch_range=72, speed=0.924,
                     pitch_cents=100, equalizer=((500, 1.0, -6), (1200, 1.0, -4))),
    "agent_b": Voice("en-gb-x-rp+klatt2", rate_wpm=150, pitch=49, pitch_range=47, speed=1.022,
                     pitch_cents=200, equalizer=((2500, 1.0, 6),)),
    "agent_c": Voice("en-gb-x-rp+quincy", rate_wpm=160, pitch=47, pitch_range=38, speed=0.887,
                     pitch_cents=-150, equalizer=((1800, 1.0, -4), (2500, 1.0, 4))),
    "supporter_a": Voice("en+anika", rate_wpm=160, pitch=35, pitch_range=67, speed=0.916,
                         pitch_cents=150, equalizer=((1200, 1.0, -6),)),
    "supporter_b": Voice("en+Annie", rate_wpm=150, pitch=45, pitch_range=21, speed=0.876,
                         pitch_cents=150, equalizer=((1200, 1.0, -4),)),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Line:
    """One turn of a script: who says what, after how long a pause (negative: overlapping).

    `hold_music_s` > 0 puts that much hold music (`testing/hold_music.py`) in the pause before
    the line, which then starts `pause_before_s` after the music ends.
    """

    voice: str
    text: str
    pause_before_s: float = 0.6
    hold_music_s: float = 0.0


@dataclass(frozen=True, slots=True)
class ScriptedWord:
    """A word of the script and where it is in the call (ground truth)."""

    text: str
    start_s: float
    end_s: float
    voice: str


@dataclass(frozen=True)
class ScriptedTurn:
    """A line of the script as it landed on the call's timeline."""

    voice: str
    text: str
    start_s: float
    end_s: float
    words: tuple[ScriptedWord, ...]


@dataclass(frozen=True)
class SyntheticCall:
    """A synthesised call: the audio files and the ground truth."""

    gsm_path: Path  # raw GSM 6.10, 8 kHz mono, as the PBX stores calls
    wav_path: Path  # the same call as 16-bit PCM WAV at 8 kHz (before GSM coding)
    duration_s: float
    turns: tuple[ScriptedTurn, ...]
    noise_snr_db: float | None = None
    voices: dict[str, Voice] = field(default_factory=dict)
    music_spans: tuple[tuple[float, float], ...] = ()  # hold music (not speech)

    @property
    def words(self) -> tuple[ScriptedWord, ...]:
        return tuple(w for t in self.turns for w in t.words)

    @property
    def script_text(self) -> str:
        return " ".join(t.text for t in self.turns)

    @property
    def speakers(self) -> tuple[str, ...]:
        """Voices in order of first appearance."""
        return tuple(dict.fromkeys(t.voice for t in self.turns))

    def text_of(self, voice: str) -> str:
        return " ".join(t.text for t in self.turns if t.voice == voice)

    def speaker_turns(self) -> tuple[SpeakerTurn, ...]:
        """The reference diarization (speaker = voice name)."""
        return tuple(SpeakerTurn(t.start_s, t.end_s, t.voice) for t in self.turns)

    def speech_turns(self, *, max_gap_s: float = 0.3) -> tuple[SpeakerTurn, ...]:
        """The true speech of each voice: its words, joined across pauses under `max_gap_s`.

        Stricter than `speaker_turns`: a pause between two sentences of one line is not speech.
        """
        found: list[SpeakerTurn] = []
        for voice in self.speakers:
            spans = sorted((w.start_s, w.end_s) for w in self.words if w.voice == voice)
            start, end = spans[0]
            for word_start, word_end in spans[1:]:
                if word_start - end >= max_gap_s:
                    found.append(SpeakerTurn(start, end, voice))
                    start = word_start
                end = max(end, word_end)
            found.append(SpeakerTurn(start, end, voice))
        return tuple(sorted(found, key=lambda t: t.start_s))

    def first_turn_of(self, voice: str) -> ScriptedTurn:
        return next(t for t in self.turns if t.voice == voice)


@dataclass(frozen=True)
class _RenderedLine:
    audio: npt.NDArray[np.float32]  # at the engine's rate, after the voice's SoX chain
    words: tuple[tuple[str, float, float], ...]  # (text, start_s, end_s) within `audio`


def synthesise_call(
    lines: Sequence[Line],
    out_dir: Path,
    *,
    name: str = "call",
    noise_snr_db: float | None = None,
    seed: int = 0,
    voices: dict[str, Voice] | None = None,
) -> SyntheticCall:
    """Synthesise a call from a script into `out_dir` (`<name>.gsm` and `<name>.wav`)."""
    if not lines:
        raise ValueError("a call needs at least one line")
    table = voices or VOICES
    unknown = sorted({line.voice for line in lines} - set(table))
    if unknown:
        raise ValueError(f"unknown voices {unknown}; known: {sorted(table)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    spoken = synthesise_in_child(
        [
            SpeechRequest(line.text, v.espeak_voice, v.rate_wpm, v.pitch, v.pitch_range)
            for line, v in ((line, table[line.voice]) for line in lines)
        ]
    )
    rate = spoken[0].sample_rate_hz
    rendered = [
        _render_line(line.text, utterance, table[line.voice])
        for line, utterance in zip(lines, spoken, strict=True)
    ]

    # Place each line so its first word starts `pause_before_s` after the previous line's
    # last word ends (the lead-in silence espeak adds is cut off).
    placements: list[tuple[int, _RenderedLine]] = []
    turns: list[ScriptedTurn] = []
    music: list[tuple[float, float]] = []
    cursor_s = 0.5
    for line, line_audio in zip(lines, rendered, strict=True):
        if line.hold_music_s > 0:
            music.append((cursor_s + 0.3, cursor_s + 0.3 + line.hold_music_s))
            cursor_s = music[-1][1]
        speech_start_s = max(0.05, cursor_s + line.pause_before_s) if turns else cursor_s
        lead_s = line_audio.words[0][1]
        offset = round((speech_start_s - lead_s) * rate)
        if offset < 0:  # an overlap at the very start: cut the lead-in instead
            line_audio = _RenderedLine(line_audio.audio[-offset:], line_audio.words)
            lead_s -= -offset / rate
            offset = 0
        shift_s = offset / rate
        words = tuple(
            ScriptedWord(text, shift_s + start, shift_s + end, line.voice)
            for text, start, end in line_audio.words
        )
        turns.append(ScriptedTurn(line.voice, line.text, words[0].start_s, words[-1].end_s, words))
        placements.append((offset, line_audio))
        cursor_s = max(cursor_s, words[-1].end_s)  # a back-channel inside a line ends first

    total = max(offset + len(r.audio) for offset, r in placements) + int(0.6 * rate)
    mix = np.zeros(total, dtype=np.float32)
    for offset, line_audio in placements:
        mix[offset : offset + len(line_audio.audio)] += line_audio.audio
    for index, (start_s, end_s) in enumerate(music):
        tune = hold_music(end_s - start_s, rate, seed=seed + index, level_rms=_TARGET_RMS * 0.7)
        begin = round(start_s * rate)
        mix[begin : begin + len(tune)] += tune[: max(0, len(mix) - begin)]
    if noise_snr_db is not None:
        mix = _add_noise(mix, noise_snr_db, seed)
    peak = float(np.max(np.abs(mix))) or 1.0
    mix *= 0.9 / peak

    wav_path, gsm_path = out_dir / f"{name}.wav", out_dir / f"{name}.gsm"
    with tempfile.TemporaryDirectory() as tmp:
        mixed = Path(tmp) / "mix.wav"
        soundfile.write(mixed, mix, rate, subtype="FLOAT")
        _sox(mixed, wav_path, ["-b", "16", "-r", str(TELEPHONE_RATE_HZ)], ["highpass", "250",
             "lowpass", "3500"])  # fmt: skip
    narrow, narrow_rate = soundfile.read(wav_path, dtype="int16")
    padding = (-len(narrow)) % GSM_FRAME_SAMPLES  # GSM codes whole 20 ms frames
    narrow = np.concatenate([narrow, np.zeros(padding, dtype=np.int16)])
    soundfile.write(wav_path, narrow, narrow_rate, subtype="PCM_16")
    _sox(wav_path, gsm_path, ["-r", str(TELEPHONE_RATE_HZ), "-c", "1"], [])
    return SyntheticCall(
        gsm_path=gsm_path,
        wav_path=wav_path,
        duration_s=len(narrow) / narrow_rate,
        turns=tuple(turns),
        noise_snr_db=noise_snr_db,
        voices={v: table[v] for v in dict.fromkeys(line.voice for line in lines)},
        music_spans=tuple(music),
    )


def synthesise_clip(
    voice: str, text: str, path: Path, *, voices: dict[str, Voice] | None = None
) -> Path:
    """One voice reading `text`, as an 8 kHz WAV (or GSM, by `path`'s suffix): enrolment clips."""
    call = synthesise_call([Line(voice, text)], path.parent, name=path.stem, voices=voices)
    return call.gsm_path if path.suffix == ".gsm" else call.wav_path


def _render_line(text: str, utterance: Utterance, voice: Voice) -> _RenderedLine:
    rate = utterance.sample_rate_hz
    samples = utterance.samples.astype(np.float32) / 32768.0
    starts: list[tuple[str, int]] = []
    for token in _TOKEN.finditer(text):
        mark = next(
            (m for m in utterance.marks if token.start() <= m.char_start < token.end()), None
        )
        if mark is not None:  # tokens espeak does not speak (a lone dash) are not words
            starts.append((token.group(), mark.sample))
    if not starts:
        raise ValueError(f"espeak spoke no words for {text!r}")
    words: list[tuple[str, float, float]] = []
    for index, (word, start) in enumerate(starts):
        limit = starts[index + 1][1] if index + 1 < len(starts) else len(samples)
        end = _speech_end(samples, start, limit, rate)
        words.append((word, start / rate, end / rate))
    coloured = _colour(samples, voice, rate)
    scale = 1.0 / voice.speed  # SoX `speed` shortens the audio by this factor; `pitch` does not
    rms = float(np.sqrt(np.mean(np.square(coloured)))) or 1.0
    return _RenderedLine(
        (coloured * (_TARGET_RMS / rms)).astype(np.float32),
        tuple((w, s * scale, e * scale) for w, s, e in words),
    )


def _speech_end(samples: npt.NDArray[np.float32], start: int, limit: int, rate: int) -> int:
    """The end of the last 10 ms frame with speech energy in [start, limit)."""
    frame = int(_FRAME_S * rate)
    chunk = samples[start:limit]
    if len(chunk) < frame:
        return limit
    frames = chunk[: len(chunk) // frame * frame].reshape(-1, frame)
    energy = np.sqrt(np.mean(np.square(frames), axis=1))
    voiced = np.nonzero(energy > 0.02 * float(np.max(np.abs(samples)) or 1.0))[0]
    return start + (int(voiced[-1]) + 1) * frame if len(voiced) else limit


def _colour(samples: npt.NDArray[np.float32], voice: Voice, rate: int) -> npt.NDArray[np.float32]:
    effects = voice.sox_effects()
    if not effects:
        return samples
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        # Halved first: an equaliser boost would otherwise clip (the level is reset later).
        soundfile.write(src, samples * 0.5, rate, subtype="FLOAT")
        _sox(src, dst, ["-r", str(rate)], effects)
        out, _ = soundfile.read(dst, dtype="float32")
    return np.asarray(out, dtype=np.float32)


def _add_noise(mix: npt.NDArray[np.float32], snr_db: float, seed: int) -> npt.NDArray[np.float32]:
    speech = np.abs(mix) > 1e-4
    speech_rms = float(np.sqrt(np.mean(np.square(mix[speech])))) if speech.any() else _TARGET_RMS
    noise_rms = speech_rms / (10 ** (snr_db / 20))
    noise = np.random.default_rng(seed).normal(0.0, noise_rms, size=len(mix))
    return (mix + noise).astype(np.float32)


def _sox(src: Path, dst: Path, output_options: list[str], effects: list[str]) -> None:
    # -R: repeatable dither, so the same script always gives the same bytes.
    command = ["sox", "-R", "-V1", str(src), *output_options, str(dst), *effects]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0 or not dst.exists():
        raise RuntimeError(f"sox failed ({' '.join(command)}): {result.stderr.strip()}")


def speak_in_sequence(
    pieces: Sequence[tuple[str, str, int]],
    path: Path,
    *,
    pause_s: float = 0.35,
    sample_rate_hz: int = 16_000,
) -> tuple[float, list[tuple[float, float]]]:
    """Speak each `(text, espeak voice, words per minute)` with espeak-ng, trim its silences,
    and join the pieces with fixed pauses into a mono WAV at `path`.

    Returns the call's duration and when each piece is heard (start, end) in seconds. SoX runs
    without dither (-D): dither is random, and Whisper tiny.en hears the same call differently
    with different noise, which would make transcripts change from run to run.
    """
    pause = np.zeros(int(pause_s * sample_rate_hz), dtype=np.float32)
    audio: list[npt.NDArray[np.float32]] = []
    spans: list[tuple[float, float]] = []
    clock = 0.0
    with tempfile.TemporaryDirectory(prefix="angel-pieces-") as tmp:
        for index, (text, voice, rate_wpm) in enumerate(pieces):
            raw, trimmed = Path(tmp) / f"raw{index}.wav", Path(tmp) / f"piece{index}.wav"
            speak = ["espeak-ng", "-v", voice, "-s", str(rate_wpm), "-w", str(raw), text]
            subprocess.run(speak, check=True)
            trim = ["sox", "-D", str(raw), "-r", str(sample_rate_hz), "-c", "1", str(trimmed),
                    "silence", "1", "0.02", "0.5%", "reverse", "silence", "1", "0.02", "0.5%",
                    "reverse"]  # fmt: skip
            subprocess.run(trim, check=True)
            samples, _ = soundfile.read(trimmed, dtype="float32")
            if len(samples) == 0:
                raise ValueError(f"espeak-ng said nothing for {text!r}")
            spans.append((clock, clock + len(samples) / sample_rate_hz))
            audio.extend([samples, pause])
            clock += (len(samples) + len(pause)) / sample_rate_hz
    soundfile.write(path, np.concatenate(audio), sample_rate_hz)
    return clock, spans
