import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from auth.models import User
from billing.models import Invoice
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
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EntryKind(enum.StrEnum):
    ACCRUAL = "accrual"
    REVERSAL = "reversal"
    BONUS = "bonus"
    WRITE_OFF = "write_off"


class EntryState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PAID = "paid"


class PayoutStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"


class CommissionEntry(db.Model):
    """The append-only ledger. `for_bonus` tells a bonus and its reversal from the
    commission on the invoice. `sequence` numbers an invoice's entries: two concurrent
    reconciliations of one invoice cannot both post entry N (unique constraint)."""

    __tablename__ = "commission_entries"
    __table_args__ = (
        sa.UniqueConstraint("invoice_id", "sequence", name="uq_commission_entries_sequence"),
        sa.Index(
            "uq_commission_entries_one_bonus_per_client",
            "client_id",
            unique=True,
            sqlite_where=sa.text("kind = 'bonus'"),
            postgresql_where=sa.text("kind = 'bonus'"),
        ),
        sa.Index("ix_commission_entries_referrer_state", "referrer_id", "state"),
        sa.CheckConstraint("amount_cents <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("referrers.id"))
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"))
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    sequence: Mapped[int | None]
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    for_bonus: Mapped[bool] = mapped_column(default=False)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[EntryState] = mapped_column(str_enum(EntryState), default=EntryState.PENDING)
    payout_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payouts.id"), index=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    referrer: Mapped[Referrer] = orm.relationship()
    invoice: Mapped[Invoice | None] = orm.relationship()


class Payout(db.Model):
    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date]
    status: Mapped[PayoutStatus] = mapped_column(str_enum(PayoutStatus), default=PayoutStatus.OPEN)
    paid_on: Mapped[date | None]
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list["PayoutLine"]] = orm.relationship(order_by="PayoutLine.referrer_id")


class PayoutLine(db.Model):
    __tablename__ = "payout_lines"
    __table_args__ = (
        sa.UniqueConstraint("payout_id", "referrer_id", name="uq_payout_lines_referrer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(sa.ForeignKey("payouts.id"))
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("referrers.id"))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)

    referrer: Mapped[Referrer] = orm.relationship()
