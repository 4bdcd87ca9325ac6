"""`angel pii scan`: detect and redact PII in JSON lines (ARCHITECTURE.md §2).

Input, one JSON object per line: {"text": "…"} (other keys are passed through, so an "id" can
tie results to inputs). Output, one line per input line:
{"text", "spans": [{"type", "start_char", "end_char", "value", "redacted", "confidence"}],
"redacted_text"}. `value` is the normalised value ("4111111111111111", "AB123456C"), masked
where PII_POLICY masks it in storage (payment card data by default), so card numbers never
reach stdout in clear. A line that is not a JSON object with a string "text" is reported on
stderr with its line number and skipped; the exit status is then 1.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from angel_intelligence.cli.common import settings_or_exit
from angel_intelligence.domain.pii import PiiSpan
from angel_intelligence.pii import PiiDetector, PiiPolicy, redact_text

app = typer.Typer(help="Detect and redact UK PII.", no_args_is_help=True)


@app.command("scan")
def scan(
    min_confidence: float | None = typer.Option(
        None, min=0.0, max=1.0, help="Override PII_MIN_CONFIDENCE for this run."
    ),
) -> None:
    """Read JSON lines {"text": ...} on stdin; write the PII spans and redacted text."""
    settings = settings_or_exit()
    policy = PiiPolicy.from_settings(settings)
    detector = PiiDetector(
        min_confidence=policy.min_confidence if min_confidence is None else min_confidence
    )
    skipped = 0
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = _parse(line)
        except ValueError as error:
            skipped += 1
            typer.echo(f"angel: line {number}: {error}; skipped", err=True)
            continue
        text: str = item["text"]
        spans = detector.detect(text)
        passed = {k: v for k, v in item.items() if k not in ("text", "spans", "redacted_text")}
        result = {
            **passed,
            "text": text,
            "spans": [_span_json(span, policy) for span in spans],
            "redacted_text": redact_text(text, spans),
        }
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if skipped:
        raise typer.Exit(1)


def _parse(line: str) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        raise ValueError('expected a JSON object with a string "text"')
    return item


def _span_json(span: PiiSpan, policy: PiiPolicy) -> dict[str, Any]:
    value = policy.mask(span) if policy.masks_in_storage(span.type) else span.value
    return {
        "type": span.type.value,
        "start_char": span.start_char,
        "end_char": span.end_char,
        "value": value,
        "redacted": span.redacted,
        "confidence": span.confidence,
    }
