"""Audio redaction that does not trust the ASR with digits: question windows, read-backs,
digit runs and values read across segments (docs/pii.md, "Audio redaction").

Transcripts are built by hand, word by word with times and speakers, in the shapes Whisper
tiny.en gives on real calls (issue 14): digits written as loops or dropped, nothing where the
VAD dropped a value, the agent's back-channels inside a value, roles given to the wrong side.
"""

from __future__ import annotations

import re

import pytest

from angel_intelligence.domain.audio import TimeInterval
from angel_intelligence.domain.pii import AudioReason, AudioRedaction, PiiRedaction, PiiType
from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.pii import PiiDetector, PiiPolicy, redact_transcript
from angel_intelligence.pii.cues import CueKind, find_cues
from angel_intelligence.pii.stream import CallStream
from angel_intelligence.pii.timing import merge
from pii_calls import AGENT, NO_PADDING, SUPPORTER, bleeped, call, said


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector(reference_year=2026)


def windows(result: PiiRedaction, reason: AudioReason) -> list[AudioRedaction]:
    """The intervals of one reason, less the payment phase over them all (its own tests are in
    test_pii_audio_openings.py)."""
    return [r for r in result.audio_redactions if r.reason is reason and r.rule != "payment_phase"]


# --- Question windows -------------------------------------------------------------------------


def test_a_card_question_opens_a_window_over_the_answer_whatever_was_written(
    detector: PiiDetector,
) -> None:
    # Whisper's loop for a card number read out: no rule can type it.
    garbled = "4 '5\", 3 '5\", 1 '0\", 4 '5\", 3 '5\", 1 '0\""
    result = redact_transcript(
        call(
            said("Can I take the long number on the front of your card?", 0.0, AGENT),
            said(f"Yes it's {garbled}", 5.0, SUPPORTER),
            said("Thank you. And your postcode?", 12.0, AGENT),
        ),
        detector,
        NO_PADDING,
    )
    [window] = [w for w in windows(result, AudioReason.QUESTION_WINDOW) if w.start_s < 5.0]
    assert window.pii_type is PiiType.CREDIT_CARD
    assert window.rule.startswith("cue:card_number:")
    # From the last word of the cue ("card?" said at 4.4) to the agent's next turn.
    assert (window.start_s, window.end_s) == pytest.approx((4.4, 12.0))
    assert bleeped(result, 4.4, 12.0)


def test_a_value_the_vad_dropped_is_covered_up_to_the_askers_next_turn(
    detector: PiiDetector,
) -> None:
    # Nothing was written between "it's" (5.8) and the agent's next turn (15.0): the value.
    result = redact_transcript(
        call(
            said("And your national insurance number please?", 0.0, AGENT),
            said("Yes it's", 5.0, SUPPORTER),
            said("Lovely. Thank you so much for your support.", 15.0, AGENT),
        ),
        detector,
        NO_PADDING,
    )
    [window] = windows(result, AudioReason.QUESTION_WINDOW)
    assert window.pii_type is PiiType.NATIONAL_INSURANCE_NUMBER
    assert window.end_s == pytest.approx(15.0)
    assert bleeped(result, 5.8, 15.0)


def test_with_no_words_after_the_question_the_window_runs_to_the_next_words(
    detector: PiiDetector,
) -> None:
    # The whole answer was dropped: the bound (30 s) falls where nothing was written, so the
    # window runs on to the next words (the value cannot be shown to have ended before them).
    result = redact_transcript(
        call(
            said("What's the card number please?", 0.0, AGENT),
            said("Thank you so much for your support.", 40.0, AGENT),
        ),
        detector,
        NO_PADDING,
    )
    [window] = windows(result, AudioReason.QUESTION_WINDOW)
    assert window.end_s == pytest.approx(40.0)


def test_the_askers_back_channels_and_digits_do_not_close_the_window(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            said("Can I take the card number?", 0.0, AGENT),
            said("It's four five three nine,", 3.0, SUPPORTER),
            said("Mm-hm.", 5.2, AGENT),
            said("one four eight eight,", 6.0, SUPPORTER),
            said("One four eight eight, yeah.", 8.0, AGENT),  # typing it in
            said("oh three four three, six four six seven.", 10.4, SUPPORTER),
            said("Okay, thank you.", 13.6, AGENT),
            said("And the expiry date?", 15.0, AGENT),
        ),
        detector,
        NO_PADDING,
    )
    card = [w for w in windows(result, AudioReason.QUESTION_WINDOW) if w.start_s < 3.0]
    assert [(w.start_s, w.end_s) for w in card] == [pytest.approx((2.0, 15.0))]
    assert bleeped(result, 2.0, 15.0)


