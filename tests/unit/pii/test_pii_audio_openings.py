"""Audio redaction on calls Whisper garbled past any cue (issue 14, second round): follow-ups
on every turn of the asker's side in a sensitive phase, questions before the first window,
speech lost to the VAD (gaps) or to a loop, answers put on the asker by the speaker stage, and
read-backs whose cue was garbled (docs/pii.md, "Audio redaction").

Transcripts are built by hand in the shapes Whisper tiny.en gave on the `dev5` calls of
`benchmarks/pii_speech.py`.
"""

from __future__ import annotations

import pytest

from angel_intelligence.domain.pii import AudioRedaction, PiiRedaction
from angel_intelligence.domain.transcript import Segment, Transcript
from angel_intelligence.pii import PiiDetector, redact_transcript
from pii_calls import AGENT, NO_PADDING, SUPPORTER, bleeped, call, said


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    return PiiDetector(reference_year=2026)


def windows(result: PiiRedaction, rule: str) -> list[AudioRedaction]:
    return [r for r in result.audio_redactions if r.rule == rule]


GREETING = said("Good afternoon, thank you for calling. How can I help?", 0.0, AGENT)
GOODBYE_S = 60.0


def goodbye(start_s: float = GOODBYE_S) -> Segment:
    return said("Thank you so much for your support. Goodbye.", start_s, AGENT)


def test_when_the_next_question_is_garbled_past_a_question_then_the_answer_is_bleeped(
    detector: PiiDetector,
) -> None:
    # Not a payment phase, and "Great, bear with me while it saves." is no question: still the
    # asker's turn in a sensitive phase, so the caller's next answer is bleeped.
    result = redact_transcript(
        call(
            GREETING,
            said("What's your national insurance number?", 5.0, AGENT),
            said("Yes it's something something.", 8.0, SUPPORTER),
            said("Great, bear with me while it saves.", 11.0, AGENT),
            said("Sure it's the tall of the stone.", 14.0, SUPPORTER),
            said("Lovely.", 17.0, AGENT),
            goodbye(20.0),
        ),
        detector,
        NO_PADDING,
    )
    [follow_up] = windows(result, "follow_up")
    assert follow_up.start_s <= 11.0 and follow_up.end_s >= 17.0
    assert bleeped(result, 14.0, 16.8)


def test_when_a_later_question_asks_for_pii_then_the_questions_before_it_open_windows(
    detector: PiiDetector,
) -> None:
    # "And an email address?" garbled to "And the name of the West.": no cue, but the call
    # asked for PII later, so the question before it opens a window over its answer.
    result = redact_transcript(
        call(
            GREETING,
            said("Hello, I'd like to give something.", 5.0, SUPPORTER),
            said("And the name of the West.", 8.0, AGENT),
            said("It's some of you not out of your problem.", 10.5, SUPPORTER),
            said("What's your national insurance number?", 15.0, AGENT),
            said("It's J G one two three four five six A.", 18.0, SUPPORTER),
            goodbye(30.0),
        ),
        detector,
        NO_PADDING,
    )
    assert bleeped(result, 10.5, 13.7)
    assert any(w.start_s == pytest.approx(8.0) for w in windows(result, "follow_up"))


def test_when_the_vad_dropped_an_answer_then_the_gap_is_bleeped(detector: PiiDetector) -> None:
    # The card number, said away from the phone: nothing written from 7.7 s to 20 s.
    result = redact_transcript(
        call(
            GREETING,
            said("Okay, can you reach out to the car?", 4.5, AGENT),
            said("Yes, I agree from that.", 20.0, AGENT),
            said("And the expiry date?", 24.0, AGENT),
            said("It's oh five twenty eight.", 26.0, SUPPORTER),
            goodbye(30.0),
        ),
        detector,
        NO_PADDING,
    )
    [lost] = windows(result, "lost_speech")
    assert lost.start_s == pytest.approx(7.7) and lost.end_s >= 24.0
    assert bleeped(result, 7.7, 20.0)


