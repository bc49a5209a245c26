"""Money events that arrive at the same moment (SPEC §4, §5), on SQLite and PostgreSQL: each
thread has its own app context and session, a barrier starts them together. Row locks
(PostgreSQL) and BEGIN IMMEDIATE (SQLite) must make the outcome the one a queue would give:
no overpayment, one payment per external_id, each entry approved once and paid out once,
one accepted guarantee claim, and a capped client's commission exactly at its cap."""

import threading
from datetime import timedelta

import sqlalchemy as sa
from support import PASSWORD, lead_fields

from auth.models import User
from auth.services import create_user
from billing.claims import ClaimInput, file_claim
from billing.invoices import InvoiceInput, add_invoice, record_payment, record_refund
from billing.models import (
    ClaimStatus,
    Contract,
    ContractStatus,
    GuaranteeClaim,
    Invoice,
    InvoiceStatus,
    Payment,
    Refund,
    RefundStatus,
)
from billing.services import ContractTerms, convert_lead
from commissions.models import CommissionEntry, EntryKind, EntryState, Payout, PayoutLine
from commissions.payouts import run_approve_due, run_payouts
from commissions.rules import commission_cents
from core.extensions import db as database
from core.service_errors import ServiceError
from core.today import business_today
from leads.rules import AttributionStatus, LeadSource
from leads.services import Arrival, submit_lead
from notifications.models import OutboxMessage
from referrals.services import decide, sign_up

THREADS = 6


