"""argon2id through argon2-cffi; the cost comes from configuration so tests can be quick."""

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


@cache
def _hasher_for(cheap: bool) -> PasswordHasher:
    if cheap:
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def _hasher() -> PasswordHasher:
    return _hasher_for(bool(current_app.config.get("ARGON2_CHEAP", False)))


@cache
def _dummy_hash(cheap: bool) -> str:
    return _hasher_for(cheap).hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def dummy_verify(password: str) -> None:
    """Spend the same time for an unknown account as for a wrong password: one verification
    against a hash made once per process (making it per attempt would cost a second run)."""
    verify_password(_dummy_hash(bool(current_app.config.get("ARGON2_CHEAP", False))), password)
