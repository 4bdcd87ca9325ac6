"""Audio PII redaction on synthetic telephone calls, through the worker's own speech stages.

    python benchmarks/pii_speech.py [--set dev|…|heldout|heldout2|all] [--calls N] [--show|--why]

Each call is a two-party script (`testing.speech.synthesise_call`: espeak-ng voices coloured
by SoX, word times exact to the sample) in which an agent asks for PII and a supporter reads
it out the way people do on the phone: digits in fours, in pairs and tens, "double" and
"triple", "oh", corrections mid-number, letters one by one, NATO words, emails with "dot" and
"at"; answers interrupted by the agent's "mm-hm"; some values volunteered, some read back.
Some values are said quietly (a caller turning from the phone: the VAD drops them), some calls
are noisy. The call is band-limited and GSM-coded as the PBX stores it, converted by the
worker's SoX command, transcribed by the worker's `FasterWhisperTranscriber` (bundled
Whisper tiny.en, VAD, batched), diarized and labelled by the worker's speaker stage, then
`redact_transcript` runs with the default policy.

The `heldout` set (its own seeds, voices, and wording of every question, answer, read-back and
decoy) was fixed, and measured with the old code, before any tuning, and was never looked into
while tuning. The rules were tuned on `dev`; `dev2`, `dev3` and `dev4` (more voices, wordings
and noise, each measured once before being tuned on) were added as tuning went on, to see how
the rules carried over to calls they had not been tuned on; `dev5` (issue 14, second round)
adds the forms `dev` lacks (cards in pairs and tens, NATO letters, numeric dates, spelled
emails), from both families of forms; `dev6` (fifth round) calls that go off the script
(answers over the question's end, the agent asking mid-value, the caller fetching the card,
the card number offered before it is asked for, read-backs with no cue). `heldout2` (sixth
round) is a second held-out set written before any code ran on it, with flows of its own (the
card read out before anyone asks, a long chat first, a second card after a decline, a card
read off with pauses); `all` leaves it out, so it is scored only when named. `dev8` (tuning)
has heldout2's flows in its own wording and voices, the card read out unprompted more often.
Printed per type
and set, for the old behaviour (text findings only: `PiiPolicy(question_windows=False)`)
beside the new one, on the intervals the worker bleeps (with its REDACTION_PADDING_MS,
0.25 s): audio coverage
(share of the seconds in which PII was said that lie inside a bleep), values fully covered,
and the cost: extra bleeped audio per call, in seconds and as a share of the speech that was
not PII; question windows opened on calls without a sensitive question.

Transcripts are cached (`--cache`, keyed by the script and by the speech stages' code: every
source file outside `pii/`, the rules scored here, plus the package versions), so re-scoring
is fast and a change to the transcriber or the diarizer is never scored on stale transcripts;
`--no-cache` transcribes again. CTranslate2 picks its kernels by CPU (`CT2_FORCE_CPU_ISA`
overrides), and Whisper's words differ between them, so results are for the ISA printed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import soundfile  # noqa: E402

from angel_intelligence.domain.pii import AudioReason, PiiRedaction, PiiType  # noqa: E402
from angel_intelligence.domain.transcript import Transcript  # noqa: E402
from angel_intelligence.pii import PiiDetector, PiiPolicy, redact_transcript  # noqa: E402
from angel_intelligence.testing.speech import Line, synthesise_call  # noqa: E402

CACHE_VERSION = 1


def _speech_code_key() -> str:
    """What the cached transcripts depend on besides the script: the package's code outside
    `pii/` (the redaction rules this benchmark scores run after the cache) and the versions of
    the libraries that hear the call."""
    from importlib.metadata import version

    import angel_intelligence

    root = Path(angel_intelligence.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "pii" not in path.relative_to(root).parts:
            digest.update(str(path.relative_to(root)).encode() + path.read_bytes())
    for package in ("ctranslate2", "faster-whisper", "resemblyzer", "torch"):
        digest.update(f"{package}={version(package)}".encode())
    return digest.hexdigest()[:16]


SPEECH_CODE_KEY = _speech_code_key()
WORKER_PADDING_S = 0.25  # REDACTION_PADDING_MS: redact_audio pads every interval again
ORGANISATION = "Hope Foundation"
K = PiiType

from pii_speech_sets import FORMS, OTHER_TYPES, QUIET_DB, SETS, SetSpec, Wording, forms_of  # noqa: E402


@dataclass
class Part:
    text: str
    value: int | None = None  # which value these words carry (index into Call.values)


@dataclass
class Turn:
    voice: str
    parts: list[Part]
    pause_s: float = 0.6

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.parts)


@dataclass
class Value:
    type: PiiType
    quiet: bool = False
    read_back: bool = False


@dataclass
class Call:
    name: str
    turns: list[Turn] = field(default_factory=list)
    values: list[Value] = field(default_factory=list)
    snr_db: float | None = None
    sensitive: bool = True  # does the agent ask for (or the supporter give) PII?

    def key(self) -> str:
        payload = json.dumps([CACHE_VERSION, SPEECH_CODE_KEY, self.name, self.snr_db,
                              [asdict(t) for t in self.turns], [asdict(v) for v in self.values]],
                             default=str)  # fmt: skip
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def build_calls(spec: SetSpec, count: int) -> list[Call]:
    rng = random.Random(spec.seed)
    w = spec.wording
    calls = []
    for number in range(count):
        agent, supporter = rng.choice(spec.agents), rng.choice(spec.supporters)
        call = Call(f"{spec.name}-{number:02d}", snr_db=spec.snrs[number % len(spec.snrs)])
        say = call.turns.append
        say(Turn(agent, [Part(f"Good afternoon, thank you for calling the {ORGANISATION}, "
                              "my name is Sam. How can I help?")]))  # fmt: skip
        say(Turn(supporter, [Part(rng.choice(w.openings))]))
        if number % 10 == 9:  # a call without any sensitive question
            call.sensitive = False
            for question, answer in w.no_pii:
                say(Turn(agent, [Part(question)]))
                say(Turn(supporter, [Part(answer)]))
            say(Turn(supporter, [Part(rng.choice(w.decoys))]))
        else:
            kinds = [K.CREDIT_CARD, K.CARD_EXPIRY, K.CVV] if number % 2 == 0 else []
            kinds += rng.sample(OTHER_TYPES, 1 if kinds else 3)
            together = bool(kinds[:1] == [K.CREDIT_CARD] and rng.random() < 0.3)
            odd = spec.behaviours  # heldout2's flows draw from `rng` only in that set
            payment = kinds[:1] == [K.CREDIT_CARD]
            if "chat" in odd and rng.random() < 0.5:  # small talk before the details
                for question, answer in rng.sample(w.chat, 3):
                    say(Turn(agent, [Part(question)]))
                    say(Turn(supporter, [Part(answer)]))
            unprompted = (
                "unprompted" in odd and payment and not together
                and rng.random() < spec.unprompted_share
            )  # fmt: skip
            before_asked = (K.CREDIT_CARD, K.CARD_EXPIRY) if unprompted else ()
            declined = "decline" in odd and payment and rng.random() < 0.3
            for index, kind in enumerate(kinds):
                first_of_three = together and index == 0
                later_of_three = together and kind in (K.CARD_EXPIRY, K.CVV)
                exchange(call, rng, w, spec, kind, agent, supporter,
                         ask=(w.payment_all_at_once if first_of_three else None),
                         asked=later_of_three,
                         unprompted=kind in before_asked)  # fmt: skip
                if declined and kind is K.CVV:  # the first card is declined: another one
                    say(Turn(agent, [Part(w.decline[0])]))
                    say(Turn(supporter, [Part(w.decline[1])]))
                    for again in (K.CREDIT_CARD, K.CARD_EXPIRY, K.CVV):
                        exchange(call, rng, w, spec, again, agent, supporter, ask=None,
                                 asked=False)  # fmt: skip
            say(Turn(supporter, [Part(rng.choice(w.decoys))]))
        say(Turn(agent, [Part("Thank you so much for your support. Goodbye.")]))
        calls.append(call)
    return calls


def exchange(
    call: Call,
    rng: random.Random,
    w: Wording,
    spec: SetSpec,
    kind: PiiType,
    agent: str,
    supporter: str,
    *,
    ask: str | None,
    asked: bool,
    unprompted: bool = False,
) -> None:
    """One PII value: asked (or volunteered), answered (maybe interrupted), maybe read back.

    Sets with `behaviours` (dev6) draw more from `rng` only for those: the other sets' calls
    stay exactly as they were."""
    odd = spec.behaviours
    say = call.turns.append
    pieces = rng.choice(forms_of(kind, spec.forms))(rng)
    index = len(call.values)
    call.values.append(Value(kind, quiet=rng.random() < 0.12))
    share = 0.5 if "volunteer" in odd else 0.25
    volunteered = (
        not asked and ask is None and not unprompted and kind in w.volunteered
        and rng.random() < share
    )  # fmt: skip
    offered = (
        "offer" in odd and kind is K.CREDIT_CARD and not asked and not volunteered
        and ask is None and rng.random() < 0.4
    )  # fmt: skip
    if offered:  # the caller offers the number before it is asked for
        say(Turn(agent, [Part(w.offer[0])]))
        say(Turn(supporter, [Part(w.offer[1])]))
        say(Turn(agent, [Part(w.offer[2])]))
    elif not asked and not volunteered and not unprompted:
        say(Turn(agent, [Part(ask or rng.choice(w.questions[kind]))]))
    hesitated = "hesitate" in odd and not volunteered and not unprompted and rng.random() < 0.2
    if hesitated:
        going, waiting = rng.choice(w.hesitations)
        say(Turn(supporter, [Part(going)]))
        say(Turn(agent, [Part(waiting)], 0.4))
    if unprompted:  # before anyone asks: the card number, then its expiry
        lead = rng.choice(w.unprompted if kind is K.CREDIT_CARD else w.reading)
    else:
        lead = w.volunteered[kind] if volunteered else rng.choice(w.leads)
    interrupt = len(pieces) > 1 and rng.random() < 0.4
    pause = rng.choice([0.4, 0.7, 1.2])
    questioned = not (asked or volunteered or offered or hesitated or unprompted)
    if "overlap" in odd and questioned and rng.random() < 0.3:
        pause = -rng.choice([0.4, 0.8])  # the answer starts over the question's last words
    clarify = "clarify" in odd and interrupt and rng.random() < 0.4
    paused = "pauses" in odd and not interrupt and len(pieces) > 2 and rng.random() < 0.5
    if paused:  # read off in pieces, with pauses and no one speaking in them
        say(Turn(supporter, [Part(lead), Part(pieces[0] + ",", index)], pause))
        for at, piece in enumerate(pieces[1:], start=2):
            said = Part(piece + ("." if at == len(pieces) else ","), index)
            say(Turn(supporter, [Part(rng.choice(w.reading)), said], rng.choice([1.5, 2.5, 3.5])))
    elif interrupt:
        cut = len(pieces) // 2
        first_pause = pause if odd else 0.6
        say(Turn(supporter, [Part(lead), Part(", ".join(pieces[:cut]) + ",", index)], first_pause))
        if clarify:  # the agent asks mid-value; the caller says the last piece again
            say(Turn(agent, [Part(rng.choice(w.clarifications))], 0.3))
            again = Part(f"{pieces[cut - 1]}, then", index)
            rest = Part(", ".join(pieces[cut:]) + ".", index)
            say(Turn(supporter, [Part("Sorry,"), again, rest]))
        else:
            say(Turn(agent, [Part(rng.choice(w.backchannels))], 0.3))
            say(Turn(supporter, [Part(", ".join(pieces[cut:]) + ".", index)], 0.3))
    else:
        say(Turn(supporter, [Part(lead), Part(", ".join(pieces) + ".", index)], pause))
    if "thanks" in odd and rng.random() < 0.4:
        say(Turn(agent, [Part(rng.choice(w.thanks))]))
    if rng.random() < (0.4 if "readback" in odd else 0.25):
        before, after = rng.choice(w.read_backs)
        call.values.append(Value(kind, read_back=True))
        said = Part(", ".join(pieces) + ("," if after else "."), len(call.values) - 1)
        opening = [Part(before)] if before else []
        say(Turn(agent, [*opening, said, *([Part(after)] if after else [])]))
        say(Turn(supporter, [Part(rng.choice(w.confirmations))]))
    elif rng.random() < 0.5 and not volunteered:
        say(Turn(agent, [Part(rng.choice(["Thank you.", "Lovely.", "Great."]))]))
    if "aside" in odd and rng.random() < 0.3:
        say(Turn(agent, [Part(rng.choice(w.asides))]))


# --- Synthesis, speech stages, cache -------------------------------------------------------


@dataclass
class Heard:
    """What the worker made of a call, and the truth."""

    segments: list[dict[str, Any]]
    duration_s: float
    truth: list[list[tuple[float, float]]]  # per value, the spans of its words
    speech: list[tuple[float, float]]  # every scripted word
    seconds: dict[str, float]

    def transcript(self) -> Transcript:
        return Transcript.from_segments_json(self.segments, duration_s=self.duration_s)


class Speech:
    """The worker's transcriber and diarizer, loaded once."""

    def __init__(self) -> None:
        from angel_intelligence.backends.asr.faster_whisper import FasterWhisperTranscriber
        from angel_intelligence.backends.diarization.resemblyzer import ResemblyzerDiarizer

        self.transcriber = FasterWhisperTranscriber()
        self.diarizer = ResemblyzerDiarizer()

    def hear(self, call: Call, spec: SetSpec, directory: Path) -> Heard:
        from angel_intelligence.pipeline.convert import convert_recording
        from angel_intelligence.pipeline.speakers import SpeakerOptions
        from angel_intelligence.services.speech import transcribe_call

        lines = [Line(t.voice, t.text, t.pause_s) for t in call.turns]
        synthetic = synthesise_call(lines, directory, name=call.name, voices=spec.voices)
        truth = value_spans(call, synthetic.turns)
        quiet = [span for v, spans in zip(call.values, truth, strict=True) if v.quiet
                 for span in spans]  # fmt: skip
        gsm = to_telephone(synthetic.wav_path, quiet, call.snr_db, directory, seed=spec.seed)
        audio = convert_recording(gsm, directory / "converted", timeout_s=120)
        started = time.perf_counter()
        result = transcribe_call(
            audio.path, self.transcriber, self.diarizer,
            options=SpeakerOptions(organisation_names=(ORGANISATION,), auto_enrol=False),
        )  # fmt: skip
        return Heard(
            segments=result.transcript.to_segments_json(),
            duration_s=audio.duration_s,
            truth=truth,
            speech=[(w.start_s, w.end_s) for w in synthetic.words],
            seconds={"speech": time.perf_counter() - started, "audio": audio.duration_s},
        )


