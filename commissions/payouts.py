"""Approving commission and paying it out in runs (SPEC §5)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app

from auth.models import Role, User
from billing.rules import Refusal
from commissions.ledger import approve_due
from commissions.models import (
    CANCELLED_REASON,
    CommissionEntry,
    EntryKind,
    EntryState,
    LineStatus,
    Payout,
    PayoutLine,
    PayoutStatus,
)
from commissions.rules import (
    CANCEL_RUN,
    PAY_RUN,
    held_for_tax_form,
    line_refusal,
    run_actions,
    run_refusal,
    run_status,
)
from commissions.serialize import payout_to_dict
from core import audit
from core.audit import changed, created
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


@dataclass(frozen=True)
class PayoutRun:
    """A new run, and the referrers held from it for want of a tax form (with the amount)."""

    payout: Payout
    held: list[tuple[Referrer, int]]


def _year_so_far(referrer_ids: list[int], year: int) -> dict[int, int]:
    """Per referrer, what counts towards the tax-form threshold in `year`: lines paid in it
    and lines still open in runs of it."""
    if not referrer_ids:
        return {}
    counted = sa.or_(
        sa.and_(
            PayoutLine.status == LineStatus.PAID, sa.extract("year", PayoutLine.paid_on) == year
        ),
        sa.and_(PayoutLine.status == LineStatus.OPEN, sa.extract("year", Payout.as_of) == year),
    )
    query = (
        sa.select(PayoutLine.referrer_id, sa.func.sum(PayoutLine.amount_cents))
        .join(Payout, Payout.id == PayoutLine.payout_id)
        .where(PayoutLine.referrer_id.in_(referrer_ids), counted)
        .group_by(PayoutLine.referrer_id)
    )
    return {referrer_id: int(cents) for referrer_id, cents in db.session.execute(query)}


def _tell_about_hold(referrer: Referrer, cents: int, threshold_cents: int) -> None:
    context = {
        "referrer": referrer,
        "cents": cents,
        "threshold_cents": threshold_cents,
        "portal_url": absolute_url("portal.home"),
        "referrer_url": absolute_url("referrals_staff.referrer", referrer_id=referrer.id),
    }
    enqueue("tax_form_needed", referrer.email, context)
    finance = db.session.scalars(
        sa.select(User.email).where(User.role == Role.FINANCE, User.active.is_(True))
    )
    for email in finance:
        enqueue("payout_held", email, context)


@use_case
def run_payouts(as_of: date | None, actor: User | None) -> PayoutRun:
    """Every approved entry in no payout, per referrer; a referrer whose net reaches the
    threshold gets a line, the others (and every suspended referrer) wait for a later run,
    as does a line held for a tax form (the referrer and finance are emailed)."""
    as_of = as_of or business_today()
    _not_in_future(as_of)
    _take_run_lock()
    threshold = current_terms().payout_threshold_cents
    tax_threshold = current_app.config["TAX_FORM_THRESHOLD_CENTS"]
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
    for entry_id, referrer_id, amount in rows:
        by_referrer[referrer_id].append((entry_id, amount))
    nets = {
        referrer: sum(amount for _, amount in entries) for referrer, entries in by_referrer.items()
    }
    payable = sorted(r for r, net in nets.items() if net > 0 and net >= threshold)
    referrers = {
        referrer.id: referrer
        for referrer in db.session.scalars(sa.select(Referrer).where(Referrer.id.in_(payable)))
    }
    year_so_far = _year_so_far(payable, as_of.year)
    payout = Payout(as_of=as_of, created_by_id=actor.id if actor else None)
    db.session.add(payout)
    db.session.flush()
    lines: list[int] = []
    held: list[tuple[Referrer, int]] = []
    for referrer_id in payable:
        net, referrer = nets[referrer_id], referrers[referrer_id]
        on_file = referrer.tax_form_on_file_on is not None
        if held_for_tax_form(year_so_far.get(referrer_id, 0), net, on_file, tax_threshold):
            held.append((referrer, net))
            _tell_about_hold(referrer, net, tax_threshold)
            continue
        ids = [entry_id for entry_id, _ in by_referrer[referrer_id]]
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
                "held_for_tax_form": [referrer.id for referrer, _ in held] or None,
            }
        ),
    )
    return PayoutRun(payout, held)


def get_payout(payout_id: int) -> Payout | None:
    return db.session.get(Payout, payout_id)


def payout_actions(payout: Payout) -> frozenset[str]:
    """What the payout page offers for the whole run (the services refuse by the same rule)."""
    return run_actions(payout.status.value, _line_statuses(payout))


def _locked_payout(payout_id: int) -> Payout:
    payout = db.session.scalar(sa.select(Payout).where(Payout.id == payout_id).with_for_update())
    if payout is None:
        raise ServiceError("not_found", "No such payout.")
    return payout


def _refuse(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise ServiceError(refusal.code, refusal.message)


def _line_statuses(payout: Payout) -> list[str]:
    return [line.status.value for line in payout.lines]


def _locked_run(payout_id: int, action: str) -> Payout:
    payout = _locked_payout(payout_id)
    _refuse(run_refusal(action, payout.status.value, _line_statuses(payout)))
    return payout


def _locked_open_line(payout_id: int, referrer_id: int) -> tuple[Payout, PayoutLine]:
    payout = _locked_payout(payout_id)
    line = next((line for line in payout.lines if line.referrer_id == referrer_id), None)
    if line is None:
        raise ServiceError("not_found", "That referrer has no line in this payout.")
    _refuse(line_refusal(payout.status.value, line.status.value))
    return payout, line


def _line_fields(line: PayoutLine) -> dict:
    return {
        "referrer_id": line.referrer_id,
        "status": line.status.value,
        "paid_on": line.paid_on.isoformat() if line.paid_on else None,
        "reference": line.reference,
        "failure_reason": line.failure_reason,
    }


def _line_entries(payout: Payout, line: PayoutLine) -> sa.Update:
    return sa.update(CommissionEntry).where(
        CommissionEntry.payout_id == payout.id, CommissionEntry.referrer_id == line.referrer_id
    )


def _close_line(payout: Payout, line: PayoutLine, action: str, **fields) -> None:
    before = _line_fields(line)
    for name, value in fields.items():
        setattr(line, name, value)
    audit.record(action, "payout", payout.id, {"lines": [[before], [_line_fields(line)]]})


def _pay_line(payout: Payout, line: PayoutLine, paid_on: date, reference: str) -> None:
    _close_line(
        payout,
        line,
        "payout.line_paid",
        status=LineStatus.PAID,
        paid_on=paid_on,
        reference=reference,
    )
    db.session.execute(_line_entries(payout, line).values(state=EntryState.PAID))
    enqueue(
        "payout_paid",
        line.referrer.email,
        {"referrer": line.referrer, "line": line, "portal_url": absolute_url("portal.home")},
    )


def _settle_run(payout: Payout, reference: str | None = None) -> None:
    """Once no line is open the run is paid (dated by its last payment; its reference is the
    one given to the whole run, or the one its paid lines share) or, every line failed,
    cancelled."""
    status = PayoutStatus(run_status(_line_statuses(payout), cancelled=False))
    if status == PayoutStatus.OPEN:
        return
    before = {"status": payout.status.value, "paid_on": None, "reference": None}
    payout.status = status
    if status == PayoutStatus.CANCELLED:
        audit.record("payout.cancelled", "payout", payout.id, {"status": ["open", "cancelled"]})
        return
    paid = [line for line in payout.lines if line.status == LineStatus.PAID]
    references = {line.reference for line in paid}
    payout.paid_on = max(line.paid_on for line in paid)
    payout.reference = reference or (references.pop() if len(references) == 1 else None)
    after = {"status": "paid", "paid_on": payout.paid_on.isoformat(), "reference": payout.reference}
    audit.record("payout.paid", "payout", payout.id, changed(before, after))
    emit("payout.paid", lambda: payout_to_dict(payout))


def _payment(paid_on: date, reference: str | None) -> str:
    if not (reference or "").strip():
        raise ServiceError("invalid", "Give the payment reference.", {"reference": ["Required."]})
    _not_in_future(paid_on, "paid_on")
    return reference.strip()


@use_case
def mark_paid(payout_id: int, paid_on: date, reference: str) -> Payout:
    """Every open line of the run paid on `paid_on` under one reference."""
    payout = _locked_run(payout_id, PAY_RUN)
    reference = _payment(paid_on, reference)
    for line in [line for line in payout.lines if line.status == LineStatus.OPEN]:
        _pay_line(payout, line, paid_on, reference)
    _settle_run(payout, reference)
    return payout


@use_case
def mark_line_paid(payout_id: int, referrer_id: int, paid_on: date, reference: str) -> Payout:
    """One referrer's line paid; its entries become paid."""
    payout, line = _locked_open_line(payout_id, referrer_id)
    reference = _payment(paid_on, reference)
    _pay_line(payout, line, paid_on, reference)
    _settle_run(payout)
    return payout


