"""Transcript redaction: PCI masking of stored fields, placeholders, and audio intervals."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from angel_intelligence.bootstrap.options import pii_policy
from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.domain.pii import DetectedPii, PiiType
from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.errors import ConfigurationError
from angel_intelligence.pii import (
    PiiDetector,
    PiiPolicy,
    PiiStorage,
    redact_text,
    redact_transcript,
)
from angel_intelligence.settings import Settings, load_settings

CARD = "4955722539112025"
NO_PADDING = PiiPolicy(audio_padding_s=0.0)

WordSpec = tuple[str, float, float]


def segment(
    words: list[WordSpec], speaker: SpeakerRole = SpeakerRole.SUPPORTER, text: str | None = None
) -> Segment:
    """A segment as faster-whisper gives it: word texts with leading spaces, joined = text."""
    built = tuple(Word(w, s, e, 0.9) for w, s, e in words)
    return Segment(
        text="".join(w.text for w in built) if text is None else text,
        start_s=words[0][1],
        end_s=words[-1][2],
        words=built,
        confidence=0.9,
        speaker=speaker,
        speaker_id="agent_1" if speaker.is_agent else "supporter",
    )


def spoken(text: str, start_s: float, step_s: float = 0.4) -> list[WordSpec]:
    """Words of `text` one after another, `step_s` each."""
    return [
        (f" {w}", round(start_s + k * step_s, 3), round(start_s + (k + 1) * step_s, 3))
        for k, w in enumerate(text.split())
    ]


def transcript(*segments: Segment) -> Transcript:
    return Transcript(segments=segments, duration_s=max(s.end_s for s in segments) + 1.0)


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector(reference_year=2026)


def stored_text(redaction: Any) -> str:
    """Everything the PCI policy covers: full_transcript, segments JSON, pii_detected."""
    return "\n".join(
        [
            redaction.full_transcript,
            json.dumps(redaction.segments),
            json.dumps(redaction.pii_detected),
        ]
    )


def test_card_data_is_masked_in_every_stored_field(detector: PiiDetector) -> None:
    call = transcript(
        segment(spoken("Can I take the card number?", 0.0), SpeakerRole.AGENT),
        segment(spoken("Yes it's 4955 7225 3911 2025 expiry 08/27 security code 314", 3.0)),
    )
    result = redact_transcript(call, detector)
    stored = stored_text(result)
    for secret in (CARD, "4955 7225 3911", "08/27", "314"):
        assert secret not in stored
    assert "**** **** **** 2025" in result.full_transcript
    assert [d["type"] for d in result.pii_detected] == ["credit_card", "card_expiry", "cvv"]
    assert [d["original"] for d in result.pii_detected] == ["**** **** **** 2025", "**/**", "***"]
    assert result.redacted_transcript.endswith(
        "Supporter: Yes it's [CARD_NUMBER] expiry [CARD_EXPIRY] security code [CVV]"
    )


def test_other_pii_is_clear_in_storage_and_replaced_in_the_redacted_transcript(
    detector: PiiDetector,
) -> None:
    call = transcript(segment(spoken("My national insurance number is JG103759A thanks", 0.0)))
    result = redact_transcript(call, detector)
    assert "JG103759A" in result.full_transcript
    assert "JG103759A" in json.dumps(result.segments)
    assert result.pii_detected[0]["original"] == "JG103759A"
    assert (
        result.redacted_transcript
        == "Supporter: My national insurance number is [NI_NUMBER] thanks"
    )
    assert "JG103759A" not in json.dumps(result.redacted_segments)


def test_pii_detected_has_the_spec_keys_and_round_trips(detector: PiiDetector) -> None:
    call = transcript(segment(spoken("postcode SW1A 1AA", 10.0)))
    item = redact_transcript(call, detector).pii_detected[0]
    assert list(item) == [
        "type",
        "original",
        "redacted",
        "timestamp_start",
        "timestamp_end",
        "confidence",
    ]
    assert item["redacted"] == "[POSTCODE]"
    assert DetectedPii.from_json(item).to_json() == item


def test_the_interval_covers_the_words_of_the_finding_plus_padding(detector: PiiDetector) -> None:
    # "SW1A" 10.4-10.8, "1AA" 10.8-11.2; no other word to reach into.
    call = transcript(segment([(" SW1A", 10.4, 10.8), (" 1AA", 10.8, 11.2)]))
    # Text findings alone: with question windows on, a value said with no question before it
    # also opens a window on its answer (test_pii_audio_windows.py).
    policy = PiiPolicy(audio_padding_s=0.25, question_windows=False)
    result = redact_transcript(call, detector, policy)
    found = result.detected[0]
    assert (found.start_s, found.end_s) == pytest.approx((10.15, 11.45))
    assert result.audio_intervals == (TimeInterval(found.start_s, found.end_s),)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # touching neighbours: Whisper cannot place the boundary, so reach into them
        ((" postcode", 10.0, 10.4), (" thanks", 11.2, 11.6), (10.0, 11.6)),
        # a long touching word: at most MAX_REACH_S (1 s) into it
        ((" postcode", 8.0, 10.4), (" thanks", 11.2, 14.0), (9.4, 12.2)),
        # a gap: covered up to the neighbour (the value may have been said in it)
        ((" postcode", 9.9, 10.1), (" thanks", 11.7, 12.0), (10.1, 11.7)),
        # a long gap: at most MAX_REACH_S of it
        ((" postcode", 5.0, 6.0), (" thanks", 15.0, 16.0), (9.4, 12.2)),
    ],
)
def test_the_interval_reaches_towards_the_neighbouring_words(
    detector: PiiDetector,
    before: WordSpec,
    after: WordSpec,
    expected: tuple[float, float],
) -> None:
    words = [before, (" SW1A", 10.4, 10.8), (" 1AA", 10.8, 11.2), after]
    result = redact_transcript(transcript(segment(words)), detector, NO_PADDING)
    assert (result.detected[0].start_s, result.detected[0].end_s) == pytest.approx(expected)


def test_a_number_read_over_two_segments_is_one_finding_covering_both(
    detector: PiiDetector,
) -> None:
    call = transcript(
        segment(spoken("card number 4955 7225", 0.0)),
        segment(spoken("3911 2025 thanks", 2.0)),
    )
    result = redact_transcript(call, detector, NO_PADDING)
    assert len(result.detected) == 1
    # words 0.8-2.8, reaching into "number" (0.4-0.8) and "thanks" (2.8-3.2) that touch them
    assert (result.detected[0].start_s, result.detected[0].end_s) == pytest.approx((0.4, 3.2))
    assert CARD[:12] not in stored_text(result).replace(" ", "")
    lines = result.redacted_transcript.splitlines()
    assert lines == ["Supporter: card number [CARD_NUMBER]", "Supporter: [CARD_NUMBER] thanks"]


def test_the_agents_question_is_context_for_the_answer_in_the_next_segment(
    detector: PiiDetector,
) -> None:
    call = transcript(
        segment(spoken("And the three digits on the back of the card?", 0.0), SpeakerRole.AGENT),
        segment(spoken("Seven oh two.", 4.0)),
    )
    result = redact_transcript(call, detector)
    assert [d.type for d in result.detected] == [PiiType.CVV]
    assert "Seven oh two" not in result.full_transcript


def test_words_of_a_finding_become_one_word_with_the_placeholder(detector: PiiDetector) -> None:
    call = transcript(segment(spoken("it's S W one A, one A A thanks", 0.0)))
    words = redact_transcript(call, detector).redacted_segments[0]["words"]
    assert [w["word"] for w in words] == [" it's", " [POSTCODE]", " thanks"]
    assert (words[1]["start"], words[1]["end"]) == (0.4, 3.2)


def test_a_collapsed_word_timing_reaches_out_to_its_reliable_neighbours(
    detector: PiiDetector,
) -> None:
    words = [
        (" security", 0.0, 0.5),
        (" code", 0.5, 0.9),
        (" 3", 1.3, 1.3),  # zero length: Whisper's DTW lost the digit
        (" 1", 1.3, 1.3),
        (" 4", 1.3, 1.3),
        (" thanks", 2.4, 2.9),
        (" bye", 4.0, 4.5),
    ]
    result = redact_transcript(transcript(segment(words)), detector, NO_PADDING)
    # From the end of "code" to the start of "thanks" (the reliable neighbours), then into
    # them, as they touch that span.
    assert (result.detected[0].start_s, result.detected[0].end_s) == pytest.approx((0.5, 2.9))


def test_an_interpolated_word_timing_is_not_trusted(detector: PiiDetector) -> None:
    seg = segment(spoken("security code 314 thanks", 0.0))
    words = list(seg.words)
    words[2] = Word(" 314", 0.8, 1.0, 0.5, interpolated=True)
    call = transcript(Segment(seg.text, 0.0, 1.6, tuple(words), 0.9, SpeakerRole.SUPPORTER))
    result = redact_transcript(call, detector, NO_PADDING)
    # From the end of "code" (0.8) to the start of "thanks" (1.2), into both as they touch.
    assert (result.detected[0].start_s, result.detected[0].end_s) == pytest.approx((0.4, 1.6))


def test_words_that_do_not_match_the_text_fail_closed(detector: PiiDetector) -> None:
    # The words spell the number out while the segment text has digits: no word can be
    # matched to the card's characters, so the whole segment is bleeped and every word said
    # during it is masked in storage.
    words = spoken(
        "card four nine five five seven two two five three nine one one two oh two five", 5.0, 0.2
    )
    seg = segment(words, text=" card 4955 7225 3911 2025")
    result = redact_transcript(transcript(seg), detector, NO_PADDING)
    assert (result.detected[0].start_s, result.detected[0].end_s) == (seg.start_s, seg.end_s)
    stored_words = [w["word"] for w in result.segments[0]["words"]]
    assert stored_words[0] == " card"
    assert all(w == " **** **** **** 2025" for w in stored_words[1:])


def test_audio_intervals_are_merged_and_clipped_to_the_call(detector: PiiDetector) -> None:
    call = Transcript(
        segments=(segment(spoken("it's SW1A 1AA and 07911 123456", 0.0, 0.3)),),
        duration_s=1.9,
    )
    result = redact_transcript(call, detector, PiiPolicy(audio_padding_s=0.5))
    assert len(result.detected) == 2
    assert result.audio_intervals == (TimeInterval(0.0, 1.9),)


def test_strict_policy_replaces_every_finding_in_storage(detector: PiiDetector) -> None:
    call = transcript(segment(spoken("NI JG103759A and card 4955 7225 3911 2025", 0.0)))
    result = redact_transcript(call, detector, PiiPolicy(storage=PiiStorage.STRICT))
    assert "JG103759A" not in stored_text(result)
    assert "[NI_NUMBER]" in result.full_transcript
    assert "**** **** **** 2025" in result.full_transcript
    assert [d["original"] for d in result.pii_detected] == ["********", "**** **** **** 2025"]


def test_clear_policy_stores_what_was_said(detector: PiiDetector) -> None:
    call = transcript(segment(spoken("card 4955 7225 3911 2025", 0.0)))
    result = redact_transcript(call, detector, PiiPolicy(storage=PiiStorage.CLEAR))
    assert "4955 7225 3911 2025" in result.full_transcript
    assert result.redacted_transcript == "Supporter: card [CARD_NUMBER]"


@pytest.mark.parametrize(
    ("visible", "mask"),
    [(4, "**** **** **** 2025"), (2, "**** **** **** **25"), (0, "**** **** **** ****")],
)
def test_card_masks_show_at_most_the_configured_last_digits(
    detector: PiiDetector, visible: int, mask: str
) -> None:
    call = transcript(segment(spoken("card 4955 7225 3911 2025", 0.0)))
    result = redact_transcript(call, detector, PiiPolicy(card_visible_digits=visible))
    assert result.pii_detected[0]["original"] == mask
    assert mask in result.full_transcript


def test_a_transcript_without_pii_is_unchanged(detector: PiiDetector) -> None:
    call = transcript(segment(spoken("I'd like to give twenty five pounds a month", 0.0)))
    result = redact_transcript(call, detector)
    assert result.stored == call and result.redacted == call
    assert result.pii_detected == [] and result.audio_intervals == ()


def test_redact_text_replaces_spans_with_placeholders(detector: PiiDetector) -> None:
    text = "Email jane.smith@example.co.uk or call 07911 123456."
    assert redact_text(text, detector.detect(text)) == "Email [EMAIL] or call [PHONE_NUMBER]."


def test_every_placeholder_is_documented() -> None:
    from dbkit import REPO_ROOT

    doc = (REPO_ROOT / "docs" / "pii.md").read_text()
    for kind in PiiType:
        assert f"`{kind.placeholder}`" in doc and f"`{kind.value}`" in doc


def test_policy_comes_from_settings(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(
        pii_policy="strict",
        pii_min_confidence=0.7,
        pii_audio_padding_seconds=0.4,
        pii_card_visible_digits=0,
    )
    assert pii_policy(settings) == PiiPolicy(PiiStorage.STRICT, 0.7, 0.4, 0)
    assert pii_policy(make_settings()) == PiiPolicy()


def test_production_refuses_the_clear_policy() -> None:
    with pytest.raises(ConfigurationError, match="PII_POLICY=clear"):
        load_settings(
            angel_env="production", api_auth_token="t" * 64, ai_db_host="db", pii_policy="clear"
        )


@pytest.mark.parametrize("bad", [{"card_visible_digits": 5}, {"audio_padding_s": -1.0}])
def test_a_bad_policy_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=re.escape(next(iter(bad))) + "|must"):
        PiiPolicy(**bad)
