"""`angel analyse FILE.json`: analyse a transcript (segments JSON) and print the analysis JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from angel_intelligence.cli.common import fail, settings_or_exit
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.errors import AnalysisFailedError
from angel_intelligence.settings import Settings


def _transcript(path: Path) -> Transcript:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AnalysisFailedError(f"cannot read {path} as JSON: {error}") from None
    segments = data.get("segments") if isinstance(data, dict) else data
    if not isinstance(segments, list):
        raise AnalysisFailedError(
            f'{path} must hold the segments JSON: a list of segments, or an object with "segments"'
        )
    try:
        return Transcript.from_segments_json(segments)
    except (KeyError, TypeError, ValueError) as error:
        raise AnalysisFailedError(
            f"{path}: a segment is malformed ({type(error).__name__}: {error})"
        ) from None


def _resolver(settings: Settings) -> Any:
    from angel_intelligence.analysis.client_config import ClientConfigResolver

    # The database holds the client configs; the embedded default may not have created its
    # SQLite file yet, and then only the file and the built-in defaults apply.
    if settings.ai_db_connection == "sqlite" and not settings.ai_db_sqlite_path.exists():
        return ClientConfigResolver.from_settings(settings, None)
    from angel_intelligence.cli.common import engine_or_exit
    from angel_intelligence.db.engine import session_factory

    return ClientConfigResolver.from_settings(settings, session_factory(engine_or_exit(settings)))


def analyse(
    file: Annotated[
        Path,
        typer.Argument(
            help="Segments JSON (as `angel transcribe` prints it).", exists=True, dir_okay=False
        ),
    ],
    client_ref: Annotated[
        str | None, typer.Option("--client-ref", help="Use this client's configs.")
    ] = None,
    mode: Annotated[
        AnalysisMode | None, typer.Option("--mode", help="Override the analysis mode.")
    ] = None,
    audio: Annotated[
        Path | None,
        typer.Option(help="The call's recording (audio mode).", exists=True, dir_okay=False),
    ] = None,
) -> None:
    """Analyse a transcript and print the `ai_call_analysis` values as JSON."""
    from angel_intelligence.analysis.analyser import CallAnalyser
    from angel_intelligence.backends.llm import build_language_model

    settings = settings_or_exit()
    try:
        transcript = _transcript(file)
        config = _resolver(settings).resolve(client_ref)
        if mode is not None:
            config = config.with_mode(mode)
        model = build_language_model(settings, "analysis")
        analysis = CallAnalyser.from_settings(settings, model).analyse(
            transcript, config, audio_path=audio
        )
    except AnalysisFailedError as error:
        fail(error)
    typer.echo(json.dumps(analysis.to_row(), indent=2, ensure_ascii=False))
