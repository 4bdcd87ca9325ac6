"""espeak-ng through its C library (ctypes): speech samples plus the exact sample of every word.

The `espeak-ng` command writes only audio; the library also reports an `espeakEVENT_WORD` event
with the sample position at which each word starts (research/test_speech.md), which is what makes
the ground truth of a synthetic call exact to the sample.

libespeak-ng keeps its state (voice, parameters, callback) in process globals and is not
thread-safe, so one `EspeakEngine` per process is shared behind a lock (`espeak_engine()`).
Some of that state also carries over from one utterance to the next (the voice's pitch
"flutter" phase, not reset even by espeak_Terminate), so the same text comes out a few
milliseconds different each time. A fresh process gives the same output for the same sequence
of requests, so `synthesise_in_child` speaks a whole call's lines in a new process: synthetic
calls are byte-for-byte reproducible whatever ran before them.
Needs the Debian package `libespeak-ng1` (with `espeak-ng-data`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict, astuple, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

_AUDIO_OUTPUT_RETRIEVAL = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3
_PARAM_RANGE = 4


class EspeakUnavailableError(RuntimeError):
    """libespeak-ng could not be loaded or initialised."""


class _Event(ctypes.Structure):
    # espeak_EVENT from speak_lib.h (the trailing union is pointer-sized).
    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_void_p),
    )


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True, slots=True)
class WordMark:
    """Where a word starts: its character span in the text and its first sample."""

    char_start: int  # 0-based offset into the text
    char_end: int
    sample: int


@dataclass(frozen=True)
class Utterance:
    """Synthesised speech (int16 mono) and the word marks in it."""

    samples: npt.NDArray[np.int16]
    sample_rate_hz: int
    marks: tuple[WordMark, ...]


class EspeakEngine:
    """One initialised libespeak-ng; use `espeak_engine()` rather than building another."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self._lib: Any = ctypes.CDLL(name)
        except OSError as error:
            raise EspeakUnavailableError(
                f"cannot load libespeak-ng ({error}); install the Debian package libespeak-ng1"
            ) from None
        self.sample_rate_hz = int(self._lib.espeak_Initialize(_AUDIO_OUTPUT_RETRIEVAL, 0, None, 0))
        if self.sample_rate_hz <= 0:
            raise EspeakUnavailableError("espeak_Initialize failed (is espeak-ng-data installed?)")
        self._lock = threading.Lock()
        self._chunks: list[npt.NDArray[np.int16]] = []
        self._events: list[tuple[int, int, int, int]] = []
        # Keep a reference: ctypes frees the trampoline when the Python object dies.
        self._callback = _Callback(self._on_audio)
        self._lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).astype(np.int16))
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            self._events.append((event.type, event.text_position, event.length, event.sample))
            index += 1
        return 0

    def synthesise(
        self,
        text: str,
        *,
        voice: str,
        rate_wpm: int = 165,
        pitch: int = 50,
        pitch_range: int = 50,
    ) -> Utterance:
        """Speak `text` with an espeak voice (e.g. "en-gb-x-rp+m5") and return samples + marks."""
        encoded = text.encode("utf-8")
        with self._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice {voice!r}")
            self._lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
            self._lib.espeak_SetParameter(_PARAM_RANGE, pitch_range, 0)
            self._chunks, self._events = [], []
            buffer = ctypes.create_string_buffer(encoded)
            status = self._lib.espeak_Synth(
                buffer, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self._lib.espeak_Synchronize()
            if status != 0:
                raise RuntimeError(f"espeak_Synth failed with status {status}")
            chunks, events = self._chunks, self._events
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        return Utterance(samples, self.sample_rate_hz, _word_marks(encoded, events))


def _word_marks(encoded: bytes, events: list[tuple[int, int, int, int]]) -> tuple[WordMark, ...]:
    # Events give 1-based byte positions; a number may raise several events (one per digit
    # group), so only the first event of each text position is kept.
    marks: list[WordMark] = []
    seen: set[int] = set()
    for kind, position, length, sample in events:
        if kind != _EVENT_WORD or position in seen:
            continue
        seen.add(position)
        start = len(encoded[: position - 1].decode("utf-8", errors="ignore"))
        word = encoded[position - 1 : position - 1 + length].decode("utf-8", errors="ignore")
        marks.append(WordMark(start, start + len(word), sample))
    return tuple(marks)


@functools.cache
def espeak_engine() -> EspeakEngine:
    """The process's espeak engine (libespeak-ng state is process-global)."""
    return EspeakEngine()


@dataclass(frozen=True, slots=True)
class SpeechRequest:
    text: str
    voice: str
    rate_wpm: int = 165
    pitch: int = 50
    pitch_range: int = 50


def synthesise_in_child(requests: list[SpeechRequest]) -> list[Utterance]:
    """Speak every request, in order, in a new process (reproducible output; see above)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "requests.json").write_text(json.dumps([asdict(r) for r in requests]))
        # The child imports this very copy of the package, wherever it was imported from.
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join([package_root, *filter(None, [os.environ.get("PYTHONPATH")])])
        result = subprocess.run(
            [sys.executable, "-m", "angel_intelligence.testing.espeak", str(folder)],
            env={**os.environ, "PYTHONPATH": path},
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise EspeakUnavailableError(f"espeak child failed: {result.stderr.strip()[-2000:]}")
        header = json.loads((folder / "result.json").read_text())
        utterances = []
        for index, item in enumerate(header["utterances"]):
            samples = np.load(folder / f"{index}.npy")
            marks = tuple(WordMark(*mark) for mark in item["marks"])
            utterances.append(Utterance(samples, int(header["sample_rate_hz"]), marks))
        return utterances


def _child(folder: Path) -> None:
    engine = espeak_engine()
    requests = [SpeechRequest(**r) for r in json.loads((folder / "requests.json").read_text())]
    described = []
    for index, request in enumerate(requests):
        utterance = engine.synthesise(
            request.text,
            voice=request.voice,
            rate_wpm=request.rate_wpm,
            pitch=request.pitch,
            pitch_range=request.pitch_range,
        )
        np.save(folder / f"{index}.npy", utterance.samples)
        described.append({"marks": [astuple(m) for m in utterance.marks]})
    header = {"sample_rate_hz": engine.sample_rate_hz, "utterances": described}
    (folder / "result.json").write_text(json.dumps(header))


if __name__ == "__main__":
    _child(Path(sys.argv[1]))