def value_spans(call: Call, turns: Any) -> list[list[tuple[float, float]]]:
    """The true spans of each value's words, from the synthesis (espeak's word marks)."""
    spans: list[list[tuple[float, float]]] = [[] for _ in call.values]
    for turn, said in zip(call.turns, turns, strict=True):
        words = list(said.words)
        cursor = 0
        for part in turn.parts:
            tokens = part.text.split()
            mine = []
            for token in tokens:
                at = next((k for k in range(cursor, len(words)) if words[k].text == token), None)
                if at is None:  # espeak did not speak it (a lone dash)
                    continue
                mine.append(words[at])
                cursor = at + 1
            if part.value is not None and mine:
                spans[part.value].append((mine[0].start_s, mine[-1].end_s))
    return spans


def to_telephone(
    wav: Path, quiet: list[tuple[float, float]], snr_db: float | None, directory: Path, seed: int
) -> Path:
    """Quiet spans attenuated, then line noise at `snr_db`, band-limited and GSM-coded."""
    samples, rate = soundfile.read(wav, dtype="float32")
    gain = 10 ** (QUIET_DB / 20)
    for start_s, end_s in quiet:
        samples[int(start_s * rate) : int(np.ceil(end_s * rate))] *= gain
    if snr_db is not None:
        loud = samples[np.abs(samples) > 1e-3]
        rms = float(np.sqrt(np.mean(np.square(loud)))) if loud.size else 0.05
        noise = np.random.default_rng(seed).normal(0.0, rms / 10 ** (snr_db / 20), len(samples))
        samples = samples + noise.astype(np.float32)
    samples *= 0.9 / max(float(np.max(np.abs(samples))), 1e-6)
    noisy, gsm = directory / "noisy.wav", directory / "call.gsm"
    soundfile.write(noisy, samples, rate, subtype="PCM_16")
    subprocess.run(["sox", "-R", "-V1", str(noisy), "-r", "8000", "-c", "1", str(gsm),
                    "highpass", "250", "lowpass", "3500"], check=True)  # fmt: skip
    return gsm


