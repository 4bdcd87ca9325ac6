"""`angel analyse FILE.json`: analyse a transcript (segments JSON) and print the analysis JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from angel_intelligence import bootstrap
from angel_intelligence.cli.common import fail, settings_or_exit
from angel_intelligence.domain.analysis import AnalysisMode
from angel_intelligence.errors import AnalysisFailedError
from angel_intelligence.services.analysis import read_transcript


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
    call_date: Annotated[
        dt.datetime | None,
        typer.Option(
            "--call-date",
            formats=["%Y-%m-%d"],
            help="The call's date, for action items' due dates (default: today).",
        ),
    ] = None,
) -> None:
    """Analyse a transcript and print the `ai_call_analysis` values as JSON."""
    settings = settings_or_exit()
    try:
        read_transcript(file)  # a file that is not a transcript fails before the model loads
        service = bootstrap.build_analysis_service(settings)
        analysis = service.analyse_file(
            file,
            client_ref=client_ref,
            mode=mode,
            audio=audio,
            call_date=call_date.date() if call_date is not None else None,
        )
    except AnalysisFailedError as error:
        fail(error)
    typer.echo(json.dumps(analysis.to_json(), indent=2, ensure_ascii=False))
