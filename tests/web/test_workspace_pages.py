"""The staff workspace in the dashboard (SPEC §13): My work, finance's day, the lead list's
total, filters and bulk changes, next actions, confirmation steps, reassigning,
availability, and the speed-to-lead email as it arrives over SMTP."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from auth.models import User
from billing.models import Contract, Invoice
from core.db import utcnow
from core.today import business_today
from leads.models import Lead, LeadEvent
from leads.rules import LeadStatus
from leads.services import Arrival, update_lead
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sender import send_pass
from referrals.services import decide, sign_up


def html_of(client, path, status=200, **params) -> str:  # noqa
    response = client.get(path, query_string=params)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def set_next_action(db, lead, days_from_today, text=None):
    """Arrange a next action (a past one cannot be entered, so it is written directly)."""
    db.session.execute(
        sa.update(Lead)
        .where(Lead.id == lead.id)
        .values(next_action_on=business_today() + timedelta(days=days_from_today), next_action=text)
    )
    db.session.commit()


def rows_in_order(html: str, names: list[str]) -> list[str]:
    return sorted(names, key=html.index)


def test_my_work_puts_overdue_first_then_today_then_unplanned_new_then_the_rest(
    client, db, login_as, make_lead
):
    me = login_as("sales")
    later = make_lead(company="Later Ltd")
    unplanned_old = make_lead(company="Unplanned Old")
    overdue = make_lead(company="Overdue Inc")
    today = make_lead(company="Today Co")
    contacted = make_lead(company="Contacted Unplanned")
    update_lead(contacted.id, me, status="contacted")
    set_next_action(db, later, 5)
    set_next_action(db, overdue, -2, "Send the proposal")
    set_next_action(db, today, 0)
    db.session.execute(
        sa.update(Lead)
        .where(Lead.id == unplanned_old.id)
        .values(created_at=utcnow() - timedelta(hours=30))
    )
    db.session.commit()
    html = html_of(client, "/dashboard")
    names = ["Overdue Inc", "Today Co", "Unplanned Old", "Later Ltd", "Contacted Unplanned"]
    assert rows_in_order(html, names) == names
    assert "Overdue since" in html and "Send the proposal" in html
    assert "waiting 30 h" in html


def test_a_sales_user_sees_only_their_own_work_and_finance_opens_anyones(
    client, login_as, make_user, make_lead
):
    other = make_user("sales", "other@hiretechtalent.example")
    make_lead(company="Other's Lead")
    login_as("sales")
    assert client.get("/dashboard", query_string={"owner": other.email}).status_code == 403
    client.post("/logout")
    login_as("finance")
    html = html_of(client, "/dashboard", owner=other.email)
    assert f"Work of {other.email}" in html and "Other&#39;s Lead" in html
    assert client.get("/dashboard", query_string={"owner": "nobody@x.example"}).status_code == 404


def test_finance_day_counts_refunds_due_guarantees_ending_and_referrers_waiting(
    client, db, login_as, make_user, make_lead
):
    admin = make_user("admin")
    sign_up(
        {
            "first_name": "Wait",
            "last_name": "Ing",
            "email": "wait@partner.example",
            "company": "Partner",
            "relationship": "partner",
            "payout_email": "pay@partner.example",
        }
    )
    lead = make_lead(company="Ending Soon")
    client.post("/login", data={"email": admin.email, "password": "correct horse battery"})
    start = business_today() - timedelta(days=25)
    client.post(
        f"/dashboard/leads/{lead.id}/convert",
        data={"start_date": start.isoformat(), "engineers": "1", "monthly_rate": "18000"},
    )
    contract = db.session.scalar(sa.select(Contract))
    client.post(
        f"/dashboard/contracts/{contract.id}/invoices",
        data={
            "number": "INV-900",
            "issue_date": start.isoformat(),
            "period_start": start.isoformat(),
            "period_end": (start + timedelta(days=29)).isoformat(),
            "amount": "18,000",
        },
    )
    invoice = db.session.scalar(sa.select(Invoice))
    client.post(
        f"/dashboard/invoices/{invoice.id}/payments",
        data={"amount": "$18,000.00", "paid_on": business_today().isoformat()},
    )
    before = html_of(client, "/dashboard")
    assert "Finance's day" in before
    assert "<strong>1</strong> guarantee ending in the next 7 days" in before
    assert "<strong>1</strong> referrer waiting for approval" in before
    assert "<strong>0</strong> refunds due" in before
    client.post(
        f"/dashboard/contracts/{contract.id}/guarantee-claims",
        data={
            "confirm": "yes",
            "claimed_on": business_today().isoformat(),
            "channel": "email",
            "reason": "Not a fit",
        },
    )
    after = html_of(client, "/dashboard")
    assert "<strong>1</strong> refund due</a> · $18,000.00 to send" in after
    assert "<strong>0</strong> guarantees ending" in after
    assert "failed email" in after, "admins also see failed emails"


def test_the_lead_list_shows_its_total_and_filters_by_due_and_owner_me(
    client, db, login_as, make_user, make_lead
):
    me = login_as("sales")
    mine = [make_lead(company=f"Mine {n}") for n in range(3)]
    set_next_action(db, mine[0], -1)
    set_next_action(db, mine[1], 0)
    other = make_user("sales", "other@hiretechtalent.example")
    theirs = make_lead(company="Theirs")
    update_lead(theirs.id, me, owner_email=other.email)
    assert '<p class="total" role="status">4 leads</p>' in html_of(client, "/dashboard/leads")
    overdue = html_of(client, "/dashboard/leads", due="overdue")
    assert "Mine 0" in overdue and "Mine 1" not in overdue and "1 lead</p>" in overdue
    assert "Mine 1" in html_of(client, "/dashboard/leads", due="today")
    own = html_of(client, "/dashboard/leads", owner="me")
    assert "3 leads</p>" in own and "Theirs" not in own
    by_company = html_of(client, "/dashboard/leads", sort="company")
    assert rows_in_order(by_company, ["Theirs", "Mine 2", "Mine 0"]) == [
        "Mine 0",
        "Mine 2",
        "Theirs",
    ]
    bad = html_of(client, "/dashboard/leads", due="someday")
    assert "One of overdue, today, none." in bad


def test_a_bulk_change_does_the_allowed_rows_and_lists_the_refused_with_reasons(
    client, db, login_as, make_user, make_lead
):
    me = login_as("sales")
    open_one, open_two, lost = (make_lead(company=f"Bulk {n}") for n in range(3))
    update_lead(lost.id, me, status="lost", lost_reason="No budget")
    response = client.post(
        "/dashboard/leads/bulk",
        data={"lead_ids": [open_one.id, open_two.id, lost.id], "status": "qualified"},
    )
    assert response.status_code == 302
    html = html_of(client, response.headers["Location"])
    assert "Changed 2 leads." in html
    assert f"Lead #{lost.id} not changed: A lost lead can only be reopened to contacted." in html
    db.session.expire_all()
    assert [db.session.get(Lead, lead.id).status for lead in (open_one, open_two, lost)] == [
        LeadStatus.QUALIFIED,
        LeadStatus.QUALIFIED,
        LeadStatus.LOST,
    ]
    colleague = make_user("sales", "colleague@hiretechtalent.example")
    client.post(
        "/dashboard/leads/bulk",
        data={"lead_ids": [open_one.id, open_two.id], "owner_email": colleague.email},
    )
    db.session.expire_all()
    assert {db.session.get(Lead, lead.id).owner_id for lead in (open_one, open_two)} == {
        colleague.id
    }
    nothing = client.post("/dashboard/leads/bulk", data={"lead_ids": [open_one.id]})
    assert "Choose a status or an owner." in html_of(client, nothing.headers["Location"])


def test_the_next_action_form_sets_it_and_refuses_a_past_day_keeping_the_values(
    client, db, login_as, make_lead
):
    login_as("sales")
    lead = make_lead()
    day = business_today() + timedelta(days=1)
    path = f"/dashboard/leads/{lead.id}/next-action"
    response = client.post(path, data={"next_action_on": day.isoformat(), "next_action": "Call"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Lead, lead.id).next_action_on, lead.next_action) == (day, "Call")
    past = (business_today() - timedelta(days=1)).isoformat()
    refused = client.post(path, data={"next_action_on": past, "next_action": "Too late"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Choose today or a later day." in html and 'value="Too late"' in html
    assert 'href="#next_action_on"' in html, "the error summary links to the field"
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).next_action == "Call"
    events = db.session.scalars(
        sa.select(LeadEvent.detail).where(
            LeadEvent.lead_id == lead.id, LeadEvent.kind == "next_action"
        )
    ).all()
    assert events == [f"Next action on {day.isoformat()}: Call"]


@pytest.fixture
def claimable(client, db, make_user, make_lead):
    """A referred client's contract 5 days in, with an $18,000 invoice paid; the finance
    user is signed in."""
    admin = make_user("admin")
    referrer = sign_up(
        {
            "first_name": "Rita",
            "last_name": "Okafor",
            "email": "rita@ref.example",
            "company": "Refs",
            "relationship": "partner",
            "payout_email": "pay@ref.example",
        }
    ).referrer
    decide(referrer.id, "approve", admin)
    lead = make_lead(company="Claimco", referral_code=referrer.code)
    finance = make_user("finance")
    client.post("/login", data={"email": finance.email, "password": "correct horse battery"})
    start = business_today() - timedelta(days=5)
    client.post(
        f"/dashboard/leads/{lead.id}/convert",
        data={"start_date": start.isoformat(), "engineers": "1", "monthly_rate": "18000"},
    )
    contract = db.session.scalar(sa.select(Contract))
    for number, amount in (("INV-C1", "18,000"), ("INV-C2", "2,000")):
        client.post(
            f"/dashboard/contracts/{contract.id}/invoices",
            data={
                "number": number,
                "issue_date": start.isoformat(),
                "period_start": start.isoformat(),
                "period_end": (start + timedelta(days=29)).isoformat(),
                "amount": amount,
            },
        )
    paid = db.session.scalar(sa.select(Invoice).where(Invoice.number == "INV-C1"))
    client.post(
        f"/dashboard/invoices/{paid.id}/payments",
        data={"amount": "18000", "paid_on": business_today().isoformat()},
    )
    return contract


def test_a_guarantee_claim_shows_what_it_will_do_and_only_the_confirmed_post_does_it(
    client, db, claimable
):
    path = f"/dashboard/contracts/{claimable.id}/guarantee-claims"
    data = {"claimed_on": business_today().isoformat(), "channel": "email", "reason": "No fit"}
    emails_before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
    step = client.post(path, data=data)
    assert step.status_code == 200
    html = step.get_data(as_text=True)
    for words in (
        f"end contract #{claimable.id}",
        "voids 2 invoices",
        "$18,000.00 of refunds become due",
        "−$1,800.00 commission for Rita Okafor",
        "3 emails",
    ):
        assert words in html, words
    assert 'name="confirm" value="yes"' in html and 'name="reason" value="No fit"' in html
    db.session.expire_all()
    assert db.session.get(Contract, claimable.id).status.value == "active"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == (
        emails_before
    )
    client.post(path, data={**data, "confirm": "yes"})
    db.session.expire_all()
    assert db.session.get(Contract, claimable.id).status.value == "terminated"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == (
        emails_before + 3
    )


def test_ending_a_contract_and_voiding_an_invoice_ask_first(client, db, claimable):
    unpaid = db.session.scalar(sa.select(Invoice).where(Invoice.number == "INV-C2"))
    step = client.post(f"/dashboard/invoices/{unpaid.id}/void", data={"reason": "Typo"})
    assert "void invoice INV-C2" in step.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Invoice, unpaid.id).status.value == "issued"
    end = {"end_date": business_today().isoformat(), "reason": "client_ended"}
    step = client.post(f"/dashboard/contracts/{claimable.id}/end", data=end)
    html = step.get_data(as_text=True)
    assert f"end contract #{claimable.id} on {business_today().isoformat()}" in html
    assert "Ended by the client" in html
    db.session.expire_all()
    assert db.session.get(Contract, claimable.id).status.value == "active"


def test_an_admin_reassigns_leads_through_a_confirmation_step(
    client, db, login_as, make_user, make_lead
):
    leaving = make_user("sales", "leaving@hiretechtalent.example")
    leads = [make_lead(company=f"Moving {n}") for n in range(2)]
    login_as("admin")
    taking = make_user("sales", "taking@hiretechtalent.example")
    data = {"from_owner_email": leaving.email, "to_owner_email": taking.email}
    step = client.post("/dashboard/leads/reassign", data=data)
    html = step.get_data(as_text=True)
    assert f"move 2 open leads of {leaving.email}" in html
    db.session.expire_all()
    assert {db.session.get(Lead, lead.id).owner_id for lead in leads} == {leaving.id}
    done = client.post("/dashboard/leads/reassign", data={**data, "confirm": "yes"})
    assert done.status_code == 302
    db.session.expire_all()
    assert {db.session.get(Lead, lead.id).owner_id for lead in leads} == {taking.id}
    same = client.post(
        "/dashboard/leads/reassign",
        data={"from_owner_email": taking.email, "to_owner_email": taking.email},
    )
    assert same.status_code == 422
    assert "Choose another user" in same.get_data(as_text=True)


def test_availability_is_a_checkbox_on_ones_account_and_on_the_staff_page(
    client, db, login_as, make_user
):
    rep = login_as("sales")
    account = html_of(client, "/dashboard/account")
    assert 'name="available"' in account and "checked" in account
    client.post("/dashboard/account/availability", data={})
    db.session.expire_all()
    assert db.session.get(User, rep.id).available is False
    client.post("/logout")
    login_as("admin")
    client.post(f"/dashboard/staff/{rep.id}/availability", data={"available": "y"})
    db.session.expire_all()
    assert db.session.get(User, rep.id).available is True
    assert 'name="available"' in html_of(client, "/dashboard/staff")


def test_the_still_waiting_email_arrives_for_a_lead_nobody_contacted(app, db, smtp, make_lead):
    app.config["FIRST_CONTACT_HOURS"] = 0
    lead = make_lead(company="Impatient Inc")
    send_pass()
    [waiting] = [m for m in smtp.messages if m["Subject"].startswith("A new lead is still")]
    assert waiting["To"] == "sales@hiretechtalent.example"
    body = next(
        part.get_payload(decode=True).decode()
        for part in waiting.walk()
        if part.get_content_type() == "text/plain"
    )
    assert "Impatient Inc is still waiting" in body
    assert f"/dashboard/leads/{lead.id}" in body


def test_the_still_waiting_email_is_due_later_and_cancelled_once_the_lead_is_contacted(
    app, db, smtp, make_lead, make_user
):
    lead = make_lead(company="Patient Inc")
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.event == "lead_waiting"))
    assert row.send_after == lead.created_at + timedelta(hours=4)
    send_pass()
    assert not [m for m in smtp.messages if "still waiting" in m["Subject"]]
    update_lead(lead.id, make_user("sales"), status="contacted")
    db.session.expire_all()
    row = db.session.get(OutboxMessage, row.id)
    assert row.status == OutboxStatus.CANCELLED


def test_a_reassigned_new_lead_s_waiting_email_follows_it_to_the_new_owner(
    db, make_lead, make_user
):
    lead = make_lead(arrival=Arrival(source=make_lead.__defaults__[0]))
    new_owner = make_user("sales", "new-owner@hiretechtalent.example")
    update_lead(lead.id, make_user("admin"), owner_email=new_owner.email)
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.event == "lead_waiting")
        .order_by(OutboxMessage.id)
    ).all()
    assert [(r.to_address, r.status) for r in rows] == [
        ("sales@hiretechtalent.example", OutboxStatus.CANCELLED),
        (new_owner.email, OutboxStatus.PENDING),
    ]
    assert rows[1].send_after == rows[0].send_after
    assert re.fullmatch(rf"lead_waiting:{lead.id}:\d+:[0-9a-f]+", rows[1].dedupe_key)
