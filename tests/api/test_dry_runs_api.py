"""`?dry_run=true` (SPEC §13 "Safe actions"): the action's own service runs and is undone.
Each preview's figures are checked against what the confirmed action then does, and a
preview leaves no row, email or audit entry behind."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from money_support import Books, error_of

from billing.models import GuaranteeClaim, Invoice, Refund
from commissions.models import CommissionEntry, Payout
from core.audit import AuditEvent
from core.today import business_today
from notifications.models import OutboxMessage

LONG_AGO = 120


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


def footprint(db) -> dict[str, int]:
    """How many rows each table a previewed action could write holds."""
    db.session.expire_all()
    tables = (OutboxMessage, AuditEvent, GuaranteeClaim, Refund, CommissionEntry, Payout)
    counts = {
        table.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in tables
    }
    counts["void_invoices"] = db.session.scalar(
        sa.select(sa.func.count()).where(Invoice.status == "void")
    )
    return counts


def emails_since(db, before: int) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) - before


def referred_contract(books, start_days_ago=5):
    referrer_id, code = books.referrer()
    return referrer_id, books.contract(start_days_ago=start_days_ago, code=code)


def test_a_claim_preview_says_what_the_claim_then_does_and_keeps_nothing(books, db):
    _referrer_id, contract = referred_contract(books)
    paid = books.invoice(contract, amount_cents=1_800_000)
    assert books.pay(paid, 1_800_000).status_code == 201
    unpaid = books.invoice(contract, amount_cents=500_000)
    before = footprint(db)
    path = f"/contracts/{contract['id']}/guarantee-claims?dry_run=true"
    response = books.post(path, {"claimed_on": books.today.isoformat(), "reason": "Not a fit."})
    assert response.status_code == 200, response.get_data(as_text=True)
    preview = response.get_json()
    assert preview["effects"] == {
        "invoices_voided": 2,
        "refunds_due_cents": 1_800_000,
        "commission_reversed_cents": 180_000,
        "emails": 3,
    }
    assert preview["preview"]["status"] == "accepted"
    assert preview["preview"]["contract_id"] == contract["id"]
    assert footprint(db) == before, "a dry run keeps no row, email or audit entry"
    assert books.get(f"/invoices/{unpaid['id']}").get_json()["status"] == "issued"

    emails_before = before["outbox_messages"]
    done = books.claim(contract)
    assert done.status_code == 201
    after = footprint(db)
    assert after["void_invoices"] - before["void_invoices"] == 2
    refunds = books.get(f"/invoices/{paid['id']}").get_json()["refunds"]
    assert sum(r["amount_cents"] for r in refunds if r["status"] == "due") == 1_800_000
    reversed_cents = -sum(
        e["amount_cents"] for e in books.commissions(invoice_id=paid["id"]) if e["amount_cents"] < 0
    )
    assert reversed_cents == 180_000
    assert emails_since(db, emails_before) == 3, "the client, the lead's owner, the referrer"


def test_a_claim_that_would_be_rejected_answers_its_code_with_no_claim_id(books, db):
    contract = books.contract(start_days_ago=LONG_AGO)
    before = footprint(db)
    path = f"/contracts/{contract['id']}/guarantee-claims?dry_run=true"
    response = books.post(path, {"claimed_on": books.today.isoformat(), "reason": "Too late."})
    error = error_of(response, 422)
    assert error["code"] == "guarantee_window_closed"
    assert error["claim_id"] is None
    assert footprint(db) == before
    kept = books.claim(contract)
    assert error_of(kept, 422)["claim_id"] is not None, "the real claim keeps its rejection"


def test_a_void_preview_reverses_nothing_on_an_unpaid_invoice_and_changes_nothing(books, db):
    _referrer_id, contract = referred_contract(books)
    invoice = books.invoice(contract)
    before = footprint(db)
    response = books.post(f"/invoices/{invoice['id']}/void?dry_run=true", {"reason": "Typo"})
    assert response.status_code == 200
    assert response.get_json()["effects"] == {"commission_reversed_cents": 0, "emails": 0}
    assert response.get_json()["preview"]["status"] == "void"
    assert footprint(db) == before
    assert books.get(f"/invoices/{invoice['id']}").get_json()["status"] == "issued"


def test_a_refused_action_answers_its_usual_error_in_a_dry_run(books):
    contract = books.contract()
    invoice = books.invoice(contract)
    assert books.pay(invoice, 100_000).status_code == 201
    response = books.post(f"/invoices/{invoice['id']}/void?dry_run=true", {"reason": "Typo"})
    assert error_of(response, 422)["code"] == "void_with_money_paid"


def test_a_payout_run_preview_counts_its_lines_and_total_and_then_the_run_matches(books, db):
    referrer_id, contract = referred_contract(books, start_days_ago=LONG_AGO)
    invoice = books.invoice(contract, amount_cents=200_000)
    assert books.pay(invoice, 200_000, books.today - timedelta(days=1)).status_code == 201
    assert books.post("/commissions/approve-due", {}).status_code == 200
    before = footprint(db)
    response = books.post("/payouts?dry_run=true", {})
    assert response.status_code == 200, response.get_data(as_text=True)
    preview = response.get_json()
    assert preview["effects"] == {"lines": 1, "total_cents": 20_000, "emails": 0}
    assert footprint(db) == before
    run = books.post("/payouts", {})
    assert run.status_code == 201
    lines = run.get_json()["lines"]
    assert [(line["referrer_id"], line["amount_cents"]) for line in lines] == [
        (referrer_id, 20_000)
    ]
    assert preview["preview"]["lines"] == lines

    paid_path = f"/payouts/{run.get_json()['id']}/mark-paid"
    body = {"paid_on": books.today.isoformat(), "reference": "BATCH-1"}
    paid_preview = books.post(paid_path + "?dry_run=true", body)
    assert paid_preview.get_json()["effects"] == {"lines": 1, "total_cents": 20_000, "emails": 1}
    assert books.get(f"/payouts/{run.get_json()['id']}").get_json()["status"] == "open"
    emails_before = footprint(db)["outbox_messages"]
    assert books.post(paid_path, body).get_json()["status"] == "paid"
    assert emails_since(db, emails_before) == 1


@pytest.mark.parametrize("value", ["yes", "1", "TRUE"])
def test_a_dry_run_flag_other_than_true_or_false_is_422(books, value):
    contract = books.contract()
    invoice = books.invoice(contract)
    response = books.post(f"/invoices/{invoice['id']}/void?dry_run={value}", {"reason": "Typo"})
    assert error_of(response, 422)["fields"] == {"dry_run": ["true or false."]}
    assert books.get(f"/invoices/{invoice['id']}").get_json()["status"] == "issued"


def test_dry_run_false_does_the_action(books):
    invoice = books.invoice(books.contract())
    response = books.post(f"/invoices/{invoice['id']}/void?dry_run=false", {"reason": "Typo"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "void"
