"""Words that stand for digits, letters, months and separators in spoken UK English.

These are the forms Whisper writes when a caller reads a number or a code aloud: digits as
words ("four one one one"), "double seven", "treble one", "oh" for zero, NATO letters
("Sierra Tango"), "S for Sugar", ordinals ("the seventeenth"), "slash" and "dash".
"""

from __future__ import annotations

DIGIT_WORDS: dict[str, int] = {
    "zero": 0,
    "nought": 0,
    "nil": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
TEEN_WORDS: dict[str, int] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS_WORDS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALE_WORDS: dict[str, int] = {"hundred": 100, "thousand": 1000}

# Every word a cardinal number phrase can contain (text2num parses the phrase).
NUMBER_WORDS: dict[str, int] = {**DIGIT_WORDS, **TEEN_WORDS, **TENS_WORDS, **SCALE_WORDS}

# "oh" and a lone "o"/"O" read as zero inside numbers, and as the letter O in postcodes.
ZERO_OR_O = frozenset({"oh", "o"})

# Whisper writes these for digits it half-hears ("too zero, three, four"); accepted as
# digits only next to another single digit.
HOMOPHONES: dict[str, str] = {
    "to": "2",
    "too": "2",
    "for": "4",
    "fore": "4",
    "free": "3",
    "tree": "3",
    "won": "1",
    "ate": "8",
}

REPEATERS: dict[str, int] = {"double": 2, "treble": 3, "triple": 3}

UNIT_ORDINALS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
}
ORDINAL_WORDS: dict[str, int] = {
    **UNIT_ORDINALS,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}

MONTHS: dict[str, int] = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

NATO: dict[str, str] = {
    "alpha": "A",
    "alfa": "A",
    "bravo": "B",
    "charlie": "C",
    "delta": "D",
    "echo": "E",
    "foxtrot": "F",
    "golf": "G",
    "hotel": "H",
    "india": "I",
    "juliet": "J",
    "juliett": "J",
    "kilo": "K",
    "lima": "L",
    "mike": "M",
    "november": "N",
    "oscar": "O",
    "papa": "P",
    "quebec": "Q",
    "romeo": "R",
    "sierra": "S",
    "tango": "T",
    "uniform": "U",
    "victor": "V",
    "whiskey": "W",
    "whisky": "W",
    "xray": "X",
    "yankee": "Y",
    "zulu": "Z",
}

# Letters written as their names, as Whisper may write a spelled code ("em one four, five R W"
# is M14 5RW). Most are words too ("bee", "tea"): letters only straight next to a code.
LETTER_NAMES: dict[str, str] = {
    "aitch": "H", "haitch": "H", "zed": "Z", "ess": "S", "em": "M", "en": "N", "el": "L",
    "ell": "L", "ar": "R", "eff": "F", "ef": "F", "ex": "X", "vee": "V", "dee": "D", "gee": "G",
    "jay": "J", "kay": "K", "pee": "P", "tee": "T", "wye": "Y", "cue": "Q", "queue": "Q",
    "bee": "B", "cee": "C", "ee": "E",
}  # fmt: skip

SEPARATOR_WORDS: dict[str, str] = {"slash": "/", "dash": "-", "hyphen": "-", "space": " "}

# The other party's "mm-hm" or "yep" while a value is read out in parts ("5168 7880 / yep /
# 7226"): it interrupts the value without ending it. Words of one back-channel; "mm-hm" and
# "uh-huh" are two words and a hyphen to the tokeniser.
BACK_CHANNEL_WORDS = frozenset(
    {
        "mm", "hm", "hmm", "mhm", "mhmm", "mmhm", "mmhmm", "mmm", "uh", "huh", "uhhuh", "aha",
        "yep", "yup", "yeah", "okay", "ok",
    }
)  # fmt: skip
MAX_BACK_CHANNEL_WORDS = 3
# Words after which "one" is a pronoun, not a digit ("my old one", "the new one", "which one").
PRONOUN_ONE_AFTER = frozenset(
    {"the", "this", "that", "which", "old", "new", "other", "right", "wrong", "same", "last",
     "first", "another", "every", "each", "any", "little", "big", "main", "current"}
)  # fmt: skip
# What a small number before them counts ("514, three numbers", "the last 3 digits"): such a
# number is no digit of a code.
COUNTED_WORDS = frozenset({"digit", "digits", "numbers", "letters", "characters"})
# The speaker's own hesitation inside a value ("b w, um, six six two oh", "five two, erm, four"):
# like a back-channel, it pauses the value without ending it.
HESITATION_WORDS = frozenset({"um", "umm", "erm", "er", "uh", "ah", "eh"})
# A turn of the other party that says only these, between two parts of a value in labelled text
# ("4929 1234 / Agent: Go on. / Supporter: 5678 9015"): the agent typing along, not a new topic.
TURN_BACK_CHANNEL_WORDS = BACK_CHANNEL_WORDS | frozenset(
    {"yes", "right", "go", "on", "got", "it", "that", "sure", "carry",
     # the agent waiting for the rest: "Take your time.", "No rush.", "I'm with you." (not
     # a thanks: "Lovely, thanks." closes the value)
     "take", "your", "time", "no", "rush", "ready", "with", "you", "i'm"}
)  # fmt: skip
# Where one speaker's turn ends and another's begins in labelled text ("Supporter: … / Agent:
# …"): the detector writes it in place of the new label's colon. Not a separator of codes.
TURN_CHANGE = "¦"

# Punctuation that may sit between the parts of one number or code ("4111-1111", "a B1, 2").
SOFT_PUNCTUATION = frozenset({",", "-", ".", "/", "–", "—"})

# Abbreviations spelled letter by letter that name PII rather than being part of it
# ("D O B", "N I number"): kept as words so they stay context and never join a code.
SPELLED_WORDS: tuple[tuple[str, ...], ...] = (
    ("d", "o", "b"),
    ("n", "h", "s"),
    ("c", "v", "v"),
    ("c", "v", "c"),
    ("n", "i"),
)

# The same written as one word ("NI, A B 1 2…"): context words, never a code's letters.
CONTEXT_ABBREVIATIONS = frozenset(
    {"NI", "NHS", "DOB", "CVV", "CVC", "CBV", "CVB", "CCV", "CVN", "CSC", "CSV", "CID"}
)

# All-capital words that are usually words, not spelled letters (but "AM 12 34 56 A" is a
# NI number): letters only next to digits.
CAPITAL_WORDS = frozenset(
    {"OK", "TV", "UK", "US", "AM", "PM", "MR", "MRS", "MS", "DR", "BBC", "OH"}
)

# Two-letter words (and fillers, abbreviations) that are never a code's letters; any other
# two-letter token, in whatever case, may be ("ab 12 34 56 c").
_TWO_LETTER_WORDS = """am an as at be by do go he hi if in is it me my no of oh ok on or so to up
    us we ye ah eh er um uh ha hm mm aw ow yo ya ex ad id ma pa mr ms dr st nd rd th vs pm tv uk
    pc ni"""
TWO_LETTER_WORDS = frozenset(_TWO_LETTER_WORDS.split())
