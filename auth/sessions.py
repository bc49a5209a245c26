"""Staff sessions kept in the database (SPEC §14). The cookie carries a random key; the row
says whether it still opens the dashboard. Idle and absolute limits come from
SESSION_IDLE_MINUTES and SESSION_MAX_HOURS."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from auth.models import StaffSession, User
from core import audit
from core.audit import Actor
from core.db import utcnow
from core.extensions import db
from core.tokens import new_secret, secret_hash
from core.unit_of_work import record_in_passing, use_case

SEEN_PRECISION = timedelta(minutes=1)
"""`last_seen_at` is written at most once a minute per session, not on every request."""


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (
        timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        timedelta(hours=config["SESSION_MAX_HOURS"]),
    )


@use_case
def start_session(user: User) -> str:
    """Returns the new session's key, for the cookie only."""
    key = new_secret()
    now = utcnow()
    agent = request.headers.get("User-Agent", "")[:300] if has_request_context() else ""
    address = request.remote_addr if has_request_context() else None
    db.session.add(
        StaffSession(
            user_id=user.id,
            key_hash=secret_hash(key),
            created_at=now,
            last_seen_at=now,
            user_agent=agent,
            client_address=address,
        )
    )
    db.session.execute(sa.update(User).where(User.id == user.id).values(last_sign_in_at=now))
    audit.record("auth.signed_in", "user", user.id, actor=Actor("user", user.id, user.email))
    return key


def user_for_session(key: str) -> User | None:
    """The active user of a live session, or None (ended, idle too long, too old)."""
    now = utcnow()
    idle, longest = _limits()
    row = db.session.execute(
        sa.select(StaffSession.id, StaffSession.last_seen_at, User)
        .join(User, StaffSession.user_id == User.id)
        .where(
            StaffSession.key_hash == secret_hash(key),
            StaffSession.ended_at.is_(None),
            StaffSession.last_seen_at > now - idle,
            StaffSession.created_at > now - longest,
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    session_id, last_seen_at, user = row
    if now - last_seen_at >= SEEN_PRECISION:
        _mark_seen(session_id, now)
    user.session_key = key
    return user


def _mark_seen(session_id: int, now: datetime) -> None:
    record_in_passing(
        lambda: db.session.execute(
            sa.update(StaffSession).where(StaffSession.id == session_id).values(last_seen_at=now)
        )
    )


@use_case
def end_session(key: str) -> None:
    db.session.execute(
        sa.update(StaffSession)
        .where(StaffSession.key_hash == secret_hash(key), StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


@use_case
def end_sessions(user_id: int, keep_key: str | None = None) -> None:
    """End every session of the user ("sign out everywhere"), but `keep_key`'s."""
    query = sa.update(StaffSession).where(
        StaffSession.user_id == user_id, StaffSession.ended_at.is_(None)
    )
    if keep_key is not None:
        query = query.where(StaffSession.key_hash != secret_hash(keep_key))
    db.session.execute(query.values(ended_at=utcnow()))


def live_sessions(user_id: int) -> list[StaffSession]:
    now = utcnow()
    idle, longest = _limits()
    query = (
        sa.select(StaffSession)
        .where(
            StaffSession.user_id == user_id,
            StaffSession.ended_at.is_(None),
            StaffSession.last_seen_at > now - idle,
            StaffSession.created_at > now - longest,
        )
        .order_by(StaffSession.last_seen_at.desc())
    )
    return list(db.session.scalars(query))


def is_current(staff_session: StaffSession, key: str | None) -> bool:
    return key is not None and staff_session.key_hash == secret_hash(key)