def test_when_whisper_lost_a_long_stretch_then_it_is_bleeped_in_any_call(
    detector: PiiDetector,
) -> None:
    # No question was heard at all, but ten seconds with nothing written in the middle of a
    # call may have held one and its answer.
    result = redact_transcript(
        call(
            GREETING,
            said("And I leave it with rest.", 4.5, AGENT),
            said("Okay.", 17.0, AGENT),
            said("Thank you.", 19.0, SUPPORTER),
            said("Could you spell that?", 21.0, AGENT),
            goodbye(25.0),
        ),
        detector,
        NO_PADDING,
    )
    assert "lost_speech" in [w.rule for w in result.audio_redactions]
    assert bleeped(result, 6.9, 17.0)


def test_when_a_short_gap_is_in_a_call_without_pii_then_nothing_is_bleeped(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            GREETING,
            said("Would you like to hear about our spring appeal?", 5.0, AGENT),
            said("Yes please, that sounds lovely.", 13.0, SUPPORTER),  # four seconds later
            goodbye(17.0),
        ),
        detector,
    )
    assert result.audio_redactions == ()


def test_when_a_loop_repeats_a_phrase_then_the_window_starts_at_its_first_time(
    detector: PiiDetector,
) -> None:
    loop = [said("It belongs to Hines.", 9.0 + 2 * k, SUPPORTER) for k in range(6)]
    result = redact_transcript(
        call(
            GREETING,
            said("And the visit from the front of the car, please.", 4.5, AGENT),
            *loop,
            said("And you.", 21.0, AGENT),
            said("Hang on, yes it's too too noted.", 23.0, SUPPORTER),
            said("Lovely.", 27.0, AGENT),
            goodbye(30.0),
        ),
        detector,
        NO_PADDING,
    )
    assert bleeped(result, 9.0, 20.6)
    assert windows(result, "lost_speech")[0].start_s == pytest.approx(9.0)


def test_when_the_answer_is_put_on_the_asker_then_it_still_answers_the_question(
    detector: PiiDetector,
) -> None:
    # The speaker stage put the whole exchange on the agent.
    result = redact_transcript(
        call(
            GREETING,
            said("And they did its account somewhere.", 4.5, AGENT),
            said("Okay, even though 3, 2, 1, 2, 3, lovely.", 7.0, AGENT),
            goodbye(GOODBYE_S),
        ),
        detector,
        NO_PADDING,
    )
    assert [w.start_s for w in windows(result, "answered_with_value")] == [pytest.approx(4.5)]
    assert bleeped(result, 7.0, 10.6)


def test_when_the_asker_goes_on_with_the_question_then_its_answer_is_still_read(
    detector: PiiDetector,
) -> None:
    # "Okay, can you read out the card number for me?" heard as two pieces.
    result = redact_transcript(
        call(
            GREETING,
            said("Okay, can you read those?", 10.9, AGENT),
            said("No, for me.", 13.2, AGENT),
            said("Hang on, yes.", 15.0, SUPPORTER),
            said("This is 011.", 16.5, SUPPORTER),
            said("Lovely.", 19.0, AGENT),
            goodbye(GOODBYE_S),
        ),
        detector,
        NO_PADDING,
    )
    assert windows(result, "answered_with_value")
    assert bleeped(result, 15.0, 17.7)


def test_when_a_read_back_cue_is_garbled_then_the_readers_value_still_holds_the_window(
    detector: PiiDetector,
) -> None:
    # "Let me check I've got that, B S eight, one T H" heard as three pieces: the first
    # closes nothing, since the reader goes on with a value within seconds.
    result = redact_transcript(
        call(
            GREETING,
            said("What's your postcode, please?", 5.0, AGENT),
            said("It's C A A one C A.", 8.0, SUPPORTER),
            said("Let me take a couple of math.", 11.0, AGENT),
            said("We have it.", 13.6, AGENT),
            said("One C H.", 14.8, AGENT),
            said("Spot on.", 17.0, SUPPORTER),
            goodbye(GOODBYE_S),
        ),
        detector,
        NO_PADDING,
    )
    assert bleeped(result, 11.0, 16.0)


def test_when_whisper_lost_the_start_of_a_call_then_it_is_bleeped_from_the_start(
    detector: PiiDetector,
) -> None:
    # Nothing written for the first twenty seconds: the greeting and a card number
    # volunteered straight after it. The call asked for PII later, so it is garbled.
    result = redact_transcript(
        call(
            said("And then, how can I tell?", 20.0, AGENT),
            said("Yes, possibly, I'll read it on that card.", 23.0, SUPPORTER),
            said("What's the expiry date on that card?", 27.0, AGENT),
            said("It's oh five twenty eight.", 30.0, SUPPORTER),
            goodbye(33.0),
        ),
        detector,
        NO_PADDING,
    )
    assert [w.start_s for w in windows(result, "lost_speech")] == [0.0]
    assert bleeped(result, 0.0, 20.0)


