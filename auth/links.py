"""Emailed single-use links to choose a password: a new account's first one and the resets
an admin sends (SPEC §14). Valid 24 hours; only their SHA-256 is kept."""

from datetime import timedelta

import sqlalchemy as sa

from auth.models import AccountLink, LinkPurpose, User
from auth.password_rules import password_refusal
from auth.passwords import hash_password
from auth.services import AccountError
from auth.sessions import end_sessions
from auth.signals import account_link_issued
from core import audit
from core.audit import Actor
from core.db import utcnow
from core.extensions import db
from core.tokens import new_secret, secret_hash
from core.unit_of_work import use_case
from core.urls import absolute_url

LINK_LIFETIME = timedelta(hours=24)


@use_case
def issue_link(user: User, purpose: LinkPurpose) -> None:
    """A new link (earlier unused ones keep working until they expire); mailed at once."""
    token = new_secret()
    db.session.add(
        AccountLink(
            user_id=user.id,
            token_hash=secret_hash(token),
            purpose=purpose,
            expires_at=utcnow() + LINK_LIFETIME,
        )
    )
    link = absolute_url("accounts_public.set_password", token=token)
    account_link_issued.send(user, user=user, link=link, purpose=purpose)


def _usable(token: str):
    return sa.select(AccountLink).where(
        AccountLink.token_hash == secret_hash(token),
        AccountLink.used_at.is_(None),
        AccountLink.expires_at > utcnow(),
    )


def link_owner(token: str) -> User | None:
    """Whose link this is while it still works, else None."""
    link = db.session.scalar(_usable(token))
    return None if link is None else db.session.get(User, link.user_id)


@use_case
def use_link(token: str, password: str) -> User | None:
    """Set the password and use the link up, or None when the link no longer works. A
    refused password raises AccountError and leaves the link usable."""
    link = db.session.scalar(_usable(token).with_for_update())
    if link is None:
        return None
    user = db.session.get(User, link.user_id)
    refusal = password_refusal(password, user.email)
    if refusal:
        raise AccountError(refusal)
    used = db.session.execute(
        sa.update(AccountLink)
        .where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        return None
    user.password_hash = hash_password(password)
    end_sessions(user.id)
    audit.record(
        "user.password_changed",
        "user",
        user.id,
        {"link": [None, link.purpose.value]},
        actor=Actor("user", user.id, user.email),
    )
    return user
