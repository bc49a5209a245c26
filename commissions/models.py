"""The commission ledger and payout runs (SPEC §5)."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column

from billing.models import Invoice
from core.db import str_enum, utcnow
from core.extensions import db
from referrals.models import Referrer


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
    CANCELLED = "cancelled"


class LineStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    FAILED = "failed"


CANCELLED_REASON = "The run was cancelled."
"""The failure reason of the lines a cancelled run left open (the referrer was never told)."""


class CommissionEntry(db.Model):
    """The append-only ledger. `for_bonus` tells a bonus and its reversal from the
    commission on the invoice (a client's bonus entries are all on the invoice holding it,
    BonusHolder). `sequence` numbers an invoice's entries: two concurrent reconciliations of
    one invoice cannot both post entry N (unique constraint)."""

    __tablename__ = "commission_entries"
    __table_args__ = (
        sa.UniqueConstraint("invoice_id", "sequence", name="uq_commission_entries_sequence"),
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
    """One referrer's part of a run, paid or failed on its own (SPEC §16). A failed line's
    entries leave the run; the line keeps the amount that was attempted."""

    __tablename__ = "payout_lines"
    __table_args__ = (
        sa.UniqueConstraint("payout_id", "referrer_id", name="uq_payout_lines_referrer"),
        sa.Index("ix_payout_lines_referrer_status", "referrer_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(sa.ForeignKey("payouts.id"))
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("referrers.id"))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[LineStatus] = mapped_column(str_enum(LineStatus), default=LineStatus.OPEN)
    paid_on: Mapped[date | None]
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    failure_reason: Mapped[str | None] = mapped_column(sa.String(500))

    referrer: Mapped[Referrer] = orm.relationship()


class BonusHolder(db.Model):
    """The invoice that holds a client's flat bonus (SPEC §5): the first of its invoices to
    be fully paid with money kept. Recorded then, even if a commission cap leaves the bonus
    nothing, so the bonus never moves to another invoice."""

    __tablename__ = "commission_bonus_holders"

    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"))
