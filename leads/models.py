from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import User
from core.db import str_enum, utcnow
from core.extensions import db
from leads.rules import (
    OPEN_STATUSES,
    AttributionStatus,
    LeadSource,
    LeadStatus,
    StartTimeline,
)

_OPEN_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in OPEN_STATUSES))


class Lead(db.Model):
    """A prospect's request for engineers. The partial unique index on the email of open
    leads is what keeps two concurrent submissions from becoming two leads."""

    __tablename__ = "leads"
    __table_args__ = (
        sa.Index(
            "uq_leads_open_email",
            "email",
            unique=True,
            sqlite_where=sa.text(_OPEN_SQL),
            postgresql_where=sa.text(_OPEN_SQL),
        ),
        sa.Index("ix_leads_email", "email"),
        sa.Index("ix_leads_created", "created_at", "id"),
        sa.Index("ix_leads_status_created", "status", "created_at", "id"),
        sa.Index("ix_leads_owner_created", "owner_id", "created_at", "id"),
        sa.Index("ix_leads_source_created", "source", "created_at", "id"),
        sa.Index("ix_leads_company_key_created", "company_key", "created_at"),
        sa.Index("ix_leads_referrer_created", "referrer_id", "created_at", "id"),
        sa.Index("ix_leads_code_referrer_created", "code_referrer_id", "created_at"),
        sa.Index("ix_leads_next_action", "next_action_on", "id"),
        sa.Index("ix_leads_owner_next_action", "owner_id", "next_action_on", "id"),
        sa.Index("ix_leads_company_sort", "company", "id"),
        sa.CheckConstraint("headcount IS NULL OR headcount BETWEEN 1 AND 500", name="headcount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[LeadStatus] = mapped_column(str_enum(LeadStatus), default=LeadStatus.NEW)
    source: Mapped[LeadSource] = mapped_column(str_enum(LeadSource))
    first_name: Mapped[str] = mapped_column(sa.String(200))
    last_name: Mapped[str] = mapped_column(sa.String(200))
    company: Mapped[str] = mapped_column(sa.String(200))
    company_key: Mapped[str] = mapped_column(sa.String(260))
    email: Mapped[str] = mapped_column(sa.String(254))
    roles: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    headcount: Mapped[int | None]
    consent_version: Mapped[str | None] = mapped_column(sa.String(50))
    consented_at: Mapped[datetime | None]
    message: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    job_title: Mapped[str | None] = mapped_column(sa.String(200))
    seniority: Mapped[str | None] = mapped_column(sa.String(100))
    tech_stack: Mapped[str | None] = mapped_column(sa.String(1000))
    start_timeline: Mapped[StartTimeline | None] = mapped_column(str_enum(StartTimeline))
    marketing_opt_in: Mapped[bool] = mapped_column(default=False)
    referral_code: Mapped[str | None] = mapped_column(sa.String(50))
    utm_source: Mapped[str | None] = mapped_column(sa.String(200))
    utm_medium: Mapped[str | None] = mapped_column(sa.String(200))
    utm_campaign: Mapped[str | None] = mapped_column(sa.String(200))
    utm_term: Mapped[str | None] = mapped_column(sa.String(200))
    utm_content: Mapped[str | None] = mapped_column(sa.String(200))
    landing_page: Mapped[str | None] = mapped_column(sa.String(2000))
    http_referrer: Mapped[str | None] = mapped_column(sa.String(2000))
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    referrer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrers.id"))
    code_referrer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrers.id"))
    attribution_status: Mapped[AttributionStatus] = mapped_column(
        str_enum(AttributionStatus), default=AttributionStatus.NONE
    )
    attribution_reason: Mapped[str | None] = mapped_column(sa.String(30))
    commission_rate_bp: Mapped[int | None]
    commission_months: Mapped[int | None]
    commission_bonus_cents: Mapped[int | None]
    commission_cap_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    terms_version: Mapped[str | None] = mapped_column(sa.String(50))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    possible_duplicate_of: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"))
    submissions_count: Mapped[int] = mapped_column(default=1)
    lost_reason: Mapped[str | None] = mapped_column(sa.Text)
    next_action_on: Mapped[date | None]
    next_action: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class LeadSubmission(db.Model):
    """Each time the prospect sent us something: the first creates the lead, later ones with
    the same email land here on the open lead."""

    __tablename__ = "lead_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"), index=True)
    source: Mapped[LeadSource] = mapped_column(str_enum(LeadSource))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    referral_code: Mapped[str | None] = mapped_column(sa.String(50))
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadEvent(db.Model):
    """The lead's timeline: who did what, when. Notes are events of kind `note`."""

    __tablename__ = "lead_events"
    __table_args__ = (sa.Index("ix_lead_events_lead_created", "lead_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(sa.ForeignKey("leads.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class LeadSearchTerm(db.Model):
    """Word-start search at a million leads: one row per searchable word, prefix-indexed."""

    __tablename__ = "lead_search_terms"
    __table_args__ = (
        sa.Index(
            "ix_lead_search_terms_term",
            "term",
            "lead_id",
            postgresql_ops={"term": "text_pattern_ops"},
        ),
    )

    lead_id: Mapped[int] = mapped_column(
        sa.ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(sa.String(254), primary_key=True)


class QuarantinedSubmission(db.Model):
    """A hire-form post caught by the honeypot or the fill-time check, kept 30 days."""

    __tablename__ = "quarantined_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(30))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    client_address: Mapped[str | None] = mapped_column(sa.String(64))
    restored_lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
