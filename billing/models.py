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

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    company_key: Mapped[str] = mapped_column(sa.String(260), unique=True)
    domain: Mapped[str | None] = mapped_column(sa.String(254))
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
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"), unique=True)
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
