"""Diarization, roles and agent identification on the hard synthetic calls, per half.

The calls are `testing/hard_calls.py`'s (new voices, noise down to 12 dB SNR, crosstalk,
back-channels, hold music, transfers), split by hash into a tuning half and a held-out half.
Every agent voice but one per half is enrolled from two 25 s clips (as `angel voices enrol`
does); the calls run through the resemblyzer diarizer and the speaker stage on Whisper
tiny.en's transcript. Scored against the script's true speech (each voice's words, joined
across pauses under 0.3 s), on a 10 ms grid with a 0.25 s collar:

- missed: reference speech no hypothesis speaker covers, of the reference speech;
- DER: missed + false alarm + speaker confusion, of the reference speech;
- roles: reference speech covered by a speaker given the right role (agent/supporter);
- agent id: enrolled agents' speech covered by a speaker given their `agent_<halo_id>`;
- false id: supporters' and unenrolled agents' speech given an enrolled agent's id;
- voices: speakers found/in the script; handover: the first handover's time error.

Figures per half are totals over its calls (speech-time weighted). Synthesised audio,
transcripts, enrolment embeddings and each call's embedded speech windows (VAD and the voice
encoder, the slow half of diarization) are cached in --cache: the ASR is not what is measured,
and clustering and roles re-run over 80 cached calls in seconds.

    PYTHONPATH=src python benchmarks/diarization_roles.py [--per-split 20] [--split tuning]
        [--pairs] [--alike] [--unenrolled] [--explain] [--calls REGEX]

`--split held-out-2` runs the second held-out set (round 6) with its agents enrolled beside
the others; `--explain` prints, per diarized voice, whose speech it holds, its cue points, the
role and id it got, by which rule, and its two nearest fingerprints.
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from angel_intelligence.audio_io import load_audio
from angel_intelligence.backends.diarization.resemblyzer import (
    ResemblyzerDiarizer,
    ResemblyzerEmbedder,
)
from angel_intelligence.domain.speakers import (
    CALL_MIN_SPEAKERS,
    VoiceFingerprint,
    agent_speaker_id,
)
from angel_intelligence.pipeline.speaker_cues import cue_score
from angel_intelligence.pipeline.speaker_roles import cosine
from angel_intelligence.pipeline.speakers import SpeakerOptions, label_speakers
from angel_intelligence.pipeline.spelling import british_transcript
from angel_intelligence.testing import call_scripts
from angel_intelligence.testing.hard_calls import (
    HALO_IDS,
    HARD_VOICES,
    HELDOUT2,
    ORGANISATIONS,
    SPLITS,
    HardCall,
    alike_calls,
    enrolled_agents,
    fresh_calls,
    fresh_enrolled_agents,
    hard_calls,
    pair_calls,
    unenrolled_calls,
)
from angel_intelligence.testing.scoring import (
    diarization_error,
    label_agreement,
    word_error_rate,
)
from angel_intelligence.testing.speech import Line, SyntheticCall, synthesise_call

OPTIONS = SpeakerOptions(organisation_names=ORGANISATIONS)


def cached(path: Path, make: Any) -> Any:
    if path.exists():
        return pickle.loads(path.read_bytes())
    value = make()
    path.write_bytes(pickle.dumps(value))
    return value


def fingerprints(
    cache: Path, embedder: ResemblyzerEmbedder, voices: set[str]
) -> list[VoiceFingerprint]:
    found = []
    for voice in sorted(voices):

        def enrol(voice: str = voice) -> tuple[float, ...]:
            lines = [Line(voice, call_scripts.enrolment_text(i), 0.6) for i in (0, 1)]
            with tempfile.TemporaryDirectory() as tmp:
                clip = synthesise_call(
                    lines, Path(tmp), name="clip", noise_snr_db=25, seed=7, voices=HARD_VOICES
                )
                return embedder.embed(clip.gsm_path)

        embedding = cached(cache / f"enrol-{voice}.pkl", enrol)
        found.append(VoiceFingerprint(HALO_IDS[voice], voice, embedding))
    return found


def score(call: HardCall, synthetic: SyntheticCall, result: Any) -> dict[str, float]:
    diarization, labelling = result
    reference = synthetic.speech_turns()
    der = diarization_error(reference, diarization.turns)
    identity = {i.speaker: i for i in labelling.identities}
    agents = set(call.agents)
    roles = label_agreement(
        reference,
        diarization.turns,
        lambda voice: "agent" if voice in agents else "supporter",
        lambda s: (
            ("agent" if identity[s].role.is_agent else "supporter") if s in identity else None
        ),
    )
    enrolled = (enrolled_agents() | fresh_enrolled_agents()) - set(call.withheld)
    ids = label_agreement(
        reference,
        diarization.turns,
        lambda voice: agent_speaker_id(HALO_IDS[voice]) if voice in enrolled else None,
        lambda s: identity[s].speaker_id if s in identity else None,
    )
    known_ids = {agent_speaker_id(HALO_IDS[v]) for v in enrolled}
    kept = label_agreement(  # supporters and unenrolled agents never named as an enrolled agent
        reference,
        diarization.turns,
        lambda voice: None if voice in enrolled else "other",
        lambda s: "known" if s in identity and identity[s].speaker_id in known_ids else "other",
    )
    handover = float("nan")
    if len(call.agents) > 1:
        expected = synthetic.first_turn_of(call.agents[1]).start_s
        found = labelling.handovers
        handover = found[0].time_s - expected if found else float("inf")
    return {
        "speech_s": der.scored_speech_s,
        "missed_s": der.missed_s,
        "false_s": der.false_alarm_s,
        "confused_s": der.confusion_s,
        "roles_right_s": roles.right_s,
        "roles_s": roles.total_s,
        "id_right_s": ids.right_s,
        "id_s": ids.total_s,
        "false_id_s": kept.total_s - kept.right_s,
        "others_s": kept.total_s,
        "voices": len(diarization.speakers),
        "true_voices": len(synthetic.speakers),
        "handover_s": handover,
    }


def explain(
    call: HardCall, synthetic: SyntheticCall, result: Any, known: list[VoiceFingerprint]
) -> None:
    """Per diarized voice: whose speech it holds, the role and id it got and why, and its two
    nearest fingerprints (`--explain`, round 6: which rule gave a voice the wrong role)."""
    diarization, labelling = result
    reference = synthetic.speech_turns()
    texts: dict[str, list[str]] = defaultdict(list)
    for segment in labelling.transcript.segments:
        texts[segment.speaker_id or ""].append(segment.text)
    for identity in labelling.identities:
        turns = [t for t in diarization.turns if t.speaker == identity.speaker]
        held: dict[str, float] = defaultdict(float)
        for turn in turns:
            for ref in reference:
                held[ref.speaker] += max(
                    0.0, min(turn.end_s, ref.end_s) - max(turn.start_s, ref.start_s)
                )
        holds = " ".join(f"{v}:{s:.1f}" for v, s in sorted(held.items(), key=lambda x: -x[1]))
        embedding = diarization.embeddings.get(identity.speaker)
        nearest = ""
        if embedding is not None:
            ranked = sorted(((cosine(embedding, f.embedding), f) for f in known),
                            key=lambda x: -x[0])[:2]  # fmt: skip
            nearest = " ".join(f"{f.agent_name}:{c:.3f}" for c, f in ranked)
        cues = cue_score(
            " ".join(texts[identity.speaker_id]), talk_share=0.5, speaker_count=2,
            organisation_names=ORGANISATIONS,
        )  # fmt: skip
        print(
            f"    {identity.speaker} [{holds}] cues {cues.points:+.0f} {','.join(cues.reasons)}"
            f" -> {identity.speaker_id} ({identity.method} "
            f"{identity.confidence:.2f}: {'; '.join(identity.reasons)}) near {nearest}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-split", type=int, default=20)
    parser.add_argument(
        "--split", choices=(*SPLITS, HELDOUT2),
        help=f"{HELDOUT2}: the second held-out set (hard_calls.fresh_calls, round 6)",
    )  # fmt: skip
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "angel-hard")
    parser.add_argument("--quiet", action="store_true", help="totals only")
    parser.add_argument(
        "--unenrolled", action="store_true",
        help="also tuning calls whose agent is not enrolled and whose supporter sounds like an "
        "enrolled agent (hard_calls.unenrolled_calls, round 6)",
    )  # fmt: skip
    parser.add_argument("--calls", help="only the calls whose name matches this regular expression")
    parser.add_argument(
        "--explain", action="store_true",
        help="per call, each voice's true speakers, role, id, method, reasons and fingerprints",
    )  # fmt: skip
    parser.add_argument(
        "--min-speakers", type=int, default=CALL_MIN_SPEAKERS,
        help="the diarizer's min_speakers (1: before round 5; the worker asks for 2)",
    )  # fmt: skip
    parser.add_argument(
        "--pairs", action="store_true",
        help="also every agent with every supporter of the half (testing/hard_calls.pair_calls)",
    )  # fmt: skip
    parser.add_argument(
        "--alike", action="store_true",
        help="also each tuning agent with a supporter who sounds like them (alike_calls)",
    )  # fmt: skip
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    embedder = ResemblyzerEmbedder()
    diarizer = ResemblyzerDiarizer(embedder)
    fresh = args.split in (None, HELDOUT2)
    # The fresh set's agents are enrolled beside the others only when it runs, so the figures
    # of the older sets are comparable with earlier rounds'.
    enrolled = enrolled_agents() | (fresh_enrolled_agents() if fresh else set())
    known = fingerprints(args.cache, embedder, enrolled)
    transcriber: Any = None
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    head = ("speech s", "missed", "DER", "false", "confused", "roles", "agent id", "voices",
            "handover", "WER")  # fmt: skip
    if not args.quiet:
        print(f"{'call':<26} {'half':<8} {'SNR':>5}  " + " ".join(f"{h:>8}" for h in head))
    calls = [(c.split, c) for c in hard_calls(args.per_split)]
    if args.pairs:
        calls += [(f"{split} pairs", c) for split in SPLITS for c in pair_calls(split)]
    if args.alike:
        calls += [("tuning alike", c) for c in alike_calls()]
    if args.unenrolled:
        calls += [("tuning unenrolled", c) for c in unenrolled_calls()]
    if fresh:
        calls += [(HELDOUT2, c) for c in fresh_calls()]
    for group, call in calls:
        if args.split and call.split != args.split:
            continue
        if args.calls and not re.search(args.calls, call.name):
            continue

        def synthesise(call: HardCall = call) -> SyntheticCall:
            return synthesise_call(
                call.lines, args.cache, name=call.name, noise_snr_db=call.snr_db,
                seed=call.seed, voices=HARD_VOICES,
            )  # fmt: skip

        synthetic = cached(args.cache / f"{call.name}.pkl", synthesise)

        def transcribe(synthetic: SyntheticCall = synthetic) -> Any:
            nonlocal transcriber
            if transcriber is None:
                from angel_intelligence.backends.asr.faster_whisper import (
                    FasterWhisperTranscriber,
                )

                transcriber = FasterWhisperTranscriber()
            return transcriber.transcribe(synthetic.gsm_path)

        transcript = cached(args.cache / f"{call.name}.transcript.pkl", transcribe)
        windows = cached(  # the embedded speech: clustering and roles re-run in seconds
            args.cache / f"{call.name}.windows.pkl",
            lambda synthetic=synthetic: diarizer.embed_speech(load_audio(synthetic.gsm_path)),
        )
        diarization = diarizer.diarize_windows(windows, min_speakers=args.min_speakers)
        given = [f for f in known if f.agent_name not in call.withheld]
        labelling = label_speakers(
            british_transcript(transcript), diarization, given,
            halo_id=call.halo_id, options=OPTIONS,
        )  # fmt: skip
        figures = score(call, synthetic, (diarization, labelling))
        wer = word_error_rate(synthetic.script_text, " ".join(s.text for s in transcript.segments))
        total = totals[group]
        for key, value in figures.items():
            if key != "handover_s":
                total[key] += value
        total["calls"] += 1
        total["voices_right"] += figures["voices"] == figures["true_voices"]
        if len(call.agents) > 1:
            total["transfers"] += 1
            total["handover_ok"] += abs(figures["handover_s"]) <= 1.5
        if not args.quiet:
            speech = figures["speech_s"]
            errors = figures["missed_s"] + figures["false_s"] + figures["confused_s"]
            ids = figures["id_right_s"] / figures["id_s"] if figures["id_s"] else None
            cells = (
                f"{speech:8.1f}",
                f"{figures['missed_s'] / speech:8.3f}",
                f"{errors / speech:8.3f}",
                f"{figures['false_s'] / speech:8.3f}",
                f"{figures['confused_s'] / speech:8.3f}",
                f"{figures['roles_right_s'] / figures['roles_s']:8.3f}",
                f"{ids:8.3f}" if ids is not None else f"{'-':>8}",
                f"{figures['voices']:.0f}/{figures['true_voices']:.0f}".rjust(8),
                f"{figures['handover_s']:+8.2f}" if len(call.agents) > 1 else f"{'-':>8}",
                f"{wer:8.3f}",
            )  # fmt: skip
            snr = "clean" if call.snr_db is None else f"{call.snr_db:.0f}"
            print(f"{call.name:<26} {call.split:<8} {snr:>5}  " + " ".join(cells), flush=True)
            if args.explain:
                explain(call, synthetic, (diarization, labelling), given)
    print()
    columns = ("missed", "DER", "false", "confused", "roles", "agent id", "false id", "voices")
    print(f"{'half':<15} {'calls':>5} " + " ".join(f"{c:>8}" for c in columns) + " handover")
    for group, t in totals.items():
        speech = t["speech_s"]
        print(
            f"{group:<15} {t['calls']:>5.0f} {t['missed_s'] / speech:>8.3f} "
            f"{(t['missed_s'] + t['false_s'] + t['confused_s']) / speech:>8.3f} "
            f"{t['false_s'] / speech:>8.3f} {t['confused_s'] / speech:>8.3f} "
            f"{t['roles_right_s'] / t['roles_s']:>8.3f} "
            + (f"{t['id_right_s'] / t['id_s']:>8.3f} " if t["id_s"] else f"{'-':>8} ")
            + f"{t['false_id_s'] / t['others_s']:>8.3f} "
            f"{t['voices_right']:>4.0f}/{t['calls']:<3.0f} "
            f"{t['handover_ok']:>3.0f}/{t['transfers']:<3.0f}"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"\n({time.perf_counter() - started:.0f} s)")