def heard_calls(spec: SetSpec, calls: list[Call], cache: Path | None) -> list[Heard]:
    speech: Speech | None = None
    out = []
    for call in calls:
        path = cache / f"{call.name}-{call.key()}.json" if cache else None
        if path is not None and path.exists():
            out.append(Heard(**json.loads(path.read_text())))
            continue
        speech = speech or Speech()
        with tempfile.TemporaryDirectory() as tmp:
            heard = speech.hear(call, spec, Path(tmp))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(heard)))
        print(f"  {call.name}: heard in {heard.seconds['speech']:.1f} s", file=sys.stderr)
        out.append(heard)
    return out


# --- Scoring -------------------------------------------------------------------------------

Spans = list[tuple[float, float]]


def union(spans: Spans) -> Spans:
    merged: Spans = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def overlap(a: Spans, b: Spans) -> float:
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def length(spans: Spans) -> float:
    return sum(e - s for s, e in spans)


def bleeped(result: PiiRedaction, duration_s: float) -> Spans:
    """What the worker's `redact_audio` replaces: each interval padded again, clipped."""
    return union(
        [(max(0.0, i.start_s - WORKER_PADDING_S), min(duration_s, i.end_s + WORKER_PADDING_S))
         for i in result.audio_intervals]
    )  # fmt: skip


