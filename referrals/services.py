"""Referrers joining the program, staff decisions, and attribution of leads to referrers."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import orm

from auth.models import User
from auth.services import find_user
from billing.models import Client, ClientContact, Contract, ContractStatus, GuaranteeClaim
from billing.services import first_contract
from core import audit
from core.audit import changed, plain
from core.company import free_mail_domains
from core.db import utcnow
from core.extensions import db
from core.service_errors import ServiceError
from core.time import is_supported_date
from core.unit_of_work import use_case
from core.urls import absolute_url
from leads.models import Lead
from leads.rules import (
    CHANGE_ATTRIBUTION,
    AttributionStatus,
    lead_action_refusal,
    normalise_referral_code,
)
from leads.services import lock_lead, record_event
from notifications.services import enqueue
from notifications.webhooks import emit
from referrals.attribution import ReferrerFacts, refusal_reason, signup_refusal
from referrals.codes import new_code
from referrals.models import Referrer, ReferrerStatus, Relationship
from referrals.serialize import referrer_to_dict
from referrals.settings import current_terms

EXISTING_CUSTOMER_MONTHS = 12
DECISIONS = {
    "approve": ((ReferrerStatus.PENDING,), ReferrerStatus.ACTIVE),
    "reject": ((ReferrerStatus.PENDING,), ReferrerStatus.REJECTED),
    "suspend": ((ReferrerStatus.ACTIVE,), ReferrerStatus.SUSPENDED),
    "reactivate": ((ReferrerStatus.SUSPENDED,), ReferrerStatus.ACTIVE),
}
PAST_TENSE = {
    "approve": "approved",
    "reject": "rejected",
    "suspend": "suspended",
    "reactivate": "reactivated",
}

NOTHING_EARNED = {"pending": 0, "approved": 0, "paid": 0}
"""A referrer's balance when signing up or first approved: attribution needs an active
referrer, so nothing can have been earned yet."""


@dataclass
class SignUp:
    referrer: Referrer | None
    created: bool


@use_case(retry_on_conflict=True)
def sign_up(data: dict, reveal_refusal: bool = False) -> SignUp:
    """A new pending referrer (active at once for a client contact). An address already
    registered, a staff address or one of the company's own domains changes nothing: the
    person is told by email and the caller answers as for a new sign-up (SPEC §14), unless
    `reveal_refusal` (staff using the API) asks for the refusal as an error. A concurrent
    sign-up of the same address makes the retry find it."""
    refusal = signup_refusal(
        data["email"], find_user(data["email"]) is not None, current_app.config["COMPANY_DOMAINS"]
    )
    if refusal is not None:
        if reveal_refusal:
            raise ServiceError("invalid", refusal, {"email": [refusal]})
        enqueue("referrer_not_eligible", data["email"], {"reason": refusal})
        return SignUp(None, created=False)
    existing = db.session.scalar(sa.select(Referrer).where(Referrer.email == data["email"]))
    if existing is not None:
        enqueue("referrer_already_registered", existing.email, _links(existing))
        return SignUp(existing, created=False)
    referrer = Referrer(
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"],
        company=data["company"],
        phone=data.get("phone"),
        relationship=Relationship(data["relationship"]),
        payout_email=data["payout_email"],
        terms_version=current_app.config["TERMS_VERSION"],
        terms_accepted_at=utcnow(),
    )
    db.session.add(referrer)
    db.session.flush()
    emit("referrer.signed_up", lambda: referrer_to_dict(referrer, NOTHING_EARNED, {}))
    if _is_client_contact(referrer.email):
        _activate(referrer, actor=None)
    return SignUp(referrer, created=True)


def _is_client_contact(email: str) -> bool:
    query = sa.select(ClientContact.id).where(ClientContact.email == email).limit(1)
    return db.session.scalar(query) is not None


def _links(referrer: Referrer) -> dict:
    links = {"referrer": referrer, "portal_url": absolute_url("portal.sign_in")}
    if referrer.code:
        links["referral_url"] = absolute_url("referrals_public.referral_link", code=referrer.code)
    return links


def _activate(referrer: Referrer, actor: User | None) -> None:
    """Active with a code (kept from an earlier approval); the referrer gets their link."""
    first_time = referrer.code is None
    if first_time:
        referrer.code = _unused_code()
    referrer.status = ReferrerStatus.ACTIVE
    referrer.decided_at, referrer.decided_by = utcnow(), actor
    if first_time:
        enqueue("referrer_approved", referrer.email, _links(referrer))
        emit("referrer.approved", lambda: referrer_to_dict(referrer, NOTHING_EARNED, {}))


def _unused_code() -> str:
    while True:
        code = new_code()
        if db.session.scalar(sa.select(Referrer.id).where(Referrer.code == code)) is None:
            return code


def get_referrer(referrer_id: int) -> Referrer | None:
    return db.session.get(Referrer, referrer_id)


def referrer_page(referrer_id: int) -> Referrer | None:
    """A referrer with who decided on them, for their page."""
    query = (
        sa.select(Referrer)
        .where(Referrer.id == referrer_id)
        .options(orm.joinedload(Referrer.decided_by))
    )
    return db.session.scalar(query)


@use_case
def decide(referrer_id: int, action: str, actor: User) -> Referrer:
    """approve / reject (pending), suspend (active), reactivate (suspended)."""
    referrer = db.session.scalar(
        sa.select(Referrer).where(Referrer.id == referrer_id).with_for_update()
    )
    if referrer is None:
        raise ServiceError("not_found", "No such referrer.")
    allowed_from, target = DECISIONS[action]
    if referrer.status not in allowed_from:
        raise ServiceError(
            "illegal_transition",
            f"A referrer who is {referrer.status.value} cannot be {PAST_TENSE[action]}.",
        )
    before = _referrer_state(referrer)
    if target == ReferrerStatus.ACTIVE:
        _activate(referrer, actor)
    else:
        referrer.status = target
        referrer.decided_at, referrer.decided_by = utcnow(), actor
    changes = changed(before, _referrer_state(referrer))
    audit.record("referrer.status_changed", "referrer", referrer.id, changes)
    return referrer


@use_case
def set_rate_override(referrer_id: int, rate_bp: int | None) -> Referrer:
    """An admin's per-referrer rate (None: the program's rate). Applies to attributions from
    now on; leads keep the terms already copied onto them."""
    if rate_bp is not None and not 0 <= rate_bp <= 10_000:
        raise ServiceError(
            "invalid",
            "The rate must be between 0 % and 100 %.",
            {"rate_bp": ["Between 0 and 10000 basis points (0 % to 100 %)."]},
        )
    referrer = db.session.scalar(
        sa.select(Referrer).where(Referrer.id == referrer_id).with_for_update()
    )
    if referrer is None:
        raise ServiceError("not_found", "No such referrer.")
    if referrer.rate_bp != rate_bp:
        changes = {"rate_bp": [referrer.rate_bp, rate_bp]}
        audit.record("referrer.rate_changed", "referrer", referrer.id, changes)
    referrer.rate_bp = rate_bp
    return referrer


@use_case
def record_tax_form(referrer_id: int, on_file_on: date | None, today: date) -> Referrer:
    """Finance records the day the referrer's tax form was put on file (None: it is not, or
    no longer, on file). Not a day after `today`."""
    if on_file_on is not None and not is_supported_date(on_file_on):
        message = "A date between 1900 and 9998."
        raise ServiceError("invalid", message, {"tax_form_on_file_on": [message]})
    if on_file_on is not None and on_file_on > today:
        message = "That date is in the future."
        raise ServiceError("date_in_future", message, {"tax_form_on_file_on": [message]})
    referrer = db.session.scalar(
        sa.select(Referrer).where(Referrer.id == referrer_id).with_for_update()
    )
    if referrer is None:
        raise ServiceError("not_found", "No such referrer.")
    if referrer.tax_form_on_file_on != on_file_on:
        changes = {"tax_form_on_file_on": [plain(referrer.tax_form_on_file_on), plain(on_file_on)]}
        audit.record("referrer.tax_form_changed", "referrer", referrer.id, changes)
    referrer.tax_form_on_file_on = on_file_on
    return referrer


def referrers_with_codes() -> list[Referrer]:
    """Everyone who was ever approved: the choices of the lead list's referrer filter."""
    query = sa.select(Referrer).where(Referrer.code.is_not(None)).order_by(Referrer.last_name)
    return list(db.session.scalars(query))