def test_a_window_is_bounded_by_question_window_max_s(detector: PiiDetector) -> None:
    talk = " ".join(["and then we went to the seaside"] * 12)  # 84 words, 33.6 s
    result = redact_transcript(
        call(said("What's your postcode?", 0.0, AGENT), said(talk, 2.0, SUPPORTER)),
        detector,
        PiiPolicy(question_window_max_s=10.0, question_window_padding_s=0.0),
    )
    [window] = [w for w in windows(result, AudioReason.QUESTION_WINDOW) if w.pii_type]
    assert window.end_s - window.start_s == pytest.approx(10.0)


def test_a_supporter_volunteering_a_value_opens_a_window(detector: PiiDetector) -> None:
    result = redact_transcript(
        call(
            said("How can I help?", 0.0, AGENT),
            said("My card number is", 2.0, SUPPORTER),
            said("Great, thank you. How much would you like to give?", 12.0, AGENT),
            said("Ten pounds please.", 16.0, SUPPORTER),
        ),
        detector,
        NO_PADDING,
    )
    [window] = windows(result, AudioReason.QUESTION_WINDOW)
    assert window.pii_type is PiiType.CREDIT_CARD
    assert window.start_s == pytest.approx(2.8)  # "number", the cue's last word
    assert window.end_s >= 16.0  # the supporter's next turn after the agent answered


@pytest.mark.parametrize("answer_role", [AGENT, None])
def test_an_answer_given_to_the_wrong_speaker_or_to_none_is_still_covered(
    detector: PiiDetector, answer_role: SpeakerRole | None
) -> None:
    # Diarization gave the caller's answer to the agent (or to nobody): the asker's side never
    # hears an answer, so the window does not close at the agent's next turn but runs to its
    # bound (and on over the silence after it, as nothing shows the value had ended).
    result = redact_transcript(
        call(
            said("And the security code on the back?", 0.0, AGENT),
            said("It's seven oh two", 3.0, answer_role),
            said("Thank you.", 5.0, AGENT),
            said("And that's everything, thank you.", 6.0, AGENT),
            duration_s=60.0,
        ),
        detector,
        NO_PADDING,
    )
    window = next(w for w in windows(result, AudioReason.QUESTION_WINDOW) if w.start_s < 3.0)
    assert window.end_s >= window.start_s + 30.0


def test_a_garbled_follow_up_question_opens_a_window_on_its_answer(
    detector: PiiDetector,
) -> None:
    # "When does the card expire?" as tiny.en heard it in noise: no cue left, still a question.
    result = redact_transcript(
        call(
            said("What's the card number please?", 0.0, AGENT),
            said("It's four five three nine one four eight eight", 3.0, SUPPORTER),
            said("When can the car be higher?", 7.0, AGENT),
            said("Yes it's going to be", 9.5, SUPPORTER),
            said("Thank you so much for your support.", 14.0, AGENT),
        ),
        detector,
        NO_PADDING,
    )
    follow_up = [w for w in windows(result, AudioReason.QUESTION_WINDOW) if w.rule == "follow_up"]
    assert [(w.start_s, w.end_s) for w in follow_up] == [pytest.approx((7.0, 14.0))]
    assert bleeped(result, 9.5, 14.0)


def test_a_long_run_of_digits_with_no_question_opens_a_window_on_the_answer(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            said("Well it's not covered um please.", 0.0, AGENT),  # the question, garbled
            said("It's time for 8 times 9 2 4 3 0 1 8 5 2 8", 3.0, SUPPORTER),
            said("Lovely.", 9.0, AGENT),
            said("Is there anything else?", 10.0, AGENT),
        ),
        detector,
        NO_PADDING,
    )
    [window] = windows(result, AudioReason.QUESTION_WINDOW)
    assert window.rule == "digits_answer"
    # The call's first window, opened by a value: back to where the last question before it
    # ended, here the call's first words (no question was heard; sixth round).
    assert (window.start_s, window.end_s) == pytest.approx((0.0, 10.0))
    assert [d["type"] for d in result.pii_detected] == ["unknown_number"]


