"""The commission ledger under any sequence of money events, on a real database (SPEC §4, §5).

A Hypothesis state machine builds a referred client (capped or not) with one to four invoices and
then applies
payments, refunds, write-offs, voids, a guarantee claim, approve-due, payout runs, mark-paid,
lines paid or failed, cancelled runs, refunds recorded sent and suspensions, valid or not,
dated in the past (or tomorrow, to be refused). A plain model of each invoice says what its
totals must be. After every step: each invoice's entries equal the rule on its state (the bonus
on the invoice that holds it; under a commission cap, the shares the cap leaves in issue-date
order), recalculating posts nothing, entries only move pending →
approved → paid and never change or leave a payout but through a failed line or a cancelled
run, every open or paid line is the sum of its entries, a run's status follows its lines (SPEC
§16), and a refused operation changed nothing."""

import dataclasses
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from support import PASSWORD, lead_fields

from auth.services import create_user
from billing.claims import ClaimInput, file_claim
from billing.guarantee import guarantee_ends_on
from billing.invoices import (
    InvoiceInput,
    add_invoice,
    lock_invoice,
    mark_refund_sent,
    record_payment,
    record_refund,
    void,
    write_off,
)
from billing.models import ClaimStatus, GuaranteeClaim, Invoice, Refund, RefundStatus
from billing.services import ContractTerms, convert_lead
from commissions.ledger import reconcile_invoice
from commissions.models import (
    CommissionEntry,
    EntryKind,
    EntryState,
    LineStatus,
    Payout,
    PayoutLine,
)
from commissions.payouts import (
    cancel_payout,
    mark_line_failed,
    mark_line_paid,
    mark_paid,
    run_approve_due,
    run_payouts,
)
from commissions.rules import (
    CopiedTerms,
    InvoiceState,
    accrual_owed,
    bonus_owed,
    capped,
    run_status,
)
from core.extensions import db
from core.service_errors import ServiceError
from core.today import business_today
from leads.rules import AttributionStatus, LeadSource
from leads.services import Arrival, submit_lead
from referrals.services import decide, sign_up

HOLD_DAYS = 7
RANK = {EntryState.PENDING: 0, EntryState.APPROVED: 1, EntryState.PAID: 2}
AMOUNT_CHOICES = st.sampled_from(["all", "part", "part", "over", "any"])
RAW_CENTS = st.integers(1, 2_000_000)
DAYS_AGO = st.integers(0, 60)
INVOICES = st.tuples(
    st.integers(1, 2_000_000),
    st.sampled_from([100, 100, 75, 33, 0]),
    st.integers(0, 14),
    st.sampled_from([0, -1]),
)


@dataclasses.dataclass
class Bill:
    """What the test expects of one invoice, kept apart from the application."""

    id: int
    amount: int
    commissionable: int
    period_start: date
    paid: int = 0
    refunded: int = 0
    written_off: int = 0
    status: str = "issued"
    fully_paid_on: date | None = None
    last_paid_on: date = date.min

    @property
    def owed(self) -> int:
        return self.amount - self.paid - self.written_off

    @property
    def net_paid(self) -> int:
        return self.paid - self.refunded

    def settle(self, day: date) -> None:
        """Fully paid on the latest of its payment dates and the settling day, whatever
        order they were recorded in."""
        self.status, self.fully_paid_on = "paid", max(self.last_paid_on, day)

    def state(self) -> InvoiceState:
        return InvoiceState(
            amount_cents=self.amount,
            commissionable_cents=self.commissionable,
            paid_cents=self.paid,
            refunded_cents=self.refunded,
            is_void=self.status == "void",
            is_fully_paid=self.status == "paid",
            period_start=self.period_start,
        )

    def row(self) -> tuple:
        return (
            self.id,
            self.paid,
            self.refunded,
            self.written_off,
            self.status,
            self.fully_paid_on,
        )


