"""The public hire form (SPEC §2): validation that keeps values, PRG to the thank-you page,
bots to quarantine, UTM and landing capture, duplicates."""

import re
import time

import pytest
import sqlalchemy as sa

from leads.models import Lead, LeadSubmission, QuarantinedSubmission
from leads.spam import render_stamp


def leads(db):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Lead).order_by(Lead.id)))


def test_a_valid_form_redirects_to_the_thank_you_page_and_stores_the_lead(
    client, db, hire_form, outbox
):
    response = client.post("/hire", data=hire_form(phone="(415) 555-2671", message="Two devs"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/hire/thanks"
    [lead] = leads(db)
    assert (lead.first_name, lead.email, lead.source.value) == (
        "Ana",
        "ana@northwind.example",
        "form",
    )
    assert lead.phone == "+14155552671"
    assert lead.roles == ["Back-end", "DevOps"]
    assert lead.consent_version == "2026-01" and lead.consented_at is not None
    assert [m.event for m in outbox()] == ["new_lead", "lead_waiting", "lead_confirmation"]


def test_the_thank_you_page_says_when_we_reply_and_offers_the_booking_link(app, client):
    app.config.update(REPLY_WITHIN_HOURS=6, BOOKING_URL="https://cal.example/book")
    page = client.get("/hire/thanks").get_data(as_text=True)
    assert "within 6 hours" in page
    assert 'href="https://cal.example/book"' in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "ana@"}, "email", "after the @-sign"),
        ({"first_name": ""}, "first_name", "Required."),
        ({"company": "x" * 201}, "company", "200"),
        ({"roles": []}, "roles", "at least one role"),
        ({"roles": ["Cobol"]}, "roles", "not a valid choice"),
        ({"headcount": 0}, "headcount", "Between 1 and 500"),
        ({"headcount": 501}, "headcount", "Between 1 and 500"),
        ({"headcount": "many"}, "headcount", "integer"),
        ({"consent": False}, "consent", "consent"),
        ({"message": "x" * 5001}, "message", "5000"),
        ({"start_timeline": "tomorrow"}, "start_timeline", "Not a valid choice"),
    ],
)
def test_a_form_with_an_error_re_renders_with_a_message_and_keeps_the_values(
    client, db, hire_form, overrides, field, message
):
    data = hire_form(**overrides, job_title="CTO", tech_stack="Python, React")
    response = client.post("/hire", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page or 'class="field-error"' in page
    assert message.lower() in page.lower()
    assert 'value="CTO"' in page and 'value="Python, React"' in page
    if field != "company":
        assert 'value="Northwind Labs"' in page
    assert leads(db) == []


def test_the_kept_roles_stay_ticked_after_an_error(client, hire_form):
    page = client.post("/hire", data=hire_form(email="bad")).get_data(as_text=True)
    assert '<input checked id="roles-0" name="roles" type="checkbox" value="Back-end">' in page
    assert '<input id="roles-1" name="roles" type="checkbox" value="Front-end">' in page


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"nickname": "bot"}, "honeypot"),
        ({"rendered_at": "forged"}, "bad_timestamp"),
        ({"rendered_at": None}, "bad_timestamp"),
    ],
)
def test_a_bot_sees_the_thank_you_page_but_lands_in_quarantine(
    client, db, hire_form, outbox, overrides, reason
):
    data = hire_form()
    data.update(overrides)
    data = {key: value for key, value in data.items() if value is not None}
    response = client.post("/hire", data=data)
    assert response.headers["Location"] == "/hire/thanks"
    assert leads(db) == []
    assert outbox() == []
    [caught] = db.session.scalars(sa.select(QuarantinedSubmission))
    assert caught.reason == reason
    assert caught.payload["email"] == "ana@northwind.example"


def test_a_form_sent_faster_than_the_minimum_fill_time_is_quarantined(app, client, db, hire_form):
    data = hire_form()
    data["rendered_at"] = render_stamp(time.time() - 1.2)
    client.post("/hire", data=data)
    assert leads(db) == []
    [caught] = db.session.scalars(sa.select(QuarantinedSubmission))
    assert caught.reason == "too_fast"


