"""SPEC §3: a client has one referrer, the one of its first contract's lead. Converting a
referred lead into a client that already has a contract refuses that lead's attribution as
`existing_customer`: no commission moves to its referrer, and the client keeps its primary
contact (a security review found both broken)."""

import pytest
import sqlalchemy as sa
from money_support import Books

from billing.models import ClientContact, ContactRole
from core.today import business_today

API = "/api/v1"


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


def test_converting_a_referred_lead_into_an_existing_client_moves_no_commission(books, db):
    _referrer_id, code = books.referrer()
    existing = books.contract(start_days_ago=60, company=1)
    primary = db.session.scalar(
        sa.select(ClientContact.email).where(
            ClientContact.client_id == existing["client_id"],
            ClientContact.role == ContactRole.PRIMARY,
        )
    )
    referred = books.post(
        "/leads",
        {
            "first_name": "Eve",
            "last_name": "Outsider",
            "company": "Unrelated Ventures",
            "email": "eve@unrelated.example",
            "roles": ["QA"],
            "headcount": 1,
            "consent": True,
            "referral_code": code,
        },
        books.sales,
    ).get_json()
    assert referred["attribution_status"] == "attributed"
    terms = {
        "start_date": business_today().isoformat(),
        "engineers": 1,
        "monthly_rate_cents": 500_000,
        "currency": "USD",
        "client_id": existing["client_id"],
    }
    converted = books.post(f"/leads/{referred['id']}/convert", terms, books.sales)
    assert converted.status_code == 201, converted.get_data(as_text=True)
    lead = books.get(f"/leads/{referred['id']}", books.sales).get_json()
    assert (lead["attribution_status"], lead["attribution_reason"], lead["referrer_id"]) == (
        "refused",
        "existing_customer",
        None,
    )
    second_contract = converted.get_json()["contract"]
    invoice = books.invoice(second_contract, amount_cents=500_000)
    assert books.pay(invoice, 500_000).status_code == 201
    old_invoice = books.invoice(existing, amount_cents=100_000)
    assert books.pay(old_invoice, 100_000).status_code == 201
    assert books.refund(old_invoice, 1).status_code == 201
    assert books.commissions() == []
    contacts = {c["email"]: c["role"] for c in converted.get_json()["client"]["contacts"]}
    assert contacts[primary] == "primary"
    assert contacts["eve@unrelated.example"] == "other"


def test_the_referrer_of_the_first_contract_keeps_the_client(books):
    referrer_id, code = books.referrer()
    first = books.contract(start_days_ago=60, code=code, company=7)
    invoice = books.invoice(first, amount_cents=100_000)
    assert books.pay(invoice, 100_000).status_code == 201
    assert [e["referrer_id"] for e in books.commissions()] == [referrer_id]
