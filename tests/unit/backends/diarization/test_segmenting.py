"""Segments, handover splits and per-region smoothing, on constructed window embeddings."""

from __future__ import annotations

import numpy as np

from angel_intelligence.backends.diarization.clustering import (
    ClusteringOptions,
    cluster_embeddings,
)
from angel_intelligence.backends.diarization.segmenting import (
    SegmentOptions,
    WindowSet,
    label_windows,
    segment_ids,
    smooth,
    split_handovers,
    split_in_two,
)


def voice(seed: int, dimension: int = 64) -> np.ndarray:
    v = np.random.default_rng(seed).random(dimension) ** 3
    return v / np.linalg.norm(v)


def blend(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    v = (1 - weight) * a + weight * b
    return v / np.linalg.norm(v)


def call(regions: list[tuple[np.ndarray, int]], seed: int = 0, noise: float = 0.05) -> WindowSet:
    """Speech regions in a row, each `count` 1.6 s windows every 0.4 s of one voice."""
    rng = np.random.default_rng(seed)
    rows, starts, region_ids = [], [], []
    clock = 0.0
    for index, (centre, count) in enumerate(regions):
        for k in range(count):
            row = np.abs(centre + noise * rng.standard_normal(len(centre)))
            rows.append(row / np.linalg.norm(row))
            starts.append(clock + 0.4 * k)
            region_ids.append(index)
        clock += 0.4 * count + 1.2 + 1.0
    begin = np.array(starts)
    return WindowSet(
        np.array(rows, dtype=np.float32),
        begin,
        begin + 1.6,
        np.array(region_ids, dtype=np.int64),
        np.full(len(rows), 0.4, dtype=np.float32),
    )


def test_a_long_region_is_cut_into_segments_of_about_segment_s() -> None:
    windows = call([(voice(1), 20), (voice(2), 3)])  # 8 s + 1.2 s, then 1.2 s + 1.2 s
    ids = segment_ids(windows, SegmentOptions(segment_s=3.0))
    assert len(set(ids[:20].tolist())) == 3
    assert len(set(ids[20:].tolist())) == 1


def test_two_alike_voices_that_windows_confuse_are_told_apart_by_segments() -> None:
    agent, other = voice(1), voice(2)
    supporter = blend(agent, other, 0.8)
    turns = [(agent, 10), (supporter, 8), (agent, 12), (supporter, 10), (agent, 8)]
    windows = call(turns, noise=0.1)
    by_window = cluster_embeddings(windows.embeddings, windows.speech_s, ClusteringOptions())
    assert set(by_window.tolist()) == {0}  # one window at a time, the two voices are one
    labels = label_windows(windows, SegmentOptions())
    expected = np.concatenate([np.full(n, i % 2) for i, (_, n) in enumerate(turns)])
    assert labels.tolist() == expected.tolist()


def test_a_speaker_whose_voice_changes_for_good_is_split_at_the_handover() -> None:
    first, second, supporter = voice(1), voice(2), voice(3)
    windows = call([(first, 12), (supporter, 10), (first, 10), (second, 12), (supporter, 8),
                    (second, 12)])  # fmt: skip
    merged = np.concatenate([[0] * 12, [1] * 10, [0] * 10, [0] * 12, [1] * 8, [0] * 12])
    split = split_handovers(windows, merged, SegmentOptions())
    assert set(split[:12].tolist()) == set(split[22:32].tolist()) == {0}
    assert set(split[32:44].tolist()) == set(split[52:].tolist()) == {2}
    assert set(split[12:22].tolist()) == set(split[44:52].tolist()) == {1}


def test_one_voice_throughout_is_not_split() -> None:
    a, b = voice(1), voice(2)
    windows = call([(a, 12), (b, 10), (a, 10), (b, 12), (a, 12)], seed=4)
    labels = np.concatenate([[0] * 12, [1] * 10, [0] * 10, [1] * 12, [0] * 12])
    assert split_handovers(windows, labels, SegmentOptions()).tolist() == labels.tolist()


def test_smoothing_changes_speaker_inside_a_region_only_when_windows_agree() -> None:
    a, b = voice(1), voice(2)
    rows = call([(a, 10), (b, 10)])
    # One region: ten windows of a, then ten of b (an answer after a bridged pause).
    windows = WindowSet(
        rows.embeddings, rows.starts_s, rows.ends_s, np.zeros(20, dtype=np.int64), rows.speech_s
    )
    labels = np.array([0] * 10 + [1] * 10)
    labels[3] = 1  # a stray window
    assert smooth(windows, labels, 0.05).tolist() == [0] * 10 + [1] * 10


def test_no_windows_give_no_labels() -> None:
    empty = WindowSet(
        np.zeros((0, 64), dtype=np.float32),
        np.zeros(0),
        np.zeros(0),
        np.zeros(0, dtype=np.int64),
        np.zeros(0, dtype=np.float32),
    )
    assert label_windows(empty, SegmentOptions()).tolist() == []


def test_a_call_heard_as_one_voice_is_split_in_two_when_a_call_is_asked_for() -> None:
    agent = voice(1)
    supporter = blend(agent, voice(2), 0.35)  # alike enough that the clustering joins them
    turns = [(agent, 10), (supporter, 8), (agent, 12), (supporter, 10), (agent, 8)]
    windows = call(turns, noise=0.1, seed=3)
    assert set(label_windows(windows, SegmentOptions()).tolist()) == {0}
    labels = label_windows(windows, SegmentOptions(), min_speakers=2)
    expected = np.concatenate([np.full(n, i % 2) for i, (_, n) in enumerate(turns)])
    assert labels.tolist() == expected.tolist()


def test_one_voice_stays_one_when_the_other_side_would_be_too_short() -> None:
    windows = call([(voice(1), 4), (voice(2), 4)])  # 1.6 s of speech each
    assert set(split_in_two(windows.embeddings, windows.speech_s, 1.0).tolist()) == {0, 1}
    assert set(split_in_two(windows.embeddings, windows.speech_s, 2.0).tolist()) == {0}
