"""A sales user works a lead on the dashboard in a real browser."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from auth.services import create_user
from core.extensions import db
from leads.models import Lead, LeadEvent
from leads.rules import LeadSource, LeadStatus
from leads.services import Arrival, submit_lead

SALES_EMAIL = "sam@hiretechtalent.example"
PASSWORD = "correct horse battery"
NOTE = "Called Ana: two back-end engineers from March, budget approved."


def _lead(first_name: str, last_name: str, company: str, email: str) -> dict:
    return {
        "first_name": first_name,
        "last_name": last_name,
        "company": company,
        "email": email,
        "roles": ["Back-end"],
        "headcount": 2,
        "consent": True,
    }


@pytest.fixture
def leads_to_work(live_app) -> int:
    """A sales user and three form leads; returns the id of Ana's. The app context closes
    before the browser starts: on SQLite every transaction is BEGIN IMMEDIATE, so a session
    left open here would hold the write lock and stall the server."""
    with live_app.app_context():
        create_user(SALES_EMAIL, "sales", PASSWORD)
        form = Arrival(source=LeadSource.FORM)
        submit_lead(_lead("Grace", "Hopper", "Cobol Works", "grace@cobol.example"), form)
        ana = submit_lead(_lead("Ana", "Silva", "Northwind Labs", "ana@northwind.example"), form)
        submit_lead(_lead("Linus", "Berg", "Kernel Co", "linus@kernel.example"), form)
        return ana.lead.id


def _log_in(page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(SALES_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server}/dashboard")


@pytest.mark.browser
def test_a_sales_user_finds_a_lead_moves_it_to_contacted_and_adds_a_note(
    page, live_server, live_app, leads_to_work, screenshot
):
    page.goto(f"{live_server}/login")
    screenshot(page, "login")
    _log_in(page, live_server)
    screenshot(page, "dashboard")

    page.get_by_role("navigation").get_by_role("link", name="Leads").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_role("searchbox", name="Search", exact=True).fill("northw")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/dashboard/leads\?q=northw(&|$)"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Northwind Labs")
    screenshot(page, "leads-search")

    page.get_by_role("link", name="Ana Silva").click()
    expect(page).to_have_url(f"{live_server}/dashboard/leads/{leads_to_work}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana Silva · Northwind Labs")
    lost_reason = page.get_by_label("Why was it lost?")
    expect(lost_reason).to_be_hidden()
    page.get_by_label("New status").select_option("lost")
    expect(lost_reason).to_be_visible()
    page.get_by_label("New status").select_option("contacted")
    expect(lost_reason).to_be_hidden()
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status")).to_have_text("Status changed.")

    page.get_by_label("Note").fill(NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_have_text("Note added.")

    timeline = page.locator("ol.timeline > li")
    expect(timeline.first).to_contain_text(NOTE)
    expect(timeline.first).to_contain_text(SALES_EMAIL)
    expect(timeline.nth(1)).to_contain_text("Status new → contacted.")
    expect(page.locator("hgroup .status")).to_have_text("Contacted")
    screenshot(page, "lead-detail")

    with live_app.app_context():
        lead = db.session.get(Lead, leads_to_work)
        assert lead.status == LeadStatus.CONTACTED
        events = db.session.scalars(
            sa.select(LeadEvent)
            .where(LeadEvent.lead_id == lead.id, LeadEvent.actor_id.is_not(None))
            .order_by(LeadEvent.id)
        ).all()
        assert [(event.kind, event.detail) for event in events] == [
            ("status", "Status new → contacted."),
            ("note", NOTE),
        ]
        assert {event.actor.email for event in events} == {SALES_EMAIL}


@pytest.mark.browser
def test_the_lead_list_fits_a_phone_screen(
    phone_page, live_server, leads_to_work, screenshot, sideways_overflow
):
    _log_in(phone_page, live_server)
    phone_page.goto(f"{live_server}/dashboard/leads")
    expect(phone_page.locator("table tbody tr")).to_have_count(3)
    screenshot(phone_page, "phone-leads")
    assert sideways_overflow(phone_page) == 0
