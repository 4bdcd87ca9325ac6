"""A call's results as rows: the only place a `CallResult` becomes column values.

One transcription row and one analysis row per recording, plus the recording's own columns
and the agents' fingerprint updates, written inside the queue's fenced completion transaction
(`JobOutcome.write`). A re-run updates the rows in place rather than deleting and inserting
them: `ai_call_annotations` hangs off the analysis row with ON DELETE CASCADE, so a delete
would throw away people's corrections.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from angel_intelligence.db.fingerprints import apply_enrolments, load_fingerprints
from angel_intelligence.db.models import AiCallAnalysis, AiCallRecording, AiCallTranscription
from angel_intelligence.domain.analysis import CallAnalysis
from angel_intelligence.domain.job import JobOutcome
from angel_intelligence.domain.result import CallResult, KeptTranscript
from angel_intelligence.domain.speakers import VoiceFingerprint
from angel_intelligence.domain.transcript import Transcript

Row = TypeVar("Row", AiCallTranscription, AiCallAnalysis)


def _upsert(
    session: Session, model: type[Row], recording_id: int, values: Mapping[str, Any]
) -> Row:
    row = session.scalars(
        select(model).where(model.ai_call_recording_id == recording_id).with_for_update()
    ).one_or_none()
    if row is None:
        row = model(ai_call_recording_id=recording_id)
        session.add(row)
    columns = set(model.__table__.columns.keys())
    unknown = set(values) - columns
    if unknown:
        raise ValueError(f"{model.__tablename__} has no columns {sorted(unknown)}")
    for name, value in values.items():
        setattr(row, name, value)
    return row


def save_transcription(
    session: Session, recording_id: int, values: Mapping[str, Any]
) -> AiCallTranscription:
    """Insert or update the recording's `ai_call_transcriptions` row."""
    return _upsert(session, AiCallTranscription, recording_id, values)


def save_analysis(session: Session, recording_id: int, values: Mapping[str, Any]) -> AiCallAnalysis:
    """Insert or update the recording's `ai_call_analysis` row (its annotations are kept)."""
    return _upsert(session, AiCallAnalysis, recording_id, values)


def transcription_columns(result: CallResult) -> dict[str, Any]:
    """`ai_call_transcriptions`: the stored (card-safe) transcript, the redacted copies, the
    findings, and the speech stages' facts."""
    transcript, redaction = result.speech.transcript, result.redaction
    return {
        "full_transcript": redaction.full_transcript,
        "segments": redaction.segments,
        "redacted_transcript": redaction.redacted_transcript,
        "redacted_segments": redaction.redacted_segments,
        "pii_detected": redaction.pii_detected,
        "audio_redactions": redaction.audio_redactions_json,
        "language_detected": transcript.language,
        "confidence_score": transcript.confidence_score,
        "model_used": transcript.model,
        "processing_time_seconds": round(result.speech.processing_time_s),
    }


def analysis_columns(analysis: CallAnalysis) -> dict[str, Any]:
    """`ai_call_analysis`: the analysis in the spec's JSON shapes (without ids and times)."""
    return analysis.to_json()


def recording_columns(result: CallResult) -> dict[str, Any]:
    """The `ai_call_recordings` columns a completed call sets."""
    audio = result.audio
    columns: dict[str, Any] = {
        "duration_seconds": round(audio.duration_s),
        # The spec's "Frontend Integration Points" set file_format = 'wav': the size is the
        # WAV's too, so the two describe the same (converted, and if retained, stored) file.
        "file_size_bytes": result.wav_size_bytes,
        "file_format": "wav",
    }
    if result.retained is not None:
        columns |= {"r2_bucket": result.retained.bucket, "r2_path": result.retained.key}
    return columns


def completion(result: CallResult) -> JobOutcome:
    """The fenced write for `result`: both result rows, the fingerprint updates, and the
    recording's columns, committed with the `completed` status or not at all. Without an
    analysis (it failed), the same less the analysis row, written with the failure."""
    transcription = transcription_columns(result)
    analysis = None if result.analysis is None else analysis_columns(result.analysis)
    enrolments = result.speech.labelling.enrolments

    def write(session: Session, recording_id: int) -> None:
        save_transcription(session, recording_id, transcription)
        if analysis is not None:
            save_analysis(session, recording_id, analysis)
        apply_enrolments(session, enrolments)

    return JobOutcome(recording_updates=recording_columns(result), write=write)


def analysis_completion(analysis: CallAnalysis) -> JobOutcome:
    """The fenced write of a retry that analysed a kept transcript: the analysis row only."""
    columns = analysis_columns(analysis)

    def write(session: Session, recording_id: int) -> None:
        save_analysis(session, recording_id, columns)

    return JobOutcome(write=write)


def kept_transcript(session: Session, recording_id: int) -> KeptTranscript | None:
    """The transcript kept by an attempt whose analysis failed: a transcription row with
    redacted segments and no analysis row (a completed call re-run on request has both, and is
    processed from the start)."""
    has_analysis = session.scalar(
        select(AiCallAnalysis.id).where(AiCallAnalysis.ai_call_recording_id == recording_id)
    )
    if has_analysis is not None:
        return None
    row = session.scalars(
        select(AiCallTranscription).where(AiCallTranscription.ai_call_recording_id == recording_id)
    ).one_or_none()
    if row is None or not isinstance(row.redacted_segments, list):
        return None
    duration = session.scalar(
        select(AiCallRecording.duration_seconds).where(AiCallRecording.id == recording_id)
    )
    transcript = Transcript.from_segments_json(
        row.redacted_segments, language=row.language_detected or "en", model=row.model_used or ""
    )
    duration_s = max(float(duration or 0), transcript.duration_s)
    return KeptTranscript(replace(transcript, duration_s=duration_s), duration_s)


class CallResultRepository:
    """`ports.CallResultStore` on the database."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def fingerprints(self) -> list[VoiceFingerprint]:
        with self._sessions() as session:
            return load_fingerprints(session)

    def completion(self, result: CallResult) -> JobOutcome:
        return completion(result)

    def kept_transcript(self, recording_id: int) -> KeptTranscript | None:
        with self._sessions() as session:
            return kept_transcript(session, recording_id)

    def analysis_completion(self, analysis: CallAnalysis) -> JobOutcome:
        return analysis_completion(analysis)


@dataclass(frozen=True, slots=True)
class CallRows:
    """A recording's row and its result rows, as plain `{column: value}` dicts."""

    recording: dict[str, Any]
    transcription: dict[str, Any] | None
    analysis: dict[str, Any] | None


def read_call_rows(engine: Engine, apex_id: str) -> CallRows:
    """Read back what processing `apex_id` left (the demo, the benchmarks and the tests)."""
    with Session(engine) as session:
        recording = session.scalars(
            select(AiCallRecording).where(AiCallRecording.apex_id == apex_id)
        ).one()
        results = [
            session.scalars(
                select(model).where(model.ai_call_recording_id == recording.id)
            ).one_or_none()
            for model in (AiCallTranscription, AiCallAnalysis)
        ]
        transcription, analysis = (_columns(row) if row else None for row in results)
        return CallRows(_columns(recording), transcription, analysis)


def _columns(obj: Any) -> dict[str, Any]:
    return {column.name: getattr(obj, column.key) for column in obj.__mapper__.columns}
