"""/dashboard/privacy as an admin meets it (SPEC §16): export as a JSON download, and an
erasure that first shows what it will change and only the confirmed post erases."""

import json

import sqlalchemy as sa

from leads.models import Lead

ADDRESS = "maya.lee@northwind.example"


def test_only_admins_reach_the_privacy_page(client, login_as):
    for role in ("sales", "finance"):
        login_as(role)
        assert client.get("/dashboard/privacy").status_code == 403
        assert client.post("/dashboard/privacy/erase", data={"email": ADDRESS}).status_code == 403
        client.post("/logout")
    login_as("admin")
    page = client.get("/dashboard/privacy").get_data(as_text=True)
    assert "Export as JSON" in page and "Erase…" in page


def test_an_admin_downloads_the_json_of_an_address(client, login_as, make_lead):
    lead = make_lead(email=ADDRESS)
    login_as("admin")
    response = client.post("/dashboard/privacy/export", data={"email": ADDRESS.upper()})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    document = json.loads(response.get_data(as_text=True))
    assert set(document) == {
        "email",
        "leads",
        "submissions",
        "contacts",
        "referrer",
        "emails",
        "audit",
    }
    assert [item["id"] for item in document["leads"]] == [lead.id]


def test_erasure_shows_what_it_will_change_and_only_the_confirmed_post_erases(
    client, db, login_as, make_lead
):
    lead = make_lead(email=ADDRESS, first_name="Maya")
    login_as("admin")
    step = client.post("/dashboard/privacy/erase", data={"email": ADDRESS})
    page = step.get_data(as_text=True)
    assert step.status_code == 200 and f"Erase {ADDRESS}?" in page
    assert "1 lead and 1 submission" in page and 'name="confirm"' in page
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).email == ADDRESS

    done = client.post("/dashboard/privacy/erase", data={"email": ADDRESS, "confirm": "yes"})
    assert done.status_code == 302
    assert "Erased." in client.get(done.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    erased = db.session.get(Lead, lead.id)
    assert (erased.first_name, erased.email) == ("Erased", f"erased-lead-{lead.id}@erased.example")
    listing = client.get("/dashboard/leads?q=maya").get_data(as_text=True)
    assert f"/dashboard/leads/{lead.id}" not in listing


def test_a_malformed_address_gets_a_form_error_and_changes_nothing(client, db, login_as):
    login_as("admin")
    for path in ("/dashboard/privacy/export", "/dashboard/privacy/erase"):
        response = client.post(path, data={"email": "maya@"})
        assert response.status_code == 422
        assert "Not an email address." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 0
