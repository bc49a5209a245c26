"""Lead use cases. Each `@use_case` function is one unit of work (core.unit_of_work)."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from auth.models import Role, User
from core.company import company_key, free_mail_domains
from core.db import utcnow
from core.extensions import db
from core.service_errors import ServiceError
from core.today import business_today
from core.unit_of_work import use_case
from core.urls import absolute_url
from leads.models import Lead, LeadEvent, LeadSearchTerm, LeadSubmission
from leads.rules import (
    OPEN_STATUSES,
    LeadSource,
    LeadStatus,
    StartTimeline,
    normalise_referral_code,
    search_terms,
    transition_error,
)
from leads.serialize import lead_to_dict
from leads.signals import lead_created
from notifications.services import enqueue
from notifications.webhooks import emit

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
ROUND_ROBIN = "round_robin"


class LeadError(ServiceError):
    """A change to a lead that the rules refuse."""


@dataclass
class Arrival:
    """Where a submission came from: captured by the view, stored with the lead."""

    source: LeadSource
    client_address: str | None = None
    landing_page: str | None = None
    http_referrer: str | None = None
    utm: dict = field(default_factory=dict)
    actor: User | None = None
    owner_choice: str = ROUND_ROBIN
    cookie_code: str | None = None


@dataclass
class SubmitResult:
    lead: Lead
    created: bool


@use_case(retry_on_conflict=True)
def submit_lead(data: dict, arrival: Arrival) -> SubmitResult:
    """A new lead, or another submission on the open lead with the same email. A concurrent
    twin that created the lead first makes the retry find it and add a submission."""
    existing = _open_lead_with_email(data["email"])
    if existing is not None:
        _add_submission(existing, data, arrival)
        _enqueue_confirmation(existing, arrival)
        return SubmitResult(existing, created=False)
    return SubmitResult(_create_lead(data, arrival), created=True)


def _open_lead_with_email(email: str) -> Lead | None:
    query = sa.select(Lead).where(Lead.email == email, Lead.status.in_(OPEN_STATUSES))
    return db.session.scalar(query.options(selectinload(Lead.owner)).with_for_update())


def _submission_payload(data: dict, arrival: Arrival) -> dict:
    return {**data, **{key: arrival.utm.get(key) for key in UTM_FIELDS if arrival.utm.get(key)}}


def _add_submission(lead: Lead, data: dict, arrival: Arrival) -> None:
    db.session.add(
        LeadSubmission(
            lead_id=lead.id,
            source=arrival.source,
            payload=_submission_payload(data, arrival),
            referral_code=normalise_referral_code(data.get("referral_code")),
            client_address=arrival.client_address,
        )
    )
    lead.submissions_count += 1
    detail = f"Another submission arrived ({arrival.source.value})."
    if data.get("referral_code"):
        detail += f" It carried referral code {data['referral_code']}; attribution unchanged."
    _record(lead, "submission", detail, arrival.actor)


def _create_lead(data: dict, arrival: Arrival) -> Lead:
    config = current_app.config
    now = utcnow()
    key = company_key(data["email"], data["company"], free_mail_domains())
    consent = data.get("consent") and arrival.source in (LeadSource.FORM, LeadSource.API)
    lead = Lead(
        source=arrival.source,
        status=LeadStatus.NEW,
        first_name=data["first_name"],
        last_name=data["last_name"],
        company=data["company"],
        company_key=key,
        email=data["email"],
        roles=data.get("roles") or [],
        headcount=data.get("headcount"),
        consent_version=config["CONSENT_VERSION"] if consent else None,
        consented_at=now if consent else None,
        message=data.get("message"),
        phone=data.get("phone"),
        website=data.get("website"),
        job_title=data.get("job_title"),
        seniority=data.get("seniority"),
        tech_stack=data.get("tech_stack"),
        start_timeline=StartTimeline(data["start_timeline"])
        if data.get("start_timeline")
        else None,
        marketing_opt_in=bool(data.get("marketing_opt_in")),
        referral_code=normalise_referral_code(data.get("referral_code") or arrival.cookie_code),
        landing_page=arrival.landing_page,
        http_referrer=arrival.http_referrer,
        client_address=arrival.client_address,
        possible_duplicate_of=_latest_open_lead_of_company(key),
        created_by=arrival.actor,
        created_at=now,
        **{key_: (data.get(key_) or arrival.utm.get(key_)) for key_ in UTM_FIELDS},
    )
    lead.owner = _choose_owner(arrival.owner_choice)
    db.session.add(lead)
    db.session.flush()
    index_search_terms(lead)
    db.session.add(
        LeadSubmission(
            lead_id=lead.id,
            source=arrival.source,
            payload=_submission_payload(data, arrival),
            referral_code=normalise_referral_code(data.get("referral_code")),
            client_address=arrival.client_address,
        )
    )
    _record(lead, "created", f"Lead created ({arrival.source.value}).", arrival.actor)
    replies = lead_created.send(lead, today=business_today())
    emit("lead.created", lambda: lead_to_dict(lead))
    if lead.owner is not None:
        _record(lead, "owner", f"Assigned to {lead.owner.email}.", arrival.actor)
    _enqueue_new_lead(lead, _merged_replies(replies))
    _enqueue_confirmation(lead, arrival)
    return lead


def _merged_replies(replies: list[tuple[object, dict | None]]) -> dict:
    """What `lead_created` receivers add to the new-lead email (the referrer's name)."""
    merged = {}
    for _receiver, reply in replies:
        merged.update(reply or {})
    return merged


def _latest_open_lead_of_company(key: str) -> int | None:
    query = (
        sa.select(Lead.id)
        .where(Lead.company_key == key, Lead.status.in_(OPEN_STATUSES))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _choose_owner(choice: str) -> User | None:
    """`round_robin` (when the setting allows), `none`, or a staff email."""
    if choice == ROUND_ROBIN:
        return next_round_robin_owner() if current_app.config["ROUND_ROBIN"] else None
    if choice in ("", "none"):
        return None
    return _assignable_user(choice)


def next_round_robin_owner() -> User | None:
    """The active sales user who was given a lead longest ago (never first)."""
    query = (
        sa.select(User)
        .where(User.role == Role.SALES, User.active.is_(True))
        .order_by(User.last_assigned_at.asc().nulls_first(), User.id)
        .limit(1)
        .with_for_update()
    )
    user = db.session.scalar(query)
    if user is not None:
        user.last_assigned_at = utcnow()
    return user


def _assignable_user(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise LeadError(
            "invalid",
            "No active staff account has that email.",
            {"owner_email": ["No active staff account has that email."]},
        )
    return user


def _record(lead: Lead, kind: str, detail: str, actor: User | None) -> None:
    record_event(lead.id, kind, detail, actor)


def _enqueue_new_lead(lead: Lead, extra_context: dict) -> None:
    recipient = lead.owner.email if lead.owner else current_app.config["SALES_INBOX"]
    context = {
        **extra_context,
        "lead": lead,
        "lead_url": absolute_url("leads_staff.detail", lead_id=lead.id),
    }
    enqueue("new_lead", recipient, context)


def _enqueue_confirmation(lead: Lead, arrival: Arrival) -> None:
    """Only prospects who wrote to us, at most once per address per calendar day."""
    if arrival.source not in (LeadSource.FORM, LeadSource.API):
        return
    today = business_today()
    context = {
        "reply_within_hours": current_app.config["REPLY_WITHIN_HOURS"],
        "booking_url": current_app.config["BOOKING_URL"],
    }
    enqueue(
        "lead_confirmation",
        lead.email,
        context,
        dedupe_key=f"lead_confirmation:{lead.email}:{today.isoformat()}",
    )


def get_lead(lead_id: int) -> Lead | None:
    return db.session.get(Lead, lead_id)


def lock_lead(lead_id: int) -> Lead:
    """The lead's row lock, with its owner (its answer names the owner, built from memory
    after the commit)."""
    lead = db.session.scalar(
        sa.select(Lead)
        .where(Lead.id == lead_id)
        .options(selectinload(Lead.owner))
        .with_for_update()
    )
    if lead is None:
        raise LeadError("not_found", "No such lead.")
    return lead


def _apply_status(lead: Lead, target: str, lost_reason: str | None, actor: User) -> None:
    try:
        target_status = LeadStatus(target)
    except ValueError:
        message = "Not a lead status."
        raise LeadError("invalid", message, {"status": [message]}) from None
    if target_status == lead.status:
        return
    problem = transition_error(lead.status, target_status, lost_reason)
    if problem is not None:
        if target_status == LeadStatus.LOST and lead.is_open:
            raise LeadError("invalid", problem, {"lost_reason": [problem]})
        raise LeadError("illegal_transition", problem, {"status": [problem]})
    detail = f"Status {lead.status.value} → {target_status.value}."
    if target_status == LeadStatus.LOST:
        lead.lost_reason = lost_reason.strip()
        detail += f" Reason: {lead.lost_reason}"
    elif lead.status == LeadStatus.LOST:
        lead.lost_reason = None
    lead.status = target_status
    _record(lead, "status", detail, actor)


def _apply_owner(lead: Lead, owner_email: str | None, actor: User) -> None:
    owner = _assignable_user(owner_email) if owner_email not in (None, "", "none") else None
    if owner == lead.owner:
        return
    lead.owner = owner
    _record(lead, "owner", f"Assigned to {owner.email}." if owner else "Unassigned.", actor)


_UNSET = object()


@use_case
def update_lead(
    lead_id: int,
    actor: User,
    *,
    status: str | None = None,
    lost_reason: str | None = None,
    owner_email: object = _UNSET,
) -> Lead:
    """Change status and/or owner in one transaction: all of it, or nothing."""
    lead = lock_lead(lead_id)
    status_before = lead.status
    if owner_email is not _UNSET:
        _apply_owner(lead, owner_email, actor)
    if status is not None:
        _apply_status(lead, status, lost_reason, actor)
    try:
        db.session.flush()
    except IntegrityError:
        message = "Another open lead already has this email, so this one cannot reopen."
        raise LeadError("illegal_transition", message, {"status": [message]}) from None
    if lead.status != status_before:
        emit("lead.status_changed", lambda: lead_to_dict(lead))
    return lead


@use_case
def add_note(lead_id: int, body: str, actor: User) -> LeadEvent:
    lead = lock_lead(lead_id)
    return record_event(lead.id, "note", body.strip(), actor)


def index_search_terms(lead: Lead, *, replace: bool = False) -> None:
    """The lead's rows in the word-start search index (`replace`: after its name, company
    or email changed)."""
    if replace:
        db.session.execute(sa.delete(LeadSearchTerm).where(LeadSearchTerm.lead_id == lead.id))
    db.session.add_all(
        LeadSearchTerm(lead_id=lead.id, term=term)
        for term in search_terms(lead.first_name, lead.last_name, lead.company, lead.email)
    )


def record_event(lead_id: int, kind: str, detail: str, actor: User | None) -> LeadEvent:
    """The timeline API for other packages (contracts, attribution): an entry on the lead's
    timeline, inside the caller's unit of work."""
    event = LeadEvent(lead_id=lead_id, kind=kind, detail=detail, actor=actor)
    db.session.add(event)
    return event


def mark_won(lead: Lead, actor: User | None, detail: str) -> None:
    """Conversion (billing) is the only way to `won`; the caller holds the lead's lock."""
    lead.status = LeadStatus.WON
    record_event(lead.id, "status", detail, actor)
    emit("lead.won", lambda: lead_to_dict(lead))


def timeline(lead_id: int) -> list[LeadEvent]:
    """Newest first, each entry with who made it."""
    query = (
        sa.select(LeadEvent)
        .where(LeadEvent.lead_id == lead_id)
        .options(joinedload(LeadEvent.actor))
        .order_by(LeadEvent.created_at.desc(), LeadEvent.id.desc())
    )
    return list(db.session.scalars(query))


def lead_page(lead_id: int) -> Lead | None:
    """A lead with its owner, for its page."""
    query = sa.select(Lead).where(Lead.id == lead_id).options(joinedload(Lead.owner))
    return db.session.scalar(query)