def test_a_call_with_no_sensitive_question_gets_no_window(detector: PiiDetector) -> None:
    result = redact_transcript(
        call(
            said("Good afternoon, thank you for calling. How can I help?", 0.0, AGENT),
            said("Hello, I'd like to give twenty five pounds a month.", 5.0, SUPPORTER),
            said("Would you like to hear about our spring appeal?", 10.0, AGENT),
            said("Yes please. Could you call me back after six?", 14.0, SUPPORTER),
            said("Of course. I'll send it by email or by post.", 18.0, AGENT),
            said("That's lovely, thank you. I've supported you since 2015.", 22.0, SUPPORTER),
            said("Thank you so much for your support. Goodbye.", 27.0, AGENT),
        ),
        detector,
    )
    assert result.audio_redactions == () and result.audio_intervals == ()
    assert result.redacted == result.stored


# --- Read-backs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "read_back",
    [
        "Just to confirm, four five three nine, one four eight eight.",
        "Let me read that back, four five three nine, one four eight eight.",
        "So that's four five three nine, one four eight eight, is that right?",
    ],
)
def test_an_agents_read_back_is_bleeped(detector: PiiDetector, read_back: str) -> None:
    result = redact_transcript(
        call(
            said("Can I take the long number on your card?", 0.0, AGENT),
            said("Four five three nine, one four eight eight.", 4.0, SUPPORTER),
            said(read_back, 8.0, AGENT),
            said("Yes, that's right.", 14.0, SUPPORTER),
            said("Lovely, and the expiry?", 16.0, AGENT),
        ),
        detector,
        NO_PADDING,
    )
    found = windows(result, AudioReason.READ_BACK)
    assert found and all(w.pii_type is PiiType.CREDIT_CARD for w in found)
    assert all(w.rule.startswith("cue:read_back:") for w in found)
    first_digit = 8.0 + 0.4 * read_back.split().index("four")
    assert min(w.start_s for w in found) <= first_digit
    assert bleeped(result, first_digit, 8.0 + 0.4 * 8)


def test_that_is_wonderful_is_not_a_read_back(detector: PiiDetector) -> None:
    result = redact_transcript(
        call(
            said("What's your postcode?", 0.0, AGENT),
            said("It's S W one A, one A A.", 2.0, SUPPORTER),
            said("That's wonderful. How much would you like to give?", 6.0, AGENT),
            said("Ten pounds.", 10.0, SUPPORTER),
        ),
        detector,
        NO_PADDING,
    )
    assert windows(result, AudioReason.READ_BACK) == []


# --- Cues ---------------------------------------------------------------------------------

HEARD = [
    ("Can I take the long number on the front of your card?", "card_number"),
    ("Could you read me the number across the card?", "card_number"),
    ("What's the card's number?", "card_number"),
    # Paying by card announces the card number (round 5: the question was never heard).
    ("I'll pay by card.", "card_number"),
    ("I want to pay my card with", "card_number"),
    ("And the expiry date?", "expiry"),
    ("When does it expire?", "expiry"),
    ("What's the end date on it?", "expiry"),
    ("And it's valid to when?", "expiry"),
    ("And the three digits on the back?", "security_code"),
    ("The security code please.", "security_code"),
    ("Then the CVV.", "security_code"),
    ("And the C V C?", "security_code"),
    ("What's your short code?", "sort_code"),
    ("And the sort code?", "sort_code"),
    ("And the account number?", "account_number"),
    ("Your national insurance number?", "national_insurance"),
    ("Do you have your N.H.S. number?", "nhs_number"),
    ("Can I take your date of birth?", "date_of_birth"),
    ("And when were you born?", "date_of_birth"),
    ("And your post code?", "postcode"),
    ("And the first line of your address?", "address"),
    ("What's the best number to reach you on?", "phone_number"),
    ("And a mobile number?", "phone_number"),
    ("Can I take an e-mail address?", "email"),
    ("And your driving license?", "driving_licence"),
    ("And you're driving Ivan's number?", "driving_licence"),  # tiny.en, a noisy call
    ("And the expirey?", "expiry"),  # one letter wrong in a long word
]
NOT_CUES = [
    "How can I help?",
    "Could you call me back after six?",
    "I'll send it by post.",
    "That's how you love this.",
    "Would you like to hear about our spring appeal?",
    "I've been driving all day.",
]


