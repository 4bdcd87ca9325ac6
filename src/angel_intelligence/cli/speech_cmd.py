"""`angel transcribe FILE` and `angel voices …`: speech and agent voice fingerprints.

`transcribe` prints the spec's segments JSON (with speakers) for any GSM/WAV/MP3 file; it uses
the stored fingerprints when the configured database has them, and works without a database.
`voices enrol` builds an agent's fingerprint from clips of their voice; `voices list` shows them.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError

from angel_intelligence.cli.common import engine_or_exit, fail, settings_or_exit
from angel_intelligence.db import fingerprints as fingerprint_store
from angel_intelligence.db.engine import build_engine, session_factory, transaction
from angel_intelligence.domain.speakers import VoiceFingerprint
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
    from angel_intelligence.backends.asr import build_transcriber
    from angel_intelligence.backends.diarization import build_diarizer
    from angel_intelligence.backends.speech_audio import load_audio
    from angel_intelligence.pipeline.speakers import SpeakerOptions
    from angel_intelligence.pipeline.speech import transcribe_call

    settings = settings_or_exit()
    load_audio(file)  # a file that is not audio fails now, before the models load
    known = _stored_fingerprints(settings) if use_fingerprints else []
    result = transcribe_call(
        file,
        build_transcriber(settings),
        build_diarizer(settings),
        known,
        halo_id=halo_id,
        options=SpeakerOptions.from_settings(settings),
    )
    shown = result.to_json() if full else result.transcript.to_segments_json()
    typer.echo(json.dumps(shown, indent=2, ensure_ascii=False))


def _stored_fingerprints(settings: Settings) -> list[VoiceFingerprint]:
    """The database's fingerprints, or none (with a note) when there is no usable database."""
    if settings.ai_db_connection == "sqlite" and not settings.ai_db_sqlite_path.exists():
        return []  # the embedded default has not been set up: nothing to match
    engine = build_engine(settings)
    try:
        if "ai_voice_fingerprints" not in inspect(engine).get_table_names():
            return []
        with transaction(session_factory(engine)) as session:
            return fingerprint_store.load_fingerprints(session)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        typer.echo(f"angel: note: voice fingerprints not used ({reason})", err=True)
        return []
    finally:
        engine.dispose()


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
    from angel_intelligence.backends.diarization import build_diarizer, build_embedder
    from angel_intelligence.pipeline.enrolment import (
        EnrolmentRefusedError,
        conflicting_fingerprint,
        samples_from_clips,
    )

    settings = settings_or_exit()
    engine = engine_or_exit(settings)
    sessions = session_factory(engine)
    _require_table(engine)
    try:
        samples = samples_from_clips(files, build_embedder(settings), build_diarizer(settings))
    except EnrolmentRefusedError as error:
        fail(error)
    with transaction(sessions) as session:
        conflict = conflicting_fingerprint(
            samples, fingerprint_store.load_fingerprints(session), halo_id
        )
        if conflict and not force:
            other, similarity = conflict
            fail(
                ValueError(
                    f"the clips match agent {other.halo_id} ({other.agent_name}) at "
                    f"{similarity:.2f}; check the clips, or pass --force"
                )
            )
        saved = fingerprint_store.enrol(session, halo_id, name, [s.embedding for s in samples])
    typer.echo(
        f"agent {saved.halo_id} ({saved.agent_name}): fingerprint from {saved.sample_count} "
        f"samples ({len(samples)} new), threshold {saved.confidence_threshold:.2f}"
    )


@voices_app.command("list")
def list_voices(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the enrolled agents' fingerprints."""
    settings = settings_or_exit()
    engine = engine_or_exit(settings)
    _require_table(engine)
    with transaction(session_factory(engine)) as session:
        stored = fingerprint_store.load_fingerprints(session)
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


def _require_table(engine: object) -> None:
    if "ai_voice_fingerprints" not in inspect(engine).get_table_names():
        fail(ValueError("the database has no ai_voice_fingerprints table; run `angel db upgrade`"))
