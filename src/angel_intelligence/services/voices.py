"""Agent voice fingerprints (`angel voices`): enrol an agent from clips, list who is enrolled."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from angel_intelligence.db import fingerprints as store
from angel_intelligence.db.engine import session_factory, transaction
from angel_intelligence.domain.speakers import VoiceFingerprint
from angel_intelligence.logging import get_logger
from angel_intelligence.pipeline.enrolment import (
    EnrolmentRefusedError,
    conflicting_fingerprint,
    samples_from_clips,
)
from angel_intelligence.ports import Diarizer, SpeakerEmbedder

__all__ = ["EnrolmentRefusedError", "VoiceConflictError", "VoiceService", "stored_fingerprints"]

log = get_logger(__name__)

TABLE = "ai_voice_fingerprints"


class VoiceConflictError(EnrolmentRefusedError):
    """The clips sound like another agent who is already enrolled."""


class VoiceService:
    """Fingerprints in the database, embedded by the configured models (built on first use)."""

    def __init__(
        self,
        engine: Engine,
        *,
        embedder: Callable[[], SpeakerEmbedder],
        diarizer: Callable[[], Diarizer],
    ) -> None:
        self._engine = engine
        self._sessions = session_factory(engine)
        self._embedder = embedder
        self._diarizer = diarizer

    def require_table(self) -> None:
        if TABLE not in inspect(self._engine).get_table_names():
            raise EnrolmentRefusedError(
                f"the database has no {TABLE} table; run `angel db upgrade`"
            )

    def enrol(
        self, clips: Sequence[Path], halo_id: int, name: str, *, force: bool = False
    ) -> tuple[VoiceFingerprint, int]:
        """Add the clips to agent `halo_id`'s fingerprint; returns it and the samples added.

        Refused (`EnrolmentRefusedError`) when a clip is unusable, and (`VoiceConflictError`)
        when the clips match another agent, unless `force`."""
        self.require_table()
        samples = samples_from_clips(clips, self._embedder(), self._diarizer())
        with transaction(self._sessions) as session:
            conflict = conflicting_fingerprint(samples, store.load_fingerprints(session), halo_id)
            if conflict and not force:
                other, similarity = conflict
                raise VoiceConflictError(
                    f"the clips match agent {other.halo_id} ({other.agent_name}) at "
                    f"{similarity:.2f}; check the clips, or pass --force"
                )
            saved = store.enrol(session, halo_id, name, [s.embedding for s in samples])
        return saved, len(samples)

    def list(self) -> list[VoiceFingerprint]:
        self.require_table()
        with transaction(self._sessions) as session:
            return store.load_fingerprints(session)

    def close(self) -> None:
        self._engine.dispose()


def stored_fingerprints(engine: Engine | None) -> list[VoiceFingerprint]:
    """The enrolled agents' fingerprints, or none (with a warning) when the database cannot
    give them: `angel transcribe` works without a database."""
    if engine is None:
        return []
    try:
        if TABLE not in inspect(engine).get_table_names():
            return []
        with transaction(session_factory(engine)) as session:
            return store.load_fingerprints(session)
    except SQLAlchemyError as error:
        reason = type(getattr(error, "orig", None) or error).__name__
        log.warning("Voice fingerprints not used: the database cannot be read", reason=reason)
        return []
    finally:
        engine.dispose()
