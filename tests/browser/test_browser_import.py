"""An admin imports leads through the upload page in a real browser (SPEC §16): the preview
names the refused line, nothing is written until the import, and skipping the refused line
imports the rest. At desktop and phone sizes."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from auth.services import create_user
from core.extensions import db
from leads.models import Lead

ADMIN_EMAIL = "ada@hiretechtalent.example"
PASSWORD = "correct horse battery"
FILE = (
    "first_name,last_name,email,company,status,lost_reason\n"
    "Ana,Chen,ana@northwind.example,Northwind Labs,contacted,\n"
    "Bo,Diaz,bo@globex.example,Globex,lost,\n"
    "Cy,Evans,cy@initech.example,Initech,,\n"
)


@pytest.fixture
def admin_user(live_app) -> None:
    with live_app.app_context():
        create_user(ADMIN_EMAIL, "admin", PASSWORD)


def _leads(live_app) -> list[str]:
    with live_app.app_context():
        return list(db.session.scalars(sa.select(Lead.email).order_by(Lead.email)))


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_admin_previews_a_file_then_imports_it_skipping_the_refused_line(
    page,
    phone_page,
    live_server,
    live_app,
    admin_user,
    screenshot,
    sideways_overflow,
    size,
    tmp_path,
):
    browser_page = page if size == "desktop" else phone_page
    csv_file = tmp_path / "old-crm.csv"
    csv_file.write_text(FILE, encoding="utf-8")
    browser_page.goto(f"{live_server}/login")
    browser_page.get_by_label("Email").fill(ADMIN_EMAIL)
    browser_page.get_by_label("Password").fill(PASSWORD)
    browser_page.get_by_role("button", name="Log in").click()
    browser_page.goto(f"{live_server}/dashboard/imports")

    browser_page.get_by_label("CSV file").set_input_files(str(csv_file))
    browser_page.get_by_role("button", name="Preview").click()
    expect(browser_page.get_by_role("heading", level=2)).to_have_text(
        "What importing old-crm.csv would do"
    )
    expect(browser_page.get_by_text("2 to create")).to_be_visible()
    refused = browser_page.get_by_role("table").locator("tbody tr")
    expect(refused.locator("td")).to_have_text(
        ["3", "lost_reason: required when the status is lost."]
    )
    screenshot(browser_page, f"import-preview-{size}")
    assert sideways_overflow(browser_page) == 0
    assert _leads(live_app) == []

    browser_page.get_by_label("Import the valid lines and skip the refused ones").check()
    browser_page.get_by_role("button", name="Import", exact=True).click()
    expect(browser_page.get_by_role("status")).to_have_text(
        "Imported: 2 created, 0 updated, 0 unchanged, 1 line skipped."
    )
    screenshot(browser_page, f"import-done-{size}")
    assert _leads(live_app) == ["ana@northwind.example", "cy@initech.example"]
