"""Finance keeps the books of a referred client in a real browser: an invoice, its payment and
the commission it earns, a guarantee claim that undoes them, and a payout run."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from playwright.sync_api import expect
from support import lead_fields

from auth.services import create_user
from billing.invoices import InvoiceInput, add_invoice, record_payment
from billing.models import (
    Contract,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    Refund,
    RefundStatus,
    TerminationReason,
)
from billing.services import ContractTerms, convert_lead
from commissions.models import CommissionEntry, EntryState, Payout, PayoutStatus
from core.extensions import db
from core.today import business_today
from leads.rules import AttributionStatus, LeadSource
from leads.services import Arrival, submit_lead
from referrals.services import decide, sign_up

FINANCE_EMAIL = "fran@hiretechtalent.example"
PASSWORD = "correct horse battery"
NEXT_LIST_ITEMS = "xpath=following-sibling::ul[1]/li"
CLAIM_REASON = "The engineer missed our stand-ups for a week."


def _referred_contract(app, started_days_ago: int) -> tuple[int, date]:
    """A finance user, an approved referrer and Northwind Labs, referred by them and
    converted with a contract that started `started_days_ago` days ago; returns the
    contract's id and the business date. The app context closes before the browser starts:
    on SQLite every transaction is BEGIN IMMEDIATE, so an open session would stall the
    server."""
    with app.app_context():
        today = business_today()
        finance = create_user(FINANCE_EMAIL, "finance", PASSWORD)
        referrer = sign_up(
            {
                "first_name": "Rita",
                "last_name": "Moreno",
                "email": "rita@brightside.example",
                "company": "Brightside Consulting",
                "relationship": "partner",
                "payout_email": "payouts@brightside.example",
            }
        ).referrer
        code = decide(referrer.id, "approve", finance).code
        lead = submit_lead(lead_fields(referral_code=code), Arrival(source=LeadSource.FORM)).lead
        assert lead.attribution_status == AttributionStatus.ATTRIBUTED
        start = today - timedelta(days=started_days_ago)
        contract = convert_lead(lead.id, ContractTerms(start, 1, 1_000_000, "USD"), finance)
        return contract.id, today


def _log_in(page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(FINANCE_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server}/dashboard")


@pytest.mark.browser
def test_finance_records_an_invoice_and_its_payment_then_a_guarantee_claim_undoes_them(
    page, phone_page, live_server, live_app, screenshot, sideways_overflow
):
    contract_id, today = _referred_contract(live_app, started_days_ago=5)
    start = today - timedelta(days=5)
    _log_in(page, live_server)

    # The contract shows the open guarantee window; finance records the first invoice.
    page.goto(f"{live_server}/dashboard/contracts/{contract_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Contract #{contract_id} · Northwind Labs"
    )
    expect(page.locator("dl.fields")).to_contain_text(re.compile(r"\(\d+ days left\)"))
    page.get_by_role("button", name="Record an invoice").click()
    invoice_form = page.locator("form[action$='/invoices']")
    invoice_form.get_by_label("Invoice number").fill("INV-2001")
    expect(invoice_form.get_by_label("Issue date")).to_have_value(today.isoformat())
    invoice_form.get_by_label("Period from").fill(start.isoformat())
    period_end = start + relativedelta(months=1, days=-1)
    invoice_form.get_by_label("Period to").fill(period_end.isoformat())
    invoice_form.get_by_label(re.compile("^Amount")).fill("10000.00")
    screenshot(page, "contract-record-invoice")
    invoice_form.get_by_role("button", name="Record invoice").click()

    # The invoice page: finance records the full payment and sees the commission.
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server)}/dashboard/invoices/\d+$"))
    invoice_url = page.url
    expect(page.get_by_role("status")).to_have_text("Invoice recorded.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice INV-2001")
    expect(page.locator("hgroup")).to_contain_text("Issued")
    payment_form = page.locator("form[action$='/payments']")
    payment_form.get_by_label("Amount").fill("10000.00")
    expect(payment_form.get_by_label("Paid on")).to_have_value(today.isoformat())
    payment_form.get_by_role("button", name="Record payment").click()
    expect(page.get_by_role("status")).to_have_text("Payment recorded.")
    expect(page.locator("hgroup strong")).to_have_text("Paid")
    facts = page.locator("dl.fields")
    expect(facts).to_contain_text(f"$10,000.00 (in full on {today.isoformat()})")
    commission = page.get_by_role("heading", name="Commission").locator(NEXT_LIST_ITEMS)
    expect(commission).to_have_count(1)
    expect(commission).to_contain_text("Accrual · $1,000.00 · Pending")
    expect(page.get_by_role("heading", name="Record a payment")).to_have_count(0)
    screenshot(page, "invoice-paid")

    # Back on the contract, the client's complaint is recorded as a guarantee claim.
    page.get_by_role("link", name=f"contract #{contract_id}").click()
    invoices = page.locator("table tbody tr")
    expect(invoices).to_have_count(1)
    expect(invoices).to_contain_text("INV-2001")
    expect(invoices).to_contain_text("Paid")
    page.get_by_role("button", name="Record a guarantee claim").click()
    claim_form = page.locator("form[action$='/guarantee-claims']")
    expect(claim_form.get_by_label("Claimed on")).to_have_value(today.isoformat())
    claim_form.get_by_label("Claimed on").fill(today.isoformat())
    claim_form.get_by_label("How the client told us").select_option("email")
    claim_form.get_by_label("What the client said").fill(CLAIM_REASON)
    claim_form.get_by_role("button", name="Record claim").click()

    # The confirmation step says what the claim will do; nothing has changed yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept the guarantee claim?")
    effects = page.locator("ul.effects li")
    expect(effects).to_have_text(
        [
            f"end contract #{contract_id}",
            "voids 1 invoice",
            "$10,000.00 of refunds become due",
            "−$1,000.00 commission for Rita Moreno",
            "3 emails",
        ]
    )
    screenshot(page, "claim-confirmation")
    with live_app.app_context():
        assert db.session.get(Contract, contract_id).status == ContractStatus.ACTIVE
    page.get_by_role("button", name="Accept the claim").click()

    expect(page.get_by_role("status")).to_contain_text("Claim accepted")
    expect(page.locator("hgroup")).to_contain_text(
        f"Ended since {today.isoformat()} (Satisfaction guarantee claim)"
    )
    expect(invoices).to_contain_text("Void")
    expect(invoices.locator("td").nth(5)).to_have_text("$10,000.00")
    claims = page.get_by_role("heading", name="Guarantee claims").locator(NEXT_LIST_ITEMS)
    expect(claims).to_have_count(1)
    expect(claims).to_contain_text("Accepted")
    expect(claims).to_contain_text(CLAIM_REASON)
    expect(page.get_by_role("button", name="Record a guarantee claim")).to_have_count(0)
    screenshot(page, "contract-claim-accepted")

    # The invoice is void with a refund due, which finance then records as sent.
    invoices.get_by_role("link", name="INV-2001").click()
    expect(page).to_have_url(invoice_url)
    expect(page.locator("hgroup strong")).to_have_text("Void")
    expect(facts).to_contain_text("Satisfaction guarantee")
    refunds = page.get_by_role("heading", name="Refunds").locator(NEXT_LIST_ITEMS)
    expect(refunds).to_have_count(1)
    expect(refunds).to_contain_text("$10,000.00 · Due")
    expect(commission).to_have_count(2)
    expect(commission.nth(1)).to_contain_text("Reversal · -$1,000.00 · Pending")
    screenshot(page, "invoice-refund-due")

    phone_page.context.add_cookies(page.context.cookies())
    phone_page.goto(invoice_url)
    expect(phone_page.get_by_role("button", name="Record as sent")).to_be_visible()
    screenshot(phone_page, "phone-invoice-refund-due")
    assert sideways_overflow(phone_page) == 0

    refunds.get_by_label("Sent on").fill(today.isoformat())
    refunds.get_by_label("Reference").fill("WIRE-REF-7781")
    refunds.get_by_role("button", name="Record as sent").click()
    expect(page.get_by_role("status")).to_have_text("Refund recorded as sent.")
    expect(refunds).to_contain_text(f"$10,000.00 · Sent on {today.isoformat()} · ref WIRE-REF-7781")
    expect(page.get_by_role("button", name="Record as sent")).to_have_count(0)
    screenshot(page, "invoice-refund-sent")

    with live_app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert contract.status == ContractStatus.TERMINATED
        assert contract.termination_reason == TerminationReason.SATISFACTION_GUARANTEE
        assert contract.end_date == today
        invoice = db.session.scalars(sa.select(Invoice)).one()
        assert (invoice.status, invoice.paid_cents, invoice.refunded_cents) == (
            InvoiceStatus.VOID,
            1_000_000,
            1_000_000,
        )
        refund = db.session.scalars(sa.select(Refund)).one()
        assert (refund.status, refund.refunded_on, refund.reference) == (
            RefundStatus.SENT,
            today,
            "WIRE-REF-7781",
        )
        amounts = db.session.scalars(
            sa.select(CommissionEntry.amount_cents).order_by(CommissionEntry.id)
        ).all()
        assert amounts == [100_000, -100_000]
        assert sum(amounts) == 0


@pytest.mark.browser
def test_finance_approves_due_commission_runs_a_payout_exports_it_and_marks_it_paid(
    page, live_server, live_app, screenshot
):
    contract_id, today = _referred_contract(live_app, started_days_ago=100)
    start = today - timedelta(days=100)
    with live_app.app_context():
        invoice = add_invoice(
            contract_id,
            InvoiceInput(
                number="INV-1001",
                issue_date=start,
                period_start=start,
                period_end=start + relativedelta(months=1, days=-1),
                amount_cents=1_000_000,
                currency="USD",
            ),
        ).invoice
        record_payment(invoice.id, 1_000_000, today - timedelta(days=90))
    _log_in(page, live_server)

    # The guarantee and the hold are over: the pending accrual is approved.
    page.get_by_role("navigation").get_by_role("link", name="Commissions").click()
    expect(page).to_have_url(f"{live_server}/dashboard/commissions")
    entries = page.locator("table tbody tr")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text("Accrual")
    expect(entries).to_contain_text("$1,000.00")
    expect(entries.locator("td").nth(6)).to_have_text("Pending")
    expect(page.get_by_label("As of")).to_have_value(today.isoformat())
    page.get_by_role("button", name="Approve what is due").click()
    expect(page.get_by_role("status")).to_have_text("Approved 1 entry.")
    expect(entries.locator("td").nth(6)).to_have_text("Approved")
    screenshot(page, "ledger-approved")

    # A payout run pays the referrer, who is above the threshold.
    page.get_by_role("navigation").get_by_role("link", name="Payouts").click()
    expect(page.locator("table tbody tr")).to_have_text("No payout runs yet.")
    page.get_by_role("button", name="Run payouts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Run payouts?")
    page.get_by_role("button", name="Run payouts").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server)}/dashboard/payouts/\d+$"))
    expect(page.get_by_role("status")).to_have_text("Payout run created with 1 line.")
    payout_id = int(page.url.rsplit("/", 1)[-1])
    lines = page.locator("table tbody tr")
    expect(lines).to_have_count(1)
    expect(lines.locator("td")).to_have_text(
        ["Rita Moreno", "$1,000.00", "Open", "", "payouts@brightside.example"]
    )
    expect(page.locator("hgroup")).to_contain_text(f"as of {today.isoformat()} · Open")
    screenshot(page, "payout-open")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"payout-{payout_id}.csv"
    with open(download.path(), encoding="utf-8", newline="") as exported:
        rows = list(csv.reader(io.StringIO(exported.read())))
    assert rows[0] == [
        "payout_id",
        "as_of",
        "referrer_id",
        "name",
        "payout_email",
        "amount_cents",
        "amount",
        "status",
        "paid_on",
        "reference",
        "failure_reason",
    ]
    assert len(rows) == 2
    assert rows[1][:2] == [str(payout_id), today.isoformat()]
    assert rows[1][3:] == [
        "Rita Moreno",
        "payouts@brightside.example",
        "100000",
        "1000.00",
        "open",
        "",
        "",
        "",
    ]

    whole_run = page.locator("form", has=page.get_by_role("button", name="Mark paid"))
    expect(whole_run.get_by_label("Paid on")).to_have_value(today.isoformat())
    whole_run.get_by_label("Reference").fill("BATCH-2026-07")
    whole_run.get_by_role("button", name="Mark paid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark the whole run paid?")
    page.get_by_role("button", name="Mark paid").click()
    expect(page.get_by_role("status")).to_have_text("Payout marked paid; referrers are told.")
    expect(page.locator("hgroup")).to_contain_text(
        f"Paid on {today.isoformat()} (ref BATCH-2026-07)"
    )
    expect(page.get_by_role("button", name="Mark paid")).to_have_count(0)
    screenshot(page, "payout-paid")

    page.get_by_role("navigation").get_by_role("link", name="Commissions").click()
    expect(entries.locator("td").nth(6)).to_have_text("Paid")
    expect(entries.locator("td").nth(7)).to_have_text(f"#{payout_id}")
    screenshot(page, "ledger-paid")

    with live_app.app_context():
        entry = db.session.scalars(sa.select(CommissionEntry)).one()
        assert (entry.state, entry.amount_cents, entry.payout_id) == (
            EntryState.PAID,
            100_000,
            payout_id,
        )
        payout = db.session.get(Payout, payout_id)
        assert (payout.status, payout.paid_on, payout.reference) == (
            PayoutStatus.PAID,
            today,
            "BATCH-2026-07",
        )
        assert [line.amount_cents for line in payout.lines] == [100_000]
