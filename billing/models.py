import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import User
from core.db import str_enum, utcnow
from core.extensions import db


class ContactRole(enum.StrEnum):
    PRIMARY = "primary"
    BILLING = "billing"
    OTHER = "other"


class ContractStatus(enum.StrEnum):
    ACTIVE = "active"
    TERMINATED = "terminated"


class TerminationReason(enum.StrEnum):
    CLIENT_ENDED = "client_ended"
    NON_PAYMENT = "non_payment"
    OTHER = "other"
    SATISFACTION_GUARANTEE = "satisfaction_guarantee"


class Client(db.Model):
    """A company that signed. `company_key` (SPEC §1) makes one client per company."""

    __tablename__ = "clients"
    __table_args__ = (sa.Index("ix_clients_created", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    company_key: Mapped[str] = mapped_column(sa.String(260), unique=True)
    domain: Mapped[str | None] = mapped_column(sa.String(254))
    imported_on: Mapped[date | None]
    """Set when the client came in by CSV import (SPEC §16): an existing customer from then."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contacts: Mapped[list["ClientContact"]] = relationship(
        back_populates="client", order_by="ClientContact.id"
    )
    contracts: Mapped[list["Contract"]] = relationship(
        back_populates="client", order_by="Contract.start_date"
    )


class ClientContact(db.Model):
    __tablename__ = "client_contacts"
    __table_args__ = (sa.UniqueConstraint("client_id", "email", name="uq_client_contacts_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    first_name: Mapped[str] = mapped_column(sa.String(200))
    last_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    role: Mapped[ContactRole] = mapped_column(str_enum(ContactRole))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="contacts")


class Contract(db.Model):
    """What a won lead became. `guarantee_ends_on` is the promise made at signing (start date
    + 1 month + grace), kept so a later change of the grace setting does not move it."""

    __tablename__ = "contracts"
    __table_args__ = (
        sa.CheckConstraint("engineers >= 1", name="engineers_positive"),
        sa.CheckConstraint("monthly_rate_cents >= 0", name="rate_nonneg"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"), unique=True)
    """The won lead it came from; none for an imported contract (so no referrer)."""
    status: Mapped[ContractStatus] = mapped_column(
        str_enum(ContractStatus), default=ContractStatus.ACTIVE
    )
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    termination_reason: Mapped[TerminationReason | None] = mapped_column(
        str_enum(TerminationReason)
    )
    termination_note: Mapped[str | None] = mapped_column(sa.Text)
    guarantee_ends_on: Mapped[date]
    engineers: Mapped[int]
    monthly_rate_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="contracts")
    created_by: Mapped[User | None] = relationship()


class InvoiceStatus(enum.StrEnum):
    ISSUED = "issued"
    PAID = "paid"
    VOID = "void"


class RefundStatus(enum.StrEnum):
    DUE = "due"
    SENT = "sent"


class ClaimStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ClaimChannel(enum.StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    MEETING = "meeting"
    OTHER = "other"


class Invoice(db.Model):
    """What the accounting system issued. The totals are kept on the row (and checked by the
    database) so every rule reads one row; payments and refunds are the history behind them."""

    __tablename__ = "invoices"
    __table_args__ = (
        sa.Index("ix_invoices_created", "created_at", "id"),
        sa.CheckConstraint("amount_cents >= 1", name="amount_positive"),
        sa.CheckConstraint(
            "commissionable_cents >= 0 AND commissionable_cents <= amount_cents",
            name="commissionable_within_amount",
        ),
        sa.CheckConstraint(
            "paid_cents >= 0 AND written_off_cents >= 0 "
            "AND paid_cents + written_off_cents <= amount_cents",
            name="no_overpayment",
        ),
        sa.CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= paid_cents", name="refunds_within_paid"
        ),
        sa.CheckConstraint("period_start <= period_end", name="period_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(100), unique=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[InvoiceStatus] = mapped_column(
        str_enum(InvoiceStatus), default=InvoiceStatus.ISSUED
    )
    issue_date: Mapped[date]
    period_start: Mapped[date]
    period_end: Mapped[date]
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    commissionable_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    paid_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    refunded_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    written_off_cents: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    fully_paid_on: Mapped[date | None]
    write_off_reason: Mapped[str | None] = mapped_column(sa.Text)
    void_reason: Mapped[str | None] = mapped_column(sa.Text)
    voided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contract: Mapped[Contract] = relationship()
    refunds: Mapped[list["Refund"]] = relationship(order_by="Refund.id")
    payments: Mapped[list["Payment"]] = relationship(order_by="Payment.id")

    @property
    def owed_cents(self) -> int:
        return self.amount_cents - self.paid_cents - self.written_off_cents

    @property
    def net_paid_cents(self) -> int:
        return self.paid_cents - self.refunded_cents

    @property
    def still_owed_cents(self) -> int:
        """What the client still owes as people read it: nothing on a void invoice."""
        return 0 if self.status == InvoiceStatus.VOID else self.owed_cents

    @property
    def refunds_due_cents(self) -> int:
        """Refunds a guarantee claim made that finance has not yet recorded as sent."""
        return sum(r.amount_cents for r in self.refunds if r.status == RefundStatus.DUE)


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (sa.CheckConstraint("amount_cents >= 1", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    paid_on: Mapped[date]
    external_id: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refund(db.Model):
    """Money given back. Finance records refunds already sent; a guarantee claim creates
    them `due` until finance records them sent with a date and a reference."""

    __tablename__ = "refunds"
    __table_args__ = (sa.CheckConstraint("amount_cents >= 1", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("guarantee_claims.id"))
    amount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus))
    refunded_on: Mapped[date | None]
    reference: Mapped[str | None] = mapped_column(sa.String(200))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    external_id: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuaranteeClaim(db.Model):
    """Every claim is kept, accepted or rejected. The partial unique index makes "once per
    client" hold even when two people enter a claim at the same moment."""

    __tablename__ = "guarantee_claims"
    __table_args__ = (
        sa.Index(
            "uq_guarantee_claims_accepted_client",
            "client_id",
            unique=True,
            sqlite_where=sa.text("status = 'accepted'"),
            postgresql_where=sa.text("status = 'accepted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    status: Mapped[ClaimStatus] = mapped_column(str_enum(ClaimStatus))
    claimed_on: Mapped[date]
    reason: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[ClaimChannel] = mapped_column(str_enum(ClaimChannel))
    rejection_code: Mapped[str | None] = mapped_column(sa.String(40))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entered_by: Mapped[User | None] = relationship()
