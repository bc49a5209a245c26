"""Insights in a real browser (SPEC §13): at desktop and phone sizes every figure is drawn
by Chart.js (served from our origin) on a canvas of non-zero size, beside its table."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from playwright.sync_api import expect
from support import lead_fields

from auth.services import create_user
from billing.invoices import InvoiceInput, add_invoice, record_payment
from billing.services import ContractTerms, convert_lead
from core.today import business_today
from leads.rules import LeadSource
from leads.services import Arrival, submit_lead
from referrals.services import decide, sign_up

EMAIL = "fran@hiretechtalent.example"
PASSWORD = "correct horse battery"
CHARTS = (
    "funnel",
    "sources",
    "by-source",
    "utm-sources",
    "first-contact",
    "referrals",
    "liability",
    "guarantee-claims",
)


def _seed(app) -> None:
    """Leads from two sources, a referred one converted 40 days ago (its window closed)
    with a paid invoice; the context closes before the browser starts (SQLite)."""
    with app.app_context():
        today = business_today()
        finance = create_user(EMAIL, "finance", PASSWORD)
        create_user("sam@hiretechtalent.example", "sales", PASSWORD)
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
        for n, source in enumerate((LeadSource.FORM, LeadSource.EVENT, LeadSource.FORM)):
            fields = lead_fields(
                email=f"p{n}@insight{n}.example", company=f"Insight {n}", utm_source="newsletter"
            )
            submit_lead(fields, Arrival(source=source))
        lead = submit_lead(lead_fields(referral_code=code), Arrival(source=LeadSource.FORM)).lead
        start = today - timedelta(days=40)
        contract = convert_lead(lead.id, ContractTerms(start, 1, 1_000_000, "USD"), finance)
        invoice = add_invoice(
            contract.id,
            InvoiceInput(
                number="INV-1001",
                issue_date=start,
                period_start=start,
                period_end=start + relativedelta(months=1, days=-1),
                amount_cents=1_000_000,
                currency="USD",
            ),
        ).invoice
        record_payment(invoice.id, 1_000_000, today - timedelta(days=5))


def _log_in(page, live_server):
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server}/dashboard")


def _check_charts(page) -> None:
    for key in CHARTS:
        canvas = page.locator(f"canvas#chart-{key}")
        expect(canvas).to_be_visible()
        drawn = page.evaluate(
            """(key) => {
                const canvas = document.getElementById("chart-" + key);
                const chart = window.Chart && Chart.getChart(canvas);
                return { chart: !!chart, width: canvas.width, height: canvas.height };
            }""",
            key,
        )
        assert drawn["chart"], key
        assert drawn["width"] > 0 and drawn["height"] > 0, (key, drawn)
        figure = page.locator(f"figure[data-insight='{key}']")
        expect(figure.locator("table tbody tr").first).to_be_visible()
        expect(figure.get_by_role("link", name="as CSV")).to_be_visible()


@pytest.mark.browser
def test_every_insight_is_drawn_with_its_table_at_desktop_and_phone_sizes(
    page, phone_page, live_server, live_app, screenshot, sideways_overflow
):
    _seed(live_app)
    _log_in(page, live_server)
    page.get_by_role("navigation").get_by_role("link", name="Insights").click()
    expect(page).to_have_url(f"{live_server}/dashboard/insights")
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    _check_charts(page)
    screenshot(page, "insights-desktop")

    _log_in(phone_page, live_server)
    phone_page.goto(f"{live_server}/dashboard/insights")
    _check_charts(phone_page)
    assert sideways_overflow(phone_page) == 0
    screenshot(phone_page, "insights-phone")

    page.goto(f"{live_server}/dashboard/insights?from=2026-03-01&to=2026-02-01")
    expect(page.get_by_role("alert")).to_contain_text("On or after the start date.")
