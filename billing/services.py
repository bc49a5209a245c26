"""Conversion of a lead into a client with a contract, and the contract's later changes."""

from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app

from auth.models import User
from billing.guarantee import guarantee_ends_on, reminder_date
from billing.models import (
    Client,
    ClientContact,
    ContactRole,
    Contract,
    ContractStatus,
    Invoice,
    TerminationReason,
)
from billing.queries import client_resources
from billing.rules import END, START_DATE, Refusal, contract_actions, contract_refusal
from billing.serialize import contract_to_dict
from billing.signals import lead_converted
from core import audit
from core.audit import changed, plain
from core.company import email_domain, free_mail_domains, is_free_mail
from core.db import utcnow
from core.extensions import db
from core.service_errors import ServiceError
from core.time import is_supported_date, local_moment_utc
from core.today import business_today
from core.unit_of_work import use_case
from core.urls import absolute_url
from leads.models import Lead
from leads.rules import CONVERT, lead_action_refusal
from leads.services import lock_lead, mark_won, record_event
from notifications.services import cancel_pending, enqueue, reschedule_pending

REMINDER_HOUR = 9
ENDABLE_REASONS = (
    TerminationReason.CLIENT_ENDED,
    TerminationReason.NON_PAYMENT,
    TerminationReason.OTHER,
)


@dataclass
class ContractTerms:
    start_date: date
    engineers: int
    monthly_rate_cents: int
    currency: str
    client_id: int | None = None


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError("invalid", message, {field: [message]})


def raise_refusal(refusal: Refusal) -> None:
    fields = {refusal.field: [refusal.message]} if refusal.field else None
    raise ServiceError(refusal.code, refusal.message, fields)


def check_currency(currency: str) -> None:
    if currency.upper() != current_app.config["CURRENCY"]:
        raise ServiceError(
            "currency_not_supported",
            f"This installation works in {current_app.config['CURRENCY']} only.",
            {"currency": [f"Only {current_app.config['CURRENCY']} is accepted."]},
        )


@use_case(retry_on_conflict=True)
def convert_lead(lead_id: int, terms: ContractTerms, actor: User) -> Contract:
    """Any open lead → won: the client (reused for the same company, or the one picked),
    the lead's person as its primary contact, and the contract; emails the guarantee
    deadline to the client and queues the sales owner's reminder. A concurrent conversion
    that created the same client first makes the retry reuse that client."""
    lead = lock_lead(lead_id)
    refusal = lead_action_refusal(CONVERT, lead.status)
    if refusal is not None:
        raise ServiceError("illegal_transition", refusal, {"status": [refusal]})
    check_currency(terms.currency)
    _check_start_date(terms.start_date)
    status_before = lead.status
    client = _client_for(lead, terms.client_id)
    existing_customer = _has_contract(client)
    if existing_customer:
        _add_contact(client, lead)
    else:
        _make_primary_contact(client, lead)
    ends_on = guarantee_ends_on(terms.start_date, current_app.config["GUARANTEE_GRACE_DAYS"])
    contract = Contract(
        client=client,
        lead_id=lead.id,
        start_date=terms.start_date,
        guarantee_ends_on=ends_on,
        engineers=terms.engineers,
        monthly_rate_cents=terms.monthly_rate_cents,
        currency=terms.currency.upper(),
        created_by=actor,
    )
    db.session.add(contract)
    db.session.flush()
    mark_won(
        lead,
        actor,
        f"Converted: client {client.name}, contract #{contract.id} starting {terms.start_date}.",
    )
    audit.record(
        "lead.converted",
        "lead",
        lead.id,
        {
            "status": [plain(status_before), plain(lead.status)],
            "client_id": [None, client.id],
            "contract_id": [None, contract.id],
        },
    )
    contact = primary_contact(client)
    if contact is not None:
        _enqueue_guarantee_deadline(contract, contact)
    _enqueue_owner_reminder(contract, lead)
    lead_converted.send(
        "billing", contract=contract, lead=lead, into_existing_client=existing_customer
    )
    return contract


@use_case(retry_on_conflict=True)
def convert_lead_resources(lead_id: int, terms: ContractTerms, actor: User) -> dict:
    """`convert_lead`, answered as the client and contract resources read inside its
    transaction: a connection lost after the commit cannot turn the saved conversion into an
    error."""
    contract = convert_lead(lead_id, terms, actor)
    (client,) = client_resources([contract.client])
    return {"client": client, "contract": contract_to_dict(contract)}


