import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import str_enum, utcnow
from core.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    SALES = "sales"
    FINANCE = "finance"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    available: Mapped[bool] = mapped_column(default=True)
    last_assigned_at: Mapped[datetime | None]
    last_sign_in_at: Mapped[datetime | None]
    mfa_secret: Mapped[str | None] = mapped_column(sa.String(64))
    mfa_enabled_at: Mapped[datetime | None]
    mfa_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    """The TOTP time step last accepted: a code of that step or an earlier one is refused."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session_key = None
    """The raw key of the session this request runs in (never stored): Flask-Login keeps
    it in the cookie, so a session ended in the database ends the cookie too."""

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_key

    # Flask-Login's mixin compares users by get_id(), which is now the session's key; the
    # session's identity map already gives one object per row.
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


class RecoveryCode(db.Model):
    """A single-use MFA recovery code; only its SHA-256 is kept."""

    __tablename__ = "mfa_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None]


class LinkPurpose(enum.StrEnum):
    SET_PASSWORD = "set_password"
    RESET_PASSWORD = "reset_password"


class AccountLink(db.Model):
    """An emailed single-use link to choose a password (a new account's first, or a reset
    an admin sent); only its SHA-256 is kept."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[LinkPurpose] = mapped_column(str_enum(LinkPurpose))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """Only a SHA-256 of the token is kept: a database leak gives no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class StaffSession(db.Model):
    """A signed-in browser. The cookie holds a random key whose SHA-256 is kept here: ending
    the row (sign-out, deactivation, a password or role change, "sign out everywhere") makes
    a saved cookie useless at once."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    client_address: Mapped[str | None] = mapped_column(sa.String(45))

    user: Mapped[User] = relationship()
