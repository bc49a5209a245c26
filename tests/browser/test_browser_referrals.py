"""A referrer joins, is approved, refers a prospect with their link and follows it in the
portal, in real browsers: one context per person."""

import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from auth.services import create_user
from core.extensions import db
from leads.models import Lead
from leads.rules import AttributionStatus, LeadSource
from notifications.models import OutboxMessage
from referrals.models import Referrer, ReferrerStatus

FINANCE_EMAIL = "fran@hiretechtalent.example"
PASSWORD = "correct horse battery"
REFERRER_EMAIL = "rita@brightside.example"


@pytest.fixture
def finance_user(live_app) -> None:
    """Created before the browser starts, in a context that closes at once (SQLite's
    BEGIN IMMEDIATE would otherwise stall the server)."""
    with live_app.app_context():
        create_user(FINANCE_EMAIL, "finance", PASSWORD)


def _wait_for_minimum_fill_time(app, opened_at: float) -> None:
    """A person takes longer than FORM_MIN_SECONDS; a fast test must not look like a bot."""
    remaining = app.config["FORM_MIN_SECONDS"] - (time.monotonic() - opened_at) + 0.05
    if remaining > 0:
        time.sleep(remaining)


def _mail_body(app, event: str) -> str:
    """The plain-text part of the one outbox message of `event`, to the referrer."""
    with app.app_context():
        message = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.event == event)
        ).one()
        assert message.to_address == REFERRER_EMAIL
        return message.body_text


@pytest.mark.browser
def test_a_referrer_joins_is_approved_refers_a_prospect_and_sees_the_referral_in_the_portal(
    page, phone_page, new_page, live_server, live_app, finance_user, screenshot, sideways_overflow
):
    # The referrer joins the program.
    page.goto(f"{live_server}/referral-program")
    expect(page.get_by_role("heading", name="Client Referral Program")).to_be_visible()
    screenshot(page, "referral-program")
    page.locator("#first_name").fill("Rita")
    page.locator("#last_name").fill("Moreno")
    page.locator("#email").fill(REFERRER_EMAIL)
    page.locator("#company").fill("Brightside Consulting")
    page.get_by_label("How do you know us?").select_option("partner")
    page.locator("#payout_email").fill("payouts@brightside.example")
    page.get_by_label("I accept the program terms.").check()
    page.get_by_role("button", name="Join the program").click()
    expect(page).to_have_url(f"{live_server}/referral-program/thanks")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for joining")

    # A finance user approves the pending sign-up.
    staff = new_page()
    staff.goto(f"{live_server}/login")
    staff.get_by_label("Email").fill(FINANCE_EMAIL)
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(f"{live_server}/dashboard")
    staff.get_by_role("navigation").get_by_role("link", name="Referrers").click()
    expect(staff).to_have_url(f"{live_server}/dashboard/referrers")
    row = staff.locator("table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Brightside Consulting")
    expect(row).to_contain_text("Pending")
    screenshot(staff, "referrers")
    row.get_by_role("link", name="Rita Moreno").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(
        "Rita Moreno · Brightside Consulting"
    )
    screenshot(staff, "referrer-pending")
    staff.get_by_role("button", name="Approve").click()
    expect(staff.get_by_role("status")).to_have_text("Referrer approved.")
    expect(staff.locator("hgroup")).to_contain_text("Active")
    screenshot(staff, "referrer-approved")

    approval = _mail_body(live_app, "referrer_approved")
    link = re.search(r"https?://\S+/r/([A-Z0-9]+)", approval)
    assert link is not None, approval
    referral_url, code = link.group(0), link.group(1)
    assert referral_url == f"{live_server}/r/{code}"

    # A prospect follows the link and asks for engineers.
    prospect = new_page()
    prospect.goto(referral_url)
    opened_at = time.monotonic()
    expect(prospect).to_have_url(f"{live_server}/hire?ref={code}")
    expect(prospect.locator("#referral_code")).to_have_value(code)
    prospect.locator("#first_name").fill("Ana")
    prospect.locator("#last_name").fill("Silva")
    prospect.locator("#email").fill("ana@northwind.example")
    prospect.locator("#company").fill("Northwind Labs")
    prospect.get_by_label("Back-end", exact=True).check()
    prospect.locator("#headcount").fill("2")
    prospect.locator("#consent").check()
    _wait_for_minimum_fill_time(live_app, opened_at)
    prospect.get_by_role("button", name="Send request").click()
    expect(prospect).to_have_url(f"{live_server}/hire/thanks")

    # The referrer signs in to the portal with an emailed link.
    page.goto(f"{live_server}/portal/sign-in")
    page.get_by_label("Your email").fill(REFERRER_EMAIL)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    sign_in = re.search(r"https?://\S+/portal/\S+", _mail_body(live_app, "portal_sign_in"))
    assert sign_in is not None
    page.goto(sign_in.group(0))
    page.reload()  # opening the link, as a mail scanner does, leaves it usable
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to your portal")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server}/portal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Rita")
    section = page.locator("section", has=page.get_by_role("heading", name="Your referrals"))
    referrals = section.locator("tbody tr")
    expect(referrals).to_have_count(1)
    expect(referrals.locator("td").first).to_have_text("Northwind Labs")
    expect(referrals.locator("td").nth(2)).to_have_text("received")
    expect(page.locator("main")).to_contain_text(f"Your code: {code}")
    expect(page.get_by_label(re.compile("^Share this link"))).to_have_value(referral_url)
    screenshot(page, "portal")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == referral_url

    phone_page.context.add_cookies(page.context.cookies())
    phone_page.goto(f"{live_server}/portal")
    expect(phone_page.locator("table tbody tr").first).to_contain_text("Northwind Labs")
    screenshot(phone_page, "phone-portal")
    assert sideways_overflow(phone_page) == 0

    phone_page.goto(sign_in.group(0))
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("This link no longer works")

    with live_app.app_context():
        referrer = db.session.scalars(sa.select(Referrer)).one()
        assert referrer.status == ReferrerStatus.ACTIVE
        assert referrer.code == code
        assert referrer.decided_by.email == FINANCE_EMAIL
        lead = db.session.scalars(sa.select(Lead)).one()
        assert lead.company == "Northwind Labs"
        assert lead.source == LeadSource.FORM
        assert lead.referral_code == code
        assert lead.attribution_status == AttributionStatus.ATTRIBUTED
        assert lead.referrer_id == referrer.id
        events = db.session.scalars(sa.select(OutboxMessage.event).order_by(OutboxMessage.id))
        assert sorted(events) == [
            "lead_confirmation",
            "lead_waiting",
            "new_lead",
            "portal_sign_in",
            "referral_received",
            "referrer_approved",
        ]