def test_the_rendered_form_carries_a_signed_sub_second_timestamp(client):
    page = client.get("/hire").get_data(as_text=True)
    assert 'name="rendered_at"' in page
    assert 'name="nickname"' in page


def test_utm_tags_landing_page_and_referrer_are_kept_until_the_form_is_sent(client, db, hire_form):
    client.get(
        "/hire?utm_source=linkedin&utm_campaign=q4",
        headers={"Referer": "https://news.example/post"},
    )
    client.get("/hire")
    client.post("/hire", data=hire_form())
    [lead] = leads(db)
    assert (lead.utm_source, lead.utm_campaign) == ("linkedin", "q4")
    assert lead.landing_page.endswith("/hire?utm_source=linkedin&utm_campaign=q4")
    assert lead.http_referrer == "https://news.example/post"
    client.post("/hire", data=hire_form(email="second@northwind.example"))
    assert leads(db)[-1].utm_source is None


def test_a_referral_link_code_prefills_the_form(client):
    page = client.get("/hire?ref=abc234").get_data(as_text=True)
    assert 'value="ABC234"' in page


def test_the_same_email_on_an_open_lead_becomes_another_submission(client, db, hire_form, outbox):
    client.post("/hire", data=hire_form())
    client.post("/hire", data=hire_form(email=" ANA@northwind.example ", message="Now 3 devs"))
    [lead] = leads(db)
    assert lead.submissions_count == 2
    submissions = db.session.scalars(
        sa.select(LeadSubmission).where(LeadSubmission.lead_id == lead.id)
    ).all()
    assert [s.payload.get("message") for s in submissions] == [None, "Now 3 devs"]
    assert [m.event for m in outbox()] == ["new_lead", "lead_waiting", "lead_confirmation"]


def test_a_new_lead_of_the_same_company_is_flagged_as_a_possible_duplicate(client, db, hire_form):
    client.post("/hire", data=hire_form())
    client.post("/hire", data=hire_form(email="bob@northwind.example", first_name="Bob"))
    first, second = leads(db)
    assert first.possible_duplicate_of is None
    assert second.possible_duplicate_of == first.id


def test_free_mail_addresses_match_companies_by_name_not_by_domain(client, db, hire_form):
    client.post("/hire", data=hire_form(email="ana@gmail.com", company="Acme, Inc."))
    client.post("/hire", data=hire_form(email="bob@gmail.com", company="Zeta LLC"))
    client.post("/hire", data=hire_form(email="cy@gmail.com", company="ACME inc"))
    ana, bob, cy = leads(db)
    assert bob.possible_duplicate_of is None
    assert cy.possible_duplicate_of == ana.id


def test_the_public_budget_answers_429_and_stores_nothing(app, client, db, hire_form):
    app.config["PUBLIC_RATE_LIMIT"] = "2/minute"
    for number in range(2):
        assert client.post("/hire", data=hire_form(email=f"p{number}@a.example")).status_code == 302
    response = client.post("/hire", data=hire_form(email="third@a.example"))
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
    assert len(leads(db)) == 2


@pytest.mark.parametrize(("hours", "accepted"), [(23, True), (25, False)])
def test_a_form_rendered_over_a_day_ago_is_shown_again_with_the_values_kept(
    client, db, hire_form, hours, accepted
):
    data = hire_form(first_name="Odette")
    data["rendered_at"] = render_stamp(time.time() - hours * 3600)

    response = client.post("/hire", data=data)

    leads = db.session.scalar(sa.select(sa.func.count()).select_from(Lead))
    if accepted:
        assert response.status_code == 302 and leads == 1
        return
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and leads == 0
    assert "open for more than a day" in page and 'value="Odette"' in page
    fresh_stamp = re.search(r'name="rendered_at"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="rendered_at"', page
    )
    again = client.post("/hire", data={**data, "rendered_at": fresh_stamp.group(1)})
    assert again.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuarantinedSubmission)) == 0
