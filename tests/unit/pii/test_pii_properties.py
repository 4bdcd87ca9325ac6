"""Properties (hypothesis): card numbers never reach storage; NI and NHS numbers never survive
redaction, however they are grouped, spoken or split across segments.

Leaks are checked with a reader of our own, independent of the detector: it turns digits,
digit words ("four", "oh", "double seven", "thirty four"), single letters and NATO words back
into characters, so a number is "readable" if its characters appear in order in that reading.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.gb import nhs

from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript, Word
from angel_intelligence.pii import PiiDetector, redact_transcript

DETECTOR = PiiDetector(reference_year=2026)
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
         "eighteen", "nineteen"]  # fmt: skip
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NATO = {w[0].upper(): w for w in ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot",
        "Golf", "Hotel", "India", "Juliet", "Kilo", "Lima", "Mike", "November", "Oscar", "Papa",
        "Quebec", "Romeo", "Sierra", "Tango", "Uniform", "Victor", "Whiskey", "Xray", "Yankee",
        "Zulu"]}  # fmt: skip
SEPARATORS = [" ", ", ", "-", ". ", " ... "]


# --- an independent reader ---------------------------------------------------------------
_READ = {w: str(i) for i, w in enumerate(DIGIT_WORDS)} | {"oh": "0", "o": "0", "nought": "0"}
_READ |= {w: str(10 + i) for i, w in enumerate(TEENS)}
_READ |= {w: str(10 * i) for i, w in enumerate(TENS) if w}
_READ |= {w.lower(): letter for letter, w in NATO.items()}


def readable(text: str) -> str:
    """The digits and letters a person could read out of `text`, in order."""
    out: list[str] = []
    tokens = re.findall(r"[A-Za-z0-9]+", text)
    repeat = 1
    for token in tokens:
        low = token.lower()
        if low in ("double", "treble", "triple"):
            repeat = 2 if low == "double" else 3
            continue
        if token.isdigit():
            out.append(token * repeat)
        elif low in _READ:
            value = _READ[low]
            if (
                out
                and value.isdigit()
                and len(value) == 1
                and out[-1][-1:] == "0"
                and len(out[-1]) == 2
                and out[-1][0] != "0"
            ):
                out[-1] = out[-1][0] + value  # "thirty four" → 34
            else:
                out.append(value * repeat)
        elif (
            len(token) == 1
            or (token.isupper() and len(token) <= 9)
            or any(c.isdigit() for c in token)
        ):
            out.append(token.upper())
        repeat = 1
    return "".join(out)


def test_the_reader_reads_spoken_numbers() -> None:
    assert readable("four one, double oh seven, thirty four, Alpha b 12") == "410073 4AB12".replace(
        " ", ""
    )


# --- call building -------------------------------------------------------------------------
def call(*texts: str) -> Transcript:
    """One segment per text; words are the text's whitespace-separated pieces, 0.3 s each."""
    segments, clock = [], 0.0
    for text in texts:
        words = []
        for piece in text.split():
            words.append(Word(" " + piece, round(clock, 3), round(clock + 0.3, 3), 0.8))
            clock += 0.3
        segments.append(
            Segment(
                text="".join(w.text for w in words),
                start_s=words[0].start_s,
                end_s=words[-1].end_s,
                words=tuple(words),
                confidence=0.8,
                speaker=SpeakerRole.SUPPORTER,
            )
        )
    return Transcript(segments=tuple(segments), duration_s=clock + 1.0)


_CARD_MASK = re.compile(r"\*{4} \*{4} \*{4} [0-9*]{4}")


def stored_fields(result: Any) -> str:
    """Every stored text: full_transcript, segment and word texts, pii_detected originals.

    The masks' last four digits are allowed (PCI DSS) and taken out, so that two masks side by
    side ("**** **** **** 0000" twice) do not read as a leak of a number of zeros.
    """
    parts = [result.full_transcript]
    for seg in result.segments:
        parts.append(seg["text"])
        parts.extend(w["word"] for w in seg["words"])
    parts.extend(item["original"] for item in result.pii_detected)
    return _CARD_MASK.sub("[MASKED]", "\n".join(parts))


@st.composite
def spoken_digits(draw: st.DrawFn, digits: str) -> list[str]:
    """`digits` in random chunks, each written as digits, digit words, or pairs as numbers."""
    chunks, k = [], 0
    while k < len(digits):
        size = draw(st.integers(1, 4))
        chunks.append(digits[k : k + size])
        k += size
    rendered = []
    for chunk in chunks:
        style = draw(st.sampled_from(["digits", "words", "words", "pairs"]))
        if style == "digits":
            rendered.append(chunk)
        elif style == "pairs" and len(chunk) == 2 and chunk[0] != "0" and chunk[1] != "0":
            # Not "twenty", "thirty": "twenty" then "two" would read as 22, another number.
            rendered.append(_pair(chunk))
        else:
            rendered.append(draw(_digit_words(chunk)))
    out = [rendered[0]]
    for piece in rendered[1:]:
        out.append(draw(st.sampled_from(SEPARATORS)) + piece)
    return out


def _pair(chunk: str) -> str:
    value = int(chunk)
    if value < 20:
        return TEENS[value - 10] if value >= 10 else DIGIT_WORDS[value]
    tens, unit = divmod(value, 10)
    return TENS[tens] + ("" if unit == 0 else " " + DIGIT_WORDS[unit])


