"""What makes a staff password acceptable (SPEC §14). Pure."""

from functools import cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords, lower-cased (the file names its source)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def password_refusal(password: str, email: str) -> str | None:
    """Why `password` may not be used by the account `email`, or None when it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password needs at least {MIN_PASSWORD_LENGTH} characters."
    if password.lower() in common_passwords():
        return "That password is among the 10,000 most common ones; choose another."
    local_part = email.rsplit("@", 1)[0].strip().lower()
    if local_part and local_part in password.lower():
        return "The password may not contain the first part of your email address."
    return None
