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

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import settings_or_exit

app = typer.Typer(help="Detect and redact UK PII.", no_args_is_help=True)


@app.command("scan")
def scan(
    min_confidence: float | None = typer.Option(
        None, min=0.0, max=1.0, help="Override PII_MIN_CONFIDENCE for this run."
    ),
) -> None:
    """Read JSON lines {"text": ...} on stdin; write the PII spans and redacted text."""
    scanner = bootstrap.build_pii_scanner(settings_or_exit(), min_confidence=min_confidence)
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
        passed = {k: v for k, v in item.items() if k not in ("text", "spans", "redacted_text")}
        result = {**passed, **scanner.scan(item["text"])}
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
