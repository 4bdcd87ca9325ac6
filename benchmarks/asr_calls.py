"""The telephone calls `benchmarks/transcription.py` scores Whisper on, in two splits.

- `tuning`: the calls the ASR settings (VAD, windows, re-decoding) were tuned on: the first
  calls of the PII sets `dev`, `dev2` and `dev3` (benchmarks/pii_speech_sets.py: card
  numbers, sort codes, postcodes read out in pairs, fours, "double", "oh"; some values said
  quietly, away from the phone; noise from clean to 10 dB SNR) and two short scripted calls.
- `heldout`: never looked at while tuning: the PII sets `heldout` (its own voices and wording)
  and `dev4`, and two scripted calls with other voices and noise.

Every call is band-limited and GSM-coded as the PBX stores it, then converted by the worker's
SoX command. The reference is the script as said (espeak's words).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pii_speech import build_calls, to_telephone, value_spans
from pii_speech_sets import SETS

from angel_intelligence.pipeline.convert import convert_recording
from angel_intelligence.testing.call_scripts import transfer_call, two_party_call
from angel_intelligence.testing.speech import Line, synthesise_call

SPLITS: dict[str, dict[str, int]] = {
    "tuning": {"dev": 4, "dev2": 4, "dev3": 4},
    "heldout": {"heldout": 6, "dev4": 4},
}
# (name, script, voices, SNR dB, seed) of the scripted calls of each split
SCRIPTED: dict[str, list[tuple[str, str, tuple[str, ...], float, int]]] = {
    "tuning": [
        ("two-party-a", "two_party", ("agent_a", "supporter_a"), 20.0, 3),
        ("transfer-a", "transfer", ("agent_a", "agent_b", "supporter_b"), 25.0, 4),
    ],
    "heldout": [
        ("two-party-h", "two_party", ("agent_b", "supporter_b"), 15.0, 13),
        ("transfer-h", "transfer", ("agent_c", "agent_a", "supporter_a"), 18.0, 14),
    ],
}


@dataclass(frozen=True)
class AsrCall:
    """A converted call (16-bit WAV at 8 kHz), what was said, and when each word was said."""

    name: str
    split: str
    audio: str
    duration_s: float
    reference: str
    words: list[tuple[float, float]]


def calls(split: str, cache: Path) -> list[AsrCall]:
    """The split's calls, synthesised once into `cache` (keyed by the plan of the split)."""
    plan = json.dumps([SPLITS[split], SCRIPTED[split]], sort_keys=True)
    directory = cache / f"{split}-{hashlib.sha256(plan.encode()).hexdigest()[:12]}"
    index = directory / "calls.json"
    if index.exists():
        return [AsrCall(**c) for c in json.loads(index.read_text())]
    out = [*_pii_calls(split, directory), *_scripted_calls(split, directory)]
    index.write_text(json.dumps([asdict(c) for c in out]))
    return out


def _pii_calls(split: str, directory: Path) -> list[AsrCall]:
    out = []
    for set_name, count in SPLITS[split].items():
        spec = SETS[set_name]
        for call in build_calls(spec, count):
            where = directory / call.name
            where.mkdir(parents=True, exist_ok=True)
            lines = [Line(t.voice, t.text, t.pause_s) for t in call.turns]
            said = synthesise_call(lines, where, name=call.name, voices=spec.voices)
            truth = value_spans(call, said.turns)
            quiet = [
                s for v, spans in zip(call.values, truth, strict=True) if v.quiet for s in spans
            ]
            gsm = to_telephone(said.wav_path, quiet, call.snr_db, where, seed=spec.seed)
            out.append(_converted(call.name, split, gsm, said.script_text, said.words, where))
    return out


def _scripted_calls(split: str, directory: Path) -> list[AsrCall]:
    out = []
    for name, script, voices, snr_db, seed in SCRIPTED[split]:
        lines = two_party_call(*voices) if script == "two_party" else transfer_call(*voices)
        where = directory / name
        where.mkdir(parents=True, exist_ok=True)
        said = synthesise_call(lines, where, name=name, noise_snr_db=snr_db, seed=seed)
        out.append(_converted(name, split, said.gsm_path, said.script_text, said.words, where))
    return out


def _converted(
    name: str, split: str, gsm: Path, reference: str, words: object, where: Path
) -> AsrCall:
    audio = convert_recording(gsm, where / "converted", timeout_s=120)
    spans = [(float(w.start_s), float(w.end_s)) for w in words]  # type: ignore[attr-defined]
    return AsrCall(name, split, str(audio.path), audio.duration_s, reference, spans)
