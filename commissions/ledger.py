"""The commission ledger: reconciling an invoice's entries with the rule, approving what is
due, and the balances people see. Callers own the transaction and hold the invoice's row lock.
"""

from datetime import date

import sqlalchemy as sa

from billing.models import Client, Contract, Invoice, InvoiceStatus
from billing.services import first_contract
from commissions.models import (
    CANCELLED_REASON,
    BonusHolder,
    CommissionEntry,
    EntryKind,
    EntryState,
    LineStatus,
    PayoutLine,
)
from commissions.rules import (
    CopiedTerms,
    InvoiceState,
    accrual_owed,
    approvable,
    bonus_owed,
    capped,
    payable_estimate,
)
from commissions.serialize import entry_to_dict
from core import audit
from core.db import utcnow
from core.extensions import db
from core.previews import COMMISSION_REVERSED_CENTS, tally
from notifications.webhooks import emit_each
from referrals.models import Referrer, ReferrerStatus
from referrals.services import contract_referral
from referrals.settings import current_terms


def _state(invoice: Invoice) -> InvoiceState:
    return InvoiceState(
        amount_cents=invoice.amount_cents,
        commissionable_cents=invoice.commissionable_cents,
        paid_cents=invoice.paid_cents,
        refunded_cents=invoice.refunded_cents,
        is_void=invoice.status == InvoiceStatus.VOID,
        is_fully_paid=invoice.status == InvoiceStatus.PAID,
        period_start=invoice.period_start,
    )


def invoice_entries(invoice_id: int) -> list[CommissionEntry]:
    query = (
        sa.select(CommissionEntry)
        .where(CommissionEntry.invoice_id == invoice_id)
        .order_by(CommissionEntry.sequence)
    )
    return list(db.session.scalars(query))


def _bonus_holder(invoice: Invoice, client_id: int, terms: CopiedTerms) -> int | None:
    """The id of the invoice holding the client's bonus: recorded the first time one of its
    invoices is fully paid with money kept (an invoice already refunded in full when it
    became paid does not count, and the bonus waits for the next one)."""
    holder = db.session.get(BonusHolder, client_id)
    if holder is not None:
        return holder.invoice_id
    if (
        terms.bonus_cents
        and invoice.status == InvoiceStatus.PAID
        and bonus_owed(_state(invoice), terms, holds_the_bonus=True)
    ):
        db.session.add(BonusHolder(client_id=client_id, invoice_id=invoice.id))
        db.session.flush()
        return invoice.id
    return None


def _client_invoices(client_id: int) -> list[Invoice]:
    """In the cap's order (SPEC §16): issue date, then id. The client row lock every money
    event takes first (billing.services.lock_client_of) keeps them still meanwhile."""
    query = (
        sa.select(Invoice)
        .join(Contract, Contract.id == Invoice.contract_id)
        .where(Contract.client_id == client_id)
        .order_by(Invoice.issue_date, Invoice.id)
    )
    return list(db.session.scalars(query))


def reconcile_on_change(invoice: Invoice) -> None:
    """Receiver of billing's `invoice_changed`: inside the money event's transaction, with
    the invoice's row lock held."""
    reconcile_invoice(invoice)


def reconcile_invoice(invoice: Invoice) -> list[CommissionEntry]:
    """Post what the rule owes minus what the entries already hold, posting nothing when
    they agree, so it is safe to run after every event and again. Without a cap only this
    invoice can change; under a cap every invoice of the client is reconciled, as a change
    to one moves the shares of those after it."""
    client_id = invoice.contract.client_id
    first = first_contract(client_id)
    referred = contract_referral(first)
    if referred is None:
        return []
    lead, _referrer = referred
    terms = CopiedTerms(
        lead.commission_rate_bp,
        lead.commission_months,
        lead.commission_bonus_cents or 0,
        lead.commission_cap_cents,
    )
    holder = _bonus_holder(invoice, client_id, terms)
    invoices = [invoice] if terms.cap_cents is None else _client_invoices(client_id)
    owed = []
    for each in invoices:
        state = _state(each)
        owed += [
            accrual_owed(state, terms, first.start_date),
            bonus_owed(state, terms, holds_the_bonus=each.id == holder),
        ]
    shares = capped(owed, terms.cap_cents)
    posted = []
    for index, each in enumerate(invoices):
        targets = {False: shares[2 * index], True: shares[2 * index + 1]}
        posted += _post_differences(each, lead.referrer_id, client_id, targets)
    db.session.flush()
    return posted


