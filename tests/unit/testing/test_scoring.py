"""The WER and DER used to bound the speech tests are the standard ones."""

from __future__ import annotations

import pytest

from angel_intelligence.domain.speakers import SpeakerTurn
from angel_intelligence.testing.scoring import (
    diarization_error,
    normalise_words,
    word_error_rate,
    word_errors,
)


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("Thank you for calling.", "thank you for calling", 0.0),
        ("thank you for calling", "thank you for crawling", 0.25),  # one substitution
        ("thank you for calling", "thank you calling", 0.25),  # one deletion
        ("thank you for calling", "oh thank you for calling", 0.25),  # one insertion
        ("a b", "", 1.0),
        ("", "", 0.0),
    ],
)
def test_word_error_rate(reference: str, hypothesis: str, expected: float) -> None:
    assert word_error_rate(reference, hypothesis) == pytest.approx(expected)


def test_normalisation_keeps_apostrophes_and_splits_hyphens() -> None:
    assert normalise_words("It's a well-known Trust.") == ["it's", "a", "well", "known", "trust"]


def test_perfect_diarization_scores_zero_whatever_the_labels() -> None:
    reference = [SpeakerTurn(0, 5, "agent"), SpeakerTurn(6, 9, "supporter")]
    hypothesis = [SpeakerTurn(0, 5, "S1"), SpeakerTurn(6, 9, "S0")]
    score = diarization_error(reference, hypothesis, collar_s=0)
    assert score.der == 0.0
    assert score.mapping == {"S1": "agent", "S0": "supporter"}


def test_confusion_missed_and_false_alarm_are_counted() -> None:
    reference = [SpeakerTurn(0, 10, "agent"), SpeakerTurn(10, 20, "supporter")]
    hypothesis = [SpeakerTurn(0, 12, "S0"), SpeakerTurn(12, 18, "S1"), SpeakerTurn(25, 27, "S1")]
    score = diarization_error(reference, hypothesis, collar_s=0)
    assert score.confusion_s == pytest.approx(2.0)
    assert score.missed_s == pytest.approx(2.0)
    assert score.false_alarm_s == pytest.approx(2.0)
    assert score.der == pytest.approx(6 / 20)


def test_the_collar_forgives_boundary_errors() -> None:
    reference = [SpeakerTurn(0, 10, "agent"), SpeakerTurn(10, 20, "supporter")]
    hypothesis = [SpeakerTurn(0, 10.2, "S0"), SpeakerTurn(10.2, 20, "S1")]
    assert diarization_error(reference, hypothesis, collar_s=0.25).der == 0.0
    assert diarization_error(reference, hypothesis, collar_s=0).der > 0.0


def test_label_agreement_counts_speech_given_the_right_label_and_missed_speech_as_wrong() -> None:
    from angel_intelligence.testing.scoring import label_agreement

    reference = [SpeakerTurn(0, 10, "agent_x"), SpeakerTurn(10, 20, "supporter_y")]
    hypothesis = [SpeakerTurn(0, 10, "S0"), SpeakerTurn(10, 15, "S1")]  # 15-20 s missed
    roles = {"S0": "agent", "S1": "supporter"}
    agreement = label_agreement(
        reference,
        hypothesis,
        lambda voice: "agent" if voice.startswith("agent") else "supporter",
        roles.get,
        collar_s=0.0,
    )
    assert agreement.total_s == pytest.approx(20.0)
    assert agreement.share == pytest.approx(0.75)
    swapped = label_agreement(
        reference, hypothesis, lambda voice: "agent" if voice.startswith("agent") else None,
        {"S0": "supporter", "S1": "agent"}.get, collar_s=0.0,
    )  # fmt: skip
    assert (swapped.total_s, swapped.share) == (pytest.approx(10.0), 0.0)


def test_word_errors_count_each_kind_of_error() -> None:
    errors = word_errors("a b c d e f g", "x b c e f g h")
    assert (errors.substitutions, errors.deletions, errors.insertions) == (1, 1, 1)
    assert errors.reference_words == 7
    assert errors.rate == pytest.approx(3 / 7)
    assert errors.rate == pytest.approx(word_error_rate("a b c d e f g", "x b c e f g h"))


def test_word_errors_spell_digits_on_both_sides() -> None:
    assert word_errors("four five oh nine", "4509.").errors == 0
    assert word_errors("four five oh nine", "4509.", spell_digits=False).errors == 4
    assert word_errors("twenty two", "22").substitutions == 1  # "two two"


def test_word_errors_add_up_over_calls() -> None:
    total = word_errors("a b c", "a b") + word_errors("d e", "d e f")
    assert (total.reference_words, total.deletions, total.insertions) == (5, 1, 1)
    assert word_errors("", "").rate == 0.0
    assert word_errors("", "extra").rate == 1.0