def referrer_for_code(code: str | None) -> Referrer | None:
    code = normalise_referral_code(code)
    if code is None:
        return None
    return db.session.scalar(sa.select(Referrer).where(Referrer.code == code))


def company_is_existing_customer(key: str, lead_id: int | None, today: date) -> bool:
    """The company is a client with a contract active now or in the last 12 months, or a
    client imported without a contract (SPEC §16), or was a lead created in the last 12
    months (the lead itself excluded)."""
    since = today - relativedelta(months=EXISTING_CUSTOMER_MONTHS)
    recent_contract = (
        sa.select(Contract.id)
        .join(Client, Client.id == Contract.client_id)
        .where(
            Client.company_key == key,
            sa.or_(Contract.status == ContractStatus.ACTIVE, Contract.end_date >= since),
        )
        .limit(1)
    )
    if db.session.scalar(recent_contract) is not None:
        return True
    imported_without_contract = sa.select(Client.id).where(
        Client.company_key == key,
        Client.imported_on.is_not(None),
        ~sa.exists().where(Contract.client_id == Client.id),
    )
    if db.session.scalar(imported_without_contract) is not None:
        return True
    since_moment = utcnow() - relativedelta(months=EXISTING_CUSTOMER_MONTHS)
    recent_lead = sa.select(Lead.id).where(Lead.company_key == key, Lead.created_at >= since_moment)
    if lead_id is not None:
        recent_lead = recent_lead.where(Lead.id != lead_id)
    return db.session.scalar(recent_lead.limit(1)) is not None


