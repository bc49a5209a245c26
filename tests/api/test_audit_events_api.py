"""The audit log through the API (SPEC §14): each money, attribution and referrer change
writes one event naming the token as its actor, with the changed fields; a refused or repeated
request writes none; `GET /api/v1/audit-events` filters and pages, for admins only."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from money_support import API, Books

from auth.models import ApiToken, User
from core.today import business_today
from core.tokens import secret_hash

LONG_AGO = 120


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


def events(books, **filters) -> list[dict]:
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    response = books.get(f"/audit-events?{query}", books.admin)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def token_of(db, headers: dict) -> tuple[int, str]:
    """The (token id, owner email) behind a test's Authorization header."""
    token = headers["Authorization"].removeprefix("Bearer ")
    row = db.session.execute(
        sa.select(ApiToken.id, User.email)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == secret_hash(token))
    ).one()
    return row.id, row.email


def test_a_payment_is_logged_with_the_token_its_owner_and_the_changed_fields(books, db):
    contract = books.contract()
    invoice = books.invoice(contract, amount_cents=100_000)
    assert books.pay(invoice, 100_000).status_code == 201

    [event] = events(books, action="invoice.payment_recorded")
    token_id, owner = token_of(db, books.finance)
    assert event["actor"] == {"kind": "token", "id": token_id, "email": owner}
    assert (event["entity_type"], event["entity_id"]) == ("invoice", invoice["id"])
    assert event["changes"] == {"paid_cents": [0, 100_000], "status": ["issued", "paid"]}
    assert event["client_address"] == "127.0.0.1"
    assert event["at"].endswith("Z")
    assert set(event) == {
        "id",
        "at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "changes",
        "client_address",
    }


def test_a_refused_or_repeated_money_request_logs_nothing(books):
    contract = books.contract()
    invoice = books.invoice(contract, amount_cents=100_000)
    assert books.pay(invoice, 100_001).status_code == 422
    assert events(books, action="invoice.payment_recorded") == []
    for _ in range(2):
        assert books.pay(invoice, 40_000, external_id="bank-7").status_code in (200, 201)
    assert len(events(books, action="invoice.payment_recorded")) == 1


def test_every_money_event_of_an_invoice_has_its_action(books):
    contract = books.contract()
    paid = books.invoice(contract, amount_cents=100_000)
    books.pay(paid, 60_000)
    assert books.refund(paid, 10_000).status_code == 201
    write_off = {"reason": "Goodwill", "written_off_on": books.today.isoformat()}
    assert books.post(f"/invoices/{paid['id']}/write-off", write_off).status_code == 200
    unpaid = books.invoice(contract, amount_cents=50_000)
    voided = books.post(f"/invoices/{unpaid['id']}/void", {"reason": "Wrong month"})
    assert voided.status_code == 200

    logged = events(books, entity_type="invoice", entity_id=paid["id"])
    assert [e["action"] for e in logged] == [
        "invoice.written_off",
        "invoice.refund_recorded",
        "invoice.payment_recorded",
        "invoice.created",
    ]
    assert logged[0]["changes"]["written_off_cents"] == [0, 40_000]
    assert logged[1]["changes"] == {"refunded_cents": [0, 10_000]}
    assert logged[3]["changes"]["amount_cents"] == [None, 100_000]
    [voided] = events(books, action="invoice.voided")
    assert voided["entity_id"] == unpaid["id"]
    assert voided["changes"]["status"] == ["issued", "void"]
    assert voided["changes"]["reason"] == [None, "Wrong month"]


def test_an_accepted_claim_logs_the_claim_each_voided_invoice_the_end_and_the_refund_sent(
    books,
):
    contract = books.contract(start_days_ago=3)
    invoice = books.invoice(contract, amount_cents=100_000)
    books.pay(invoice, 100_000)
    claim = books.claim(contract)
    assert claim.status_code == 201, claim.get_data(as_text=True)

    [recorded] = events(books, action="guarantee_claim.recorded")
    assert recorded["entity_id"] == claim.get_json()["id"]
    assert recorded["changes"]["status"] == [None, "accepted"]
    [voided] = events(books, action="invoice.voided")
    assert voided["changes"]["refunded_cents"] == [0, 100_000]
    assert voided["changes"]["claim_id"] == [None, claim.get_json()["id"]]
    [ended] = events(books, action="contract.ended", entity_id=contract["id"])
    assert ended["changes"]["status"] == ["active", "terminated"]
    assert ended["changes"]["termination_reason"] == [None, "satisfaction_guarantee"]

    refund_id = books.get(f"/invoices/{invoice['id']}").get_json()["refunds"][0]["id"]
    sent = books.post(
        f"/refunds/{refund_id}/mark-sent",
        {"sent_on": books.today.isoformat(), "reference": "WIRE-9"},
    )
    assert sent.status_code == 200, sent.get_data(as_text=True)
    [marked] = events(books, action="refund.marked_sent")
    assert (marked["entity_type"], marked["entity_id"]) == ("refund", refund_id)
    assert marked["changes"]["reference"] == [None, "WIRE-9"]


