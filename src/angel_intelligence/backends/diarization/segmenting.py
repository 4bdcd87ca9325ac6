"""Speakers from speech segments rather than single windows, then smoothed per window.

One 1.6 s window carries too little voice to tell two similar voices apart: on the hard
synthetic calls (benchmarks/diarization_roles.py) windows of one voice were 0.90 alike to
their own centroid on average while two different voices' centroids were up to 0.91 alike,
so window-level clustering merged them. Averaging the windows of a few seconds of one speech
region halves that noise. So (docs/speakers.md, "Diarization"):

1. **Segments**: each speech region is cut into pieces of `segment_s` (a last piece shorter
   than half of that joins the one before); a segment's embedding is the normalised mean of
   its windows of at least 1 s. Segments, not windows, are clustered (`clustering.py`'s rules,
   with the segment thresholds).
2. **Handovers**: a speaker whose speech, in time order, splits into a before and an after
   whose centroids are less than `handover_similarity` alike is two voices, one after the
   other: a transfer whose agents the clustering merged. One voice split in time stayed at
   0.90 or more alike; two agents of a transfer were 0.53-0.72 alike.
3. **Smoothing**: within each speech region, every window (short ones too) takes the speaker
   that a Viterbi path picks: its similarity to each speaker's centroid, less
   `switch_penalty` for each change of speaker, so a speaker changes inside a region only
   when several windows agree (an answer that starts before a 0.3 s pause).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from angel_intelligence.backends.diarization.clustering import (
    ClusteringOptions,
    centroids,
    cluster_embeddings,
)

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


# Segment centroids are less noisy than window ones: same-voice segments of the hard calls'
# tuning half were 0.84-0.91 alike (median per call), different voices 0.46-0.78. A cluster
# under 4 s of speech (a few short answers) still has a noisy centroid: supporter_a's
# "Yes."/"Ten pounds a month." came out 0.70-0.80 alike to the rest of supporter_a.
SEGMENT_CLUSTERING = ClusteringOptions(
    threshold=0.22, merge_similarity=0.92, small_speaker_s=4.0, small_merge_similarity=0.70
)


@dataclass(frozen=True, slots=True)
class SegmentOptions:
    """How segments are made, clustered, split at handovers and smoothed."""

    segment_s: float = 3.0
    clustering: ClusteringOptions = field(default_factory=lambda: SEGMENT_CLUSTERING)
    handover_similarity: float = 0.85
    min_handover_side_s: float = 4.0
    switch_penalty: float = 0.05
    core_window_s: float = 1.0


@dataclass(frozen=True, slots=True)
class WindowSet:
    """Embedded windows of a call: rows in time order, each with its speech region's index."""

    embeddings: FloatArray
    starts_s: npt.NDArray[np.float64]
    ends_s: npt.NDArray[np.float64]
    regions: IntArray
    speech_s: FloatArray  # the new speech each window adds

    @property
    def core(self) -> npt.NDArray[np.bool_]:
        return np.asarray(self.ends_s - self.starts_s >= 1.0 - 1e-9)


def segment_ids(windows: WindowSet, options: SegmentOptions) -> IntArray:
    """A segment number per window (-1 for windows too short to cluster)."""
    ids = np.full(len(windows.embeddings), -1, dtype=np.int64)
    core = windows.ends_s - windows.starts_s >= options.core_window_s - 1e-9
    next_id = 0
    for region in np.unique(windows.regions):
        rows = np.nonzero((windows.regions == region) & core)[0]
        if len(rows) == 0:
            continue
        centres = (windows.starts_s[rows] + windows.ends_s[rows]) / 2
        begin = float(windows.starts_s[rows].min())
        end = float(windows.ends_s[rows].max())
        pieces = max(1, round((end - begin) / options.segment_s))
        piece = np.minimum(((centres - begin) / ((end - begin) / pieces)).astype(np.int64),
                           pieces - 1)  # fmt: skip
        ids[rows] = next_id + piece
        next_id += pieces
    return ids


def label_windows(
    windows: WindowSet, options: SegmentOptions, *, min_speakers: int = 1
) -> IntArray:
    """A speaker label per window (0, 1, … in order of appearance).

    `min_speakers` 2 (a call: a supporter and an agent) splits a call the clustering found one
    voice in (`split_in_two`)."""
    count = len(windows.embeddings)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    ids = segment_ids(windows, options)
    present = np.unique(ids[ids >= 0])
    if len(present) == 0:
        return np.zeros(count, dtype=np.int64)
    means = centroids(windows.embeddings[ids >= 0], ids[ids >= 0])
    matrix = np.stack([means[int(k)] for k in present])
    speech = np.array([windows.speech_s[ids == k].sum() for k in present], dtype=np.float32)
    segment_labels = cluster_embeddings(matrix, speech, options.clustering)
    if min_speakers >= 2 and len(np.unique(segment_labels)) == 1:
        segment_labels = split_in_two(matrix, speech, options.clustering.min_speaker_s)
    by_segment = dict(zip(present.tolist(), segment_labels.tolist(), strict=True))
    labels = np.array([by_segment.get(int(i), -1) for i in ids], dtype=np.int64)
    labels = split_handovers(windows, labels, options)
    labels = smooth(windows, labels, options.switch_penalty)
    return _in_order_of_appearance(labels)