def _facts(referrer: Referrer | None) -> ReferrerFacts | None:
    return None if referrer is None else ReferrerFacts(referrer.status.value, referrer.email)


def attribute_new_lead(lead: Lead, today: date) -> dict | None:
    """Receiver of `lead_created`, inside the lead's creation: attribute it to its code's
    referrer, or record why not. The new-lead email then names the referrer."""
    code = lead.referral_code
    if code is None:
        return None
    referrer = referrer_for_code(code)
    existing = company_is_existing_customer(lead.company_key, lead.id, today)
    reason = refusal_reason(_facts(referrer), lead.email, existing, free_mail_domains())
    lead.code_referrer_id = referrer.id if referrer else None
    if reason is not None:
        lead.attribution_status, lead.attribution_reason = AttributionStatus.REFUSED, reason
        _record(lead, f"Referral code {code} refused: {reason}.", actor=None)
        return None
    _attach(lead, referrer)
    _record(lead, f"Attributed to referrer {referrer.full_name} (code {code}).", actor=None)
    enqueue(
        "referral_received",
        referrer.email,
        {"referrer": referrer, "lead": lead, **_links(referrer)},
    )
    return {"referred_by": referrer.full_name}


def _attach(lead: Lead, referrer: Referrer) -> None:
    """Attributed, with the referrer's terms copied onto the lead for good."""
    terms = current_terms()
    lead.referrer_id = referrer.id
    lead.attribution_status, lead.attribution_reason = AttributionStatus.ATTRIBUTED, None
    lead.commission_rate_bp = (
        terms.commission_rate_bp if referrer.rate_bp is None else referrer.rate_bp
    )
    lead.commission_months = terms.commission_months
    lead.commission_bonus_cents = terms.bonus_cents
    lead.commission_cap_cents = terms.cap_cents
    lead.terms_version = referrer.terms_version


def _detach(lead: Lead) -> None:
    lead.referrer_id = None
    lead.attribution_status, lead.attribution_reason = AttributionStatus.NONE, None
    lead.commission_rate_bp = lead.commission_months = lead.commission_bonus_cents = None
    lead.commission_cap_cents = None
    lead.terms_version = None


def _attribution(lead: Lead) -> dict:
    return {
        "referrer_id": lead.referrer_id,
        "attribution_status": lead.attribution_status,
        "attribution_reason": lead.attribution_reason,
    }


def _audit_attribution(lead: Lead, before: dict, **extra) -> None:
    changes = {**changed(before, _attribution(lead)), **extra}
    audit.record("lead.attribution_changed", "lead", lead.id, changes)


def _referrer_state(referrer: Referrer) -> dict:
    return {"status": referrer.status, "code": referrer.code, "rate_bp": referrer.rate_bp}