def test_when_only_the_greeting_is_lost_then_the_start_is_not_bleeped(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            said("Hello, I'd like to give something.", 7.0, SUPPORTER),
            said("What's the expiry date on that card?", 10.0, AGENT),
            said("It's oh five twenty eight.", 13.0, SUPPORTER),
            goodbye(16.0),
        ),
        detector,
        NO_PADDING,
    )
    assert not windows(result, "lost_speech")
    assert not bleeped(result, 0.0, 7.0)


def test_when_the_recogniser_cut_a_loop_then_its_time_is_lost_speech(
    detector: PiiDetector,
) -> None:
    # The transcriber re-decoded a window that looped and cut what still repeated: the text
    # left reads cleanly, but its `uncertain_spans` say where Whisper was guessing.
    segments = (
        GREETING,
        said("And I leave it with rest.", 4.0, AGENT),  # the question, garbled past any cue
        said("Yes. It is the fine tree.", 8.0, SUPPORTER, step_s=1.5),
        said("Lovely, thank you.", 18.0, AGENT),
        goodbye(21.0),
    )
    clean = redact_transcript(call(*segments), detector, NO_PADDING)
    unsure = Transcript(
        segments=segments, duration_s=26.0, metadata={"uncertain_spans": [[9.0, 17.5]]}
    )
    result = redact_transcript(unsure, detector, NO_PADDING)
    assert "lost_speech" in [w.rule for w in result.audio_redactions]
    assert "lost_speech" not in [w.rule for w in clean.audio_redactions]
    assert bleeped(result, 9.0, 17.5)


def test_when_the_caller_says_thank_you_very_much_then_the_phase_goes_on(
    detector: PiiDetector,
) -> None:
    # dev6: "Hang on, let me just get my purse." heard as "Thank you very much." (a release
    # cue) on the caller's side; the expiry question and its answer were garbled past any cue.
    # Only the asker moves on: the agent's next turns still open follow-ups.
    segments = (
        GREETING,
        said("Can I take the card number please?", 5.0, AGENT),
        said("It's four five three nine one four eight eight", 8.0, SUPPORTER),
        said("And they won't be able to get tired.", 13.0, AGENT),
        said("Thank you very much.", 16.0, SUPPORTER),
        said("Not in high heat.", 20.0, AGENT),
        said("Yes it's total time too.", 22.0, SUPPORTER),
        said("Not in high heat.", 25.0, AGENT),
        goodbye(28.0),
    )
    result = redact_transcript(call(*segments), detector, NO_PADDING)
    assert bleeped(result, 16.0, 28.0)
    # The agent's own "thank you very much" still ends the phase.
    released = redact_transcript(
        call(*segments[:4], said("Thank you very much.", 16.0, AGENT), *segments[5:]),
        detector,
        NO_PADDING,
    )
    assert not any(w.start_s >= 16.0 for w in windows(released, "follow_up"))


def test_when_card_data_is_asked_for_then_the_phase_is_bleeped_until_the_agent_moves_on(
    detector: PiiDetector,
) -> None:
    # Whatever the windows inside it made of the turns: one window from the card question to
    # the agent's goodbye, the caller's "thank you very much" inside it ending nothing.
    result = redact_transcript(
        call(
            GREETING,
            said("I'd like to make a donation please.", 4.0, SUPPORTER),
            said("Lovely. Can I take the card number please?", 7.0, AGENT),
            said("Yes it's four five three nine one four eight eight", 10.5, SUPPORTER),
            said("Thank you very much.", 14.5, SUPPORTER),
            said("And the expiry date?", 16.0, AGENT),
            said("Oh five twenty eight.", 18.0, SUPPORTER),
            goodbye(21.0),
            said("Bye now.", 24.5, SUPPORTER),
        ),
        detector,
        NO_PADDING,
    )
    [phase] = windows(result, "payment_phase")
    [card] = windows(result, "cue:card_number:card number")
    assert (phase.start_s, phase.end_s) == pytest.approx((card.start_s, 21.0))
    assert phase.pii_type is None  # a card number and an expiry date were asked for