def _check_start_date(start_date: date) -> None:
    if not is_supported_date(start_date):
        raise _invalid("start_date", "A date between 1900 and 9998.")


def _client_for(lead: Lead, client_id: int | None) -> Client:
    if client_id is not None:
        client = db.session.get(Client, client_id)
        if client is None:
            raise _invalid("client_id", "No such client.")
        return client
    client = db.session.scalar(
        sa.select(Client).where(Client.company_key == lead.company_key).with_for_update()
    )
    if client is not None:
        return client
    domain = email_domain(lead.email)
    client = Client(
        name=lead.company,
        company_key=lead.company_key,
        domain=None if is_free_mail(domain, free_mail_domains()) else domain,
    )
    db.session.add(client)
    db.session.flush()
    return client


def _has_contract(client: Client) -> bool:
    query = sa.select(Contract.id).where(Contract.client_id == client.id).limit(1)
    return client.id is not None and db.session.scalar(query) is not None


def _add_contact(client: Client, lead: Lead) -> None:
    """Converting into a client that already has a contract (SPEC §3): the lead's person
    joins as `other`, and is primary only when the client has no primary contact."""
    has_primary = any(c.role == ContactRole.PRIMARY for c in client.contacts)
    contact = _contact_of(client, lead, ContactRole.OTHER)
    if not has_primary:
        contact.role = ContactRole.PRIMARY


def _make_primary_contact(client: Client, lead: Lead) -> ClientContact:
    """The lead's person becomes the primary contact; a previous primary stays as `other`."""
    for existing in client.contacts:
        if existing.email != lead.email and existing.role == ContactRole.PRIMARY:
            existing.role = ContactRole.OTHER
    contact = _contact_of(client, lead, ContactRole.PRIMARY)
    contact.role = ContactRole.PRIMARY
    return contact


def _contact_of(client: Client, lead: Lead, new_role: ContactRole) -> ClientContact:
    """The client's contact with the lead's email, added with `new_role` if there is none."""
    contact = next((c for c in client.contacts if c.email == lead.email), None)
    if contact is None:
        contact = ClientContact(
            client=client,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            role=new_role,
        )
        db.session.add(contact)
    return contact


def primary_contact(client: Client) -> ClientContact | None:
    return next((c for c in client.contacts if c.role == ContactRole.PRIMARY), None)


def reminder_key(contract: Contract) -> str:
    return f"guarantee_reminder:{contract.id}"


def _reminder_send_after(contract: Contract) -> datetime:
    """9:00 in the company time zone a week before the window closes (now, if that passed)."""
    day = reminder_date(contract.guarantee_ends_on)
    moment = local_moment_utc(day, time(REMINDER_HOUR), current_app.config["TIMEZONE"])
    return max(moment, utcnow())


def _enqueue_guarantee_deadline(contract: Contract, contact: ClientContact) -> None:
    enqueue("guarantee_deadline", contact.email, {"contract": contract, "contact": contact})


def _enqueue_owner_reminder(contract: Contract, lead: Lead) -> None:
    recipient = lead.owner.email if lead.owner else current_app.config["SALES_INBOX"]
    context = {
        "contract": contract,
        "client": contract.client,
        "contract_url": absolute_url("billing_staff.contract", contract_id=contract.id),
    }
    enqueue(
        "guarantee_reminder",
        recipient,
        context,
        send_after=_reminder_send_after(contract),
        dedupe_key=reminder_key(contract),
    )


def cancel_reminder(contract: Contract, why: str) -> None:
    """The sales owner's guarantee reminder no longer applies."""
    cancel_pending(reminder_key(contract), why)


def first_contract(client_id: int) -> Contract:
    """The client's contract with the earliest `start_date` (SPEC §4): the one that carries
    the guarantee and starts the commission months."""
    query = (
        sa.select(Contract)
        .where(Contract.client_id == client_id)
        .order_by(Contract.start_date, Contract.id)
        .limit(1)
    )
    return db.session.scalar(query)


def get_contract(contract_id: int) -> Contract | None:
    return db.session.get(Contract, contract_id)


def contract_invoices(contract_id: int) -> list[Invoice]:
    query = sa.select(Invoice).where(Invoice.contract_id == contract_id)
    return list(db.session.scalars(query.order_by(Invoice.period_start, Invoice.id)))