def cues_in(text: str) -> list[str]:
    stream = CallStream.of(call(said(text, 0.0, AGENT)))
    return [c.phrase.rule for c in find_cues(stream) if c.phrase.kind is CueKind.QUESTION]


@pytest.mark.parametrize(("text", "rule"), HEARD)
def test_when_a_cue_is_heard_loosely_then_it_is_found(text: str, rule: str) -> None:
    assert rule in cues_in(text)


@pytest.mark.parametrize("text", NOT_CUES)
def test_when_nothing_sensitive_is_asked_then_no_cue_is_found(text: str) -> None:
    stream = CallStream.of(call(said(text, 0.0, AGENT)))
    assert [c for c in find_cues(stream) if c.phrase.kind.opens_window] == []


# --- Digit runs, text and storage -----------------------------------------------------------


def test_digits_in_a_card_window_are_masked_in_storage_as_card_data(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            said("Can I take the long number on your card?", 0.0, AGENT),
            said("Yes it's -6 -01 -1 -3 -4 -7", 4.0, SUPPORTER),
            said("Thank you. And your postcode?", 8.0, AGENT),
        ),
        detector,
    )
    [item] = result.pii_detected
    assert item["type"] == "credit_card" and item["original"] == "**** **** **** ****"
    assert list(item) == [
        "type", "original", "redacted", "timestamp_start", "timestamp_end", "confidence",
    ]  # fmt: skip
    stored = [result.full_transcript, *(s["text"] for s in result.segments)]
    stored += [w["word"] for s in result.segments for w in s["words"]]
    assert not re.search(r"\d", " ".join(stored).replace("agent_1", "")), stored
    assert "Supporter: Yes it's -[CARD_NUMBER]" in result.redacted_transcript  # Whisper's "-"
    assert [r.reason for r in result.audio_redactions if r.reason is AudioReason.DIGIT_RUN]


def test_digits_in_an_nhs_window_are_redacted_but_stored_as_said(detector: PiiDetector) -> None:
    result = redact_transcript(
        call(
            said("Do you have your NHS number?", 0.0, AGENT),
            said("For several 7 2 8 7 7", 3.0, SUPPORTER),
            said("Thank you. What's your postcode?", 7.0, AGENT),
        ),
        detector,
    )
    assert "7 2 8 7 7" in result.full_transcript
    assert "Supporter: For several [NHS_NUMBER]" in result.redacted_transcript


def test_an_untyped_number_in_a_window_asking_for_two_things_is_unknown_number(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            said("Can I take your sort code and account number?", 0.0, AGENT),
            said("It's 4 '5\" 3 '5\"", 4.0, SUPPORTER),
            said("Lovely. Anything else?", 7.0, AGENT),
        ),
        detector,
    )
    assert [d["type"] for d in result.pii_detected] == ["unknown_number"]
    assert "[NUMBER]" in result.redacted_transcript


def test_a_count_after_a_question_is_not_a_number_to_mask(detector: PiiDetector) -> None:
    result = redact_transcript(
        call(
            said("What's the card number?", 0.0, AGENT),
            said("Sorry, it has sixteen digits? Give me twenty seconds.", 2.0, SUPPORTER),
        ),
        detector,
    )
    assert result.pii_detected == []


# --- Values across segments (issue 14: the demo's mobile number) ----------------------------


def test_a_mobile_number_split_over_two_segments_with_a_filler_is_one_finding(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            said("That is wonderful. Could I take your details please?", 0.0, AGENT),
            said("My mobile number is zero seven.", 4.0, SUPPORTER),
            said("I'm one, one, two, three, four, five, six.", 6.5, SUPPORTER),
            said("Thank you. How much would you like to give each month?", 10.0, AGENT),
        ),
        detector,
        PiiPolicy(question_windows=False),  # the text rule alone finds it now
    )
    [found] = result.detected
    assert found.type is PiiType.PHONE_NUMBER
    lines = result.redacted_transcript.splitlines()
    assert lines[1:3] == [
        "Supporter: My mobile number is [PHONE_NUMBER]",
        "Supporter: [PHONE_NUMBER].",
    ]
    assert found.start_s <= 5.6 and found.end_s >= 9.3  # "zero" … "six."