def amount_for(how: str, raw: int, room: int) -> int:
    """A valid amount (all or part of the room), one just above it, or any amount."""
    if how == "all":
        return max(room, 1)
    if how == "part":
        return 1 + raw % room if room > 0 else 1
    if how == "over":
        return room + 1 + raw % 1000
    return raw


def empty_database() -> None:
    """Every table but the audit log, whose rows the database refuses to delete."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        if table.name != "audit_events":
            db.session.execute(table.delete())
    db.session.commit()


def ledger_rows() -> list:
    query = sa.select(
        CommissionEntry.id,
        CommissionEntry.referrer_id,
        CommissionEntry.client_id,
        CommissionEntry.invoice_id,
        CommissionEntry.sequence,
        CommissionEntry.kind,
        CommissionEntry.for_bonus,
        CommissionEntry.amount_cents,
        CommissionEntry.state,
        CommissionEntry.payout_id,
    ).order_by(CommissionEntry.id)
    return db.session.execute(query).all()


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, app):
        super().__init__()
        self.app = app
        self.bills: list[Bill] = []
        self.seen: dict[int, sa.Row] = {}
        self.bonus_holder: int | None = None
        self.claimed = False
        self.suspended = False
        self.payout_ids: list[int] = []
        self.cancelled_by_hand: set[int] = set()
        self.due_refunds: dict[int, bool] = {}
        self.numbers = iter(range(1, 1000))

    # ----------------------------------------------------------------- the client

    @initialize(
        rate_bp=st.sampled_from([1000, 1250, 333]),
        months=st.sampled_from([1, 3, 12]),
        bonus=st.sampled_from([0, 5000]),
        threshold=st.sampled_from([1, 10_000]),
        started_days_ago=st.integers(40, 120),
        invoices=st.lists(INVOICES, min_size=1, max_size=3),
        cap=st.sampled_from([None, None, 1, 5_000, 60_000]),
    )
    def a_referred_client(self, rate_bp, months, bonus, threshold, started_days_ago, invoices, cap):
        empty_database()
        self.app.config.update(
            COMMISSION_RATE_BP=rate_bp,
            COMMISSION_MONTHS=months,
            COMMISSION_BONUS_CENTS=bonus,
            PAYOUT_THRESHOLD_CENTS=threshold,
            COMMISSION_HOLD_DAYS=HOLD_DAYS,
            COMMISSION_CAP_CENTS=cap,
        )
        self.today = business_today()
        self.admin = create_user("admin@hiretechtalent.example", "admin", PASSWORD)
        referrer = sign_up(
            {
                "first_name": "Rita",
                "last_name": "Ref",
                "email": "rita@partnerco.example",
                "company": "PartnerCo",
                "relationship": "partner",
                "payout_email": "pay@partnerco.example",
            }
        ).referrer
        self.referrer_id = referrer.id
        code = decide(referrer.id, "approve", self.admin).code
        lead = submit_lead(
            lead_fields(
                email="ana@northwind.example", company="Northwind Labs", referral_code=code
            ),
            Arrival(source=LeadSource.FORM),
        ).lead
        assert lead.attribution_status == AttributionStatus.ATTRIBUTED
        self.terms = CopiedTerms(rate_bp, months, bonus, cap)
        assert (
            lead.commission_rate_bp,
            lead.commission_months,
            lead.commission_bonus_cents,
            lead.commission_cap_cents,
        ) == (rate_bp, months, bonus, cap)
        self.start = self.today - timedelta(days=started_days_ago)
        self.ends_on = guarantee_ends_on(self.start)
        contract = convert_lead(lead.id, ContractTerms(self.start, 1, 900_000, "USD"), self.admin)
        self.contract_id, self.client_id = contract.id, contract.client_id
        assert contract.guarantee_ends_on == self.ends_on
        for spec in invoices:
            self._add(*spec)

    def _add(self, amount: int, share: int, months_in: int, shift: int) -> None:
        number = next(self.numbers)
        period_start = self.start + relativedelta(months=months_in) + timedelta(days=shift)
        commissionable = amount * share // 100
        data = InvoiceInput(
            number=f"INV-{number}",
            issue_date=period_start,
            period_start=period_start,
            period_end=period_start + timedelta(days=27),
            amount_cents=amount,
            currency="USD",
            commissionable_cents=commissionable,
        )
        if self.claimed:
            self._refused("contract_terminated", add_invoice, self.contract_id, data)
            return
        invoice = add_invoice(self.contract_id, data).invoice
        self.bills.append(Bill(invoice.id, amount, commissionable, period_start))

    # ----------------------------------------------------------------- invoice events

    @precondition(lambda self: len(self.bills) < 4)
    @rule(spec=INVOICES)
    def add_an_invoice(self, spec):
        self._add(*spec)

    @rule(which=st.integers(0, 3), how=AMOUNT_CHOICES, raw=RAW_CENTS, days_ago=DAYS_AGO)
    def pay(self, which, how, raw, days_ago):
        bill = self.bills[which % len(self.bills)]
        amount, paid_on = amount_for(how, raw, bill.owed), self.today - timedelta(days=days_ago)
        if bill.status == "void":
            self._refused("invoice_void", record_payment, bill.id, amount, paid_on)
        elif amount > bill.owed:
            self._refused("overpayment", record_payment, bill.id, amount, paid_on)
        else:
            assert record_payment(bill.id, amount, paid_on).created
            bill.paid += amount
            bill.last_paid_on = max(bill.last_paid_on, paid_on)
            if bill.owed == 0:
                bill.settle(paid_on)
            self._note_bonus_holder()

    @rule(which=st.integers(0, 3), days_ago=DAYS_AGO)
    def pay_what_is_owed(self, which, days_ago):
        self.pay(which, "all", 1, days_ago)

    @rule(which=st.integers(0, 3), raw=RAW_CENTS, days_ago=DAYS_AGO)
    def pay_a_part(self, which, raw, days_ago):
        self.pay(which, "part", raw, days_ago)

    @rule(which=st.integers(0, 3), how=AMOUNT_CHOICES, raw=RAW_CENTS, days_ago=DAYS_AGO)
    def refund(self, which, how, raw, days_ago):
        bill = self.bills[which % len(self.bills)]
        amount, day = amount_for(how, raw, bill.net_paid), self.today - timedelta(days=days_ago)
        if amount > bill.net_paid:
            self._refused("refund_exceeds_paid", record_refund, bill.id, amount, day)
        else:
            assert record_refund(bill.id, amount, day, "Refunded").created
            bill.refunded += amount

    @rule(which=st.integers(0, 3), days_ago=DAYS_AGO)
    def write_off_the_rest(self, which, days_ago):
        bill = self.bills[which % len(self.bills)]
        day = self.today - timedelta(days=days_ago)
        if bill.status != "issued":
            self._refused("illegal_transition", write_off, bill.id, "Uncollectable", day)
            return
        write_off(bill.id, "Uncollectable", day)
        bill.written_off = bill.owed
        bill.settle(day)
        self._note_bonus_holder()

    @precondition(lambda self: any(bill.paid or bill.written_off for bill in self.bills))
    @rule(which=st.integers(0, 3))
    def void_it(self, which):
        """Voids once money moved (after a full refund, or of a written-off invoice)."""
        touched = [bill for bill in self.bills if bill.paid or bill.written_off]
        bill = touched[which % len(touched)]
        if bill.status == "void":
            self._refused("invoice_void", void, bill.id, "Issued in error")
        elif bill.net_paid > 0:
            self._refused("void_with_money_paid", void, bill.id, "Issued in error")
        else:
            void(bill.id, "Issued in error")
            bill.status = "void"

    @precondition(lambda self: any(bill.paid for bill in self.bills))
    @rule(days_after_start=st.integers(-3, 150))
    def claim_the_guarantee(self, days_after_start):
        claimed_on = self.start + timedelta(days=days_after_start)
        data = ClaimInput(claimed_on=claimed_on, reason="Not a fit")
        claims_before = self._claim_count()
        if claimed_on > self.today:
            code = "claim_in_future"
        elif self.claimed:
            code = "contract_terminated"
        elif claimed_on < self.start:
            code = "claim_before_start"
        elif claimed_on > self.ends_on:
            code = "guarantee_window_closed"
        else:
            code = None
        if code is not None:
            self._refused(code, file_claim, self.contract_id, data, self.admin)
            kept = db.session.scalar(sa.select(GuaranteeClaim).order_by(GuaranteeClaim.id.desc()))
            assert self._claim_count() == claims_before + 1
            assert (kept.status, kept.rejection_code) == (ClaimStatus.REJECTED, code)
            db.session.rollback()
            return
        claim = file_claim(self.contract_id, data, self.admin)
        assert claim.status == ClaimStatus.ACCEPTED
        expected_refunds = []
        for bill in self.bills:
            if bill.status == "void":
                continue
            if bill.net_paid > 0:
                expected_refunds.append((bill.id, bill.net_paid))
                bill.refunded = bill.paid
            bill.status = "void"
        refunds = db.session.execute(
            sa.select(Refund.id, Refund.invoice_id, Refund.amount_cents, Refund.status)
            .where(Refund.claim_id == claim.id)
            .order_by(Refund.invoice_id)
        ).all()
        assert [(r.invoice_id, r.amount_cents) for r in refunds] == expected_refunds
        assert all(r.status == RefundStatus.DUE for r in refunds)
        self.due_refunds.update({r.id: True for r in refunds})
        self.claimed = True
        db.session.rollback()

    @precondition(lambda self: self.due_refunds)
    @rule(which=st.integers(0, 3), days_ago=st.integers(0, 5))
    def record_a_claim_refund_sent(self, which, days_ago):
        refund_id = sorted(self.due_refunds)[which % len(self.due_refunds)]
        day = self.today - timedelta(days=days_ago)
        if not self.due_refunds[refund_id]:
            self._refused("illegal_transition", mark_refund_sent, refund_id, day, "WIRE-1")
            return
        mark_refund_sent(refund_id, day, "WIRE-1")
        self.due_refunds[refund_id] = False

    # ----------------------------------------------------------------- commission

    @rule()
    def suspend_or_reactivate_the_referrer(self):
        decide(self.referrer_id, "reactivate" if self.suspended else "suspend", self.admin)
        self.suspended = not self.suspended

    @rule(days_ago=st.integers(0, 15))
    def approve_due(self, days_ago):
        as_of = self.today - timedelta(days=days_ago)
        before = ledger_rows()
        bills = {bill.id: bill for bill in self.bills}
        due = {
            (entry.invoice_id, entry.for_bonus)
            for entry in before
            if entry.state == EntryState.PENDING
            and entry.amount_cents > 0
            and bills[entry.invoice_id].status == "paid"
            and bills[entry.invoice_id].fully_paid_on <= as_of
            and self.ends_on + timedelta(days=HOLD_DAYS) < as_of
            and not self.suspended
        }
        expected = {
            entry.id
            for entry in before
            if entry.state == EntryState.PENDING and (entry.invoice_id, entry.for_bonus) in due
        }
        db.session.rollback()
        assert run_approve_due(as_of) == len(expected)
        after = {entry.id: entry.state for entry in ledger_rows()}
        for entry in before:
            moved = entry.id in expected
            assert after[entry.id] == (EntryState.APPROVED if moved else entry.state)
        db.session.rollback()
        assert run_approve_due(as_of) == 0

    @rule(days_ago=st.integers(0, 3))
    def run_a_payout(self, days_ago):
        before = ledger_rows()
        loose = [e for e in before if e.state == EntryState.APPROVED and e.payout_id is None]
        net = sum(entry.amount_cents for entry in loose)
        paid_out = (
            not self.suspended and net > 0 and net >= self.app.config["PAYOUT_THRESHOLD_CENTS"]
        )
        db.session.rollback()
        payout_id = run_payouts(self.today - timedelta(days=days_ago), self.admin).payout.id
        self.payout_ids.append(payout_id)
        lines = db.session.execute(
            sa.select(PayoutLine.referrer_id, PayoutLine.amount_cents).where(
                PayoutLine.payout_id == payout_id
            )
        ).all()
        taken = {entry.id for entry in ledger_rows() if entry.payout_id == payout_id}
        if paid_out:
            assert [tuple(line) for line in lines] == [(self.referrer_id, net)]
            assert taken == {entry.id for entry in loose}
        else:
            assert (lines, taken) == ([], set())
        db.session.rollback()

    def _payout_and_line(self, which: int) -> tuple[int, str, str | None]:
        """A payout of this machine, its status and its one referrer's line's (or None)."""
        payout_id = self.payout_ids[which % len(self.payout_ids)]
        status = db.session.scalar(sa.select(Payout.status).where(Payout.id == payout_id))
        line = db.session.scalar(
            sa.select(PayoutLine.status).where(PayoutLine.payout_id == payout_id)
        )
        db.session.rollback()
        return payout_id, status, line

    @precondition(lambda self: self.payout_ids)
    @rule(which=st.integers(0, 3), days_ago=st.integers(0, 3))
    def mark_a_payout_paid(self, which, days_ago):
        payout_id, status, line = self._payout_and_line(which)
        day = self.today - timedelta(days=days_ago)
        if status == "open" and line == "open":
            mark_paid(payout_id, day, "BATCH-1")
        else:
            self._refused("illegal_transition", mark_paid, payout_id, day, "BATCH-1")

    @precondition(lambda self: self.payout_ids)
    @rule(which=st.integers(0, 3), paid=st.booleans(), days_ago=st.integers(0, 3))
    def settle_a_line(self, which, paid, days_ago):
        payout_id, status, line = self._payout_and_line(which)
        if paid:
            day = self.today - timedelta(days=days_ago)
            action = (mark_line_paid, payout_id, self.referrer_id, day, f"LINE-{payout_id}")
        else:
            action = (mark_line_failed, payout_id, self.referrer_id, "Account closed")
        if line is None:
            self._refused("not_found", *action)
        elif status == "open" and line == "open":
            action[0](*action[1:])
        else:
            self._refused("illegal_transition", *action)

    @precondition(lambda self: self.payout_ids)
    @rule(which=st.integers(0, 3))
    def cancel_a_payout(self, which):
        payout_id, status, line = self._payout_and_line(which)
        if status == "open" and line != "paid":
            cancel_payout(payout_id)
            self.cancelled_by_hand.add(payout_id)
        else:
            self._refused("illegal_transition", cancel_payout, payout_id)

    @rule(
        which=st.integers(0, 3),
        what=st.sampled_from(["payment", "refund", "write_off", "approve", "payout"]),
    )
    def date_something_tomorrow(self, which, what):
        bill = self.bills[which % len(self.bills)]
        tomorrow = self.today + timedelta(days=1)
        codes = {"date_in_future"}
        if what == "payment":
            codes |= {"invoice_void"} if bill.status == "void" else set()
            codes |= {"overpayment"} if bill.owed < 1 else set()
            self._refused(codes, record_payment, bill.id, max(bill.owed, 1), tomorrow)
        elif what == "refund":
            codes |= {"refund_exceeds_paid"} if bill.net_paid < 1 else set()
            self._refused(codes, record_refund, bill.id, max(bill.net_paid, 1), tomorrow)
        elif what == "write_off":
            codes |= {"illegal_transition"} if bill.status != "issued" else set()
            self._refused(codes, write_off, bill.id, "Uncollectable", tomorrow)
        elif what == "approve":
            self._refused(codes, run_approve_due, tomorrow)
        else:
            self._refused(codes, run_payouts, tomorrow, self.admin)

    # ----------------------------------------------------------------- helpers

    def _refused(self, codes: str | set[str], service, *args) -> None:
        """The service answers one of `codes` and leaves invoices and the ledger as they
        were (the order of checks among several that apply is not specified)."""
        codes = {codes} if isinstance(codes, str) else codes
        invoices_before, ledger_before = self._invoice_rows(), ledger_rows()
        db.session.rollback()
        with pytest.raises(ServiceError) as refused:
            service(*args)
        assert refused.value.code in codes
        assert self._invoice_rows() == invoices_before
        assert ledger_rows() == ledger_before
        db.session.rollback()

    def _note_bonus_holder(self) -> None:
        """The bonus rides on the first invoice to become fully paid with money kept."""
        if self.bonus_holder is not None or not self.terms.bonus_cents:
            return
        for bill in self.bills:
            if bill.status == "paid" and bonus_owed(bill.state(), self.terms, True):
                self.bonus_holder = bill.id
                return

    def _invoice_rows(self) -> list[tuple]:
        query = sa.select(
            Invoice.id,
            Invoice.paid_cents,
            Invoice.refunded_cents,
            Invoice.written_off_cents,
            Invoice.status,
            Invoice.fully_paid_on,
        ).order_by(Invoice.id)
        return [tuple(row) for row in db.session.execute(query)]

    def _claim_count(self) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(GuaranteeClaim))

    # ----------------------------------------------------------------- properties

    @invariant()
    def everything_agrees(self):
        try:
            self.invoice_totals_follow_the_model()
            entries = ledger_rows()
            self.each_invoice_holds_what_the_rule_owes(entries)
            self.entries_only_move_forward(entries)
            self.payouts_hold_each_entry_once(entries)
            self.recalculating_posts_nothing(entries)
        finally:
            db.session.rollback()

    def invoice_totals_follow_the_model(self):
        assert self._invoice_rows() == [bill.row() for bill in self.bills]

    def each_invoice_holds_what_the_rule_owes(self, entries):
        ids = {bill.id for bill in self.bills}
        for entry in entries:
            assert entry.invoice_id in ids
            assert (entry.referrer_id, entry.client_id) == (self.referrer_id, self.client_id)
            assert entry.amount_cents != 0
            if entry.amount_cents < 0:
                assert entry.kind == EntryKind.REVERSAL
            else:
                assert entry.kind == (EntryKind.BONUS if entry.for_bonus else EntryKind.ACCRUAL)
        assert len({entry.invoice_id for entry in entries if entry.kind == EntryKind.BONUS}) <= 1
        in_cap_order = sorted(self.bills, key=lambda bill: (bill.period_start, bill.id))
        uncapped = []
        for bill in in_cap_order:
            state = bill.state()
            uncapped += [
                accrual_owed(state, self.terms, self.start),
                bonus_owed(state, self.terms, bill.id == self.bonus_holder),
            ]
        shares = capped(uncapped, self.terms.cap_cents)
        for index, bill in enumerate(in_cap_order):
            mine = [entry for entry in entries if entry.invoice_id == bill.id]
            accrual = sum(entry.amount_cents for entry in mine if not entry.for_bonus)
            bonus = sum(entry.amount_cents for entry in mine if entry.for_bonus)
            assert (accrual, bonus) == (shares[2 * index], shares[2 * index + 1]), bill
            assert [entry.sequence for entry in mine] == list(range(1, len(mine) + 1))
        if self.terms.cap_cents is not None:
            positive = sum(entry.amount_cents for entry in entries)
            assert positive <= self.terms.cap_cents

    def entries_only_move_forward(self, entries):
        """Append-only; states only go pending → approved → paid; a payout, once given, stays.
        A negative entry is pending exactly while every earlier positive entry it takes back
        from is pending (SPEC §5)."""
        now = {entry.id: entry for entry in entries}
        assert set(self.seen) <= set(now), "an entry disappeared"
        for entry in entries:
            earlier = self.seen.get(entry.id)
            if earlier is not None:
                fixed = ("invoice_id", "sequence", "kind", "for_bonus", "amount_cents")
                for name in fixed:
                    assert getattr(entry, name) == getattr(earlier, name)
                assert RANK[entry.state] >= RANK[earlier.state]
                if earlier.payout_id is not None and entry.payout_id != earlier.payout_id:
                    assert entry.payout_id is None and entry.state == EntryState.APPROVED
                    assert self._line_status(earlier.payout_id) == LineStatus.FAILED
            positives = [
                other.state
                for other in entries
                if (other.invoice_id, other.for_bonus) == (entry.invoice_id, entry.for_bonus)
                and other.sequence < entry.sequence
                and other.amount_cents > 0
            ]
            all_pending = bool(positives) and all(s == EntryState.PENDING for s in positives)
            if entry.amount_cents < 0 and entry.state == EntryState.PENDING:
                assert all_pending, entry
            if earlier is None:
                if entry.amount_cents > 0:
                    assert entry.state == EntryState.PENDING, entry
                else:
                    expected = EntryState.PENDING if all_pending else EntryState.APPROVED
                    assert entry.state == expected, entry
        self.seen = now

    def _line_status(self, payout_id: int) -> LineStatus:
        return db.session.scalar(
            sa.select(PayoutLine.status).where(
                PayoutLine.payout_id == payout_id, PayoutLine.referrer_id == self.referrer_id
            )
        )

    def payouts_hold_each_entry_once(self, entries):
        """An open or paid line is the sum of the entries it holds (paid with it); a failed
        line holds none; a run's status and date follow its lines."""
        runs = {run.id: run for run in db.session.scalars(sa.select(Payout))}
        lines = db.session.scalars(sa.select(PayoutLine)).all()
        assert len({(line.payout_id, line.referrer_id) for line in lines}) == len(lines)
        holders = {}
        for line in lines:
            held = [
                entry
                for entry in entries
                if (entry.payout_id, entry.referrer_id) == (line.payout_id, line.referrer_id)
            ]
            if line.status == LineStatus.FAILED:
                assert held == [] and line.failure_reason
                continue
            holders[(line.payout_id, line.referrer_id)] = line.status
            assert line.amount_cents == sum(entry.amount_cents for entry in held)
            assert (line.paid_on is not None) == (line.status == LineStatus.PAID)
        for entry in entries:
            if entry.payout_id is None:
                assert entry.state != EntryState.PAID, entry
                continue
            line_status = holders[(entry.payout_id, entry.referrer_id)]
            paid = line_status == LineStatus.PAID
            assert entry.state == (EntryState.PAID if paid else EntryState.APPROVED), entry
        for run_id, run in runs.items():
            mine = [line for line in lines if line.payout_id == run_id]
            expected = run_status(
                [line.status.value for line in mine], cancelled=run_id in self.cancelled_by_hand
            )
            assert run.status == expected, (run_id, expected)
            paid_days = [line.paid_on for line in mine if line.status == LineStatus.PAID]
            assert run.paid_on == (max(paid_days) if expected == "paid" else None)

    def recalculating_posts_nothing(self, entries):
        db.session.rollback()
        for bill in self.bills:
            assert reconcile_invoice(lock_invoice(bill.id)) == []
        db.session.commit()
        assert ledger_rows() == entries

    def teardown(self):
        db.session.rollback()


def test_any_sequence_of_money_events_leaves_the_ledger_equal_to_the_rule(app):
    run_state_machine_as_test(
        lambda: LedgerMachine(app),
        settings=settings(max_examples=25, stateful_step_count=40, deadline=None),
    )
