"""Two mornings in a real browser, at desktop and phone sizes (SPEC §13): a sales rep works
My work (an overdue lead, its next action, a bulk reassignment), and finance goes from the
refunds-due count to the invoice and records the refund sent. Each counts its clicks."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect
from support import lead_fields

from auth.services import create_user
from billing.claims import ClaimInput, file_claim
from billing.invoices import InvoiceInput, add_invoice, record_payment
from billing.models import Refund, RefundStatus
from billing.services import ContractTerms, convert_lead
from core.db import utcnow
from core.extensions import db
from core.today import business_today
from leads.models import Lead
from leads.rules import LeadSource
from leads.services import Arrival, submit_lead

PASSWORD = "correct horse battery"
SAM = "sam@hiretechtalent.example"
CLEO = "cleo@hiretechtalent.example"
FRAN = "fran@hiretechtalent.example"
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


class Clicks:
    """A page whose clicks are counted: how many a morning takes."""

    def __init__(self, page: Page):
        self.page, self.count = page, 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()


@pytest.fixture(params=list(SIZES))
def sized_page(request, browser: Browser):
    context = browser.new_context(locale="en-US", **SIZES[request.param])
    context.set_default_timeout(5_000)
    yield request.param, context.new_page()
    context.close()


def _log_in(clicks: Clicks, base: str, email: str) -> None:
    page = clicks.page
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    clicks.click(page.get_by_role("button", name="Log in"))
    expect(page).to_have_url(f"{base}/dashboard")


def _open_nav(clicks: Clicks, size: str) -> None:
    """On a phone the navigation sits behind the Menu button."""
    if size == "phone":
        clicks.click(clicks.page.get_by_role("button", name="Menu"))


def _sales_morning_data(app) -> tuple[int, str]:
    """Sam (sales) owns three new leads, Acme's next action two days overdue; Cleo is the
    colleague who takes two of them."""
    with app.app_context():
        sam = create_user(SAM, "sales", PASSWORD)
        create_user(CLEO, "sales", PASSWORD)
        ids = []
        for n, company in enumerate(["Acme Robotics", "Bluefin Health", "Cobalt Labs"], 1):
            fields = lead_fields(email=f"cto{n}@lead{n}.example", company=company)
            lead = submit_lead(fields, Arrival(source=LeadSource.FORM)).lead
            ids.append(lead.id)
        db.session.execute(sa.update(Lead).where(Lead.id.in_(ids)).values(owner_id=sam.id))
        db.session.execute(
            sa.update(Lead)
            .where(Lead.id == ids[0])
            .values(
                next_action_on=business_today() - timedelta(days=2),
                next_action="Send the rate card",
                created_at=utcnow() - timedelta(days=3),
            )
        )
        db.session.commit()
        return ids[0], (business_today() + timedelta(days=1)).isoformat()


@pytest.mark.browser
def test_a_sales_reps_morning(sized_page, live_server, live_app, screenshot):
    size, page = sized_page
    overdue_id, tomorrow = _sales_morning_data(live_app)
    clicks = Clicks(page)
    _log_in(clicks, live_server, SAM)

    # My work: the overdue lead is on top, saying so.
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Acme Robotics")
    expect(rows.first).to_contain_text("Overdue since")
    screenshot(page, f"{size}-sales-my-work")
    clicks.click(rows.first.get_by_role("link", name="Acme Robotics"))
    expect(page).to_have_url(f"{live_server}/dashboard/leads/{overdue_id}")

    # The next action moves to tomorrow.
    form = page.locator("form.next-action")
    form.get_by_label("Next action on").fill(tomorrow)
    form.get_by_label("What to do next").fill("Call about the rate card")
    clicks.click(form.get_by_role("button", name="Set next action"))
    expect(page.get_by_role("status").first).to_have_text("Next action set.")
    expect(page.locator("form.next-action").get_by_label("Next action on")).to_have_value(tomorrow)
    screenshot(page, f"{size}-sales-next-action")

    # The two other leads go to Cleo in one change from the lead list.
    _open_nav(clicks, size)
    clicks.click(page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads"))
    expect(page.locator("p.total")).to_have_text("3 leads")
    for company in ("Bluefin Health", "Cobalt Labs"):
        clicks.click(page.get_by_label(re.compile(f"^Select {company}")))
    bulk = page.locator("form#bulk-change")
    bulk.get_by_label("Owner").select_option(CLEO)
    screenshot(page, f"{size}-sales-bulk")
    clicks.click(bulk.get_by_role("button", name="Apply to the selected leads"))
    expect(page.get_by_role("status").first).to_have_text("Changed 2 leads.")
    screenshot(page, f"{size}-sales-bulk-done")

    with live_app.app_context():
        leads = {lead.company: lead for lead in db.session.scalars(sa.select(Lead))}
        assert leads["Acme Robotics"].next_action_on.isoformat() == tomorrow
        assert leads["Acme Robotics"].owner.email == SAM
        assert {leads[c].owner.email for c in ("Bluefin Health", "Cobalt Labs")} == {CLEO}
    expected = {"desktop": 6, "phone": 7}[size]
    assert clicks.count - 1 == expected, "clicks after signing in"


def _refund_due(app) -> str:
    """A client claimed the guarantee on an $18,000 invoice they had paid: a refund is due."""
    with app.app_context():
        today = business_today()
        fran = create_user(FRAN, "finance", PASSWORD)
        lead = submit_lead(
            lead_fields(company="Northwind Labs"), Arrival(source=LeadSource.FORM)
        ).lead
        start = today - timedelta(days=5)
        contract = convert_lead(lead.id, ContractTerms(start, 1, 1_800_000, "USD"), fran)
        invoice = add_invoice(
            contract.id,
            InvoiceInput("INV-3001", start, start, start + timedelta(days=29), 1_800_000, "USD"),
        ).invoice
        record_payment(invoice.id, 1_800_000, today, None)
        file_claim(contract.id, ClaimInput(today, "Not a fit"), fran)
        return invoice.number


@pytest.mark.browser
def test_finances_morning(sized_page, live_server, live_app, screenshot):
    size, page = sized_page
    number = _refund_due(live_app)
    clicks = Clicks(page)
    _log_in(clicks, live_server, FRAN)

    due = page.get_by_role("link", name=re.compile("1 refund due"))
    expect(page.locator("ul.day-counts")).to_contain_text("1 refund due · $18,000.00 to send")
    screenshot(page, f"{size}-finance-day")
    clicks.click(due)
    expect(page.get_by_role("heading", level=1)).to_have_text("Refunds due")
    clicks.click(page.get_by_role("link", name=number))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Invoice {number}")
    page.get_by_label("Reference").fill("WIRE-4410")
    screenshot(page, f"{size}-finance-invoice")
    clicks.click(page.get_by_role("button", name="Record as sent"))
    expect(page.get_by_role("status").first).to_have_text("Refund recorded as sent.")

    with live_app.app_context():
        refund = db.session.scalars(sa.select(Refund)).one()
        assert (refund.status, refund.reference) == (RefundStatus.SENT, "WIRE-4410")
    assert clicks.count - 1 == 3, "clicks after signing in"
