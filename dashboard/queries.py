"""The dashboard's counts (SPEC §13 "Finance's day"): each a fixed number of aggregate
statements, whatever the size of the tables."""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from billing.models import (
    Contract,
    ContractStatus,
    GuaranteeClaim,
    Invoice,
    Refund,
    RefundStatus,
)
from billing.queries import InvoiceQuery, invoices_matching
from commissions.ledger import due_for_approval
from commissions.models import CommissionEntry, EntryState, Payout, PayoutStatus
from core.db import utcnow
from core.extensions import db
from leads.models import QuarantinedSubmission
from notifications.models import OutboxMessage, OutboxStatus
from referrals.models import Referrer, ReferrerStatus

GUARANTEE_DAYS_AHEAD = 7
QUARANTINE_DAYS_BACK = 7


@dataclass(frozen=True)
class FinanceDay:
    refunds_due: int
    refunds_due_cents: int
    guarantees_ending: int
    approvable: int
    approvable_cents: int
    referrers_waiting: int
    payouts_unpaid: int
    invoices_overdue: int
    negative_balances: int


@dataclass(frozen=True)
class AdminDay:
    quarantined: int
    failed_emails: int


def finance_day(today: date, overdue_days: int) -> FinanceDay:
    refunds = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0)).where(
            Refund.status == RefundStatus.DUE
        )
    ).one()
    approvable, approvable_cents = due_for_approval(today)
    return FinanceDay(
        refunds_due=refunds[0],
        refunds_due_cents=int(refunds[1]),
        guarantees_ending=_count(guarantees_ending(today)),
        approvable=approvable,
        approvable_cents=approvable_cents,
        referrers_waiting=_count(
            sa.select(Referrer.id).where(Referrer.status == ReferrerStatus.PENDING)
        ),
        payouts_unpaid=_count(sa.select(Payout.id).where(Payout.status == PayoutStatus.OPEN)),
        invoices_overdue=_count(
            invoices_matching(InvoiceQuery(overdue=True), today, overdue_days).with_only_columns(
                Invoice.id
            )
        ),
        negative_balances=_count(_negative_balances()),
    )


def guarantees_ending(today: date) -> sa.Select:
    """Active contracts whose guarantee ends in the next 7 days and was not claimed."""
    claimed = sa.select(GuaranteeClaim.contract_id).where(GuaranteeClaim.rejection_code.is_(None))
    return sa.select(Contract.id).where(
        Contract.status == ContractStatus.ACTIVE,
        Contract.guarantee_ends_on >= today,
        Contract.guarantee_ends_on <= today + timedelta(days=GUARANTEE_DAYS_AHEAD),
        Contract.id.not_in(claimed),
    )


def _negative_balances() -> sa.Select:
    """Referrers whose approved, unpaid balance is below zero (a reversal after a payout)."""
    return (
        sa.select(CommissionEntry.referrer_id)
        .where(CommissionEntry.state == EntryState.APPROVED, CommissionEntry.payout_id.is_(None))
        .group_by(CommissionEntry.referrer_id)
        .having(sa.func.sum(CommissionEntry.amount_cents) < 0)
    )


def admin_day() -> AdminDay:
    since = utcnow() - timedelta(days=QUARANTINE_DAYS_BACK)
    return AdminDay(
        quarantined=_count(
            sa.select(QuarantinedSubmission.id).where(QuarantinedSubmission.created_at >= since)
        ),
        failed_emails=_count(
            sa.select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.FAILED)
        ),
    )


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
