"""The resources of SPEC §8 as typed pydantic models: the OpenAPI document's schemas are
generated from them, and the API tests check every answer against them (extra fields,
missing fields, a wrong type, an unexpected null or enum value all fail)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from billing.models import (
    ClaimChannel,
    ClaimStatus,
    ContactRole,
    ContractStatus,
    InvoiceStatus,
    RefundStatus,
    TerminationReason,
)
from commissions.models import EntryKind, EntryState, LineStatus, PayoutStatus
from leads.rules import AttributionStatus, LeadSource, LeadStatus, StartTimeline
from referrals.models import ReferrerStatus, Relationship

ERROR_CODES = (
    "bad_json",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "duplicate",
    "idempotency_conflict",
    "payout_run_in_progress",
    "balance_outstanding",
    "too_large",
    "invalid",
    "illegal_transition",
    "overpayment",
    "refund_exceeds_paid",
    "void_with_money_paid",
    "invoice_void",
    "date_in_future",
    "contract_terminated",
    "currency_not_supported",
    "claim_in_future",
    "guarantee_already_used",
    "not_first_contract",
    "claim_before_start",
    "guarantee_window_closed",
    "rate_limited",
    "internal_error",
    "unavailable",
)
"""Every `error.code` the API answers (SPEC §8 and §4's claim codes)."""

AttributionReason = Literal[
    "unknown_code", "inactive_referrer", "self_referral", "existing_customer"
]
Id = Field(ge=1)


class Resource(BaseModel):
    """Answers carry exactly their declared fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorBody(Resource):
    code: Literal[ERROR_CODES]
    message: str
    fields: dict[str, list[str]]
    claim_id: int | None = Field(default=None, description="On a rejected guarantee claim.")


class Error(Resource):
    error: ErrorBody


class Received(Resource):
    status: Literal["received"]


class Lead(Resource):
    id: int = Id
    status: LeadStatus
    source: LeadSource
    first_name: str
    last_name: str
    company: str
    email: str = Field(json_schema_extra={"format": "email"})
    roles: list[str]
    headcount: int | None
    message: str | None
    phone: str | None
    website: str | None
    job_title: str | None
    seniority: str | None
    tech_stack: str | None
    start_timeline: StartTimeline | None
    marketing_opt_in: bool
    referral_code: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    consent: bool
    consent_version: str | None
    owner_email: str | None
    referrer_id: int | None
    attribution_status: AttributionStatus
    attribution_reason: AttributionReason | None
    possible_duplicate_of: int | None
    submissions_count: int = Field(ge=1)
    lost_reason: str | None
    next_action_on: date | None
    next_action: str | None
    landing_page: str | None
    created_at: datetime


class AttributedLead(Lead):
    attribution_warnings: list[str]


class LeadList(Resource):
    items: list[Lead]
    next_cursor: str | None


class Balance(Resource):
    pending: int
    approved: int
    paid: int


class Referrer(Resource):
    id: int = Id
    status: ReferrerStatus
    code: str | None
    first_name: str
    last_name: str
    email: str
    company: str
    relationship: Relationship
    tax_form_on_file_on: date | None = Field(description="When the tax form was put on file.")


class ReferrerWithBalance(Referrer):
    balance_cents: Balance
    paid_by_year: dict[Annotated[str, Field(pattern=r"^\d{4}$")], int] = Field(
        description="Paid per calendar year (of the run's paid_on), in cents."
    )


class ReferrerList(Resource):
    items: list[ReferrerWithBalance]
    next_cursor: str | None


class Contact(Resource):
    id: int = Id
    first_name: str
    last_name: str
    email: str
    role: ContactRole


class Client(Resource):
    id: int = Id
    name: str
    domain: str | None
    contacts: list[Contact]
    contracts: list[int] = Field(description="Contract ids, earliest start first.")
    referrer_id: int | None = Field(
        description="The client's one referrer: that of its first contract's lead (SPEC §3)."
    )


class ClientList(Resource):
    items: list[Client]
    next_cursor: str | None


class Contract(Resource):
    id: int = Id
    client_id: int
    lead_id: int | None
    status: ContractStatus
    start_date: date
    end_date: date | None
    termination_reason: TerminationReason | None
    guarantee_ends_on: date
    engineers: int = Field(ge=1)
    monthly_rate_cents: int = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)


class Conversion(Resource):
    client: Client
    contract: Contract


class RefundLine(Resource):
    id: int = Id
    amount_cents: int = Field(ge=1)
    status: RefundStatus


class Invoice(Resource):
    id: int = Id
    contract_id: int
    number: str
    status: InvoiceStatus
    issue_date: date
    period_start: date
    period_end: date
    amount_cents: int = Field(ge=1)
    commissionable_cents: int = Field(ge=0)
    paid_cents: int = Field(ge=0)
    refunded_cents: int = Field(ge=0)
    written_off_cents: int = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)
    external_id: str | None
    refunds: list[RefundLine]


class InvoiceList(Resource):
    items: list[Invoice]
    next_cursor: str | None


class GuaranteeClaim(Resource):
    id: int = Id
    contract_id: int
    status: ClaimStatus
    claimed_on: date
    reason: str
    channel: ClaimChannel
    rejection_code: str | None


class CommissionEntry(Resource):
    id: int = Id
    referrer_id: int
    client_id: int | None
    invoice_id: int | None
    kind: EntryKind
    amount_cents: int
    state: EntryState
    payout_id: int | None


class CommissionList(Resource):
    items: list[CommissionEntry]
    next_cursor: str | None


class Approved(Resource):
    approved: int = Field(ge=0)


class PayoutLine(Resource):
    referrer_id: int
    amount_cents: int
    status: LineStatus
    paid_on: date | None
    reference: str | None
    failure_reason: str | None


class Payout(Resource):
    id: int = Id
    as_of: date
    status: PayoutStatus
    lines: list[PayoutLine]
    paid_on: date | None
    reference: str | None


class Actor(Resource):
    kind: Literal["user", "token", "referrer", "system"]
    id: int | None
    email: str | None


class AuditEvent(Resource):
    id: int = Id
    at: datetime
    actor: Actor
    action: str
    entity_type: str
    entity_id: int | None
    changes: dict[str, list]
    client_address: str | None


class AuditEventList(Resource):
    items: list[AuditEvent]
    next_cursor: str | None


class WebhookEndpoint(Resource):
    id: int = Id
    url: str
    events: list[str] = Field(min_length=1)
    description: str
    status: Literal["enabled", "disabled"]


class NewWebhookEndpoint(WebhookEndpoint):
    secret: str = Field(pattern=r"^whsec_")


class WebhookEndpointList(Resource):
    items: list[WebhookEndpoint]
    next_cursor: str | None


class WebhookDelivery(Resource):
    id: int = Id
    event: str
    webhook_id: str
    status: Literal["pending", "delivered", "failed"]
    tries: int = Field(ge=0)
    last_status_code: int | None


class WebhookDeliveryList(Resource):
    items: list[WebhookDelivery]
    next_cursor: str | None


Count = Annotated[int, Field(ge=0)]


class ClaimEffects(Resource):
    invoices_voided: Count
    refunds_due_cents: Count
    commission_reversed_cents: Count
    emails: Count


class VoidEffects(Resource):
    commission_reversed_cents: Count
    emails: Count


class PayoutRunEffects(Resource):
    lines: Count
    total_cents: Count
    emails: Count


class ReassignEffects(Resource):
    moved: Count
    emails: Count


class ClaimPreview(Resource):
    """`?dry_run=true`: what the claim would answer and do; nothing is kept."""

    preview: GuaranteeClaim
    effects: ClaimEffects


class InvoicePreview(Resource):
    """`?dry_run=true`: what the action would answer and do; nothing is kept."""

    preview: Invoice
    effects: VoidEffects


class ContractPreview(Resource):
    """`?dry_run=true`: what ending the contract would answer and do; nothing is kept."""

    preview: Contract
    effects: VoidEffects


class PayoutPreview(Resource):
    """`?dry_run=true`: what the payout action would answer and do; nothing is kept."""

    preview: Payout
    effects: PayoutRunEffects


class ReferrerPreview(Resource):
    """`?dry_run=true`: what the decision would answer and do; nothing is kept."""

    preview: ReferrerWithBalance
    effects: VoidEffects


class AttributionPreview(Resource):
    """`?dry_run=true`: what the attribution change would answer and do; nothing is kept."""

    preview: AttributedLead
    effects: VoidEffects


class Moved(Resource):
    moved: Count


class ReassignPreview(Resource):
    """`?dry_run=true`: how many leads would move; nothing is kept."""

    preview: Moved
    effects: ReassignEffects


class StaffUser(Resource):
    id: int = Id
    email: str
    role: Literal["admin", "sales", "finance"]
    available: bool
    active: bool


class StaffUserList(Resource):
    items: list[StaffUser]
    next_cursor: str | None


Rate = Annotated[float | None, Field(ge=0, le=1)]
Month = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class FunnelStatus(Resource):
    status: LeadStatus
    count: Count


class Funnel(Resource):
    """Insights (SPEC §13): how many leads created in the range reached each status."""

    from_: Day = Field(alias="from")
    to: Day
    statuses: list[FunnelStatus]
    conversion_rate: Rate


class SourceWeek(Resource):
    week: Day
    source: LeadSource
    count: Count


class SourceFigures(Resource):
    source: LeadSource
    leads: Count
    won: Count
    conversion_rate: Rate
    median_days_to_won: Annotated[float | None, Field(ge=0)]


class UtmSourceLeads(Resource):
    utm_source: str
    leads: Count


class Sources(Resource):
    weeks: list[SourceWeek]
    by_source: list[SourceFigures]
    by_utm_source: list[UtmSourceLeads]


class OwnerFirstContact(Resource):
    owner_email: str
    leads: Count
    median_hours: Annotated[float | None, Field(ge=0)]


class FirstContact(Resource):
    owners: list[OwnerFirstContact]


class ReferralMonth(Resource):
    month: Month
    attributed: Count
    refused: dict[str, Count]
    became_clients: Count


class Referrals(Resource):
    months: list[ReferralMonth]


class LiabilityMonth(Resource):
    month: Month
    pending_cents: int
    approved_cents: int
    paid_cents: int


class Liability(Resource):
    months: list[LiabilityMonth]


class ClaimMonth(Resource):
    month: Month
    contracts: Count
    claims: Count
    rate: Rate


class GuaranteeClaims(Resource):
    months: list[ClaimMonth]
