"""Clustering windows into speakers, and windows into turns, on constructed embeddings."""

from __future__ import annotations

import numpy as np

from angel_intelligence.backends.diarization.clustering import (
    ClusteringOptions,
    LabelledSpan,
    cluster_embeddings,
    turns_from_windows,
)


def voice(seed: int, dimension: int = 64) -> np.ndarray:
    """A positive unit vector; cubing spreads voices to 0.4-0.6 cosine, like d-vectors."""
    v = np.random.default_rng(seed).random(dimension) ** 3
    return v / np.linalg.norm(v)


def windows_of(centre: np.ndarray, count: int, seed: int, noise: float = 0.03) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = np.abs(centre + noise * rng.standard_normal((count, len(centre))))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def seconds(count: int, each: float = 0.4) -> np.ndarray:
    return np.full(count, each, dtype=np.float32)


def test_two_voices_give_two_speakers_in_order_of_appearance() -> None:
    a, b = voice(1), voice(2)
    rows = np.vstack([windows_of(b, 10, 3), windows_of(a, 12, 4), windows_of(b, 6, 5)])
    labels = cluster_embeddings(rows, seconds(len(rows)), ClusteringOptions())
    assert labels.tolist() == [0] * 10 + [1] * 12 + [0] * 6


def test_three_voices_give_three_speakers() -> None:
    rows = np.vstack([windows_of(voice(s), 10, s + 10) for s in (1, 2, 3)])
    labels = cluster_embeddings(rows, seconds(len(rows)), ClusteringOptions())
    assert sorted(set(labels.tolist())) == [0, 1, 2]


def test_a_voice_with_too_little_speech_joins_its_nearest_neighbour() -> None:
    a, b = voice(1), voice(2)
    cough = windows_of(voice(9), 2, 7)  # 0.8 s of a third "voice"
    rows = np.vstack([windows_of(a, 10, 3), cough, windows_of(b, 10, 4)])
    labels = cluster_embeddings(rows, seconds(len(rows)), ClusteringOptions(min_speaker_s=2.0))
    assert len(set(labels.tolist())) == 2


def test_one_voice_in_two_moods_is_merged() -> None:
    a = voice(1)
    shifted = a + 0.25 * voice(5)
    rows = np.vstack([windows_of(a, 10, 3), windows_of(shifted / np.linalg.norm(shifted), 10, 4)])
    similarity = float(a @ (shifted / np.linalg.norm(shifted)))
    assert similarity >= ClusteringOptions().merge_similarity
    labels = cluster_embeddings(rows, seconds(len(rows)), ClusteringOptions(threshold=0.01))
    assert set(labels.tolist()) == {0}


def test_no_more_than_max_speakers() -> None:
    rows = np.vstack([windows_of(voice(s), 10, s + 10) for s in (1, 2, 3, 4)])
    labels = cluster_embeddings(rows, seconds(len(rows)), ClusteringOptions(max_speakers=2))
    assert len(set(labels.tolist())) == 2


def test_nothing_and_one_window() -> None:
    empty = np.zeros((0, 64), dtype=np.float32)
    assert cluster_embeddings(empty, seconds(0), ClusteringOptions()).tolist() == []
    assert cluster_embeddings(
        windows_of(voice(1), 1, 2), seconds(1), ClusteringOptions()
    ).tolist() == [0]


def test_turns_follow_the_nearest_window_and_cover_the_regions() -> None:
    regions = [(0.0, 4.0), (5.0, 6.0)]
    windows = [
        LabelledSpan(0.0, 1.6, 0),
        LabelledSpan(0.8, 2.4, 0),
        LabelledSpan(1.6, 3.2, 1),
        LabelledSpan(2.4, 4.0, 1),
        LabelledSpan(5.0, 6.0, 1),
    ]
    turns = turns_from_windows(regions, windows)
    assert [(t.speaker, round(t.start_s, 2), round(t.end_s, 2)) for t in turns] == [
        ("S0", 0.0, 2.0),
        ("S1", 2.0, 4.0),
        ("S1", 5.0, 6.0),
    ]


def test_a_region_too_short_for_a_window_takes_its_nearest_neighbours_speaker() -> None:
    turns = turns_from_windows(
        [(0.0, 3.0), (3.5, 3.8)], [LabelledSpan(0.0, 1.6, 1), LabelledSpan(1.4, 3.0, 1)]
    )
    assert [t.speaker for t in turns] == ["S1", "S1"]


def test_a_very_short_run_joins_the_run_before_it() -> None:
    windows = [LabelledSpan(0.0, 1.6, 0), LabelledSpan(0.2, 1.8, 1), LabelledSpan(0.4, 2.0, 0)]
    turns = turns_from_windows([(0.0, 2.0)], windows, min_turn_s=0.3)
    assert [t.speaker for t in turns] == ["S0"]