def run_together(app, count: int, work) -> tuple[list, list[Exception]]:
    """Start `work(number)` in `count` threads at once; what they return and what they
    raise is collected for the test to assert."""
    database.session.commit()
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(number: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(work(number))
            except Exception as error:
                errors.append(error)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    database.session.expire_all()
    return results, errors


def codes(errors: list[Exception]) -> list[str]:
    assert all(isinstance(error, ServiceError) for error in errors), errors
    return sorted(error.code for error in errors)


def an_admin() -> User:
    return create_user("admin@hiretechtalent.example", "admin", PASSWORD)


def referred_contract(admin: User, number: int, started_days_ago: int) -> Contract:
    """An active referrer, a lead attributed to their code, converted with a past start."""
    referrer = sign_up(
        {
            "first_name": "Rita",
            "last_name": f"Ref{number}",
            "email": f"ref{number}@partner{number}.example",
            "company": f"Partner {number}",
            "relationship": "partner",
            "payout_email": f"pay{number}@partner{number}.example",
        }
    ).referrer
    code = decide(referrer.id, "approve", admin).code
    lead = submit_lead(
        lead_fields(
            email=f"buyer@client{number}.example",
            company=f"Client {number}",
            referral_code=code,
        ),
        Arrival(source=LeadSource.FORM),
    ).lead
    assert lead.attribution_status == AttributionStatus.ATTRIBUTED
    start = business_today() - timedelta(days=started_days_ago)
    return convert_lead(lead.id, ContractTerms(start, 1, 900_000, "USD"), admin)


def an_invoice(contract: Contract, number: str, amount: int, commissionable: int) -> int:
    start = contract.start_date
    data = InvoiceInput(
        number=number,
        issue_date=start,
        period_start=start,
        period_end=start + timedelta(days=27),
        amount_cents=amount,
        currency="USD",
        commissionable_cents=commissionable,
    )
    return add_invoice(contract.id, data).invoice.id


def ledger_of(invoice_id: int) -> list[CommissionEntry]:
    query = sa.select(CommissionEntry).where(CommissionEntry.invoice_id == invoice_id)
    return list(database.session.scalars(query.order_by(CommissionEntry.sequence)))


def test_parallel_payments_take_only_what_is_still_owed(app, db):
    contract = referred_contract(an_admin(), 1, started_days_ago=20)
    invoice_id = an_invoice(contract, "INV-1", 100_000, 80_000)
    paid_on = business_today() - timedelta(days=1)

    results, errors = run_together(
        app, THREADS, lambda _: record_payment(invoice_id, 30_000, paid_on).created
    )

    assert results == [True] * 3
    assert codes(errors) == ["overpayment"] * 3
    invoice = db.session.get(Invoice, invoice_id)
    assert (invoice.paid_cents, invoice.status) == (90_000, InvoiceStatus.ISSUED)
    payments = db.session.scalars(sa.select(Payment.amount_cents)).all()
    assert payments == [30_000] * 3
    entries = ledger_of(invoice_id)
    assert sum(entry.amount_cents for entry in entries) == commission_cents(
        80_000, 90_000, 100_000, 1000
    )
    assert [entry.sequence for entry in entries] == list(range(1, len(entries) + 1))


def test_parallel_retries_of_one_payment_record_it_once(app, db):
    contract = referred_contract(an_admin(), 1, started_days_ago=20)
    invoice_id = an_invoice(contract, "INV-1", 100_000, 100_000)
    paid_on = business_today() - timedelta(days=1)

    results, errors = run_together(
        app,
        THREADS,
        lambda _: record_payment(invoice_id, 30_000, paid_on, external_id="bank-77").created,
    )

    assert errors == []
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    [payment] = db.session.scalars(sa.select(Payment)).all()
    assert (payment.amount_cents, payment.external_id) == (30_000, "bank-77")
    assert db.session.get(Invoice, invoice_id).paid_cents == 30_000
    [entry] = ledger_of(invoice_id)
    assert entry.amount_cents == commission_cents(100_000, 30_000, 100_000, 1000)


def test_invoices_paid_in_full_at_once_earn_the_client_one_bonus(app, db):
    app.config["COMMISSION_BONUS_CENTS"] = 5000
    contract = referred_contract(an_admin(), 1, started_days_ago=20)
    invoice_ids = [an_invoice(contract, f"INV-{n}", 100_000, 100_000) for n in range(THREADS)]
    paid_on = business_today() - timedelta(days=1)

    results, errors = run_together(
        app, THREADS, lambda n: record_payment(invoice_ids[n], 100_000, paid_on).created
    )

    assert (results, errors) == ([True] * THREADS, [])
    entries = db.session.scalars(sa.select(CommissionEntry)).all()
    bonuses = [entry for entry in entries if entry.for_bonus]
    assert [(entry.kind, entry.amount_cents) for entry in bonuses] == [(EntryKind.BONUS, 5000)]
    accruals = [entry.amount_cents for entry in entries if not entry.for_bonus]
    assert accruals == [10_000] * THREADS


def test_a_capped_clients_invoices_paid_at_once_earn_exactly_the_cap(app, db):
    """Each payment reconciles every invoice of the client under the cap (SPEC §16); the
    client row lock every money event takes first makes them queue, not deadlock."""
    app.config["COMMISSION_CAP_CENTS"] = 25_000
    contract = referred_contract(an_admin(), 1, started_days_ago=20)
    invoice_ids = [an_invoice(contract, f"INV-{n}", 100_000, 100_000) for n in range(THREADS)]
    paid_on = business_today() - timedelta(days=1)

    results, errors = run_together(
        app, THREADS, lambda n: record_payment(invoice_ids[n], 100_000, paid_on).created
    )

    assert (results, errors) == ([True] * THREADS, [])
    shares = [sum(e.amount_cents for e in ledger_of(invoice_id)) for invoice_id in invoice_ids]
    assert shares == [10_000, 10_000, 5_000, 0, 0, 0]


def test_parallel_approve_due_runs_approve_each_entry_once(app, db):
    app.config["COMMISSION_BONUS_CENTS"] = 5000
    contract = referred_contract(an_admin(), 1, started_days_ago=100)
    paid_on = business_today() - timedelta(days=50)
    for number in range(3):
        invoice_id = an_invoice(contract, f"INV-{number}", 100_000, 100_000)
        record_payment(invoice_id, 100_000, paid_on)
    record_refund(invoice_id, 10_000, paid_on, "Discount")
    pending = db.session.scalars(sa.select(CommissionEntry.id)).all()
    assert len(pending) == 5, "three accruals, the bonus and a reversal"

    results, errors = run_together(app, THREADS, lambda _: run_approve_due())

    assert errors == []
    assert sum(results) == len(pending)
    states = db.session.scalars(sa.select(CommissionEntry.state)).all()
    assert states == [EntryState.APPROVED] * len(pending)
    emails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.event == "commission_approved")
    ).all()
    assert len(emails) == 1


def test_a_refund_while_approve_due_runs_leaves_no_reversal_behind(app, db):
    """A refund on a paid invoice posts its reversal pending while the accrual is pending
    (SPEC §5); if approve-due approves the accrual at that moment, the reversal must move
    with it, or the referrer is paid commission on money given back."""
    contract = referred_contract(an_admin(), 1, started_days_ago=100)
    paid_on = business_today() - timedelta(days=50)
    invoice_ids = []
    for round_number in range(2):
        batch = []
        for number in range(THREADS):
            invoice_id = an_invoice(contract, f"INV-{round_number}-{number}", 100_000, 100_000)
            record_payment(invoice_id, 100_000, paid_on)
            batch.append(invoice_id)
        invoice_ids += batch

        def refund_or_approve(number: int, batch=batch) -> None:
            if number == len(batch):
                run_approve_due()
            else:
                record_refund(batch[number], 50_000, paid_on)

        _, errors = run_together(app, len(batch) + 1, refund_or_approve)
        assert errors == []

    run_approve_due()
    entries = db.session.scalars(sa.select(CommissionEntry)).all()
    left_pending = [entry.amount_cents for entry in entries if entry.state == EntryState.PENDING]
    approved = sum(entry.amount_cents for entry in entries if entry.state == EntryState.APPROVED)
    assert (left_pending, approved) == ([], len(invoice_ids) * 5_000)


