"""argon2id through argon2-cffi; the cost comes from configuration so tests can be quick."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


def _hasher() -> PasswordHasher:
    cheap = current_app.config.get("ARGON2_CHEAP", False)
    if cheap:
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the same time for an unknown account as for a wrong password."""
    verify_password(hash_password("not-a-password"), password)
