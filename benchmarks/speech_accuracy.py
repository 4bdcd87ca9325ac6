"""Accuracy of transcription, diarization and speaker roles on synthetic calls.

Synthesises the test scripts (testing/call_scripts.py) clean and with noise at 25 and 20 dB
SNR, one cast of voices per seed (CASTS), as 8 kHz GSM; runs Whisper tiny.en, the resemblyzer
diarizer and the speaker stage; and prints per call: WER against the script, DER (0.25 s
collar; "confused" is its speaker-confusion part, the rest being speech the VAD left out,
mostly pauses inside a turn), the share of words given the right role, the median and
90th-percentile error of word start times, and the handover time error on transfers. The test
bounds in tests/integration/speech/ and docs/speakers.md come from these figures.

    PYTHONPATH=src python benchmarks/speech_accuracy.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber
from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerDiarizer
from angel_intelligence.pipeline.speakers import SpeakerOptions
from angel_intelligence.services.speech import transcribe_call
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.scoring import (
    diarization_error,
    role_accuracy,
    word_error_rate,
    word_start_errors,
)
from angel_intelligence.testing.speech import synthesise_call

AGENT_VOICES = {"agent_a", "agent_b", "agent_c"}
CASTS = (  # (first agent, supporter, second agent) by seed
    ("agent_a", "supporter_a", "agent_b"),
    ("agent_c", "supporter_b", "agent_a"),
    ("agent_b", "supporter_a", "agent_c"),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    transcriber = FasterWhisperTranscriber()
    diarizer = ResemblyzerDiarizer()
    options = SpeakerOptions(organisation_names=(call_scripts.ORGANISATION,))
    header = (
        "dur s",
        "WER",
        "DER",
        "confused",
        "roles",
        "t med",
        "t p90",
        "handover",
        "asr s",
        "diar s",
    )
    print(f"{'call':<24}  " + "  ".join(f"{c:>8}" for c in header))
    figures: dict[str, list[float]] = {"wer": [], "der": [], "roles": [], "p90": []}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            first, supporter, second = CASTS[seed % len(CASTS)]
            for script_name, lines in (
                ("two_party", call_scripts.two_party_call(first, supporter)),
                ("transfer", call_scripts.transfer_call(first, second, supporter)),
            ):
                for snr in (None, 25.0, 20.0):
                    name = f"{script_name}-{seed}-{'clean' if snr is None else f'{snr:.0f}dB'}"
                    call = synthesise_call(lines, Path(tmp), name=name, noise_snr_db=snr, seed=seed)
                    result = transcribe_call(call.gsm_path, transcriber, diarizer, options=options)
                    segments = result.transcript.segments
                    wer = word_error_rate(call.script_text, " ".join(s.text for s in segments))
                    score = diarization_error(call.speaker_turns(), result.diarization.turns)
                    der, confused = score.der, score.confusion_s / score.scored_speech_s
                    labelled = [
                        (w, bool(s.speaker and s.speaker.is_agent))
                        for s in segments
                        for w in s.words
                    ]
                    roles = role_accuracy(call.speaker_turns(), labelled, AGENT_VOICES)
                    errors = word_start_errors(call.words, result.transcript.words)
                    p90 = statistics.quantiles(errors, n=10)[-1]
                    handover = "-"
                    if script_name == "transfer":
                        expected = call.first_turn_of(second).start_s
                        found = result.labelling.handovers
                        handover = f"{found[0].time_s - expected:+.2f}" if found else "none"
                    values = (
                        call.duration_s,
                        wer,
                        der,
                        confused,
                        roles,
                        statistics.median(errors),
                        p90,
                    )
                    cells = [f"{v:>8.3f}" for v in values] + [f"{handover:>8}"]
                    cells += [f"{result.timings_s[k]:>8.1f}" for k in ("transcribe", "diarize")]
                    print(f"{name:<24}  " + "  ".join(cells), flush=True)
                    figures["wer"].append(wer)
                    figures["der"].append(der)
                    figures["roles"].append(roles)
                    figures["p90"].append(p90)
    print()
    for key, found_values in figures.items():
        worst = min(found_values) if key == "roles" else max(found_values)
        print(f"{key:<6} mean {statistics.mean(found_values):.3f}  worst {worst:.3f}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - started:.0f} s)")
