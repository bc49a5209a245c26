"""Lead use cases. Each `@use_case` function is one unit of work (core.unit_of_work)."""

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

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
    STAFF_SOURCES,
    LeadSource,
    LeadStatus,
    StartTimeline,
    next_action_errors,
    normalise_referral_code,
    search_terms,
    transition_error,
)
from leads.serialize import lead_to_dict
from leads.signals import lead_created
from notifications.services import cancel_pending_like, enqueue
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
    if lead.source not in STAFF_SOURCES:
        _enqueue_still_waiting(lead)
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


def next_round_robin_owner(skip_id: int | None = None) -> User | None:
    """The active, available sales user who was given a lead longest ago (never first);
    None when nobody is available (the lead stays unassigned and goes to SALES_INBOX)."""
    query = (
        sa.select(User)
        .where(
            User.role == Role.SALES,
            User.active.is_(True),
            User.available.is_(True),
            User.id != (skip_id or 0),
        )
        .order_by(User.last_assigned_at.asc().nulls_first(), User.id)
        .limit(1)
        .with_for_update()
    )
    user = db.session.scalar(query)
    if user is not None:
        user.last_assigned_at = utcnow()
    return user


def _assignable_user(email: str, field: str = "owner_email", *, active: bool = True) -> User:
    """The staff account of `email`, refused under `field` when there is none (or, with
    `active`, when it is deactivated: a departed user's leads can still be moved away)."""
    user = db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    if user is None or (active and not user.active):
        message = (
            "No active staff account has that email."
            if active
            else ("No staff account has that email.")
        )
        raise LeadError("invalid", message, {field: [message]})
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


def _still_waiting_key(lead: Lead) -> str:
    """Unique per recipient and time (a lead may go back to an earlier owner); the prefix
    up to the id is what cancels it."""
    return f"lead_waiting:{lead.id}:{lead.owner_id or 'inbox'}:{secrets.token_hex(4)}"


def _enqueue_still_waiting(lead: Lead) -> None:
    """Speed to lead (SPEC §13): one "still waiting" email to the owner (or SALES_INBOX),
    sent FIRST_CONTACT_HOURS after creation unless the lead has left `new` by then. Only for
    leads that came in by themselves (the hire form, the API, a referral): one staff entered
    by hand (outbound, event, phone, partner, other) has been spoken to."""
    hours = current_app.config["FIRST_CONTACT_HOURS"]
    recipient = lead.owner.email if lead.owner else current_app.config["SALES_INBOX"]
    context = {
        "lead": lead,
        "hours": f"{hours:g}",
        "lead_url": absolute_url("leads_staff.detail", lead_id=lead.id),
    }
    enqueue(
        "lead_waiting",
        recipient,
        context,
        send_after=lead.created_at + timedelta(hours=hours),
        dedupe_key=_still_waiting_key(lead),
    )


def _cancel_still_waiting(lead: Lead, why: str) -> None:
    cancel_pending_like(f"lead_waiting:{lead.id}:", why)


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
        _clear_next_action(lead)
    elif lead.status == LeadStatus.LOST:
        lead.lost_reason = None
    if lead.status == LeadStatus.NEW:
        _cancel_still_waiting(lead, "The lead left new.")
    lead.status = target_status
    _record(lead, "status", detail, actor)


def _clear_next_action(lead: Lead) -> None:
    """A closed lead (won, lost) has nothing next."""
    lead.next_action_on = None
    lead.next_action = None


def _apply_next_action(lead: Lead, on: date | None, text: str | None, actor: User) -> None:
    text = (text or "").strip() or None
    errors = next_action_errors(lead.status, on, text, business_today())
    if errors:
        raise LeadError("invalid", next(iter(errors.values()))[0], errors)
    if (on, text) == (lead.next_action_on, lead.next_action):
        return
    lead.next_action_on, lead.next_action = on, text
    if on is None and text is None:
        _record(lead, "next_action", "Next action cleared.", actor)
        return
    when = f" on {on.isoformat()}" if on else ""
    _record(lead, "next_action", f"Next action{when}: {text or '(no description)'}", actor)


def _apply_owner(lead: Lead, owner_email: str | None, actor: User) -> None:
    owner = _assignable_user(owner_email) if owner_email not in (None, "", "none") else None
    if owner == lead.owner:
        return
    _assign(lead, owner, actor, f"Assigned to {owner.email}." if owner else "Unassigned.")


