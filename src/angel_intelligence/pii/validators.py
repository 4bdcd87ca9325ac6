"""Check digits and formats of UK identifiers (python-stdnum and phonenumbers where they exist).

- Card numbers: Luhn (`stdnum.luhn`), 13-19 digits, issuer prefixes (IIN) of the schemes.
- NHS numbers: 10 digits, modulus-11 check digit (`stdnum.gb.nhs`).
- National Insurance numbers: HMRC's rules (no NINO module in stdnum): two prefix letters,
  neither D, F, I, Q, U or V, the second not O; prefixes BG, GB, KN, NK, NT, TN and ZZ are never
  issued; six digits; suffix A-D.
- Postcodes: the six outward formats (A9, A99, AA9, AA99, A9A, AA9A) + inward 9AA, the letters
  each position allows, and the list of the 121 postcode areas in use (plus GIR 0AA).
- Phone numbers: Google's libphonenumber metadata (`phonenumbers`, region GB). Ofcom's drama
  ranges (07700 900xxx, 01632 960xxx…) are "possible" but not "valid" there.
- Driving licences (DVLA): 5 surname characters (padded with 9), the decade digit, month (+50
  for women), day and year digit, 2 initials (padded with 9), an arbitrary digit, 2 check
  letters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers
from stdnum import luhn
from stdnum.gb import nhs

NI_BAD_FIRST = frozenset("DFIQUV")
NI_BAD_SECOND = frozenset("DFIQUVO")
NI_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

_POSTCODE_AREAS = """
    AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT
    DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD
    LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK
    SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"""
POSTCODE_AREAS = frozenset(_POSTCODE_AREAS.split())
_POSTCODE = re.compile(
    r"^(?:"
    r"[A-PR-UWYZ][0-9][0-9]?"  # A9, A99
    r"|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?"  # AA9, AA99
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"  # A9A
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]"  # AA9A
    r")[0-9][ABD-HJLNP-UW-Z]{2}$"
)
_OUTWARD = re.compile(r"^([A-Z]{1,2})[0-9]")
_LICENCE = re.compile(r"^[A-Z9]{5}[0-9]{6}[A-Z9]{2}[0-9][A-Z]{2}$")


def luhn_valid(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and luhn.is_valid(digits)


def card_scheme(digits: str) -> str | None:
    """The card scheme an issuer prefix belongs to, or None for an unknown prefix."""
    length = len(digits)
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4" and length in (13, 16, 19):
        return "visa"
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard" if length == 16 else None
    if two in (34, 37):
        return "amex" if length == 15 else None
    if digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649:
        return "discover"
    if 3528 <= four <= 3589:
        return "jcb"
    if two in (36, 38) or 300 <= int(digits[:3]) <= 305:
        return "diners"
    if two == 50 or 56 <= two <= 69:
        return "maestro"
    return None


def nhs_valid(digits: str) -> bool:
    return len(digits) == 10 and nhs.is_valid(digits)


def ni_valid(code: str) -> bool:
    """A National Insurance number: AB123456C (suffix A-D), or without its suffix."""
    if not re.fullmatch(r"[A-Z]{2}[0-9]{6}[A-D]?", code):
        return False
    first, second = code[0], code[1]
    return (
        first not in NI_BAD_FIRST
        and second not in NI_BAD_SECOND
        and code[:2] not in NI_BAD_PREFIXES
    )


def postcode_valid(code: str) -> bool:
    """A full postcode without its space ("SW1A1AA")."""
    if code == "GIR0AA":
        return True
    match = _OUTWARD.match(code)
    return bool(match and match.group(1) in POSTCODE_AREAS and _POSTCODE.match(code))


def format_postcode(code: str) -> str:
    return f"{code[:-3]} {code[-3:]}"


def outward_valid(code: str) -> bool:
    """An outward code alone ("SW1A"), as Whisper leaves it when it loses the inward part."""
    match = _OUTWARD.match(code)
    return bool(match and match.group(1) in POSTCODE_AREAS and 2 <= len(code) <= 4)


def licence_valid(code: str) -> bool:
    if not _LICENCE.match(code) or code[:5] == "99999":
        return False
    month, day = int(code[6:8]), int(code[8:10])
    return (1 <= month <= 12 or 51 <= month <= 62) and 1 <= day <= 31


@dataclass(frozen=True, slots=True)
class PhoneCheck:
    e164: str
    valid: bool  # allocated range (libphonenumber); False for possible-only (drama ranges)


def uk_phone(digits: str) -> PhoneCheck | None:
    """A UK number written nationally ("07911123456") or internationally ("447911123456",
    "4407911123456" from "+44 (0)7911…")."""
    if digits.startswith("0044"):
        digits = digits[2:]
    if digits.startswith("440"):
        digits = "44" + digits[3:]  # "+44 (0)7911…": the bracketed trunk zero is not dialled
    if digits.startswith("44"):
        text = "+" + digits
    elif digits.startswith("0") and not digits.startswith("00"):
        text = digits
    else:
        return None
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 44 or not phonenumbers.is_possible_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneCheck(e164=e164, valid=phonenumbers.is_valid_number(number))


def valid_date(day: int, month: int, year: int | None) -> bool:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    try:
        date(2000 if year is None else year, month, day)
    except ValueError:
        return False
    return True


def full_year(year: int, *, reference_year: int) -> int:
    """A two-digit year as the most recent year not after `reference_year` ("90" → 1990)."""
    if year >= 100:
        return year
    century = reference_year - reference_year % 100
    return century + year if century + year <= reference_year else century - 100 + year
