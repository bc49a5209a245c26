"""Converting a lead (SPEC §4): client reused or created, primary contact, contract with its
guarantee deadline, the emails, start-date changes and ending a contract."""

from datetime import date, timedelta

import sqlalchemy as sa

from billing.models import Client, ClientContact, Contract
from core.today import business_today
from leads.models import Lead
from notifications.models import OutboxMessage


def convert(client, lead_id, **overrides):
    data = {"start_date": "2026-01-31", "engineers": "2", "monthly_rate": "8,500.00"}
    data.update(overrides)
    return client.post(f"/dashboard/leads/{lead_id}/convert", data=data)


def test_converting_a_lead_makes_a_client_a_primary_contact_and_a_contract(
    client, db, login_as, make_lead, outbox
):
    lead = make_lead(email="ana@northwind.example", company="Northwind Labs")
    login_as("sales")
    response = convert(client, lead.id)
    assert response.status_code == 302
    contract = db.session.scalar(sa.select(Contract))
    assert response.headers["Location"] == f"/dashboard/contracts/{contract.id}"
    assert (contract.start_date, contract.guarantee_ends_on) == (
        date(2026, 1, 31),
        date(2026, 2, 28),
    )
    assert (contract.engineers, contract.monthly_rate_cents, contract.currency) == (
        2,
        850000,
        "USD",
    )
    assert contract.client.domain == "northwind.example"
    [contact] = contract.client.contacts
    assert (contact.email, contact.role.value) == ("ana@northwind.example", "primary")
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status.value == "won"
    deadline = outbox("guarantee_deadline")[0]
    assert deadline.to_address == "ana@northwind.example"
    assert "2026-02-28" in deadline.body_text
    page = client.get(f"/dashboard/contracts/{contract.id}").get_data(as_text=True)
    assert "2026-02-28" in page and "$8,500.00" in page


def test_the_sales_owner_is_reminded_a_week_before_the_window_closes(
    app, client, db, login_as, make_lead, outbox, make_user
):
    owner = make_user("sales", email="owner@hiretechtalent.example")
    lead = make_lead()
    login_as("admin")
    start = business_today() + timedelta(days=30)
    convert(client, lead.id, start_date=start.isoformat())
    [reminder] = outbox("guarantee_reminder")
    contract = db.session.scalar(sa.select(Contract))
    assert reminder.to_address == owner.email
    assert reminder.send_after.date() == contract.guarantee_ends_on - timedelta(days=7)
    assert reminder.send_after.hour == 14, "9:00 in New York is 14:00 UTC in winter"
    later = start + timedelta(days=10)
    client.post(
        f"/dashboard/contracts/{contract.id}/start-date", data={"start_date": later.isoformat()}
    )
    db.session.expire_all()
    moved = db.session.get(OutboxMessage, reminder.id)
    contract = db.session.get(Contract, contract.id)
    assert contract.start_date == later
    assert moved.send_after.date() == contract.guarantee_ends_on - timedelta(days=7)


def test_a_second_lead_of_the_same_company_reuses_the_client_and_keeps_its_primary(
    client, db, login_as, make_lead
):
    """SPEC §3: the person of a lead converted into an existing client joins as `other`."""
    first = make_lead(email="ana@northwind.example", company="Northwind")
    second_lead = make_lead(email="bob@northwind.example", company="Northwind Labs")
    login_as("sales")
    convert(client, first.id)
    convert(client, second_lead.id, start_date="2026-06-01")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Client)) == 1
    roles = dict(db.session.execute(sa.select(ClientContact.email, ClientContact.role)).all())
    assert {k: v.value for k, v in roles.items()} == {
        "ana@northwind.example": "primary",
        "bob@northwind.example": "other",
    }


def test_a_closed_lead_cannot_be_converted(client, db, login_as, make_lead):
    lead = make_lead()
    login_as("sales")
    convert(client, lead.id)
    response = convert(client, lead.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be converted" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contract)) == 1


def test_bad_conversion_input_is_refused_with_a_message(client, db, login_as, make_lead):
    lead = make_lead()
    login_as("sales")
    for overrides in ({"monthly_rate": "lots"}, {"engineers": "0"}, {"start_date": "soon"}):
        response = convert(client, lead.id, **overrides)
        assert response.status_code == 302
    assert db.session.scalar(sa.select(Contract)) is None


def test_a_passed_start_date_can_no_longer_change(client, db, login_as, make_lead):
    lead = make_lead()
    login_as("sales")
    convert(client, lead.id, start_date="2026-01-05")
    contract = db.session.scalar(sa.select(Contract))
    client.post(f"/dashboard/contracts/{contract.id}/start-date", data={"start_date": "2026-02-01"})
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).start_date == date(2026, 1, 5)


def test_finance_ends_a_contract_with_a_reason_and_sales_may_not(client, db, login_as, make_lead):
    lead = make_lead()
    login_as("sales")
    convert(client, lead.id, start_date="2026-01-05")
    contract = db.session.scalar(sa.select(Contract))
    data = {"end_date": "2026-06-30", "reason": "client_ended", "confirm": "yes"}
    assert client.post(f"/dashboard/contracts/{contract.id}/end", data=data).status_code == 403
    client.post("/logout")
    login_as("finance")
    client.post(f"/dashboard/contracts/{contract.id}/end", data=data)
    db.session.expire_all()
    ended = db.session.get(Contract, contract.id)
    assert (ended.status.value, ended.end_date, ended.termination_reason.value) == (
        "terminated",
        date(2026, 6, 30),
        "client_ended",
    )
