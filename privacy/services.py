"""Everything held about an email address, exported as JSON or erased (SPEC §16).

Erasure turns personal fields into placeholders on leads, their submissions and timeline,
client contacts, the referrer, quarantined posts and the outbox; money records, counts and
the audit log stay (the log is append-only, so rows naming the address remain, and an
export after erasure lists only those)."""

import hashlib
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from billing.models import ClientContact
from commissions.ledger import balance_cents
from commissions.queries import paid_by_year
from core import audit
from core.audit import AuditEvent
from core.audit_queries import event_to_dict
from core.extensions import db
from core.service_errors import ServiceError
from core.unit_of_work import use_case
from leads.models import Lead, LeadEvent, LeadSubmission, QuarantinedSubmission
from leads.serialize import lead_to_dict
from leads.services import index_search_terms
from notifications.models import OutboxMessage, OutboxStatus
from referrals.models import PortalSession, PortalToken, Referrer
from referrals.serialize import referrer_to_dict

ERASED_NAME = ("Erased", "person")
ERASED_DOMAIN = "erased.example"
ERASED_MESSAGE = "This message was erased at the recipient's request."
ERASED_PAYLOAD = {"erased": True}


def normalised_address(raw: str) -> str:
    """The address as leads, contacts and referrers store it (trimmed, lower-cased)."""
    try:
        validate_email((raw or "").strip(), check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise ServiceError(
            "invalid", "Give a valid email address.", {"email": ["Not an email address."]}
        ) from None
    return raw.strip().lower()


def _digest(address: str) -> str:
    """What the audit keeps of the address: enough to show a given address was handled,
    not the address itself."""
    return hashlib.sha256(address.encode()).hexdigest()


@dataclass(frozen=True)
class Holdings:
    """How many records hold the address, by kind (what an erasure would change)."""

    leads: int
    submissions: int
    contacts: int
    referrer: int
    emails: int
    quarantined: int

    @property
    def anything(self) -> bool:
        return any(asdict(self).values())


def _leads(address: str) -> list[Lead]:
    return list(db.session.scalars(sa.select(Lead).where(Lead.email == address).order_by(Lead.id)))


def _submissions(lead_ids: list[int]) -> list[LeadSubmission]:
    query = sa.select(LeadSubmission).where(LeadSubmission.lead_id.in_(lead_ids))
    return list(db.session.scalars(query.order_by(LeadSubmission.id)))


def _quarantined(address: str) -> list[QuarantinedSubmission]:
    email = sa.func.lower(QuarantinedSubmission.payload["email"].as_string())
    query = sa.select(QuarantinedSubmission).where(email == address)
    return list(db.session.scalars(query.order_by(QuarantinedSubmission.id)))


def _contacts(address: str) -> list[ClientContact]:
    query = sa.select(ClientContact).where(ClientContact.email == address)
    return list(db.session.scalars(query.order_by(ClientContact.id)))


def _referrer(address: str) -> Referrer | None:
    query = sa.select(Referrer).where(
        sa.or_(Referrer.email == address, Referrer.payout_email == address)
    )
    return db.session.scalar(query.limit(1))


def _emails_to(address: str) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.to_address == address)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def _emails_naming(address: str) -> sa.ColumnElement[bool]:
    """Messages to the address, or whose body names it (a new-lead alert to sales)."""
    return sa.or_(
        OutboxMessage.to_address == address,
        sa.func.lower(OutboxMessage.body_text).contains(address, autoescape=True),
    )


def _audit_rows(address: str) -> list[AuditEvent]:
    naming = sa.or_(
        AuditEvent.actor_email == address,
        sa.func.lower(sa.cast(AuditEvent.changes, sa.Text)).contains(address, autoescape=True),
    )
    return list(db.session.scalars(sa.select(AuditEvent).where(naming).order_by(AuditEvent.id)))


@dataclass(frozen=True)
class _Records:
    """Every record holding the address, read once for an export, a count or an erasure."""

    leads: list[Lead]
    submissions: list[LeadSubmission]
    contacts: list[ClientContact]
    referrer: Referrer | None
    quarantined: list[QuarantinedSubmission]


def _records(address: str) -> _Records:
    leads = _leads(address)
    return _Records(
        leads,
        _submissions([lead.id for lead in leads]),
        _contacts(address),
        _referrer(address),
        _quarantined(address),
    )


def _holdings(address: str, records: _Records) -> Holdings:
    return Holdings(
        leads=len(records.leads),
        submissions=len(records.submissions),
        contacts=len(records.contacts),
        referrer=int(records.referrer is not None),
        emails=db.session.scalar(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(_emails_naming(address))
        ),
        quarantined=len(records.quarantined),
    )


def holdings(raw_address: str) -> Holdings:
    """What an erasure of the address would change (the confirmation step shows it)."""
    address = normalised_address(raw_address)
    return _holdings(address, _records(address))