def _post_differences(
    invoice: Invoice, referrer_id: int, client_id: int, targets: dict[bool, int]
) -> list[CommissionEntry]:
    """An entry for each of the invoice's commission and bonus whose entries do not yet
    sum to its target."""
    entries = invoice_entries(invoice.id)
    posted = []
    sequence = max((entry.sequence or 0 for entry in entries), default=0)
    for for_bonus, target in targets.items():
        held = sum(entry.amount_cents for entry in entries if entry.for_bonus == for_bonus)
        difference = target - held
        if difference == 0:
            continue
        sequence += 1
        entry = CommissionEntry(
            referrer_id=referrer_id,
            client_id=client_id,
            invoice_id=invoice.id,
            sequence=sequence,
            kind=_kind(difference, for_bonus),
            for_bonus=for_bonus,
            amount_cents=difference,
            state=_state_of_new_entry(difference, for_bonus, entries),
        )
        if entry.state == EntryState.APPROVED:
            entry.approved_at = utcnow()
        if difference < 0:
            tally(COMMISSION_REVERSED_CENTS, -difference, key=referrer_id)
        db.session.add(entry)
        posted.append(entry)
    return posted


def _kind(difference: int, for_bonus: bool) -> EntryKind:
    if difference < 0:
        return EntryKind.REVERSAL
    return EntryKind.BONUS if for_bonus else EntryKind.ACCRUAL


def _state_of_new_entry(
    difference: int, for_bonus: bool, entries: list[CommissionEntry]
) -> EntryState:
    """Positive entries start pending. A negative one stays pending while every positive
    entry it takes back from is pending (it then moves with them), else it is approved at
    once and nets against the next payout."""
    if difference > 0:
        return EntryState.PENDING
    positives = [e for e in entries if e.for_bonus == for_bonus and e.amount_cents > 0]
    if positives and all(e.state == EntryState.PENDING for e in positives):
        return EntryState.PENDING
    return EntryState.APPROVED


def _due_groups(as_of: date) -> set[tuple[int, bool]]:
    """The (invoice, bonus or not) groups of pending entries approve-due takes on `as_of`."""
    hold_days = current_terms().hold_days
    query = (
        sa.select(CommissionEntry, Invoice, Contract, Referrer)
        .join(Invoice, Invoice.id == CommissionEntry.invoice_id)
        .join(Contract, Contract.id == Invoice.contract_id)
        .join(Referrer, Referrer.id == CommissionEntry.referrer_id)
        .where(
            CommissionEntry.state == EntryState.PENDING,
            CommissionEntry.amount_cents > 0,
            Invoice.status == InvoiceStatus.PAID,
        )
    )
    groups = set()
    for entry, invoice, contract, referrer in db.session.execute(query):
        if approvable(
            invoice.fully_paid_on,
            contract.guarantee_ends_on,
            hold_days,
            referrer.status == ReferrerStatus.SUSPENDED,
            as_of,
        ):
            groups.add((entry.invoice_id, entry.for_bonus))
    return groups


def due_for_approval(as_of: date) -> tuple[int, int]:
    """What approve-due would approve on `as_of`: how many entries, and their sum (finance's
    day shows it before anyone runs it). One statement per 500 invoices, not per entry."""
    groups = _due_groups(as_of)
    invoice_ids = sorted({invoice_id for invoice_id, _ in groups})
    count, cents = 0, 0
    for start in range(0, len(invoice_ids), 500):
        query = (
            sa.select(
                CommissionEntry.invoice_id,
                CommissionEntry.for_bonus,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(CommissionEntry.amount_cents), 0),
            )
            .where(
                CommissionEntry.invoice_id.in_(invoice_ids[start : start + 500]),
                CommissionEntry.state == EntryState.PENDING,
            )
            .group_by(CommissionEntry.invoice_id, CommissionEntry.for_bonus)
        )
        for invoice_id, for_bonus, entries, total in db.session.execute(query):
            if (invoice_id, for_bonus) in groups:
                count, cents = count + entries, cents + int(total)
    return count, cents


