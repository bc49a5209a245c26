import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from auth.models import User
from core.db import str_enum, utcnow
from core.extensions import db


class ReferrerStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class Relationship(enum.StrEnum):
    CLIENT = "client"
    PARTNER = "partner"
    INDIVIDUAL = "individual"


class Referrer(db.Model):
    __tablename__ = "referrers"
    __table_args__ = (sa.Index("ix_referrers_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[ReferrerStatus] = mapped_column(
        str_enum(ReferrerStatus), default=ReferrerStatus.PENDING, index=True
    )
    code: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(200))
    last_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    company: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    relationship: Mapped[Relationship] = mapped_column(str_enum(Relationship))
    payout_email: Mapped[str] = mapped_column(sa.String(254))
    terms_version: Mapped[str] = mapped_column(sa.String(50))
    terms_accepted_at: Mapped[datetime]
    rate_bp: Mapped[int | None]
    tax_form_on_file_on: Mapped[date | None]
    """When finance put the referrer's tax form on file (None: not on file)."""
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = orm.relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class PortalToken(db.Model):
    """A single-use sign-in link; only its SHA-256 is kept."""

    __tablename__ = "portal_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("referrers.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PortalSession(db.Model):
    """A portal sign-in; the cookie holds a random key whose SHA-256 is kept here, so that
    signing out ends it for good (a saved cookie no longer opens the portal)."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("referrers.id"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class ProgramSettings(db.Model):
    """The program's terms, editable by admins; one row. Until an admin saves them the
    configuration's defaults apply."""

    __tablename__ = "program_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_rate_bp: Mapped[int]
    commission_months: Mapped[int]
    bonus_cents: Mapped[int]
    payout_threshold_cents: Mapped[int]
    hold_days: Mapped[int]
    cap_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