def test_when_no_card_data_is_asked_for_then_there_is_no_payment_phase(
    detector: PiiDetector,
) -> None:
    result = redact_transcript(
        call(
            GREETING,
            said("What's your postcode please?", 5.0, AGENT),
            said("It's S W one A one A A.", 8.0, SUPPORTER),
            goodbye(12.0),
        ),
        detector,
        NO_PADDING,
    )
    assert windows(result, "postcode") == [] and windows(result, "payment_phase") == []
    assert result.audio_redactions


def test_when_the_agent_thanks_then_reads_back_then_the_phase_goes_on(
    detector: PiiDetector,
) -> None:
    # "Thank you very much." then a read-back whose digits Whisper lost, then the next
    # question garbled past any cue and its answer: the agent moved on from nothing.
    result = redact_transcript(
        call(
            GREETING,
            said("And the security code on the back?", 5.0, AGENT),
            said("Seven oh two.", 8.0, SUPPORTER),
            said("Thank you very much.", 10.0, AGENT),
            said("Just to confirm, set it over to.", 12.0, AGENT),
            said("That's it.", 15.0, SUPPORTER),
            said("And when were you warm?", 16.5, AGENT),
            said("The night of the march, ninety.", 19.0, SUPPORTER),
            goodbye(40.0),
        ),
        detector,
        NO_PADDING,
    )
    [phase] = windows(result, "payment_phase")
    assert phase.end_s == pytest.approx(40.0)
    assert bleeped(result, 12.0, 21.8)


def test_when_a_card_number_comes_before_the_question_then_its_window_reaches_back(
    detector: PiiDetector,
) -> None:
    # Volunteered, written on the agent's side with too few digits to open a window of its own.
    result = redact_transcript(
        call(
            GREETING,
            said("I've got my card here.", 4.0, SUPPORTER),
            said("It's four five, and then the heaven.", 6.0, AGENT),
            said("Nine, for the war.", 9.0, AGENT),
            said("Okay, can I take the card number again?", 11.0, AGENT),
            said("Four five three nine one four eight eight.", 16.0, SUPPORTER),
            goodbye(20.0),
        ),
        detector,
        NO_PADDING,
    )
    assert bleeped(result, 6.0, 10.6)
    # Sixth round: the payment phase opens back to where the last question ("How can I
    # help?") ended, so the caller's words before the value are bleeped too (the cost of card
    # data read out before anyone asked, in words no rule can read).
    assert bleeped(result, 4.0, 5.0)


def test_when_whisper_loops_inside_a_turn_then_the_window_opens_at_the_turn(
    detector: PiiDetector,
) -> None:
    # A spelled licence number volunteered: "M O R" heard as words, then a loop from "R" on.
    # The postcode asked later makes it a call where PII was asked for.
    result = redact_transcript(
        call(
            GREETING,
            said("Hello, I want to update my details.", 4.0, SUPPORTER),
            said("Yes it's more is on the", 7.5, SUPPORTER),
            said("are are are are are are are", 10.0, SUPPORTER, step_s=0.6),
            said("Lovely.", 15.0, AGENT),
            said("What's your postcode?", 16.0, AGENT),
            said("It's B S eight one T H.", 18.0, SUPPORTER),
            goodbye(22.0),
        ),
        detector,
        NO_PADDING,
    )
    [lost] = windows(result, "lost_speech")
    assert lost.start_s <= 7.5
    assert bleeped(result, 7.5, 14.2)


def test_when_digits_come_just_before_a_question_then_their_answer_is_bleeped(
    detector: PiiDetector,
) -> None:
    # A licence number volunteered and read back before the next question, every turn put on
    # one voice: only "one, two, seven, eight" of it written as digits.
    result = redact_transcript(
        call(
            GREETING,
            said("I'm calling to renew my membership.", 4.0, AGENT),
            said("My licence, I'm going to see the form.", 7.0, AGENT),
            said("So see there are kids.", 10.5, AGENT),
            said("I want one two seven eight.", 13.0, AGENT),
            said("Yeah that's it.", 16.0, AGENT),
            said("Can I take your national insurance number?", 18.0, AGENT),
            said("It's L W oh oh eight six two six D.", 21.0, SUPPORTER),
            goodbye(26.0),
        ),
        detector,
        NO_PADDING,
    )
    [opened] = windows(result, "digits_answer")
    assert opened.start_s <= 7.0
    assert bleeped(result, 7.0, 15.4)


