"""all-MiniLM-L6-v2 from its wheel, and the evidence it adds to keywords (issue 16)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from angel_intelligence.analysis.evidence import extract_evidence
from angel_intelligence.backends.text.minilm import MiniLmEmbedder
from angel_intelligence.errors import ModelLoadError
from angel_intelligence.testing.scripted import scripted_transcript

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def embedder() -> MiniLmEmbedder:
    model = MiniLmEmbedder(threads=2)
    model.load()
    return model


def test_embeddings_are_unit_vectors_and_mean_what_they_say(embedder: MiniLmEmbedder) -> None:
    texts = [
        "I would like to cancel my monthly donation.",
        "Please stop my regular gift.",
        "The weather is lovely today.",
    ]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert np.array_equal(embedder.embed(texts[:1])[0], vectors[0])  # cached, same


def test_similarity_finds_a_client_s_own_topic_with_no_keywords(embedder: MiniLmEmbedder) -> None:
    transcript = scripted_transcript([
        ("A", "Good morning, how can I help?"),
        ("S", "I saw your winter appeal on the television last night and I want to help."),
        ("A", "Thank you, that is very kind."),
    ])  # fmt: skip
    topics = ["Winter appeal", "Legacy/bequest enquiry", "Volunteering enquiry"]
    found = extract_evidence(
        transcript, topics=topics, agent_actions=[], call_date=dt.date(2025, 1, 17),
        embed=embedder.embed,
    )  # fmt: skip
    assert [(c.name, [s.turn for s in c.support]) for c in found.topics] == [("Winter appeal", [1])]
    assert found.topics[0].support[0].cue.startswith("similarity ")
    without = extract_evidence(
        transcript, topics=topics, agent_actions=[], call_date=dt.date(2025, 1, 17)
    )
    assert without.topics == ()


def test_a_directory_without_the_weights_is_a_model_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"model\.safetensors"):
        MiniLmEmbedder(tmp_path).load()
