"""The real call pipeline for worker tests, with the analysis model and transcriber a test picks.

Everything else is what `bootstrap.build_call_pipeline` builds from the settings: the PBX
source, Whisper tiny.en (unless a test wraps it), resemblyzer, the PII detector, the client
config resolver on the database, storage and the result store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from angel_intelligence import bootstrap
from angel_intelligence.analysis.analyser import CallAnalyser
from angel_intelligence.analysis.client_config import ClientConfigResolver
from angel_intelligence.backends.llm.mock import MockLanguageModel
from angel_intelligence.bootstrap import options as opts
from angel_intelligence.db.client_configs import ClientConfigRepository
from angel_intelligence.db.engine import session_factory
from angel_intelligence.db.results import CallResultRepository
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.pii import PiiDetector
from angel_intelligence.ports import LanguageModel, Transcriber
from angel_intelligence.services.processing import CallProcessor
from angel_intelligence.settings import Settings


class RecordingModel(MockLanguageModel):
    """The spec's mock analysis model, remembering what it was asked, and failing while `down`
    (a model server that is not answering)."""

    def __init__(self, *, down: bool = False) -> None:
        super().__init__("analysis")
        self.down = down
        self.calls = 0
        self.last_messages: list[dict[str, Any]] = []
        self.last_schema: dict[str, Any] | None = None

    def generate(self, messages: list[dict[str, Any]], **kwargs: Any) -> str:
        self.calls += 1
        self.last_messages = messages
        self.last_schema = kwargs.get("json_schema")
        if self.down:
            raise ConnectionError("the analysis server is not answering")
        return super().generate(messages, **kwargs)


class CountingTranscriber:
    """The real transcriber, counting how often it is asked."""

    def __init__(self, inner: Transcriber) -> None:
        self.inner = inner
        self.calls = 0

    def transcribe(self, audio_path: Path) -> Transcript:
        self.calls += 1
        return self.inner.transcribe(audio_path)


def real_pipeline(
    settings: Settings,
    engine: Engine,
    model: LanguageModel,
    *,
    transcriber: Transcriber | None = None,
    max_reprompts: int = 0,
) -> CallProcessor:
    sessions = session_factory(engine)
    return CallProcessor(
        recordings=bootstrap.build_recording_source(settings),
        transcriber=transcriber or bootstrap.build_transcriber(settings),
        diarizer=bootstrap.build_diarizer(settings),
        detector=PiiDetector(min_confidence=settings.pii_min_confidence),
        # grounded, on keywords alone: as `angel analyse` in the mock mode (USE_MOCK_MODELS)
        analyser=CallAnalyser(model, max_reprompts=max_reprompts, grounded=True),
        configs=ClientConfigResolver.from_options(
            opts.client_config_options(settings), ClientConfigRepository(sessions)
        ),
        storage=bootstrap.build_storage(settings),
        results=CallResultRepository(sessions),
        options=opts.processing_options(settings),
    )