def split_in_two(embeddings: FloatArray, speech_s: FloatArray, min_side_s: float) -> IntArray:
    """Two groups of segments for a call the clustering heard one voice in (issue 14, round 5).

    A call has a supporter and an agent; when their voices are alike (0.88-0.91 in the
    held-out hard calls) average linkage joins them. The split follows the segments' main
    direction of difference (the first principal component, speech-weighted), refined by
    spherical 2-means. Both sides need `min_side_s` of speech, or the call stays one voice.
    """
    count = len(embeddings)
    one = np.zeros(count, dtype=np.int64)
    if count < 2:
        return one
    weights = speech_s.astype(np.float64) / max(float(speech_s.sum()), 1e-9)
    vectors = embeddings.astype(np.float64)
    centred = vectors - weights @ vectors
    _, _, components = np.linalg.svd(centred * np.sqrt(weights)[:, None], full_matrices=False)
    labels = (centred @ components[0] > 0).astype(np.int64)
    for _ in range(10):
        if len(np.unique(labels)) < 2:
            return one
        means = centroids(embeddings, labels)
        refined = np.argmax(embeddings @ np.stack([means[0], means[1]]).T, axis=1)
        if np.array_equal(refined, labels):
            break
        labels = refined.astype(np.int64)
    sides = [float(speech_s[labels == k].sum()) for k in (0, 1)]
    if min(sides) < min_side_s:
        return one
    return _in_order_of_appearance(labels)


def split_handovers(windows: WindowSet, labels: IntArray, options: SegmentOptions) -> IntArray:
    """Split a speaker into before and after a time when the two sound like two voices."""
    labels = labels.copy()
    for label in [int(k) for k in np.unique(labels) if k >= 0]:
        rows = np.nonzero(labels == label)[0]
        speech = np.cumsum(windows.speech_s[rows])
        total = float(speech[-1]) if len(speech) else 0.0
        if total < 2 * options.min_handover_side_s:
            continue
        vectors = windows.embeddings[rows].astype(np.float64)
        before = np.cumsum(vectors, axis=0)
        best, best_at = 1.0, -1
        for at in range(1, len(rows)):
            if speech[at - 1] < options.min_handover_side_s:
                continue
            if total - speech[at - 1] < options.min_handover_side_s:
                break
            if windows.regions[rows[at]] == windows.regions[rows[at - 1]]:
                continue  # a handover happens between speech regions
            a, b = before[at - 1], before[-1] - before[at - 1]
            similarity = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
            if similarity < best:
                best, best_at = similarity, at
        if best_at > 0 and best < options.handover_similarity:
            labels[rows[best_at:]] = int(labels.max()) + 1
    return labels


def smooth(windows: WindowSet, labels: IntArray, switch_penalty: float) -> IntArray:
    """Viterbi per speech region: similarity to each speaker's centroid, less a switch cost."""
    known = labels >= 0
    if not known.any():
        return np.zeros(len(labels), dtype=np.int64)
    means = centroids(windows.embeddings[known], labels[known])
    keys = np.array(list(means), dtype=np.int64)
    scores = windows.embeddings @ np.stack([means[int(k)] for k in keys]).T
    result = np.zeros(len(labels), dtype=np.int64)
    for region in np.unique(windows.regions):
        rows = np.nonzero(windows.regions == region)[0]
        result[rows] = keys[_viterbi(scores[rows], switch_penalty)]
    return result


def _viterbi(scores: FloatArray, switch_penalty: float) -> IntArray:
    steps, states = scores.shape
    total = scores[0].astype(np.float64).copy()
    back = np.zeros((steps, states), dtype=np.int64)
    for t in range(1, steps):
        stay = total
        switch = total.max() - switch_penalty
        back[t] = np.where(stay >= switch, np.arange(states), int(total.argmax()))
        total = np.maximum(stay, switch) + scores[t]
    path = np.zeros(steps, dtype=np.int64)
    path[-1] = int(total.argmax())
    for t in range(steps - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


def _in_order_of_appearance(labels: IntArray) -> IntArray:
    order = {int(k): i for i, k in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[int(k)] for k in labels], dtype=np.int64)