def test_parallel_payout_runs_never_pay_an_entry_twice(app, db):
    admin = an_admin()
    paid_on = business_today() - timedelta(days=50)
    referrers = {}
    for number, amount in ((1, 300_000), (2, 50_000)):
        contract = referred_contract(admin, number, started_days_ago=100)
        invoice_id = an_invoice(contract, f"INV-{number}", amount, amount)
        record_payment(invoice_id, amount, paid_on)
        referrers[number] = ledger_of(invoice_id)[0].referrer_id
    record_refund(invoice_id, 10, paid_on)
    assert run_approve_due() == 3
    approved = dict(
        db.session.execute(
            sa.select(CommissionEntry.referrer_id, sa.func.sum(CommissionEntry.amount_cents))
            .where(CommissionEntry.state == EntryState.APPROVED)
            .group_by(CommissionEntry.referrer_id)
        ).all()
    )
    assert approved == {referrers[1]: 30_000, referrers[2]: 4_999}, "only the first reaches"

    results, errors = run_together(app, THREADS, lambda _: run_payouts(None, None).payout.id)

    on_postgresql = db.engine.dialect.name == "postgresql"
    assert codes(errors) == (["payout_run_in_progress"] * len(errors) if on_postgresql else [])
    assert len(results) + len(errors) == THREADS and results
    lines = db.session.execute(
        sa.select(PayoutLine.payout_id, PayoutLine.referrer_id, PayoutLine.amount_cents)
    ).all()
    assert [(line.referrer_id, line.amount_cents) for line in lines] == [(referrers[1], 30_000)]
    winner = lines[0].payout_id
    assert set(results) == set(db.session.scalars(sa.select(Payout.id)).all())
    taken = db.session.execute(
        sa.select(CommissionEntry.referrer_id, CommissionEntry.payout_id)
    ).all()
    assert sorted(taken) == [(referrers[1], winner), (referrers[2], None), (referrers[2], None)]


def test_parallel_guarantee_claims_accept_one_and_keep_the_others_as_rejected(app, db):
    admin = an_admin()
    contract = referred_contract(admin, 1, started_days_ago=10)
    contract_id, admin_id = contract.id, admin.id
    invoice_id = an_invoice(contract, "INV-1", 100_000, 100_000)
    record_payment(invoice_id, 40_000, business_today() - timedelta(days=3))
    claimed_on = business_today() - timedelta(days=2)

    def claim(number: int) -> int:
        actor = database.session.get(User, admin_id)
        return file_claim(contract_id, ClaimInput(claimed_on, f"Not a fit ({number})"), actor).id

    results, errors = run_together(app, 5, claim)

    assert len(results) == 1
    # SPEC §4 orders the codes: the winner already ended the contract.
    assert codes(errors) == ["contract_terminated"] * 4
    claims = db.session.scalars(sa.select(GuaranteeClaim).order_by(GuaranteeClaim.id)).all()
    assert sorted((c.status, c.rejection_code) for c in claims) == sorted(
        [(ClaimStatus.ACCEPTED, None)] + [(ClaimStatus.REJECTED, "contract_terminated")] * 4
    )
    assert {error.extra["claim_id"] for error in errors} == {
        c.id for c in claims if c.status == ClaimStatus.REJECTED
    }
    [refund] = db.session.scalars(sa.select(Refund)).all()
    assert (refund.amount_cents, refund.status, refund.claim_id) == (
        40_000,
        RefundStatus.DUE,
        results[0],
    )
    invoice = db.session.get(Invoice, invoice_id)
    assert (invoice.status, invoice.refunded_cents) == (InvoiceStatus.VOID, 40_000)
    assert db.session.get(Contract, contract_id).status == ContractStatus.TERMINATED
    assert sum(entry.amount_cents for entry in ledger_of(invoice_id)) == 0


def test_the_portal_cap_of_20_referrals_a_day_holds_under_concurrent_requests(app, db):
    from referrals.models import Referrer
    from referrals.portal import REFERRALS_PER_DAY, refer_company

    admin = an_admin()
    referrer = sign_up(
        {
            "first_name": "Rita",
            "last_name": "Ref",
            "email": "rita@partnerco.example",
            "company": "PartnerCo",
            "relationship": "partner",
            "payout_email": "rita@partnerco.example",
        }
    ).referrer
    decide(referrer.id, "approve", admin)
    requests = REFERRALS_PER_DAY + 5

    def refer(number: int):
        me = database.session.get(Referrer, referrer.id)
        data = {
            "first_name": "Cto",
            "last_name": f"Number{number}",
            "email": f"cto{number}@company{number}.example",
            "company": f"Company {number}",
        }
        return refer_company(me, data).id

    created, errors = run_together(app, requests, refer)

    assert len(created) == REFERRALS_PER_DAY
    assert codes(errors) == ["rate_limited"] * 5
    leads = database.session.scalar(sa.select(sa.func.count()).select_from(sa.table("leads")))
    assert leads == REFERRALS_PER_DAY