@use_case
def mark_line_failed(payout_id: int, referrer_id: int, reason: str) -> Payout:
    """The payment to one referrer did not go through: its entries leave the run, approved,
    for the next run to take; the referrer is told why."""
    payout, line = _locked_open_line(payout_id, referrer_id)
    if not (reason or "").strip():
        raise ServiceError("invalid", "Say why the payment failed.", {"reason": ["Required."]})
    _close_line(
        payout, line, "payout.line_failed", status=LineStatus.FAILED, failure_reason=reason.strip()
    )
    db.session.execute(_line_entries(payout, line).values(payout_id=None))
    enqueue(
        "payout_failed",
        line.referrer.email,
        {"referrer": line.referrer, "line": line, "portal_url": absolute_url("portal.home")},
    )
    _settle_run(payout)
    return payout


@use_case
def cancel_payout(payout_id: int) -> Payout:
    """Undo a run nobody has been paid from: its entries are released for a later run."""
    payout = _locked_run(payout_id, CANCEL_RUN)
    for line in payout.lines:
        if line.status == LineStatus.OPEN:
            line.status, line.failure_reason = LineStatus.FAILED, CANCELLED_REASON
    db.session.execute(
        sa.update(CommissionEntry)
        .where(CommissionEntry.payout_id == payout.id)
        .values(payout_id=None)
    )
    payout.status = PayoutStatus.CANCELLED
    audit.record("payout.cancelled", "payout", payout.id, {"status": ["open", "cancelled"]})
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
