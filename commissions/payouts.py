"""Approving commission and paying it out in runs (SPEC §5)."""

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from auth.models import User
from commissions.ledger import approve_due
from commissions.models import (
    CommissionEntry,
    EntryKind,
    EntryState,
    Payout,
    PayoutLine,
    PayoutStatus,
)
from commissions.serialize import payout_to_dict
from core import audit
from core.audit import created
from core.extensions import db
from core.service_errors import ServiceError
from core.today import business_today
from core.unit_of_work import use_case
from core.urls import absolute_url
from notifications.services import enqueue
from notifications.webhooks import emit
from referrals.models import Referrer, ReferrerStatus
from referrals.settings import current_terms

PAYOUT_LOCK_KEY = 5_301_977


def _not_in_future(as_of: date, field: str = "as_of") -> None:
    if as_of > business_today():
        raise ServiceError(
            "date_in_future",
            "That date is in the future.",
            {field: ["That date is in the future."]},
        )


@use_case
def run_approve_due(as_of: date | None = None) -> int:
    """Approve what is due on `as_of` (default today, never in the future); each referrer
    whose commission was approved is emailed."""
    as_of = as_of or business_today()
    _not_in_future(as_of)
    count, per_referrer = approve_due(as_of)
    for referrer_id, cents in per_referrer.items():
        if cents <= 0:
            continue
        referrer = db.session.get(Referrer, referrer_id)
        enqueue(
            "commission_approved",
            referrer.email,
            {"referrer": referrer, "cents": cents, "portal_url": absolute_url("portal.home")},
        )
    return count


def _take_run_lock() -> None:
    """PostgreSQL: a second concurrent run answers 409 at once. SQLite: BEGIN IMMEDIATE
    already makes the second run wait its turn (and then find nothing left to take)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    locked = db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(PAYOUT_LOCK_KEY)))
    if not locked:
        raise ServiceError("payout_run_in_progress", "Another payout run is in progress.")


@use_case
def run_payouts(as_of: date | None, actor: User | None) -> Payout:
    """Every approved entry in no payout, per referrer; a referrer whose net reaches the
    threshold gets a line, the others (and every suspended referrer) wait for a later run."""
    as_of = as_of or business_today()
    _not_in_future(as_of)
    _take_run_lock()
    threshold = current_terms().payout_threshold_cents
    rows = db.session.execute(
        sa.select(CommissionEntry.id, CommissionEntry.referrer_id, CommissionEntry.amount_cents)
        .join(Referrer, Referrer.id == CommissionEntry.referrer_id)
        .where(
            CommissionEntry.state == EntryState.APPROVED,
            CommissionEntry.payout_id.is_(None),
            Referrer.status != ReferrerStatus.SUSPENDED,
        )
        .with_for_update(of=CommissionEntry)
    ).all()
    by_referrer: dict[int, list] = defaultdict(list)
    lines: list[int] = []
    for entry_id, referrer_id, amount in rows:
        by_referrer[referrer_id].append((entry_id, amount))
    payout = Payout(as_of=as_of, created_by_id=actor.id if actor else None)
    db.session.add(payout)
    db.session.flush()
    for referrer_id, entries in sorted(by_referrer.items()):
        net = sum(amount for _, amount in entries)
        if net <= 0 or net < threshold:
            continue
        ids = [entry_id for entry_id, _ in entries]
        taken = db.session.execute(
            sa.update(CommissionEntry)
            .where(CommissionEntry.id.in_(ids), CommissionEntry.payout_id.is_(None))
            .values(payout_id=payout.id)
        ).rowcount
        if taken != len(ids):
            raise ServiceError("payout_run_in_progress", "Another payout run took entries.")
        db.session.add(PayoutLine(payout_id=payout.id, referrer_id=referrer_id, amount_cents=net))
        lines.append(net)
    audit.record(
        "payout.created",
        "payout",
        payout.id,
        created(
            {
                "as_of": as_of,
                "status": PayoutStatus.OPEN,
                "lines": len(lines),
                "amount_cents": sum(lines),
            }
        ),
    )
    return payout


def get_payout(payout_id: int) -> Payout | None:
    return db.session.get(Payout, payout_id)


@use_case
def mark_paid(payout_id: int, paid_on: date, reference: str) -> Payout:
    payout = db.session.scalar(sa.select(Payout).where(Payout.id == payout_id).with_for_update())
    if payout is None:
        raise ServiceError("not_found", "No such payout.")
    if payout.status != PayoutStatus.OPEN:
        raise ServiceError("illegal_transition", "The payout is already paid.")
    if not (reference or "").strip():
        raise ServiceError("invalid", "Give the payment reference.", {"reference": ["Required."]})
    _not_in_future(paid_on, "paid_on")
    payout.status, payout.paid_on, payout.reference = (
        PayoutStatus.PAID,
        paid_on,
        reference.strip(),
    )
    audit.record(
        "payout.paid",
        "payout",
        payout.id,
        {
            "status": ["open", "paid"],
            "paid_on": [None, paid_on.isoformat()],
            "reference": [None, payout.reference],
        },
    )
    db.session.execute(
        sa.update(CommissionEntry)
        .where(CommissionEntry.payout_id == payout.id)
        .values(state=EntryState.PAID)
    )
    emit("payout.paid", lambda: payout_to_dict(payout))
    for line in payout.lines:
        enqueue(
            "payout_paid",
            line.referrer.email,
            {
                "referrer": line.referrer,
                "line": line,
                "payout": payout,
                "portal_url": absolute_url("portal.home"),
            },
        )
    return payout


@use_case
def write_off_balance(referrer_id: int, reason: str, actor: User) -> CommissionEntry:
    """An admin clears a referrer's negative approved balance (money we will not claw back)."""
    referrer = db.session.scalar(
        sa.select(Referrer).where(Referrer.id == referrer_id).with_for_update()
    )
    if referrer is None:
        raise ServiceError("not_found", "No such referrer.")
    if not (reason or "").strip():
        raise ServiceError("invalid", "Say why.", {"reason": ["Required."]})
    net = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(CommissionEntry.amount_cents), 0)).where(
            CommissionEntry.referrer_id == referrer_id,
            CommissionEntry.state == EntryState.APPROVED,
            CommissionEntry.payout_id.is_(None),
        )
    )
    if net >= 0:
        raise ServiceError("illegal_transition", "The referrer's balance is not negative.")
    entry = CommissionEntry(
        referrer_id=referrer_id,
        kind=EntryKind.WRITE_OFF,
        amount_cents=-net,
        state=EntryState.APPROVED,
        note=f"{reason.strip()} (by {actor.email})",
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "commission.written_off",
        "commission",
        entry.id,
        created(
            {
                "referrer_id": referrer_id,
                "kind": entry.kind,
                "amount_cents": entry.amount_cents,
                "state": entry.state,
                "reason": reason.strip(),
            }
        ),
    )
    return entry