def hole_class(value: Spans, bleep: Spans, result: PiiRedaction, heard: Heard) -> str:
    """Why a value is not fully bleeped, as a class only (no words of the call): where the
    hole is (start, end, middle, whole), how long, what was written over it (nothing, the
    agent's side, the supporter's side), what those segments are to the rules (a cue, a
    release, a value, a back-channel, lost speech), and the rules of the windows that closed
    just before it and opened just after it."""
    from angel_intelligence.pii.cues import find_cues
    from angel_intelligence.pii.stream import CallStream
    from angel_intelligence.pii.turns import classify

    stream = CallStream.of(heard.transcript())
    cues = find_cues(stream)
    kinds = classify(stream, cues)
    holes: Spans = []
    for start, end in value:
        cursor = start
        for b_start, b_end in bleep:
            if b_end <= cursor or b_start >= end:
                continue
            if b_start > cursor:
                holes.append((cursor, b_start))
            cursor = max(cursor, b_end)
        if cursor < end:
            holes.append((cursor, end))
    first, last = value[0][0], value[-1][1]
    windows = [r for r in result.audio_redactions if r.reason is not AudioReason.FINDING]
    first_window_s = min((r.start_s for r in windows), default=float("inf"))
    parts = []
    for start, end in holes:
        if start <= first + 1e-6 and end >= last - 1e-6:
            where = "whole"
        elif start <= first + 1e-6:
            where = "start"
        elif end >= last - 1e-6:
            where = "end"
        else:
            where = "middle"
        over = [k for k, seg in enumerate(heard.segments) if seg["start"] < end + 0.5
                and start - 0.5 < seg["end"]]  # fmt: skip
        written = sorted({str(heard.segments[k].get("speaker")) for k in over
                          if heard.segments[k]["text"].strip()})  # fmt: skip
        what = set()
        for k in over:
            kind = kinds[k]
            what |= {name for name, on in (("release", kind.release), ("cue", kind.cue),
                     ("value", kind.value), ("backchannel", kind.backchannel),
                     ("unclear", kind.unclear), ("asks", kind.asks)) if on}  # fmt: skip
            what |= {f"cue-{c.phrase.kind.value}" for c in cues if c.segment == k}
        closed = sorted({r.rule.split(":")[0] for r in windows if start - 1.5 <= r.end_s <= end})
        opened = sorted({r.rule.split(":")[0] for r in windows if start <= r.start_s <= end + 1.5})
        said = "+".join(written) or "nothing"
        before = " before-first-window" if end <= first_window_s else ""
        parts.append(f"{where} {end - start:.2f}s written:{said} is:{','.join(sorted(what))} "
                     f"closed:{','.join(closed) or '-'} opened:{','.join(opened) or '-'}"
                     f"{before}")  # fmt: skip
    return " | ".join(parts)


