"""`angel demo`: run one synthetic call through the whole product and show what came out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from angel_intelligence.cli.common import settings_or_exit
from angel_intelligence.demo import DemoResult, demo_directory, run_demo

STAGE_NAMES = {
    "config": "resolve the client's analysis config",
    "fetch": "download the recording from the PBX",
    "convert": "convert GSM to WAV with SoX",
    "transcribe": "transcribe with Whisper",
    "diarize": "separate the speakers",
    "identify_speakers": "tell agent from supporter",
    "redact": "find and redact PII",
    "redact_audio": "bleep PII in the audio",
    "retain": "keep the redacted audio",
    "analyse": "analyse the call with the language model",
}


def demo(
    keep: bool = typer.Option(
        False, "--keep", help="Keep the database, storage and audio in ./angel-demo."
    ),
    directory: str = typer.Option("angel-demo", "--dir", help="Where --keep leaves everything."),
) -> None:
    """Process a synthetic call end to end on the embedded default and print the result."""
    settings = settings_or_exit()
    console = Console(highlight=False)
    console.print(Panel.fit(
        "Angel Intelligence demo: a synthetic call is served by a local PBX stub, queued in\n"
        "SQLite the way Pulse does it, and processed by a real worker with the bundled models.",
        title="angel demo",
    ))  # fmt: skip
    started: dict[str, float] = {}

    def progress(step: str, event: str) -> None:
        label = STAGE_NAMES.get(step, step)
        if event == "started":
            started[step] = time.perf_counter()
            console.print(f"  [cyan]…[/cyan] {label}")
            return
        seconds = time.perf_counter() - started.get(step, time.perf_counter())
        mark = "[green]✓[/green]" if event == "finished" else "[red]✗[/red]"
        console.print(f"  {mark} {label} [dim]({seconds:.1f} s)[/dim]")

    with demo_directory(Path(directory).resolve() if keep else None) as where:
        result = run_demo(settings, where, progress)
        show(console, result, kept=keep)
    if not result.completed:
        raise typer.Exit(1)


def show(console: Console, result: DemoResult, *, kept: bool) -> None:
    recording = result.recording
    console.rule("Recording")
    console.print(
        f"apex id {recording['apex_id']}: [bold]{recording['processing_status']}[/bold]; "
        f"{recording['duration_seconds']} s of audio; fetched with "
        f"{len(result.pbx_requests)} request(s): " + ", ".join(result.pbx_requests)
    )
    if recording["processing_error"]:
        console.print(f"[red]{recording['processing_error']}[/red]")
    transcription = result.transcription
    if transcription:
        console.rule("Transcript (speaker-labelled; card data masked as stored)")
        console.print(transcription["full_transcript"])
        console.rule("PII found")
        table = Table("type", "as stored", "placeholder", "seconds", "confidence")
        for item in transcription["pii_detected"] or []:
            table.add_row(
                item["type"],
                item["original"],
                item["redacted"],
                f"{item['timestamp_start']:.1f}–{item['timestamp_end']:.1f}",
                f"{item['confidence']:.2f}",
            )
        console.print(table)
        console.rule("Redacted transcript (what the language model read)")
        console.print(transcription["redacted_transcript"])
    if result.analysis:
        _show_analysis(console, result.analysis)
    console.rule("Where the data is")
    console.print(
        f"database: {result.database} (tables ai_call_recordings, "
        "ai_call_transcriptions, ai_call_analysis)"
    )
    if recording["r2_path"]:
        console.print(
            f"redacted audio: {result.storage / recording['r2_path']} "
            f"(bucket {recording['r2_bucket']}, key {recording['r2_path']})"
        )
    if not kept:
        console.print(
            "[dim]Everything was in a temporary directory and has been deleted; "
            "run `angel demo --keep` to inspect it.[/dim]"
        )


def _show_analysis(console: Console, analysis: dict[str, Any]) -> None:
    console.rule(f"Analysis ({analysis['model_used']}, version {analysis['model_version']})")
    console.print(f"[bold]Summary:[/bold] {analysis['summary']}")
    console.print(
        f"Sentiment {analysis['sentiment_score']} ({analysis['sentiment_label']}); "
        f"quality score {analysis['quality_score']} / 100"
    )
    topics = ", ".join(f"{t['name']} ({t['confidence']:.2f})" for t in analysis["key_topics"])
    console.print(f"Topics: {topics}")
    actions = ", ".join(a["action"] for a in analysis["agent_actions_performed"] or [])
    console.print(f"Agent actions: {actions or 'none'}")
    scores = ", ".join(f"{k} {v}" for k, v in (analysis["performance_scores"] or {}).items())
    console.print(f"Rubric: {scores}")
    for item in analysis["action_items"] or []:
        console.print(f"Action item ({item['priority']}): {item['description']}")
    for flag in analysis["compliance_flags"] or []:
        console.print(f"Compliance ({flag['severity']}): {flag['issue']}")
    metrics = analysis["speaker_metrics"] or {}
    for role in ("agent", "supporter"):
        if role in metrics:
            console.print(
                f"{role.capitalize()}: "
                + ", ".join(f"{k} {v}" for k, v in metrics[role].items() if not isinstance(v, dict))
            )
    console.print(
        "[dim]The bundled 135M model is a toy: the analysis is mechanically valid "
        "(schema, config enums, ranges, British English) but not insightful.[/dim]"
    )