@st.composite
def _digit_words(draw: st.DrawFn, chunk: str) -> str:
    words, k = [], 0
    while k < len(chunk):
        digit = chunk[k]
        name = "oh" if digit == "0" and draw(st.booleans()) else DIGIT_WORDS[int(digit)]
        if k + 1 < len(chunk) and chunk[k + 1] == digit and draw(st.booleans()):
            words.append(f"double {name}")
            k += 2
        else:
            words.append(name)
            k += 1
    return " ".join(words)


def _split(draw: st.DrawFn, pieces: list[str], before: str, after: str) -> tuple[str, ...]:
    """The sentence, sometimes split over two segments between two pieces of the number."""
    if len(pieces) > 1 and draw(st.booleans()):
        cut = draw(st.integers(1, len(pieces) - 1))
        return (before + " " + "".join(pieces[:cut]), "".join(pieces[cut:]).lstrip(" ,.-") + after)
    return (before + " " + "".join(pieces) + after,)


# --- card numbers ---------------------------------------------------------------------------
CARD_PREFIXES = [("4", 16), ("4", 13), ("4", 19), ("51", 16), ("55", 16), ("2221", 16),
                 ("2720", 16), ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("3530", 16),
                 ("5018", 16), ("6759", 19)]  # fmt: skip
BEFORE = ["My card number is", "Yeah it's", "OK so", "The long number on the front is", "Right,"]
AFTER = [".", ", is that right?", " thanks.", ""]


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    prefix, length = draw(st.sampled_from(CARD_PREFIXES))
    body = prefix + draw(
        st.text("0123456789", min_size=length - len(prefix) - 1, max_size=length - len(prefix) - 1)
    )
    return body + luhn.calc_check_digit(body)


@PROPERTY_SETTINGS
@given(data=st.data(), number=card_numbers())
def test_a_luhn_valid_card_number_never_reaches_storage(data: st.DataObject, number: str) -> None:
    pieces = data.draw(spoken_digits(number))
    texts = _split(
        data.draw, pieces, data.draw(st.sampled_from(BEFORE)), data.draw(st.sampled_from(AFTER))
    )
    result = redact_transcript(call(*texts), DETECTOR)
    assert number[:-4] not in readable(stored_fields(result)), stored_fields(result)
    assert number[:-4] not in readable(result.redacted_transcript)
    assert "[CARD_NUMBER]" in result.redacted_transcript


@PROPERTY_SETTINGS
@given(data=st.data(), length=st.integers(13, 19))
def test_any_luhn_valid_number_read_as_a_card_never_reaches_storage(
    data: st.DataObject, length: int
) -> None:
    body = data.draw(st.text("0123456789", min_size=length - 1, max_size=length - 1))
    number = body + luhn.calc_check_digit(body)
    pieces = data.draw(spoken_digits(number))
    texts = _split(data.draw, pieces, "Can I take the card number?", ".")
    result = redact_transcript(call(*texts), DETECTOR)
    assert number[:-4] not in readable(stored_fields(result))
    assert json.dumps(result.pii_detected).count("[CARD_NUMBER]") == 1


# --- NI and NHS numbers ------------------------------------------------------------------------
NI_FIRST = list("ABCEGHJKLMNOPRSTWXYZ")
NI_SECOND = list("ABCEGHJKLMNPRSTWXYZ")
NI_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


@st.composite
def ni_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(NI_FIRST)) + draw(st.sampled_from(NI_SECOND))
    if prefix in NI_BAD:
        prefix = "AB"
    digits = draw(st.text("0123456789", min_size=6, max_size=6))
    return prefix + digits + draw(st.sampled_from("ABCD"))


@st.composite
def spoken_letter(draw: st.DrawFn, letter: str) -> str:
    return draw(st.sampled_from([letter, letter.lower(), NATO[letter]]))


@PROPERTY_SETTINGS
@given(data=st.data(), number=ni_numbers())
def test_a_valid_ni_number_never_survives_redaction(data: st.DataObject, number: str) -> None:
    letters = [data.draw(spoken_letter(c)) for c in number[:2]]
    head = " ".join(letters) if data.draw(st.booleans()) else number[:2]
    pieces = [
        head + " ",
        *data.draw(spoken_digits(number[2:8])),
        " " + data.draw(spoken_letter(number[8])),
    ]
    before = data.draw(
        st.sampled_from(["My national insurance number is", "It's", "Yes,", "NI number"])
    )
    texts = _split(data.draw, pieces, before, data.draw(st.sampled_from(AFTER)))
    result = redact_transcript(call(*texts), DETECTOR)
    assert number not in readable(result.redacted_transcript), result.redacted_transcript
    assert number[2:8] not in readable(result.redacted_transcript)


@st.composite
def nhs_numbers(draw: st.DrawFn) -> str:
    while True:
        body = draw(st.text("0123456789", min_size=9, max_size=9))
        for check in "0123456789":
            if nhs.is_valid(body + check):
                return body + check


@PROPERTY_SETTINGS
@given(data=st.data(), number=nhs_numbers())
def test_a_valid_nhs_number_never_survives_redaction(data: st.DataObject, number: str) -> None:
    pieces = data.draw(spoken_digits(number))
    before = data.draw(
        st.sampled_from(["My NHS number is", "It's", "Yes,", "The number on the letter is"])
    )
    texts = _split(data.draw, pieces, before, data.draw(st.sampled_from(AFTER)))
    result = redact_transcript(call(*texts), DETECTOR)
    assert number not in readable(result.redacted_transcript), result.redacted_transcript