def approve_due(as_of: date) -> tuple[int, dict[int, int]]:
    """Approve every pending accrual or bonus whose invoice was fully paid on or before
    `as_of`, whose guarantee plus hold ended before it, and whose referrer is not suspended,
    with the pending negatives that move with them. Returns the count and, per referrer, the
    cents approved. Conditional updates make a concurrent second run approve nothing more."""
    groups = _due_groups(as_of)
    approved, per_referrer, approved_ids = 0, {}, []
    now = utcnow()
    for invoice_id, for_bonus in sorted(groups):
        # Wait for any money event on this invoice to commit, so the update sees the
        # reversal it posted (a refund racing an approval must not leave it behind).
        still_paid = db.session.scalar(
            sa.select(Invoice.id)
            .where(Invoice.id == invoice_id, Invoice.status == InvoiceStatus.PAID)
            .with_for_update()
        )
        if still_paid is None:
            continue
        rows = db.session.execute(
            sa.update(CommissionEntry)
            .where(
                CommissionEntry.invoice_id == invoice_id,
                CommissionEntry.for_bonus == for_bonus,
                CommissionEntry.state == EntryState.PENDING,
            )
            .values(state=EntryState.APPROVED, approved_at=now)
            .returning(
                CommissionEntry.id, CommissionEntry.referrer_id, CommissionEntry.amount_cents
            )
        ).all()
        for _, referrer_id, amount in rows:
            approved += 1
            per_referrer[referrer_id] = per_referrer.get(referrer_id, 0) + amount
        audit.record_many(
            "commission.approved",
            "commission",
            [(entry_id, {"state": ["pending", "approved"]}) for entry_id, _, _ in rows],
        )
        approved_ids.extend(entry_id for entry_id, _, _ in rows)
    emit_each("commission.approved", lambda: _entries_as_dicts(approved_ids))
    return approved, per_referrer


def _entries_as_dicts(entry_ids: list[int]) -> list[dict]:
    """The approved entries as they are now (the bulk update bypassed loaded objects)."""
    found = []
    for start in range(0, len(entry_ids), 500):
        query = (
            sa.select(CommissionEntry)
            .where(CommissionEntry.id.in_(entry_ids[start : start + 500]))
            .order_by(CommissionEntry.id)
            .execution_options(populate_existing=True)
        )
        found.extend(entry_to_dict(entry) for entry in db.session.scalars(query))
    return found


def balance_cents(referrer_id: int) -> dict[str, int]:
    return balances_cents([referrer_id])[referrer_id]


def balances_cents(referrer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each referrer's totals by state, for a whole page in one statement."""
    totals = {referrer_id: {state.value: 0 for state in EntryState} for referrer_id in referrer_ids}
    if not referrer_ids:
        return totals
    query = (
        sa.select(
            CommissionEntry.referrer_id,
            CommissionEntry.state,
            sa.func.coalesce(sa.func.sum(CommissionEntry.amount_cents), 0),
        )
        .where(CommissionEntry.referrer_id.in_(referrer_ids))
        .group_by(CommissionEntry.referrer_id, CommissionEntry.state)
    )
    for referrer_id, state, total in db.session.execute(query):
        totals[referrer_id][state.value] = int(total)
    return totals


def portal_ledger(referrer_id: int, today: date) -> list[dict]:
    """The referrer's entries with the company each is for and, while pending, when it is
    expected to become payable (commissions.rules.payable_estimate)."""
    hold_days = current_terms().hold_days
    rows = db.session.execute(
        sa.select(CommissionEntry, Client.name, Invoice.fully_paid_on, Contract.guarantee_ends_on)
        .outerjoin(Client, Client.id == CommissionEntry.client_id)
        .outerjoin(Invoice, Invoice.id == CommissionEntry.invoice_id)
        .outerjoin(Contract, Contract.id == Invoice.contract_id)
        .where(CommissionEntry.referrer_id == referrer_id)
        .order_by(CommissionEntry.id.desc())
    )
    return [
        {
            "entry": entry,
            "company": company or "",
            "payable": payable_estimate(fully_paid_on, ends_on, hold_days, today)
            if entry.state == EntryState.PENDING and ends_on is not None
            else None,
        }
        for entry, company, fully_paid_on, ends_on in rows
    ]


def payout_lines_of(referrer_id: int) -> list[tuple[int, str]]:
    """The referrer's payouts as (cents, what happened), newest first. A line failed because
    its run was cancelled is left out: the referrer was never told of that run."""
    query = (
        sa.select(PayoutLine)
        .where(
            PayoutLine.referrer_id == referrer_id,
            sa.or_(
                PayoutLine.failure_reason.is_(None),
                PayoutLine.failure_reason != CANCELLED_REASON,
            ),
        )
        .order_by(PayoutLine.payout_id.desc())
    )
    return [(line.amount_cents, _line_outcome(line)) for line in db.session.scalars(query)]


def _line_outcome(line: PayoutLine) -> str:
    if line.status == LineStatus.PAID:
        return f"paid on {line.paid_on.isoformat()}"
    if line.status == LineStatus.FAILED:
        return "transfer failed, will be retried"
    return "being prepared"
