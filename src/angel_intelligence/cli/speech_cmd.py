"""`angel transcribe FILE` and `angel voices …`: speech and agent voice fingerprints.

`transcribe` prints the spec's segments JSON (with speakers) for any GSM/WAV/MP3 file; it uses
the stored fingerprints when the configured database has them, and works without a database.
`voices enrol` builds an agent's fingerprint from clips of their voice; `voices list` shows them.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import database_or_exit, fail, settings_or_exit
from angel_intelligence.services.voices import EnrolmentRefusedError, VoiceService
from angel_intelligence.settings import Settings

voices_app = typer.Typer(help="Agent voice fingerprints.", no_args_is_help=True)

_FILE = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="GSM, WAV or MP3.")
_CLIPS = typer.Argument(
    ..., exists=True, dir_okay=False, readable=True, help="Clips of the agent speaking alone."
)


def register(app: typer.Typer) -> None:
    """Add `transcribe` and the `voices` group to the root command."""
    app.command("transcribe")(transcribe)
    app.add_typer(voices_app, name="voices")


def transcribe(
    file: Path = _FILE,
    halo_id: int | None = typer.Option(None, "--halo-id", help="The call's agent (Halo id)."),
    full: bool = typer.Option(
        False, "--full", help="Print every transcription field, speakers, handovers and metrics."
    ),
    use_fingerprints: bool = typer.Option(
        True, "--fingerprints/--no-fingerprints", help="Match stored agent voices."
    ),
) -> None:
    """Print the segments JSON (words, times, speakers) for an audio file."""
    service = bootstrap.build_speech_service(settings_or_exit())
    result = service.transcribe_file(file, halo_id=halo_id, use_fingerprints=use_fingerprints)
    shown = result.to_json() if full else result.transcript.to_segments_json()
    typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))


def _voices(settings: Settings) -> VoiceService:
    return bootstrap.build_voice_service(settings, database_or_exit(settings).engine)


@voices_app.command("enrol")
def enrol(
    files: list[Path] = _CLIPS,
    halo_id: int = typer.Option(..., "--halo-id", min=0, help="The agent's Halo id."),
    name: str = typer.Option(..., "--name", help="The agent's display name."),
    force: bool = typer.Option(
        False, "--force", help="Enrol even if the clips match another agent's fingerprint."
    ),
) -> None:
    """Add clips of one agent's voice to their fingerprint (created if new)."""
    voices = _voices(settings_or_exit())
    try:
        saved, added = voices.enrol(files, halo_id, name, force=force)
    except EnrolmentRefusedError as error:
        fail(error)
    typer.echo(
        f"agent {saved.halo_id} ({saved.agent_name}): fingerprint from {saved.sample_count} "
        f"samples ({added} new), threshold {saved.confidence_threshold:.2f}"
    )


@voices_app.command("list")
def list_voices(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the enrolled agents' fingerprints."""
    try:
        stored = _voices(settings_or_exit()).list()
    except EnrolmentRefusedError as error:
        fail(error)
    rows = [
        {
            "halo_id": f.halo_id,
            "agent_name": f.agent_name,
            "sample_count": f.sample_count,
            "confidence_threshold": f.confidence_threshold,
            "last_updated_at": f.last_updated_at.isoformat() if f.last_updated_at else None,
        }
        for f in stored
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        typer.echo("no voice fingerprints enrolled")
        return
    typer.echo(f"{'HALO_ID':>10}  {'SAMPLES':>7}  {'THRESHOLD':>9}  {'UPDATED':<19}  AGENT")
    for row in rows:
        updated = str(row["last_updated_at"] or "")[:19]
        typer.echo(
            f"{row['halo_id']:>10}  {row['sample_count']:>7}  "
            f"{row['confidence_threshold']:>9.2f}  {updated:<19}  {row['agent_name']}"
        )
