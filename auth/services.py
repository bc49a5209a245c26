"""Staff accounts and API tokens."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import has_request_context, request

from auth.models import ApiToken, Role, User
from auth.password_rules import password_refusal
from auth.passwords import dummy_verify, hash_password, verify_password
from auth.sessions import end_sessions
from core import audit
from core.audit import Actor, created, plain
from core.db import utcnow
from core.extensions import db
from core.tokens import new_secret, secret_hash
from core.unit_of_work import record_in_passing, use_case
from core.validation import InvalidValue, normalise_email_address

TOKEN_PREFIX = "htt_"
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650
LAST_USED_PRECISION = timedelta(minutes=1)
"""`last_used_at` is written at most once a minute per token: a busy client costs no write
per request."""


class AccountError(ValueError):
    """A staff account cannot be created or found as asked; the message says why."""


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def _require_user(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise AccountError(f"No staff account for {email}")
    return user


def _refuse_weak(password: str, email: str) -> None:
    refusal = password_refusal(password, email)
    if refusal:
        raise AccountError(refusal)


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
    _refuse_weak(password, email)
    if find_user(email):
        raise AccountError(f"{email} already has an account")
    user = User(email=email, role=role, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user", user.id, account_fields(user))
    return user


def account_fields(user: User) -> dict[str, list]:
    """A new account's fields for its `user.created` event."""
    return created({"email": user.email, "name": user.name, "role": user.role})


def apply_activation(user: User, active: bool) -> None:
    """Deactivation ends the account's sessions; its tokens answer 401 from then on."""
    if user.active != active:
        action = "user.reactivated" if active else "user.deactivated"
        audit.record(action, "user", user.id, {"active": [user.active, active]})
    user.active = active
    if not active:
        end_sessions(user.id)


@use_case
def record_failed_sign_in(email: str) -> None:
    """`auth.sign_in_failed`, under the address tried (the account's id when there is one)."""
    tried = normalise_email(email)[:254]
    user = find_user(tried)
    actor = Actor("user", user.id if user else None, tried)
    audit.record("auth.sign_in_failed", "user", user.id if user else None, actor=actor)


@use_case
def set_password(email: str, password: str) -> User:
    """A new password ends every session of the account: whoever knew the old one is out."""
    user = _require_user(email)
    _refuse_weak(password, user.email)
    user.password_hash = hash_password(password)
    end_sessions(user.id)
    audit.record("user.password_changed", "user", user.id)
    return user


@use_case
def change_own_password(user: User, current: str, new: str) -> None:
    """The current password first; the other sessions of the account end, this one stays."""
    if not verify_password(user.password_hash, current):
        raise AccountError("That is not your current password.")
    _refuse_weak(new, user.email)
    db.session.execute(
        sa.update(User).where(User.id == user.id).values(password_hash=hash_password(new))
    )
    end_sessions(user.id, keep_key=user.session_key)
    audit.record("user.password_changed", "user", user.id)


def active_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.active).order_by(User.email)))


@use_case
def issue_token_for(user_id: int, name: str, days: int) -> str:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise AccountError("Tokens are issued for active accounts only.")
    return create_token(user.email, name, days)


@use_case
def set_active(email: str, active: bool) -> User:
    user = _require_user(email)
    apply_activation(user, active)
    return user


def authenticate(email: str, password: str) -> User | None:
    """Exactly one password hash check whatever the email: an unknown or inactive account
    takes as long as a wrong password."""
    user = find_user(email)
    if user is None:
        dummy_verify(password)
        return None
    matches = verify_password(user.password_hash, password)
    return user if matches and user.active else None


@use_case
def create_token(email: str, name: str = "", days: int = DEFAULT_TOKEN_DAYS) -> str:
    """Returns the token once; only its hash is stored."""
    user = _require_user(email)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(f"A token lasts between 1 and {MAX_TOKEN_DAYS} days")
    token = new_secret(TOKEN_PREFIX)
    api_token = ApiToken(
        user=user,
        token_hash=secret_hash(token),
        name=name.strip()[:100],
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(api_token)
    db.session.flush()
    fields = {"owner_email": user.email, "name": api_token.name, "expires_at": api_token.expires_at}
    audit.record("token.issued", "token", api_token.id, created(fields))
    return token


@dataclass(frozen=True)
class TokenRow:
    id: int
    owner: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None


def list_tokens() -> list[TokenRow]:
    query = (
        sa.select(ApiToken, User.email)
        .join(User, ApiToken.user_id == User.id)
        .order_by(ApiToken.id)
    )
    return [
        TokenRow(
            token.id,
            owner,
            token.name,
            token.created_at,
            token.last_used_at,
            token.expires_at,
            token.revoked_at,
        )
        for token, owner in db.session.execute(query)
    ]


@use_case
def revoke_token(token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise AccountError(f"No token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            "token.revoked", "token", token.id, {"revoked_at": [None, plain(token.revoked_at)]}
        )


def user_for_token(token: str) -> User | None:
    """The owner of a live token (not revoked, not expired, owner active). Remembered for
    the request: the public rate limit and the API's authentication both ask."""
    api_token = live_token(token)
    return None if api_token is None else api_token.user


def live_token(token: str) -> ApiToken | None:
    cache = request.environ.setdefault("live_tokens", {}) if has_request_context() else {}
    if token not in cache:
        cache[token] = _live_token(token)
    return cache[token]


def token_actor(token: str) -> Actor:
    """The audit log's actor for a request made with this (live) token."""
    api_token = live_token(token)
    return Actor("token", api_token.id, api_token.user.email)


def _live_token(token: str) -> ApiToken | None:
    now = utcnow()
    api_token = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == secret_hash(token),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    )
    if api_token is None or not api_token.user.active:
        return None
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
        _note_token_use(api_token.id, now)
    return api_token


def _note_token_use(token_id: int, now: datetime) -> None:
    record_in_passing(
        lambda: db.session.execute(
            sa.update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now)
        )
    )
