"""SPEC §13 "Phone and keyboard": axe-core finds no violation of impact serious or critical on
any page, at desktop and phone sizes; the phone menu, the skip link and the error summary work
from the keyboard. axe-core is the committed copy in tests/browser/axe/ (MPL-2.0), evaluated
through the DevTools protocol, so the pages keep their strict Content-Security-Policy.

Each run writes tests/browser/screenshots/axe-report-<size>.md (page, serious and critical
violations, moderate and minor ones, rules passed, nodes checked) and a screenshot per page."""

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from billing.models import Client, Contract, Invoice
from commissions.models import Payout, PayoutLine
from core.extensions import db
from core.today import business_today
from demo.seed import seed
from leads.models import Lead
from leads.quarantine import quarantine
from leads.rules import LeadSource
from leads.services import Arrival
from notifications.models import OutboxMessage
from notifications.webhooks import register_endpoint
from referrals.models import Referrer
from referrals.portal import request_sign_in

from .conftest import DESKTOP, PHONE, SCREENSHOTS, TIMEOUT_MS

AXE = (Path(__file__).parent / "axe" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = ("serious", "critical")
ADMIN = "admin@hiretechtalent.example"
SALES = "sales1@hiretechtalent.example"
REFERRER = "rita@brightpartners.example"
SEARCH_QUERY = {"/dashboard/search": "q=north"}
"""Pages that show nothing worth checking without a query string."""


@dataclass
class Seeded:
    passwords: dict[str, str]
    ids: dict[str, int]
    code: str
    portal_link: str


@pytest.fixture
def seeded(live_app) -> Seeded:
    """The demo data, plus what it lacks: a payout run, a webhook endpoint, a quarantined
    post. The app context closes before the browser starts (SQLite's BEGIN IMMEDIATE)."""
    with live_app.app_context():
        passwords = seed()
        rita = db.session.scalar(sa.select(Referrer).where(Referrer.email == REFERRER))
        payout = Payout(as_of=business_today())
        payout.lines.append(PayoutLine(referrer_id=rita.id, amount_cents=120_000))
        db.session.add(payout)
        db.session.commit()
        register_endpoint("https://hooks.example.com/crm", ["lead.created"], "CRM sync")
        quarantine(
            {"first_name": "Bot", "last_name": "Spam", "company": "Spam Co", "email": "b@s.co"},
            "honeypot",
            Arrival(source=LeadSource.FORM, client_address="203.0.113.9"),
        )
        db.session.commit()
        referred = db.session.scalar(
            sa.select(Lead).where(Lead.referrer_id.is_not(None)).order_by(Lead.id)
        )
        ids = {
            "lead_id": referred.id,
            "referrer_id": rita.id,
            "contract_id": db.session.scalar(sa.select(sa.func.min(Contract.id))),
            "invoice_id": db.session.scalar(sa.select(sa.func.min(Invoice.id))),
            "client_id": db.session.scalar(sa.select(sa.func.min(Client.id))),
            "payout_id": db.session.scalar(sa.select(sa.func.min(Payout.id))),
            "endpoint_id": 1,
        }
        request_sign_in(REFERRER)
        mail = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.event == "portal_sign_in")
        ).one()
        link = re.search(r"https?://\S+/portal/\S+", mail.body_text).group(0)
        return Seeded(passwords, ids, rita.code, link)


def _staff_paths(app, ids: dict[str, int]) -> list[str]:
    """Every GET page under /dashboard (CSV exports aside), from the app's own routes, so
    a page added later is checked too."""
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.rule.startswith("/dashboard") or "GET" not in rule.methods:
            continue
        if rule.rule.endswith(".csv") or rule.endpoint.endswith("_csv"):
            continue
        missing = rule.arguments - ids.keys()
        assert not missing, f"{rule.rule}: seed a record for {sorted(missing)} in this test"
        assert all(ids[name] for name in rule.arguments), f"{rule.rule}: nothing seeded"
        path = rule.build({name: ids[name] for name in rule.arguments})[1]
        query = SEARCH_QUERY.get(rule.rule)
        paths.append(f"{path}?{query}" if query else path)
    return paths


@dataclass
class Audit:
    size: str
    rows: list[tuple]
    failures: list[str]

    def check(self, page: Page, name: str) -> None:
        """Run axe on the page as it is now; keep its figures and any blocking violation."""
        page.wait_for_load_state("load")
        page.evaluate(AXE)
        result = page.evaluate("() => axe.run(document)")
        blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
        other = [v for v in result["violations"] if v["impact"] not in BLOCKING]
        nodes = sum(len(r["nodes"]) for r in result["violations"] + result["passes"])
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        self.rows.append(
            (
                name,
                sum(len(v["nodes"]) for v in blocking),
                sum(len(v["nodes"]) for v in other),
                ", ".join(sorted({v["id"] for v in other})) or "—",
                len(result["passes"]),
                nodes,
                overflow,
            )
        )
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"a11y-{self.size}-{name}.png"), full_page=True)
        for violation in blocking:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:8])
            self.failures.append(
                f"{name} ({page.url}): {violation['impact']} {violation['id']}: {targets}"
            )
        if self.size == "phone" and overflow > 0:
            self.failures.append(f"{name} ({page.url}): {overflow}px of sideways scroll")

    def write_report(self) -> str:
        lines = [
            f"# axe-core on every page, {self.size}",
            "",
            "| page | serious + critical nodes | moderate + minor nodes | their rules"
            " | rules passed | nodes checked | sideways px |",
            "|---|---|---|---|---|---|---|",
            *(f"| {' | '.join(str(cell) for cell in row)} |" for row in self.rows),
        ]
        report = "\n".join(lines) + "\n"
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / f"axe-report-{self.size}.md").write_text(report)
        return report


