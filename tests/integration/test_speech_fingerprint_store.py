"""ai_voice_fingerprints on SQLite and MariaDB: running mean, counts, bytes, locking."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import numpy as np
import pytest
from sqlalchemy import select

from angel_intelligence.db import fingerprints as store
from angel_intelligence.db.engine import session_factory, transaction
from angel_intelligence.db.models import AiVoiceFingerprint as Row
from dbkit import TestDatabase


def unit(seed: int, dimension: int = 256) -> np.ndarray:
    v = np.random.default_rng(seed).random(dimension)
    return v / np.linalg.norm(v)


def test_first_sample_creates_the_fingerprint_normalised_as_float32(db: TestDatabase) -> None:
    sessions = session_factory(db.engine)
    raw = unit(1) * 3.0  # not normalised on the way in
    with transaction(sessions) as session:
        saved = store.update_fingerprint(session, 1001, "Sarah Jones", raw)
    assert (saved.halo_id, saved.agent_name, saved.sample_count) == (1001, "Sarah Jones", 1)
    assert saved.confidence_threshold == pytest.approx(0.85)
    assert saved.last_updated_at is not None
    with sessions() as session:
        row = session.scalars(select(Row)).one()
        assert len(row.fingerprint_data) == 256 * 4
        stored = np.frombuffer(row.fingerprint_data, dtype="<f4")
    assert np.linalg.norm(stored) == pytest.approx(1.0, abs=1e-5)
    assert stored @ unit(1) == pytest.approx(1.0, abs=1e-5)


def test_later_samples_refine_the_running_mean(db: TestDatabase) -> None:
    sessions = session_factory(db.engine)
    samples = [unit(1), unit(2), unit(3)]
    with transaction(sessions) as session:
        for sample in samples:
            saved = store.update_fingerprint(session, 7, "Tom", sample)
    expected = (samples[0] + samples[1]) / np.linalg.norm(samples[0] + samples[1])
    expected = expected * 2 + samples[2]
    expected /= np.linalg.norm(expected)
    assert saved.sample_count == 3
    assert np.array(saved.embedding) @ expected == pytest.approx(1.0, abs=1e-5)
    with transaction(sessions) as session:
        (loaded,) = store.load_fingerprints(session)
    assert loaded.sample_count == 3
    assert np.allclose(loaded.embedding, saved.embedding)


def test_enrol_adds_one_sample_per_clip_and_keeps_the_latest_name(db: TestDatabase) -> None:
    sessions = session_factory(db.engine)
    with transaction(sessions) as session:
        store.enrol(session, 5, "Old Name", [unit(1)])
        saved = store.enrol(session, 5, "New Name", [unit(2), unit(3)])
    assert (saved.sample_count, saved.agent_name) == (3, "New Name")


def test_a_sample_from_another_embedding_model_is_refused_and_apply_skips_it(
    db: TestDatabase,
) -> None:
    from angel_intelligence.domain.speakers import FingerprintSample

    sessions = session_factory(db.engine)
    with transaction(sessions) as session:
        store.update_fingerprint(session, 5, "Sam", unit(1))
        with pytest.raises(store.FingerprintMismatchError, match="different embedding models"):
            store.update_fingerprint(session, 5, "Sam", unit(1, dimension=192))
        updated = store.apply_enrolments(
            session,
            [
                FingerprintSample(5, "Sam", tuple(unit(2, dimension=192)), 10.0),
                FingerprintSample(6, "Ann", tuple(unit(3)), 10.0),
            ],
        )
    assert [f.halo_id for f in updated] == [6]
    with transaction(sessions) as session:
        assert store.get_fingerprint(session, 5).sample_count == 1  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", [[0.0] * 4, [float("nan"), 1.0], []])
def test_invalid_vectors_are_refused(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="non-zero, finite"):
        store.to_bytes(bad)


def test_delete(db: TestDatabase) -> None:
    sessions = session_factory(db.engine)
    with transaction(sessions) as session:
        store.update_fingerprint(session, 5, "Sam", unit(1))
    with transaction(sessions) as session:
        assert store.delete_fingerprint(session, 5) is True
        assert store.delete_fingerprint(session, 5) is False
        assert store.load_fingerprints(session) == []


def run_together(target: Callable[[int], None], seeds: Iterable[int]) -> None:
    """`target(seed)` for each seed, each in its own thread, all at once."""
    threads = [threading.Thread(target=target, args=(seed,)) for seed in seeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.mariadb
def test_concurrent_updates_of_one_agent_lose_no_sample(mariadb: TestDatabase) -> None:
    sessions = session_factory(mariadb.engine)
    with transaction(sessions) as session:
        store.update_fingerprint(session, 42, "Ann", unit(0))
    errors: list[BaseException] = []

    def add(seed: int) -> None:
        try:
            with transaction(sessions) as session:
                store.update_fingerprint(session, 42, "Ann", unit(seed))
        except BaseException as error:  # surfaced below
            errors.append(error)

    run_together(add, range(1, 9))
    assert errors == []
    with transaction(sessions) as session:
        assert store.get_fingerprint(session, 42).sample_count == 9  # type: ignore[union-attr]


@pytest.mark.mariadb
def test_concurrent_first_enrolments_of_one_agent_both_count(mariadb: TestDatabase) -> None:
    sessions = session_factory(mariadb.engine)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def add(seed: int) -> None:
        try:
            with transaction(sessions) as session:
                barrier.wait()
                store.update_fingerprint(session, 77, "Bo", unit(seed))
        except BaseException as error:
            errors.append(error)

    run_together(add, (1, 2))
    assert errors == []
    with transaction(sessions) as session:
        assert store.get_fingerprint(session, 77).sample_count == 2  # type: ignore[union-attr]