def _record(lead: Lead, detail: str, actor: User | None) -> None:
    record_event(lead.id, "attribution", detail, actor)


def attribution_warnings(lead: Lead, referrer: Referrer, today: date) -> list[str]:
    """The refusal rules, shown to staff who change an attribution but not enforced."""
    existing = company_is_existing_customer(lead.company_key, lead.id, today)
    reason = refusal_reason(_facts(referrer), lead.email, existing, free_mail_domains())
    return [] if reason is None else [reason]


@use_case
def change_attribution(
    lead_id: int, referrer_id: int | None, reason: str, actor: User, today: date
) -> tuple[Lead, list[str]]:
    """Admin or finance, until the lead is won. The referrer who loses it is emailed."""
    lead = lock_lead(lead_id)
    refusal = lead_action_refusal(CHANGE_ATTRIBUTION, lead.status)
    if refusal is not None:
        raise ServiceError("illegal_transition", refusal)
    if not (reason or "").strip():
        raise ServiceError("invalid", "Say why.", {"reason": ["Say why."]})
    referrer = None
    if referrer_id is not None:
        referrer = get_referrer(referrer_id)
        if referrer is None:
            message = "No such referrer."
            raise ServiceError("invalid", message, {"referrer_id": [message]})
    previous = get_referrer(lead.referrer_id) if lead.referrer_id else None
    warnings = attribution_warnings(lead, referrer, today) if referrer else []
    before = _attribution(lead)
    if referrer is None:
        _detach(lead)
    else:
        _attach(lead, referrer)
    _audit_attribution(lead, before, reason=[None, reason.strip()])
    was = previous.full_name if previous else "nobody"
    now = referrer.full_name if referrer else "nobody"
    note = f" Warnings: {', '.join(warnings)}." if warnings else ""
    _record(lead, f"Attribution {was} → {now}. Reason: {reason.strip()}.{note}", actor)
    if previous is not None and previous != referrer:
        enqueue(
            "attribution_lost",
            previous.email,
            {"referrer": previous, "lead": lead, **_links(previous)},
        )
    return lead, warnings


def client_referral(client_id: int) -> tuple[Lead, Referrer] | None:
    """The client's one referrer (SPEC §3): the referrer of the lead of the client's first
    contract, when that lead is attributed. No later contract changes it."""
    first = first_contract(client_id)
    return None if first is None else contract_referral(first)


def contract_referral(contract: Contract) -> tuple[Lead, Referrer] | None:
    """The contract's lead and its referrer, when that lead is attributed."""
    query = (
        sa.select(Lead, Referrer)
        .join(Referrer, Referrer.id == Lead.referrer_id)
        .where(Lead.id == contract.lead_id)
    )
    row = db.session.execute(query).first()
    return None if row is None else (row[0], row[1])


def react_to_conversion(
    _sender, contract: Contract, lead: Lead, into_existing_client: bool
) -> None:
    """Receiver of `lead_converted`. Converting into a client that already has a contract
    refuses the lead's attribution as `existing_customer` (the client keeps the referrer of
    its first contract; the referrer sees "not eligible"); otherwise the referrer hears that
    their referral became a client."""
    referrer = get_referrer(lead.referrer_id) if lead.referrer_id else None
    if referrer is None:
        return
    if into_existing_client:
        before = _attribution(lead)
        _detach(lead)
        lead.attribution_status = AttributionStatus.REFUSED
        lead.attribution_reason = "existing_customer"
        lead.code_referrer_id = referrer.id
        _audit_attribution(lead, before)
        _record(
            lead,
            f"Attribution to {referrer.full_name} refused: existing_customer (converted into "
            f"{contract.client.name}, already a client).",
            actor=None,
        )
        return
    enqueue(
        "became_client",
        referrer.email,
        {
            "referrer": referrer,
            "client": contract.client,
            "portal_url": absolute_url("portal.home"),
        },
    )


def tell_referrer_of_claim(_sender, contract: Contract, claim: GuaranteeClaim) -> None:
    """Receiver of `claim_accepted`: the referrer hears it, without the complaint."""
    referred = client_referral(contract.client_id)
    if referred is None:
        return
    _lead, referrer = referred
    enqueue(
        "claim_accepted_referrer",
        referrer.email,
        {"client": contract.client, "referrer": referrer},
    )