def _assign(lead: Lead, owner: User | None, actor: User | None, detail: str) -> None:
    """A new owner; a `new` lead's pending "still waiting" email follows it."""
    waiting = lead.status == LeadStatus.NEW and _waiting_email_due(lead)
    if waiting:
        _cancel_still_waiting(lead, "The lead changed owner.")
    lead.owner = owner
    lead.owner_id = owner.id if owner else None
    if waiting:
        _enqueue_still_waiting(lead)
    _record(lead, "owner", detail, actor)


def _waiting_email_due(lead: Lead) -> bool:
    hours = current_app.config["FIRST_CONTACT_HOURS"]
    return lead.created_at + timedelta(hours=hours) > utcnow()


_UNSET = object()


@use_case
def update_lead(
    lead_id: int,
    actor: User,
    *,
    status: str | None = None,
    lost_reason: str | None = None,
    owner_email: object = _UNSET,
    next_action_on: object = _UNSET,
    next_action: object = _UNSET,
) -> Lead:
    """Change status, owner and/or next action in one transaction: all of it, or nothing."""
    lead = lock_lead(lead_id)
    _change(lead, actor, status, lost_reason, owner_email, next_action_on, next_action)
    return lead


def _change(lead, actor, status, lost_reason, owner_email, next_action_on, next_action) -> None:
    status_before = lead.status
    if owner_email is not _UNSET:
        _apply_owner(lead, owner_email, actor)
    if next_action_on is not _UNSET or next_action is not _UNSET:
        _apply_next_action(
            lead,
            lead.next_action_on if next_action_on is _UNSET else next_action_on,
            lead.next_action if next_action is _UNSET else next_action,
            actor,
        )
    if status is not None:
        _apply_status(lead, status, lost_reason, actor)
    try:
        db.session.flush()
    except IntegrityError:
        message = "Another open lead already has this email, so this one cannot reopen."
        raise LeadError("illegal_transition", message, {"status": [message]}) from None
    if lead.status != status_before:
        emit("lead.status_changed", lambda: lead_to_dict(lead))


@dataclass
class BulkResult:
    """A bulk change: the leads changed, and each refused one with its reason."""

    done: list[Lead] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


@use_case
def bulk_update(
    lead_ids: list[int],
    actor: User,
    *,
    status: str | None = None,
    lost_reason: str | None = None,
    owner_email: object = _UNSET,
) -> BulkResult:
    """The same change on each selected lead, by the rules of one at a time: a refused lead
    is listed with its reason (its own savepoint undoes any part of it), the rest done."""
    result = BulkResult()
    for lead_id in sorted(set(lead_ids)):
        try:
            with db.session.begin_nested():
                lead = lock_lead(lead_id)
                _change(lead, actor, status, lost_reason, owner_email, _UNSET, _UNSET)
        except LeadError as error:
            result.refused.append((lead_id, str(error)))
        else:
            result.done.append(lead)
    return result


@dataclass
class Reassignment:
    """Who got how many of the moved leads."""

    moved: int
    by_owner: dict[str, list[Lead]]


@use_case
def reassign_leads(from_email: str, to_email: str, actor: User) -> Reassignment:
    """Every open lead of one user to another, or spread round-robin over the available
    sales users (SPEC §13): each lead's timeline says so, each new owner gets one summary."""
    source = _assignable_user(from_email, "from_owner_email", active=False)
    target = None if to_email == ROUND_ROBIN else _assignable_user(to_email, "to_owner_email")
    if target is not None and target.id == source.id:
        message = "Choose another user to move the leads to."
        raise LeadError("invalid", message, {"to_owner_email": [message]})
    leads = db.session.scalars(
        sa.select(Lead)
        .where(Lead.owner_id == source.id, Lead.status.in_(OPEN_STATUSES))
        .order_by(Lead.created_at, Lead.id)
        .with_for_update()
    ).all()
    by_owner: dict[str, list[Lead]] = {}
    for lead in leads:
        owner = target or next_round_robin_owner(skip_id=source.id)
        if owner is None:
            message = "No other sales user is available for round-robin."
            raise LeadError("invalid", message, {"to_owner_email": [message]})
        _assign(lead, owner, actor, f"Reassigned from {source.email} to {owner.email}.")
        by_owner.setdefault(owner.email, []).append(lead)
    for email, moved in by_owner.items():
        context = {
            "leads": moved,
            "from_email": source.email,
            "list_url": absolute_url("leads_staff.index", owner=email),
        }
        enqueue("leads_reassigned", email, context)
    return Reassignment(len(leads), by_owner)


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
    if lead.status == LeadStatus.NEW:
        _cancel_still_waiting(lead, "The lead left new.")
    _clear_next_action(lead)
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
