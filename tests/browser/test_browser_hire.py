"""A prospect fills the public hire form in a real browser."""

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.extensions import db
from leads.models import Lead
from leads.rules import LeadSource, LeadStatus
from notifications.models import OutboxMessage


def _wait_for_minimum_fill_time(app, opened_at: float) -> None:
    """A person takes longer than FORM_MIN_SECONDS; a fast test must not look like a bot."""
    remaining = app.config["FORM_MIN_SECONDS"] - (time.monotonic() - opened_at) + 0.05
    if remaining > 0:
        time.sleep(remaining)


@pytest.mark.browser
def test_a_prospect_fixes_a_mistake_and_reaches_the_thank_you_page(
    page, live_server, live_app, screenshot
):
    page.goto(f"{live_server}/hire?utm_source=newsletter")
    opened_at = time.monotonic()
    expect(page.get_by_role("heading", name="Hire tech talent")).to_be_visible()
    screenshot(page, "hire-form")

    page.locator("#first_name").fill("Ana")
    page.locator("#last_name").fill("Silva")
    page.locator("#email").fill("ana@")
    page.locator("#company").fill("Northwind Labs")
    page.get_by_label("Back-end", exact=True).check()
    page.get_by_label("DevOps", exact=True).check()
    page.locator("#headcount").fill("2")
    page.locator("#start_timeline").select_option("within_month")
    page.locator("#message").fill("Two engineers for our payments API.")
    page.locator("#consent").check()
    page.get_by_role("button", name="Send request").click()

    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_attribute("href", "#email")
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#first_name")).to_have_value("Ana")
    expect(page.locator("#last_name")).to_have_value("Silva")
    expect(page.locator("#email")).to_have_value("ana@")
    expect(page.locator("#company")).to_have_value("Northwind Labs")
    expect(page.get_by_label("Back-end", exact=True)).to_be_checked()
    expect(page.get_by_label("DevOps", exact=True)).to_be_checked()
    expect(page.get_by_label("Front-end", exact=True)).not_to_be_checked()
    expect(page.locator("#headcount")).to_have_value("2")
    expect(page.locator("#start_timeline")).to_have_value("within_month")
    expect(page.locator("#message")).to_have_value("Two engineers for our payments API.")
    expect(page.locator("#consent")).to_be_checked()
    screenshot(page, "hire-form-with-error")

    page.locator("#email").fill(" Ana@Northwind.example ")
    _wait_for_minimum_fill_time(live_app, opened_at)
    page.get_by_role("button", name="Send request").click()

    expect(page).to_have_url(f"{live_server}/hire/thanks")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank you")
    expect(page.locator("main")).to_contain_text("reply within 24 hours")
    screenshot(page, "hire-thanks")

    with live_app.app_context():
        lead = db.session.scalars(sa.select(Lead)).one()
        assert (lead.first_name, lead.last_name, lead.company) == ("Ana", "Silva", "Northwind Labs")
        assert lead.email == "ana@northwind.example"
        assert lead.roles == ["Back-end", "DevOps"]
        assert lead.headcount == 2
        assert lead.source == LeadSource.FORM
        assert lead.status == LeadStatus.NEW
        assert lead.consent_version is not None
        assert lead.utm_source == "newsletter"
        events = db.session.scalars(sa.select(OutboxMessage.event).order_by(OutboxMessage.id))
        assert sorted(events) == ["lead_confirmation", "lead_waiting", "new_lead"]
        confirmation = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.event == "lead_confirmation")
        ).one()
        assert confirmation.to_address == "ana@northwind.example"


@pytest.mark.browser
def test_the_hire_form_fits_a_phone_screen(phone_page, live_server, screenshot, sideways_overflow):
    phone_page.goto(f"{live_server}/hire")
    screenshot(phone_page, "phone-hire-form")
    assert sideways_overflow(phone_page) == 0

    phone_page.get_by_role("button", name="Send request").click()
    expect(phone_page.get_by_role("alert")).to_be_visible()
    screenshot(phone_page, "phone-hire-with-errors")
    assert sideways_overflow(phone_page) == 0
