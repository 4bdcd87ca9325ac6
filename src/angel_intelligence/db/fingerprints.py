"""Agent voice fingerprints (`ai_voice_fingerprints`): load, refine, enrol.

`fingerprint_data` holds the embedding as little-endian float32 bytes, L2-normalised (256
floats from resemblyzer: 1 KiB). A fingerprint is the running mean of the voice samples added
to it: new = normalise(old · n + sample), `sample_count` = n + 1, `last_updated_at` = now (the
database's clock). The functions take a `Session` and never commit, so the pipeline can refine
a fingerprint inside the job's fenced completion transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from angel_intelligence.db.models import AiVoiceFingerprint as FingerprintRow
from angel_intelligence.domain.speakers import FingerprintSample, VoiceFingerprint
from angel_intelligence.logging import get_logger

log = get_logger(__name__)

DEFAULT_THRESHOLD = 0.85  # the spec's column default


class FingerprintMismatchError(ValueError):
    """The stored fingerprint and the new sample come from different embedding models."""


def to_bytes(embedding: Sequence[float] | npt.NDArray[np.float64]) -> bytes:
    """L2-normalised little-endian float32 bytes."""
    vector = np.asarray(embedding, dtype=np.float64)
    norm = float(np.linalg.norm(vector))
    if vector.ndim != 1 or len(vector) == 0 or not np.isfinite(norm) or norm == 0:
        raise ValueError("a voice embedding must be a non-zero, finite vector")
    return (vector / norm).astype("<f4").tobytes()


def from_bytes(data: bytes) -> tuple[float, ...]:
    if len(data) % 4:
        raise ValueError(f"fingerprint_data has {len(data)} bytes, not a float32 vector")
    return tuple(float(x) for x in np.frombuffer(data, dtype="<f4"))


def _domain(row: FingerprintRow) -> VoiceFingerprint:
    threshold = row.confidence_threshold
    return VoiceFingerprint(
        halo_id=int(row.halo_id),
        agent_name=row.agent_name,
        embedding=from_bytes(row.fingerprint_data),
        confidence_threshold=float(threshold) if threshold is not None else DEFAULT_THRESHOLD,
        sample_count=int(row.sample_count or 0),
        last_updated_at=row.last_updated_at,
    )


def load_fingerprints(session: Session) -> list[VoiceFingerprint]:
    """Every agent's fingerprint, by halo_id."""
    rows = session.scalars(select(FingerprintRow).order_by(FingerprintRow.halo_id))
    return [_domain(row) for row in rows]


def get_fingerprint(session: Session, halo_id: int) -> VoiceFingerprint | None:
    row = session.scalars(select(FingerprintRow).where(FingerprintRow.halo_id == halo_id)).first()
    return _domain(row) if row else None


def update_fingerprint(
    session: Session, halo_id: int, agent_name: str, embedding: Sequence[float]
) -> VoiceFingerprint:
    """Add one voice sample to agent `halo_id`'s fingerprint (created on the first sample).

    Locks the row (`SELECT … FOR UPDATE`), so two workers refining one agent at once queue
    instead of losing a sample; a concurrent first insert is retried as an update.
    """
    sample = np.frombuffer(to_bytes(embedding), dtype="<f4").astype(np.float64)
    row = _locked_row(session, halo_id)
    if row is None:
        try:
            with session.begin_nested():
                row = FingerprintRow(
                    halo_id=halo_id,
                    agent_name=agent_name,
                    fingerprint_data=to_bytes(sample),
                    sample_count=1,
                    confidence_threshold=Decimal(str(DEFAULT_THRESHOLD)),
                    last_updated_at=func.now(),
                )
                session.add(row)
                session.flush()
        except IntegrityError:  # another worker enrolled this agent first
            row = _locked_row(session, halo_id)
            if row is None:
                raise
        else:
            session.refresh(row)
            return _domain(row)
    old = np.frombuffer(row.fingerprint_data, dtype="<f4").astype(np.float64)
    if old.shape != sample.shape:
        raise FingerprintMismatchError(
            f"agent {halo_id}'s fingerprint has {len(old)} values and the new sample "
            f"{len(sample)}: they come from different embedding models (re-enrol the agent)"
        )
    count = int(row.sample_count or 0)
    row.fingerprint_data = to_bytes(old * count + sample if count else sample)
    row.sample_count = count + 1
    row.agent_name = agent_name or row.agent_name
    row.last_updated_at = func.now()
    session.flush()
    session.refresh(row)
    return _domain(row)


def _locked_row(session: Session, halo_id: int) -> FingerprintRow | None:
    query = select(FingerprintRow).where(FingerprintRow.halo_id == halo_id).with_for_update()
    return session.scalars(query).first()


def apply_enrolments(
    session: Session, samples: Sequence[FingerprintSample]
) -> list[VoiceFingerprint]:
    """Save the samples the enrolment guard chose; a mismatched model is logged, not raised.

    For the pipeline's completion transaction: a fingerprint problem must not undo the call's
    results.
    """
    updated: list[VoiceFingerprint] = []
    for sample in samples:
        try:
            updated.append(
                update_fingerprint(session, sample.halo_id, sample.agent_name, sample.embedding)
            )
        except FingerprintMismatchError as error:
            log.warning("fingerprint not updated", halo_id=sample.halo_id, reason=str(error))
    return updated


def enrol(
    session: Session, halo_id: int, agent_name: str, embeddings: Sequence[Sequence[float]]
) -> VoiceFingerprint:
    """Add several samples (e.g. one per enrolment clip) to an agent's fingerprint."""
    if not embeddings:
        raise ValueError("no voice samples to enrol")
    result: VoiceFingerprint | None = None
    for embedding in embeddings:
        result = update_fingerprint(session, halo_id, agent_name, embedding)
    assert result is not None
    return result


def delete_fingerprint(session: Session, halo_id: int) -> bool:
    row = _locked_row(session, halo_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