def _state_of(contract: Contract, today: date) -> tuple:
    """The facts billing.rules decides a contract's actions by."""
    reason = contract.termination_reason.value if contract.termination_reason else None
    return contract.status.value, reason, contract.start_date, today


def allowed_contract_actions(contract: Contract, today: date) -> frozenset[str]:
    """What a page may offer on this contract (billing.rules decides)."""
    return contract_actions(*_state_of(contract, today))


def refuse_unless_allowed(action: str, contract: Contract, today: date) -> None:
    refusal = contract_refusal(action, *_state_of(contract, today))
    if refusal is not None:
        raise_refusal(refusal)


def contract_state(contract: Contract) -> dict:
    """The contract fields (§8) that ending or moving it change, for the audit log."""
    return {
        "status": contract.status,
        "start_date": contract.start_date,
        "end_date": contract.end_date,
        "termination_reason": contract.termination_reason,
        "guarantee_ends_on": contract.guarantee_ends_on,
    }


def lock_client_of(contract_id: sa.ColumnElement | int) -> None:
    """Row-lock the client of a contract before any of its contracts or invoices: every
    money event takes its locks in this order (client, contract, invoice), so a commission
    cap reconciling all the client's invoices (SPEC §16) cannot deadlock with another event
    of the same client (PostgreSQL; SQLite writes one at a time)."""
    client_id = sa.select(Contract.client_id).where(Contract.id == contract_id).scalar_subquery()
    db.session.execute(sa.select(Client.id).where(Client.id == client_id).with_for_update())


def contract_event(contract: Contract, detail: str, actor: User | None) -> None:
    """An entry on the timeline of the contract's lead (an imported contract has none)."""
    if contract.lead_id is not None:
        record_event(contract.lead_id, "contract", detail, actor)


def _lock_contract(contract_id: int) -> Contract:
    lock_client_of(contract_id)
    contract = db.session.scalar(
        sa.select(Contract).where(Contract.id == contract_id).with_for_update()
    )
    if contract is None:
        raise ServiceError("not_found", "No such contract.")
    return contract


@use_case
def change_start_date(
    contract_id: int, start_date: date, actor: User, today: date | None = None
) -> Contract:
    """Until the start date has passed; the guarantee window and the reminder move with it."""
    today = today or business_today()
    contract = _lock_contract(contract_id)
    refuse_unless_allowed(START_DATE, contract, today)
    _check_start_date(start_date)
    if start_date < today:
        raise _invalid("start_date", "The new start date is in the past.")
    if start_date != contract.start_date:
        old, before = contract.start_date, contract_state(contract)
        contract.start_date = start_date
        contract.guarantee_ends_on = guarantee_ends_on(
            start_date, current_app.config["GUARANTEE_GRACE_DAYS"]
        )
        audit.record(
            "contract.start_date_changed",
            "contract",
            contract.id,
            changed(before, contract_state(contract)),
        )
        contract_event(contract, f"Contract #{contract.id} start date {old} → {start_date}.", actor)
        reschedule_pending(reminder_key(contract), _reminder_send_after(contract))
        contact = primary_contact(contract.client)
        if contact is not None:
            _enqueue_guarantee_deadline(contract, contact)
    return contract


@use_case
def end_contract(
    contract_id: int, end_date: date, reason: str, note: str | None, actor: User
) -> Contract:
    """Finance ends a contract (not the guarantee: that is a claim)."""
    contract = _lock_contract(contract_id)
    try:
        termination = TerminationReason(reason)
    except ValueError:
        termination = None
    if termination not in ENDABLE_REASONS:
        raise _invalid("reason", "One of client_ended, non_payment, other.")
    refuse_unless_allowed(END, contract, business_today())
    if end_date < contract.start_date:
        raise _invalid("end_date", "The end date is before the start date.")
    before = contract_state(contract)
    contract.status = ContractStatus.TERMINATED
    contract.end_date = end_date
    contract.termination_reason = termination
    contract.termination_note = note
    audit.record(
        "contract.ended", "contract", contract.id, changed(before, contract_state(contract))
    )
    contract_event(
        contract, f"Contract #{contract.id} ended {end_date} ({termination.value}).", actor
    )
    cancel_reminder(contract, "Cancelled: the contract ended.")
    return contract
