"""Field checks shared by forms and the API, built on well-kept libraries. Pure."""

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidValue(ValueError):
    """The value cannot be accepted; the message is shown to the person who typed it."""


def normalise_email_address(raw: str) -> str:
    """Syntax only (no DNS); reserved domains such as `*.example` pass. Trimmed, lower-cased."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise InvalidValue(str(error)) from None
    return checked.normalized.lower()


def normalise_phone(raw: str, default_region: str) -> str:
    """E.164 when the number parses as a possible number, else what was typed (trimmed)."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_storable_text(text: str) -> bool:
    """Neither NUL (PostgreSQL text refuses it) nor a lone surrogate (no UTF-8 for it; JSON's
    `\\ud800` escapes can carry one)."""
    return "\x00" not in text and not any("\ud800" <= char <= "\udfff" for char in text)
