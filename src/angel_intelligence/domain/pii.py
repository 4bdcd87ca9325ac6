"""PII found in a transcript: its type, where it is (characters and seconds), how it is shown."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PiiType(enum.StrEnum):
    """The spec's PII types ("UK PII Detection Patterns"), as stored in `pii_detected[].type`."""

    NATIONAL_INSURANCE_NUMBER = "national_insurance_number"
    NHS_NUMBER = "nhs_number"
    POSTCODE = "postcode"
    PHONE_NUMBER = "phone_number"
    SORT_CODE = "sort_code"
    BANK_ACCOUNT = "bank_account"
    CREDIT_CARD = "credit_card"
    CARD_EXPIRY = "card_expiry"
    CVV = "cvv"
    DATE_OF_BIRTH = "date_of_birth"
    EMAIL = "email"
    DRIVING_LICENCE = "driving_licence"

    @property
    def placeholder(self) -> str:
        """The text that replaces a finding in `redacted_transcript`."""
        return PLACEHOLDERS[self]

    @property
    def is_payment_card_data(self) -> bool:
        """PCI DSS data: never stored in clear anywhere (docs/pii.md)."""
        return self in (PiiType.CREDIT_CARD, PiiType.CARD_EXPIRY, PiiType.CVV)


PLACEHOLDERS: dict[PiiType, str] = {
    PiiType.NATIONAL_INSURANCE_NUMBER: "[NI_NUMBER]",
    PiiType.NHS_NUMBER: "[NHS_NUMBER]",
    PiiType.POSTCODE: "[POSTCODE]",
    PiiType.PHONE_NUMBER: "[PHONE_NUMBER]",
    PiiType.SORT_CODE: "[SORT_CODE]",
    PiiType.BANK_ACCOUNT: "[BANK_ACCOUNT]",
    PiiType.CREDIT_CARD: "[CARD_NUMBER]",
    PiiType.CARD_EXPIRY: "[CARD_EXPIRY]",
    PiiType.CVV: "[CVV]",
    PiiType.DATE_OF_BIRTH: "[DATE_OF_BIRTH]",
    PiiType.EMAIL: "[EMAIL]",
    PiiType.DRIVING_LICENCE: "[DRIVING_LICENCE]",
}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One finding: characters [start_char, end_char) of the text it was found in.

    `start_s`/`end_s` are the padded audio interval to redact (None for text with no times).
    """

    type: PiiType
    start_char: int
    end_char: int
    value: str
    confidence: float
    start_s: float | None = None
    end_s: float | None = None

    @property
    def redacted(self) -> str:
        return self.type.placeholder
