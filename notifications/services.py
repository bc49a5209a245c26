"""Enqueue emails inside the caller's transaction; list and resend them for admins."""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from email_validator import validate_email
from flask import current_app, render_template
from sqlalchemy.exc import IntegrityError

from core.db import utcnow
from core.extensions import db
from core.previews import EMAILS, tally
from core.unit_of_work import use_case
from notifications.models import LINK_EVENTS, OutboxMessage, OutboxStatus

SUBJECTS = {
    "new_lead": "New lead",
    "lead_confirmation": "We received your request",
    "guarantee_deadline": "Your satisfaction guarantee",
    "guarantee_reminder": "Guarantee ends in a week",
    "referrer_approved": "Welcome to the Client Referral Program",
    "referrer_already_registered": "You are already in the Client Referral Program",
    "referrer_not_eligible": "About your Client Referral Program sign-up",
    "referral_received": "We received your referral",
    "attribution_lost": "A referral was reassigned",
    "portal_sign_in": "Your sign-in link",
    "account_set_password": "Your Hire Tech Talent staff account",
    "account_password_reset": "Choose a new password",
    "became_client": "Your referral became a client",
    "commission_approved": "Commission approved",
    "payout_paid": "Your payout is on its way",
    "payout_failed": "Your payout did not go through",
    "tax_form_needed": "We need your tax form to pay you",
    "payout_held": "A payout is held: no tax form on file",
    "claim_accepted_client": "Your satisfaction guarantee claim",
    "claim_accepted_sales": "Guarantee claim accepted",
    "claim_accepted_referrer": "A referred client used the guarantee",
    "lead_waiting": "A new lead is still waiting for a first contact",
    "leads_reassigned": "Leads were moved to you",
}


CAPPED_EVENTS = frozenset(
    {
        "portal_sign_in",
        "account_set_password",
        "account_password_reset",
        "referrer_already_registered",
    }
)
"""Emails anyone can make us send to an address (SPEC §14): together at most
CAPPED_PER_HOUR an hour to one address, so the app cannot be used to flood a mailbox."""
CAPPED_PER_HOUR = 5


def _message_id() -> str:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rsplit("@", 1)[-1].strip("> ")
    return f"<{secrets.token_hex(16)}@{domain}>"


def enqueue(
    event: str,
    to_address: str,
    context: dict,
    *,
    send_after: datetime | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Render `emails/<event>.txt|.html` and add the message to the session (no commit: the
    caller's transaction decides). Returns None when `dedupe_key` was already used, or when
    a capped event already went to the address CAPPED_PER_HOUR times in the past hour."""
    address = validate_email(to_address, check_deliverability=False, test_environment=True)
    if dedupe_key is not None and _dedupe_key_taken(dedupe_key):
        return None
    if event in CAPPED_EVENTS and _capped_this_hour(address.normalized) >= CAPPED_PER_HOUR:
        return None
    message = OutboxMessage(
        message_id=_message_id(),
        event=event,
        to_address=address.normalized,
        subject=SUBJECTS[event],
        body_text=render_template(f"emails/{event}.txt", **context),
        body_html=render_template(f"emails/{event}.html", **context),
        dedupe_key=dedupe_key,
        send_after=send_after or utcnow(),
    )
    if dedupe_key is None:
        db.session.add(message)
    else:
        try:
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:
            return None
    tally(EMAILS)
    return message


def _capped_this_hour(address: str) -> int:
    """On PostgreSQL a transaction-scoped advisory lock per address makes concurrent
    requests count one after the other (SQLite's use cases already write one at a time)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(address))))
    query = (
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.to_address == address,
            OutboxMessage.event.in_(CAPPED_EVENTS),
            OutboxMessage.created_at > utcnow() - timedelta(hours=1),
        )
    )
    return db.session.scalar(query)


def _dedupe_key_taken(dedupe_key: str) -> bool:
    """The unique index is what guarantees one copy under concurrency (a concurrent twin
    fails inside a savepoint, leaving the caller's change intact); this read avoids the
    failed insert in the usual case."""
    query = sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    return db.session.scalar(query) is not None


def cancel_pending(dedupe_key: str, why: str) -> None:
    """A queued message that no longer applies (a reminder after a claim) is not sent."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error=why)
    )


def cancel_pending_like(key_prefix: str, why: str) -> None:
    """Every queued message whose dedupe key starts with `key_prefix` is not sent."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED, last_error=why)
    )


def reschedule_pending(dedupe_key: str, send_after: datetime) -> None:
    """A queued message moves to another time (a reminder when the start date moves)."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.status == OutboxStatus.PENDING)
        .values(send_after=send_after)
    )


class NotResendable(ValueError):
    """The message's single-use link was removed; the person must ask for a new one."""


@use_case
def resend(message_id: int) -> OutboxMessage | None:
    """A failed message goes back to the queue with a fresh count of tries."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != OutboxStatus.FAILED:
        return None
    if message.event in LINK_EVENTS:
        raise NotResendable(
            "This email carried a single-use link, removed when it failed: the person should "
            "ask for a new link (portal sign-in) or an admin send a new one (staff)."
        )
    message.status = OutboxStatus.PENDING
    message.tries = 0
    message.send_after = utcnow()
    return message
