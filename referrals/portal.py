"""The referrer portal: emailed single-use sign-in links, a 30-day portal session, what a
referrer may see of their referrals, and referring a company."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from core import audit
from core.audit import Actor
from core.db import utcnow
from core.extensions import db
from core.service_errors import ServiceError
from core.time import local_day_start_utc
from core.today import business_today
from core.tokens import new_secret, secret_hash
from core.unit_of_work import use_case
from core.urls import absolute_url
from leads.models import Lead, LeadSubmission
from leads.rules import AttributionStatus, LeadSource, LeadStatus
from leads.services import Arrival, submit_lead
from notifications.services import enqueue
from referrals.models import PortalSession, PortalToken, Referrer, ReferrerStatus

TOKEN_LIFETIME = timedelta(minutes=30)
SESSION_DAYS = 30
SESSION_COOKIE = "portal_session"
REFERRALS_PER_DAY = 20

RECEIVED, IN_PROGRESS, CLIENT, NOT_ELIGIBLE, CLOSED = (
    "received",
    "in progress",
    "became a client",
    "not eligible",
    "closed",
)


@use_case
def request_sign_in(email: str) -> None:
    """Mail a link to a known referrer (not a rejected one); say nothing either way."""
    referrer = db.session.scalar(sa.select(Referrer).where(Referrer.email == email))
    if referrer is None or referrer.status == ReferrerStatus.REJECTED:
        return
    token = new_secret()
    db.session.add(
        PortalToken(
            referrer_id=referrer.id,
            token_hash=secret_hash(token),
            expires_at=utcnow() + TOKEN_LIFETIME,
        )
    )
    link = absolute_url("portal.confirm_sign_in", token=token)
    enqueue("portal_sign_in", referrer.email, {"referrer": referrer, "link": link})


def token_is_usable(token: str) -> bool:
    query = sa.select(PortalToken.id).where(
        PortalToken.token_hash == secret_hash(token),
        PortalToken.used_at.is_(None),
        PortalToken.expires_at > utcnow(),
    )
    return db.session.scalar(query) is not None


@use_case
def redeem(token: str) -> Referrer | None:
    """Use the token up (once, within 30 minutes): a conditional UPDATE, so two clicks
    cannot both succeed."""
    now = utcnow()
    used = db.session.execute(
        sa.update(PortalToken)
        .where(
            PortalToken.token_hash == secret_hash(token),
            PortalToken.used_at.is_(None),
            PortalToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(PortalToken.referrer_id)
    ).scalar()
    if used is None:
        return None
    referrer = db.session.get(Referrer, used)
    actor = Actor("referrer", referrer.id, referrer.email)
    audit.record("auth.signed_in", "referrer", referrer.id, actor=actor)
    return referrer


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="portal-session")


@use_case
def start_portal_session(referrer: Referrer) -> str:
    """The cookie's value: a signed random key whose hash names the session's row."""
    key = new_secret()
    db.session.add(PortalSession(referrer_id=referrer.id, key_hash=secret_hash(key)))
    return _serializer().dumps(key)


def _session_key(value: str | None) -> str | None:
    if not value:
        return None
    try:
        key = _serializer().loads(value, max_age=SESSION_DAYS * 86_400)
    except BadSignature:
        return None
    return key if isinstance(key, str) else None


def referrer_from_session(value: str | None) -> Referrer | None:
    """The referrer of a session not yet ended (and not rejected since)."""
    key = _session_key(value)
    if key is None:
        return None
    referrer = db.session.scalar(
        sa.select(Referrer)
        .join(PortalSession, PortalSession.referrer_id == Referrer.id)
        .where(PortalSession.key_hash == secret_hash(key), PortalSession.ended_at.is_(None))
    )
    if referrer is None or referrer.status == ReferrerStatus.REJECTED:
        return None
    return referrer


@use_case
def end_portal_session(value: str | None) -> None:
    """Signing out ends the session for good: the same cookie, replayed, opens nothing."""
    key = _session_key(value)
    if key is None:
        return
    db.session.execute(
        sa.update(PortalSession)
        .where(PortalSession.key_hash == secret_hash(key), PortalSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def stage(lead: Lead, referrer_id: int) -> str:
    """The coarse stage a referrer sees; nothing more of the lead."""
    if lead.attribution_status == AttributionStatus.REFUSED or lead.referrer_id != referrer_id:
        return NOT_ELIGIBLE
    if lead.status == LeadStatus.WON:
        return CLIENT
    if lead.status == LeadStatus.LOST:
        return CLOSED
    if lead.status == LeadStatus.NEW:
        return RECEIVED
    return IN_PROGRESS


def referrals_of(referrer: Referrer) -> list[Lead]:
    """Leads that came with this referrer's code, or that staff attributed to them."""
    query = (
        sa.select(Lead)
        .where(sa.or_(Lead.referrer_id == referrer.id, Lead.code_referrer_id == referrer.id))
        .order_by(Lead.created_at.desc(), Lead.id.desc())
    )
    return list(db.session.scalars(query))


@use_case
def refer_company(referrer: Referrer, data: dict) -> Lead:
    """A lead from the portal form, attributed under the same rules as a code; at most
    20 a day (in TIMEZONE). The referrer's row is locked first, so concurrent referrals
    count one after the other and the cap holds (SQLite's use cases already write one at a
    time)."""
    db.session.execute(sa.select(Referrer.id).where(Referrer.id == referrer.id).with_for_update())
    if referrer.code is None:
        raise ServiceError("illegal_transition", "Your account is not approved yet.")
    day_start = local_day_start_utc(business_today(), current_app.config["TIMEZONE"])
    today_count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LeadSubmission)
        .where(
            LeadSubmission.referral_code == referrer.code,
            LeadSubmission.source == LeadSource.REFERRAL,
            LeadSubmission.created_at >= day_start,
        )
    )
    if today_count >= REFERRALS_PER_DAY:
        raise ServiceError("rate_limited", f"At most {REFERRALS_PER_DAY} referrals a day.")
    message = "\n\n".join(part for part in (data.get("needs"), data.get("note")) if part)
    fields = {
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
        "company": data["company"],
        "message": message or None,
        "referral_code": referrer.code,
    }
    return submit_lead(fields, Arrival(source=LeadSource.REFERRAL)).lead
