"""From per-window voice embeddings to speakers, and from labelled windows to speaker turns.

Pure numpy/scikit-learn, so the rules are unit-tested without audio (docs/speakers.md):

1. Agglomerative clustering, cosine distance, average linkage, cut at `threshold`: the number of
   speakers is found, not fixed, because transferred calls have three or more voices.
2. A cluster with less than `min_speaker_s` of speech is not a speaker (a cough, a window that
   straddles two voices): it joins the nearest cluster. At most `max_speakers` are kept.
3. Clusters whose centroids are at least `merge_similarity` (0.78) alike are one voice heard in
   two moods (measured: one synthetic voice split in two had centroids 0.72-0.84 alike in noise;
   different voices 0.50-0.73), so they are merged; when one of the two has less than
   `small_speaker_s` of speech its centroid is noisy, and 0.70 is enough.
4. Two passes of nearest-centroid reassignment tidy windows that average linkage left on the
   wrong side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from angel_intelligence.domain.speakers import SpeakerTurn

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ClusteringOptions:
    threshold: float = 0.30  # cosine distance at which clusters stop merging (measured)
    merge_similarity: float = 0.78  # clusters with centroids this alike are one voice
    small_speaker_s: float = 5.0  # a cluster with less speech than this has a noisy centroid…
    small_merge_similarity: float = 0.70  # …so it merges at this similarity
    min_speaker_s: float = 2.0
    max_speakers: int = 4
    refine_passes: int = 2


def cluster_embeddings(
    embeddings: FloatArray, durations_s: FloatArray, options: ClusteringOptions
) -> IntArray:
    """A speaker label (0, 1, … in order of first appearance) for each embedding row.

    `durations_s` is the speech each row stands for (overlapping windows count once).
    """
    count = len(embeddings)
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    if count == 1:
        return np.zeros(1, dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering

    model = AgglomerativeClustering(
        n_clusters=None,
        distance_threshold=options.threshold,
        metric="cosine",
        linkage="average",
    )
    labels = np.asarray(model.fit_predict(embeddings), dtype=np.int64)
    labels = _merge(embeddings, durations_s, labels, options)
    for _ in range(options.refine_passes):
        refined = _nearest_centroid(embeddings, labels)
        refined = _merge(embeddings, durations_s, refined, options)
        if np.array_equal(refined, labels):
            break
        labels = refined
    return _in_order_of_appearance(labels)


def centroids(embeddings: FloatArray, labels: IntArray) -> dict[int, FloatArray]:
    """The L2-normalised mean embedding of each label."""
    result: dict[int, FloatArray] = {}
    for label in np.unique(labels):
        mean = embeddings[labels == label].mean(axis=0)
        result[int(label)] = (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
    return result


def _merge(
    embeddings: FloatArray, durations_s: FloatArray, labels: IntArray, options: ClusteringOptions
) -> IntArray:
    labels = labels.copy()
    while True:
        present = np.unique(labels)
        if len(present) <= 1:
            return labels
        speech = {int(k): float(durations_s[labels == k].sum()) for k in present}
        smallest = min(speech, key=lambda k: speech[k])
        means = centroids(embeddings, labels)
        pairs = [
            (float(means[a] @ means[b]) - _allowance(min(speech[a], speech[b]), options), a, b)
            for a in means
            for b in means
            if a < b
        ]
        closest, keep, drop = max(pairs)
        if closest >= options.merge_similarity:
            labels[labels == drop] = keep
            continue
        too_many = len(present) > options.max_speakers
        if speech[smallest] >= options.min_speaker_s and not too_many:
            return labels
        others = [k for k in means if k != smallest]
        nearest = max(others, key=lambda k: float(means[k] @ means[smallest]))
        labels[labels == smallest] = nearest


def _allowance(speech_s: float, options: ClusteringOptions) -> float:
    """How much less alike a pair may be and still merge, when one of them is small."""
    if speech_s >= options.small_speaker_s:
        return 0.0
    return options.small_merge_similarity - options.merge_similarity


def _nearest_centroid(embeddings: FloatArray, labels: IntArray) -> IntArray:
    means = centroids(embeddings, labels)
    keys = np.array(list(means), dtype=np.int64)
    matrix = np.stack([means[int(k)] for k in keys])
    return np.asarray(keys[np.argmax(embeddings @ matrix.T, axis=1)], dtype=np.int64)


def _in_order_of_appearance(labels: IntArray) -> IntArray:
    order = {int(k): i for i, k in enumerate(dict.fromkeys(labels.tolist()))}
    return np.array([order[int(k)] for k in labels], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class LabelledSpan:
    """A window (or region) of the call with the speaker label it was given."""

    start_s: float
    end_s: float
    label: int


def turns_from_windows(
    regions: list[tuple[float, float]],
    windows: list[LabelledSpan],
    *,
    frame_s: float = 0.01,
    min_turn_s: float = 0.3,
) -> list[SpeakerTurn]:
    """Speaker turns covering every speech region.

    Each 10 ms frame of a region takes the label of the window whose centre is nearest (windows
    of the same region first; a region too short to have its own window takes its nearest
    neighbour's). Runs shorter than `min_turn_s` join the run before them.
    """
    if not windows:
        return [SpeakerTurn(start, end, "S0") for start, end in regions]
    centres = np.array([(w.start_s + w.end_s) / 2 for w in windows])
    labels = np.array([w.label for w in windows])
    turns: list[SpeakerTurn] = []
    for start_s, end_s in regions:
        inside = np.array([start_s <= c <= end_s for c in centres])
        pool_centres = centres[inside] if inside.any() else centres
        pool_labels = labels[inside] if inside.any() else labels
        times = np.arange(start_s, end_s, frame_s) + frame_s / 2
        if len(times) == 0:
            continue
        nearest = np.abs(times[:, None] - pool_centres[None, :]).argmin(axis=1)
        frame_labels = pool_labels[nearest]
        runs = _runs(frame_labels, start_s, end_s, frame_s)
        turns.extend(_absorb_short(runs, min_turn_s))
    return turns


def _runs(
    frame_labels: npt.NDArray[np.int64], start_s: float, end_s: float, frame_s: float
) -> list[SpeakerTurn]:
    runs: list[SpeakerTurn] = []
    begin = 0
    for index in range(1, len(frame_labels) + 1):
        if index == len(frame_labels) or frame_labels[index] != frame_labels[begin]:
            run_end = end_s if index == len(frame_labels) else start_s + index * frame_s
            runs.append(SpeakerTurn(start_s + begin * frame_s, run_end, f"S{frame_labels[begin]}"))
            begin = index
    return runs


def _absorb_short(runs: list[SpeakerTurn], min_turn_s: float) -> list[SpeakerTurn]:
    merged: list[SpeakerTurn] = []
    for run in runs:
        if merged and (run.duration_s < min_turn_s or run.speaker == merged[-1].speaker):
            merged[-1] = SpeakerTurn(merged[-1].start_s, run.end_s, merged[-1].speaker)
        elif merged and merged[-1].duration_s < min_turn_s:
            merged[-1] = SpeakerTurn(merged[-1].start_s, run.end_s, run.speaker)
        else:
            merged.append(run)
    return merged
