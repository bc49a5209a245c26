"""Staff accounts and API tokens."""

import hashlib
import secrets

import sqlalchemy as sa
from flask import has_request_context, request

from auth.models import ApiToken, Role, User
from auth.passwords import dummy_verify, hash_password, verify_password
from core.extensions import db
from core.unit_of_work import use_case
from core.validation import InvalidValue, normalise_email_address

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "htt_"


class AccountError(ValueError):
    """A staff account cannot be created or found as asked; the message says why."""


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


@use_case
def create_user(email: str, role: str, password: str) -> User:
    try:
        email = normalise_email_address(email)
    except InvalidValue as error:
        raise AccountError(f"Not a valid email address: {error}") from None
    try:
        role = Role(role)
    except ValueError:
        raise AccountError(f"Role must be one of {', '.join(r.value for r in Role)}") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters")
    if find_user(email):
        raise AccountError(f"{email} already has an account")
    user = User(email=email, role=role, password_hash=hash_password(password))
    db.session.add(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None or not user.active:
        dummy_verify(password)
        return None
    return user if verify_password(user.password_hash, password) else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@use_case
def create_token(email: str) -> str:
    """Returns the token once; only its hash is stored."""
    user = find_user(email)
    if user is None:
        raise AccountError(f"No staff account for {email}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_hash(token)))
    return token


def user_for_token(token: str) -> User | None:
    """The token's active owner. Remembered for the request: the public rate limit and the
    API's authentication both ask."""
    cache = request.environ.setdefault("users_by_token", {}) if has_request_context() else {}
    if token not in cache:
        api_token = db.session.scalar(
            sa.select(ApiToken).where(ApiToken.token_hash == _token_hash(token))
        )
        active = api_token is not None and api_token.user.active
        cache[token] = api_token.user if active else None
    return cache[token]