def test_contract_changes_and_conversion_are_logged(books):
    contract = books.contract(start_days_ago=0)
    later = (books.today + timedelta(days=7)).isoformat()
    assert (
        books.client.patch(
            f"{API}/contracts/{contract['id']}", json={"start_date": later}, headers=books.finance
        ).status_code
        == 200
    )
    [moved] = events(books, action="contract.start_date_changed")
    assert moved["changes"]["start_date"] == [contract["start_date"], later]
    assert "guarantee_ends_on" in moved["changes"]

    [converted] = events(books, action="lead.converted")
    assert converted["entity_id"] == contract["lead_id"]
    assert converted["changes"]["status"][1] == "won"
    assert converted["changes"]["contract_id"] == [None, contract["id"]]


def test_referrer_decisions_attribution_approvals_and_payouts_are_logged(books, db):
    referrer_id, code = books.referrer()
    [approved] = events(books, action="referrer.status_changed", entity_id=referrer_id)
    assert approved["changes"]["status"] == ["pending", "active"]
    assert approved["changes"]["code"] == [None, code]

    contract = books.contract(start_days_ago=LONG_AGO, code=code)
    invoice = books.invoice(contract, amount_cents=100_000)
    books.pay(invoice, 100_000)
    assert books.post("/commissions/approve-due", {}).get_json()["approved"] == 1
    [entry] = books.commissions(invoice_id=invoice["id"])
    [approval] = events(books, action="commission.approved")
    assert (approval["entity_type"], approval["entity_id"]) == ("commission", entry["id"])
    assert approval["changes"] == {"state": ["pending", "approved"]}

    payout = books.post("/payouts", {}).get_json()
    [created] = events(books, action="payout.created")
    assert created["entity_id"] == payout["id"]
    assert created["changes"]["amount_cents"] == [None, entry["amount_cents"]]
    paid = books.post(
        f"/payouts/{payout['id']}/mark-paid",
        {"paid_on": books.today.isoformat(), "reference": "BATCH-1"},
    )
    assert paid.status_code == 200
    [marked] = events(books, action="payout.paid")
    assert marked["changes"]["status"] == ["open", "paid"]

    assert books.post(f"/referrers/{referrer_id}/suspend").status_code == 200
    [suspended] = events(books, action="referrer.status_changed", entity_id=referrer_id)[:1]
    assert suspended["changes"] == {"status": ["active", "suspended"]}


def test_an_attribution_change_is_logged_with_the_reason(books):
    referrer_id, _code = books.referrer()
    lead = books.post(
        "/leads",
        {
            "first_name": "Ana",
            "last_name": "Lead",
            "company": "Some Co",
            "email": "ana@someco.example",
            "roles": ["Back-end"],
            "headcount": 1,
            "consent": True,
        },
        books.sales,
    ).get_json()
    changed = books.post(
        f"/leads/{lead['id']}/attribution", {"referrer_id": referrer_id, "reason": "Phoned in"}
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    [event] = events(books, action="lead.attribution_changed")
    assert event["entity_id"] == lead["id"]
    assert event["changes"]["referrer_id"] == [None, referrer_id]
    assert event["changes"]["attribution_status"] == ["none", "attributed"]
    assert event["changes"]["reason"] == [None, "Phoned in"]


def test_filters_by_actor_and_dates_and_pages_newest_first(books, db):
    contract = books.contract()
    for _ in range(3):
        books.invoice(contract)
    _, finance_email = token_of(db, books.finance)
    mine = events(books, actor_email=finance_email.upper(), action="invoice.created")
    assert len(mine) == 3
    assert [e["id"] for e in mine] == sorted((e["id"] for e in mine), reverse=True)
    today, tomorrow = books.today.isoformat(), (books.today + timedelta(days=1)).isoformat()
    assert len(events(books, action="invoice.created", **{"from": today, "to": today})) == 3
    assert events(books, action="invoice.created", **{"from": tomorrow}) == []

    first = books.get("/audit-events?action=invoice.created&limit=2", books.admin).get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = books.get(
        f"/audit-events?action=invoice.created&limit=2&cursor={first['next_cursor']}",
        books.admin,
    ).get_json()
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in mine]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    "query, field",
    [
        ("entity_id=99999999999999999999", "entity_id"),
        ("entity_id=-1", "entity_id"),
        ("entity_type=spaceship", "entity_type"),
        ("from=2026-13-01", "from"),
        ("from=2026-05-02&to=2026-05-01", "to"),
        ("cursor=nonsense", "cursor"),
        ("limit=0", "limit"),
    ],
)
def test_a_bad_filter_answers_422_naming_it(books, query, field):
    response = books.get(f"/audit-events?{query}", books.admin)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"
    assert field in response.get_json()["error"]["fields"]


def test_only_admins_read_the_log(books):
    for headers in (books.finance, books.sales):
        response = books.get("/audit-events", headers)
        assert response.status_code == 403
    assert books.client.get(f"{API}/audit-events").status_code == 401
