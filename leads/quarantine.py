"""Hire-form posts caught as bots: kept 30 days for an admin to look at or restore."""

from datetime import timedelta

import sqlalchemy as sa

from auth.models import User
from core.db import utcnow
from core.extensions import db
from core.unit_of_work import use_case
from leads.models import QuarantinedSubmission
from leads.rules import LeadSource
from leads.services import Arrival, LeadError, SubmitResult, submit_lead

KEEP_DAYS = 30


@use_case
def quarantine(data: dict, reason: str, arrival: Arrival) -> QuarantinedSubmission:
    payload = {
        **data,
        "_utm": arrival.utm,
        "_landing_page": arrival.landing_page,
        "_http_referrer": arrival.http_referrer,
    }
    row = QuarantinedSubmission(
        reason=reason, payload=payload, client_address=arrival.client_address
    )
    db.session.add(row)
    return row


def list_quarantine() -> list[QuarantinedSubmission]:
    query = (
        sa.select(QuarantinedSubmission)
        .where(QuarantinedSubmission.restored_lead_id.is_(None))
        .order_by(QuarantinedSubmission.created_at.desc())
    )
    return list(db.session.scalars(query))


@use_case(retry_on_conflict=True)
def restore(quarantine_id: int, actor: User) -> SubmitResult:
    """Make the caught submission a lead, as if it had come through the form."""
    row = db.session.scalar(
        sa.select(QuarantinedSubmission)
        .where(QuarantinedSubmission.id == quarantine_id)
        .with_for_update()
    )
    if row is None or row.restored_lead_id is not None:
        raise LeadError("not_found", "That submission is not in quarantine.")
    payload = dict(row.payload)
    arrival = Arrival(
        source=LeadSource.FORM,
        client_address=row.client_address,
        landing_page=payload.pop("_landing_page", None),
        http_referrer=payload.pop("_http_referrer", None),
        utm=payload.pop("_utm", None) or {},
        actor=actor,
    )
    result = submit_lead(payload, arrival)
    row.restored_lead_id = result.lead.id
    return result


@use_case
def purge_expired(_sender: object = None) -> int:
    """Also run after each pass of the sender's loop (`sender_pass_finished`)."""
    cutoff = utcnow() - timedelta(days=KEEP_DAYS)
    deleted = db.session.execute(
        sa.delete(QuarantinedSubmission).where(QuarantinedSubmission.created_at < cutoff)
    ).rowcount
    return deleted