def _submission_to_dict(submission: LeadSubmission) -> dict:
    return {
        "id": submission.id,
        "lead_id": submission.lead_id,
        "source": submission.source.value,
        "received_at": audit.plain(submission.created_at),
        "payload": submission.payload,
    }


def _quarantined_to_dict(held: QuarantinedSubmission) -> dict:
    return {
        "id": held.id,
        "lead_id": held.restored_lead_id,
        "source": "quarantine",
        "received_at": audit.plain(held.created_at),
        "payload": held.payload,
    }


def _contact_to_dict(contact: ClientContact) -> dict:
    return {
        "id": contact.id,
        "client_id": contact.client_id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "role": contact.role.value,
    }


def _email_to_dict(message: OutboxMessage) -> dict:
    return {
        "id": message.id,
        "event": message.event,
        "to": message.to_address,
        "subject": message.subject,
        "status": message.status.value,
        "created_at": audit.plain(message.created_at),
        "sent_at": audit.plain(message.sent_at) if message.sent_at else None,
        "body_text": message.body_text,
    }


@use_case
def export_personal_data(raw_address: str) -> dict:
    """The JSON of SPEC §16; the export itself is audited (without the address)."""
    address = normalised_address(raw_address)
    records = _records(address)
    referrer = records.referrer
    submissions = [_submission_to_dict(s) for s in records.submissions]
    submissions += [_quarantined_to_dict(held) for held in records.quarantined]
    document = {
        "email": address,
        "leads": [lead_to_dict(lead) for lead in records.leads],
        "submissions": submissions,
        "contacts": [_contact_to_dict(contact) for contact in records.contacts],
        "referrer": None
        if referrer is None
        else referrer_to_dict(
            referrer, balance_cents(referrer.id), paid_by_year([referrer.id])[referrer.id]
        ),
        "emails": [_email_to_dict(message) for message in _emails_to(address)],
        "audit": [event_to_dict(event) for event in _audit_rows(address)],
    }
    audit.record(
        "personal_data.exported",
        "personal_data",
        None,
        {"email_sha256": [None, _digest(address)]},
    )
    return document


def _placeholder(kind: str, record_id: int) -> str:
    return f"erased-{kind}-{record_id}@{ERASED_DOMAIN}"


def _erase_leads(records: _Records, address: str) -> None:
    for lead in records.leads:
        lead.first_name, lead.last_name = ERASED_NAME
        lead.email = _placeholder("lead", lead.id)
        lead.phone = lead.message = lead.website = lead.job_title = None
        lead.client_address = lead.landing_page = lead.http_referrer = None
        index_search_terms(lead, replace=True)
    lead_ids = [lead.id for lead in records.leads]
    for event in db.session.scalars(sa.select(LeadEvent).where(LeadEvent.lead_id.in_(lead_ids))):
        if address in event.detail.lower():
            event.detail = "(erased)"
    for submission in records.submissions:
        submission.payload, submission.client_address = ERASED_PAYLOAD, None


def _erase_referrer(referrer: Referrer) -> None:
    balance = balance_cents(referrer.id)
    if balance["pending"] + balance["approved"] != 0:
        raise ServiceError(
            "balance_outstanding",
            "This person is a referrer with commission not yet paid or written off; "
            "settle their balance first.",
        )
    referrer.first_name, referrer.last_name = ERASED_NAME
    referrer.email = _placeholder("referrer", referrer.id)
    referrer.payout_email = referrer.email
    referrer.phone = None
    db.session.execute(sa.delete(PortalSession).where(PortalSession.referrer_id == referrer.id))
    db.session.execute(sa.delete(PortalToken).where(PortalToken.referrer_id == referrer.id))


def _erase_emails(address: str) -> None:
    for message in db.session.scalars(sa.select(OutboxMessage).where(_emails_naming(address))):
        if message.to_address == address:
            message.to_address = _placeholder("email", message.id)
        message.body_text, message.body_html = ERASED_MESSAGE, f"<p>{ERASED_MESSAGE}</p>"
        if message.status == OutboxStatus.PENDING:
            message.status = OutboxStatus.CANCELLED


@use_case
def erase_personal_data(raw_address: str) -> Holdings:
    """Placeholders for every personal field holding the address; refused (changing
    nothing) while the address is a referrer's whose balance is not zero."""
    address = normalised_address(raw_address)
    records = _records(address)
    found = _holdings(address, records)
    if records.referrer is not None:
        _erase_referrer(records.referrer)
    _erase_leads(records, address)
    for contact in records.contacts:
        contact.first_name, contact.last_name = ERASED_NAME
        contact.email = _placeholder("contact", contact.id)
    for held in records.quarantined:
        held.payload, held.client_address = ERASED_PAYLOAD, None
    _erase_emails(address)
    audit.record(
        "personal_data.erased",
        "personal_data",
        None,
        {
            "email_sha256": [None, _digest(address)],
            **{k: [None, v] for k, v in asdict(found).items()},
        },
    )
    return found