def _context(browser: Browser, size: str):
    viewport = DESKTOP if size == "desktop" else PHONE
    phone = {"is_mobile": True, "has_touch": True} if size == "phone" else {}
    context = browser.new_context(locale="en-US", viewport=viewport, **phone)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _watch_csp(page: Page, refusals: list[str]) -> None:
    def seen(message):
        if "Content Security Policy" in message.text:
            refusals.append(f"{page.url}: {message.text}")

    page.on("console", seen)


def _log_in(page: Page, live_server: str, email: str, password: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server}/dashboard")


def _public_pages(page: Page, live_server: str, seeded: Seeded, audit: Audit) -> None:
    for name, path in [
        ("hire", "/hire"),
        ("hire-thanks", "/hire/thanks"),
        ("referral-program", "/referral-program"),
        ("referral-program-thanks", "/referral-program/thanks"),
        ("login", "/login"),
        ("portal-sign-in", "/portal/sign-in"),
    ]:
        page.goto(f"{live_server}{path}")
        audit.check(page, name)
    page.goto(f"{live_server}/hire")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    audit.check(page, "hire-failed-submit")
    page.goto(f"{live_server}/referral-program")
    page.locator("form[method=post] button[type=submit]").last.click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    audit.check(page, "referral-program-failed-submit")
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    audit.check(page, "login-failed")
    page.goto(f"{live_server}/r/{seeded.code}")
    expect(page.locator(".referral-note")).to_be_visible()
    audit.check(page, "referral-link-landing")
    page.goto(seeded.portal_link)
    audit.check(page, "portal-confirm")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/portal")
    audit.check(page, "portal")


def _staff_pages(page: Page, live_server: str, live_app, seeded: Seeded, audit: Audit) -> None:
    _log_in(page, live_server, ADMIN, seeded.passwords[ADMIN])
    for path in _staff_paths(live_app, seeded.ids):
        page.goto(f"{live_server}{path}")
        name = path.removeprefix("/").split("?")[0].replace("/", "-")
        audit.check(page, name)
    page.goto(f"{live_server}/dashboard/leads/new")
    page.locator("main form[method=post] button[type=submit]").last.click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    audit.check(page, "dashboard-leads-new-failed-submit")
    page.goto(f"{live_server}/dashboard/leads/reassign")
    page.get_by_label("Move the open leads of").select_option(index=0)
    page.get_by_label("To").select_option(index=2)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Reassign")).to_be_visible()
    audit.check(page, "dashboard-leads-reassign-confirmation")


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_axe_finds_no_serious_or_critical_violation_on_any_page(
    browser, live_server, live_app, seeded, size
):
    audit, refusals = Audit(size, [], []), []
    visitor = _context(browser, size)
    staff = _context(browser, size)
    sales = _context(browser, size)
    try:
        page = visitor.new_page()
        _watch_csp(page, refusals)
        _public_pages(page, live_server, seeded, audit)
        page = staff.new_page()
        _watch_csp(page, refusals)
        _staff_pages(page, live_server, live_app, seeded, audit)
        page = sales.new_page()
        _log_in(page, live_server, SALES, seeded.passwords[SALES])
        audit.check(page, "dashboard-as-sales")
    finally:
        for context in (visitor, staff, sales):
            context.close()
    print("\n" + audit.write_report())
    assert not refusals, "Content-Security-Policy refusals:\n" + "\n".join(refusals)
    assert not audit.failures, f"{len(audit.failures)} problems:\n" + "\n".join(audit.failures)


@pytest.mark.browser
def test_on_a_phone_the_menu_button_opens_and_closes_the_navigation(
    phone_page, live_server, seeded, screenshot
):
    _log_in(phone_page, live_server, ADMIN, seeded.passwords[ADMIN])
    menu = phone_page.get_by_role("button", name="Menu")
    nav = phone_page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "site-nav")
    expect(nav).to_be_hidden()
    expect(phone_page.get_by_role("link", name="Menu")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Leads")).to_be_visible()
    screenshot(phone_page, "phone-menu-open")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    menu.click()
    nav.get_by_role("link", name="Leads").focus()
    phone_page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(nav).to_be_hidden()


@pytest.mark.browser
def test_without_javascript_the_menu_is_a_link_to_the_navigation(browser, live_server, seeded):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/hire")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_hidden()
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        page.get_by_role("link", name="Menu").click()
        expect(nav.get_by_role("link", name="Referral program")).to_be_visible()
    finally:
        context.close()


@pytest.mark.browser
def test_the_skip_link_is_the_first_stop_and_moves_to_the_content(page, live_server, seeded):
    page.goto(f"{live_server}/hire")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()


@pytest.mark.browser
def test_a_failed_submit_moves_focus_to_a_summary_linking_each_field(
    page, live_server, seeded, screenshot
):
    page.goto(f"{live_server}/hire")
    page.locator("#first_name").fill("Ana")
    page.locator("#phone").evaluate("field => { field.value = '5'.repeat(60); }")
    page.get_by_role("button", name="Send request").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    hrefs = summary.get_by_role("link").evaluate_all("links => links.map(a => a.hash)")
    assert "#last_name" in hrefs and "#email" in hrefs and "#roles-0" in hrefs
    assert "#phone" in hrefs and "#first_name" not in hrefs
    for href in set(hrefs) - {"#roles-0"}:
        expect(page.locator(href)).to_have_attribute("aria-invalid", "true")
    screenshot(page, "hire-error-summary")
    summary.get_by_role("link", name=re.compile("^Work email")).click()
    expect(page.locator("#email")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Phone")).click()
    expect(page.locator("#phone")).to_be_focused()