def test_a_value_interrupted_by_the_other_partys_mm_hm_is_one_finding(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            said("The card number is 4539 1488", 0.0, SUPPORTER),
            said("Mm-hm.", 2.6, AGENT),
            said("0343 6467.", 3.4, SUPPORTER),
        ),
        detector,
        PiiPolicy(question_windows=False),
    )
    [found] = result.detected
    assert found.type is PiiType.CREDIT_CARD
    # The agent's "Mm-hm." is not card data and stays as said.
    assert result.full_transcript.splitlines() == [
        "Supporter: The card number is **** **** **** 6467",
        "Agent: Mm-hm.",
        "Supporter: **** **** **** 6467.",
    ]


@pytest.mark.parametrize("filler", ["um", "er", "sorry", "it's", "I'm"])
def test_a_filler_inside_a_value_does_not_split_it(detector: PiiDetector, filler: str) -> None:
    text = f"My card number is 4539 1488 {filler} 0343 6467"
    result = redact_transcript(call(said(text, 0.0, SUPPORTER)), detector)
    assert [d.type for d in result.detected] == [PiiType.CREDIT_CARD]


# --- Reasons, the stored form, and switching it off ---------------------------------------


def test_every_interval_has_its_reason_and_audio_intervals_are_their_union(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            said("Can I take the card number?", 0.0, AGENT),
            said("4539 1488 0343 6467", 3.0, SUPPORTER),
            said("Just to confirm, 4539 1488 0343 6467", 6.0, AGENT),
            said("Yes.", 9.0, SUPPORTER),
            said("And the expiry?", 10.0, AGENT),
            said("It's oh 5 '2\" 8", 12.0, SUPPORTER),
            said("Thank you so much for your support.", 15.0, AGENT),
        ),
        detector,
    )
    reasons = {r.reason for r in result.audio_redactions}
    assert reasons == set(AudioReason)
    assert result.audio_intervals == merge([r.interval for r in result.audio_redactions])
    stored = result.audio_redactions_json
    assert all(list(item) == ["start", "end", "reason", "type", "rule"] for item in stored)
    assert [AudioRedaction.from_json(item) for item in stored] == [
        AudioRedaction(round(r.start_s, 3), round(r.end_s, 3), r.reason, r.pii_type, r.rule)
        for r in result.audio_redactions
    ]
    runs = [r for r in result.audio_redactions if r.reason is AudioReason.DIGIT_RUN]
    assert all(r.rule.startswith("digit_run:") for r in runs)


def test_question_windows_can_be_switched_off(detector: PiiDetector) -> None:
    transcript = call(
        said("Can I take the card number?", 0.0, AGENT),
        said("Yes it's -6 -01 -1 -3 -4 -7", 3.0, SUPPORTER),
        said("Thank you.", 7.0, AGENT),
    )
    result = redact_transcript(transcript, detector, PiiPolicy(question_windows=False))
    assert result.audio_redactions == () and result.pii_detected == []


def test_windows_are_padded_and_clipped_to_the_call(detector: PiiDetector) -> None:
    result = redact_transcript(
        call(
            said("What's your postcode?", 0.2, AGENT),
            said("Yes it's", 1.2, SUPPORTER),
            duration_s=5.0,
        ),
        detector,
        PiiPolicy(question_window_padding_s=1.0),
    )
    [window] = windows(result, AudioReason.QUESTION_WINDOW)
    assert (window.start_s, window.end_s) == (0.0, 5.0)
    assert result.audio_intervals == (TimeInterval(0.0, 5.0),)


@pytest.mark.parametrize(
    "bad",
    [
        {"question_window_max_s": 0.0},
        {"question_window_padding_s": -0.1},
        {"read_back_reach_s": -1.0},
        {"cue_similarity": 0.2},
    ],
)
def test_bad_window_options_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        PiiPolicy(**bad)  # type: ignore[arg-type]