@dataclass
class Score:
    pii_s: dict[PiiType, float] = field(default_factory=lambda: defaultdict(float))
    covered_s: dict[PiiType, float] = field(default_factory=lambda: defaultdict(float))
    values: dict[PiiType, int] = field(default_factory=lambda: defaultdict(int))
    full: dict[PiiType, int] = field(default_factory=lambda: defaultdict(int))
    extra_s: list[float] = field(default_factory=list)
    extra_share: list[float] = field(default_factory=list)
    quiet_calls_windows: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, call: Call, heard: Heard, result: PiiRedaction) -> None:
        bleep = bleeped(result, heard.duration_s)
        pii = union([s for spans in heard.truth for s in spans])
        for value, spans in zip(call.values, heard.truth, strict=True):
            said, inside = length(spans), overlap(union(spans), bleep)
            self.pii_s[value.type] += said
            self.covered_s[value.type] += inside
            self.values[value.type] += 1
            if inside >= 0.995 * said:
                self.full[value.type] += 1
            else:
                how = " (quiet)" * value.quiet + " (read back)" * value.read_back
                why = hole_class(union(spans), bleep, result, heard)
                self.misses.append(
                    f"{call.name} {value.type.value}{how}: {inside / said:.2f}; {why}"
                )
        self.extra_s.append(length(bleep) - overlap(bleep, pii))
        speech = union(heard.speech)
        other = length(speech) - overlap(speech, pii)
        self.extra_share.append((overlap(bleep, speech) - overlap(bleep, pii)) / max(other, 1e-9))
        if not call.sensitive:
            self.quiet_calls_windows += sum(
                1 for r in result.audio_redactions if r.reason is not AudioReason.FINDING
            )