def test_when_card_data_was_read_out_before_any_question_then_the_phase_opens_back_to_the_last_question(
    detector: PiiDetector,
) -> None:
    # Issue 14, sixth round (the shape of `dev8` under CTranslate2's GENERIC kernels): the card
    # number read out straight after the caller's reason, written as talk with two digits
    # left and put on the agent; only the security code is asked for, and opens the phase.
    result = redact_transcript(
        call(
            GREETING,
            said("Hello, I want to give fifty pounds.", 4.0, SUPPORTER),
            said("It's the time, 4 5, so you want to certify.", 7.0, AGENT),
            said("Always, so you want it again.", 10.5, AGENT),
            said("Thank you. And the three digits on the back?", 14.0, AGENT),
            said("It's 7 0 2.", 18.0, SUPPORTER),
            said("Lovely.", 20.0, AGENT),
            goodbye(23.0),
        ),
        detector,
        NO_PADDING,
    )
    [phase] = windows(result, "payment_phase")
    assert phase.start_s <= 4.0  # where "How can I help?" ended (3.6 s) or before
    assert bleeped(result, 4.0, 13.3)
    # Talk alone between the question and the phase (no digit, nothing lost) is not reached
    # back over: the caller's reason for calling is not bleeped.
    result = redact_transcript(
        call(
            GREETING,
            said("Hello, I want to give fifty pounds by card.", 4.0, SUPPORTER),
            said("Lovely. And the three digits on the back?", 8.0, AGENT),
            said("It's 7 0 2.", 12.0, SUPPORTER),
            goodbye(16.0),
        ),
        detector,
        NO_PADDING,
    )
    assert not bleeped(result, 4.0, 7.2)


def test_when_no_question_came_before_a_value_the_first_window_opens_back_only_over_values(
    detector: PiiDetector,
) -> None:
    # The caller's reason alone before the first question is not reached back over; a piece
    # of a value Whisper kept ("4 5") is, back to where the last question ended.
    plain = call(
        GREETING,
        said("Hello, I want to update my details.", 4.0, SUPPORTER),
        said("What's your postcode?", 8.0, AGENT),
        said("It's B S 8, 1 T H.", 10.0, SUPPORTER),
        said("Lovely.", 13.0, AGENT),
        goodbye(30.0),
    )
    result = redact_transcript(plain, detector, NO_PADDING)
    assert not bleeped(result, 4.0, 6.8)
    with_digits = call(
        GREETING,
        said("Hello, I want to update my details.", 4.0, SUPPORTER),
        said("So it's the 4 5 and all that.", 7.0, AGENT),
        said("What's your postcode?", 11.0, AGENT),
        said("It's B S 8, 1 T H.", 13.0, SUPPORTER),
        said("Lovely.", 16.0, AGENT),
        goodbye(33.0),
    )
    result = redact_transcript(with_digits, detector, NO_PADDING)
    assert bleeped(result, 4.0, 9.8)


def test_when_the_caller_names_a_sum_before_the_card_question_then_the_reason_is_not_bleeped(
    detector: PiiDetector,
) -> None:
    # "£50" is an amount, not a value given unasked: the phase does not open back to where
    # "How can I help?" ended (4.0 s), only over the turn with digits in it (decision 67).
    result = redact_transcript(
        call(
            GREETING,
            said("I would like to make a donation of £50 please.", 5.0, SUPPORTER),
            said("Could I take the long number on your card please?", 8.5, AGENT),
            said("Yes it's 4 5 3 9 1 4 8 8 0 3 4 3 6 4 6 7.", 13.0, SUPPORTER),
            said("Thank you, your donation has gone through. Goodbye.", 21.0, AGENT),
        ),
        detector,
        NO_PADDING,
    )
    [phase] = windows(result, "payment_phase")
    assert phase.start_s == pytest.approx(5.0)
    assert not bleeped(result, 4.0, 4.9)