def policies() -> dict[str, PiiPolicy]:
    """The old behaviour (text findings only) and the new one, on the same transcripts."""
    return {"old": PiiPolicy(question_windows=False), "new": PiiPolicy()}


def report(name: str, scores: dict[str, Score], calls: int) -> None:
    print(f"\n== {name}: {calls} calls ==")
    head = f"{'type':<27}{'values':>7}{'PII s':>7}"
    head += "".join(f"{label + ' cover':>12}{label + ' full':>10}" for label in scores)
    print(head)
    first = next(iter(scores.values()))
    for kind in [*FORMS, None]:
        kinds = list(FORMS) if kind is None else [kind]
        values = sum(first.values[k] for k in kinds)
        if not values:
            continue
        pii_s = sum(first.pii_s[k] for k in kinds)
        row = f"{'all' if kind is None else kind.value:<27}{values:>7}{pii_s:>7.1f}"
        for score in scores.values():
            covered = sum(score.covered_s[k] for k in kinds) / pii_s
            full = sum(score.full[k] for k in kinds)
            row += f"{covered:>12.3f}{f'{full}/{values}':>10}"
        print(row)
    for label, score in scores.items():
        print(f"{label}: extra bleeped audio per call {np.mean(score.extra_s):.1f} s "
              f"(median {np.median(score.extra_s):.1f}, max {np.max(score.extra_s):.1f}); "
              f"{np.mean(score.extra_share):.1%} of the non-PII speech; windows on calls "
              f"without a sensitive question: {score.quiet_calls_windows}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "all"], default="dev")
    parser.add_argument("--calls", type=int, default=20, help="calls per set")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "angel-pii-speech-cache"
    )
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--show", action="store_true", help="print transcripts and misses")
    parser.add_argument(
        "--why", action="store_true",
        help="print each miss's class only (where the hole is, what was written over it: no "
             "words of the call), for the held-out set",
    )  # fmt: skip
    args = parser.parse_args()  # fmt: skip
    isa = os.environ.get("CT2_FORCE_CPU_ISA", "auto")
    print(f"CTranslate2 ISA: {isa}; worker padding {WORKER_PADDING_S} s")
    detector = PiiDetector()
    # `all` leaves out `heldout2`: a held-out set is scored only when named, and counted.
    names = [n for n in SETS if n != "heldout2"] if args.set == "all" else [args.set]
    for name in names:
        spec = SETS[name]
        calls = build_calls(spec, args.calls)
        cache = None if args.no_cache else args.cache / isa
        started = time.perf_counter()
        heard = heard_calls(spec, calls, cache)
        hear_s = time.perf_counter() - started
        scores = {label: Score() for label in policies()}
        redact_s = 0.0
        for call, one in zip(calls, heard, strict=True):
            transcript = one.transcript()
            for label, policy in policies().items():
                started = time.perf_counter()
                result = redact_transcript(transcript, detector, policy)
                redact_s += time.perf_counter() - started if label == "new" else 0.0
                scores[label].add(call, one, result)
                if args.show and label == "new":
                    print(f"--- {call.name}\n{result.stored.full_text()}")
                    for r in result.audio_redactions:
                        print(f"    {r.reason} {r.start_s:.1f}-{r.end_s:.1f} {r.rule}")
        report(name, scores, len(calls))
        audio_s = sum(h.duration_s for h in heard)
        print(f"{audio_s:.0f} s of audio; speech stages {hear_s:.0f} s (0 if cached); "
              f"redaction {redact_s * 1000 / len(calls):.0f} ms per call")  # fmt: skip
        if args.show or args.why:
            for label, score in scores.items():
                print(f"{label} not fully covered:", *score.misses, sep="\n  ")


if __name__ == "__main__":
    main()
