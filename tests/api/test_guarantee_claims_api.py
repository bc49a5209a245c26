"""The satisfaction guarantee through the API (SPEC §4, §8): accepted claims and everything
they do, each rejection code (kept, with its claim_id), back-dating, and due refunds
recorded sent."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from money_support import TOMORROW, Books, body_of, error_of

from billing.models import ClaimStatus, GuaranteeClaim
from core.today import business_today


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


def claims(db) -> list[GuaranteeClaim]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(GuaranteeClaim).order_by(GuaranteeClaim.id)))


def test_a_claim_inside_the_window_is_accepted_with_201(books):
    contract = books.contract(start_days_ago=5)
    response = books.claim(contract, channel="phone")
    assert response.status_code == 201
    claim = response.get_json()
    assert claim == {
        "id": claim["id"],
        "contract_id": contract["id"],
        "status": "accepted",
        "claimed_on": books.today.isoformat(),
        "reason": "The engineer did not fit the team.",
        "channel": "phone",
        "rejection_code": None,
    }


def test_claims_on_the_first_and_last_day_of_the_window_are_accepted(books):
    on_start = books.contract(start_days_ago=3)
    assert books.claim(on_start, books.today - timedelta(days=3)).status_code == 201
    contract = books.contract(start_days_ago=40)
    last_day = books.get(f"/contracts/{contract['id']}").get_json()["guarantee_ends_on"]
    response = books.post(
        f"/contracts/{contract['id']}/guarantee-claims",
        {"claimed_on": last_day, "reason": "Late but in time."},
        books.admin,
    )
    assert response.status_code == 201


def test_an_accepted_claim_voids_every_invoice_with_refunds_due_for_what_was_net_paid(books):
    contract = books.contract(start_days_ago=5)
    paid = books.invoice(contract)
    books.pay(paid, 100_000)
    partly = books.invoice(contract, amount_cents=50_000)
    books.pay(partly, 30_000)
    books.refund(partly, 10_000)
    unpaid = books.invoice(contract)
    voided = books.invoice(contract)
    books.post(f"/invoices/{voided['id']}/void", {"reason": "Issued twice"})

    assert books.claim(contract).status_code == 201

    def read(invoice):
        body = books.get(f"/invoices/{invoice['id']}").get_json()
        refunds = [(r["amount_cents"], r["status"]) for r in body["refunds"]]
        return body["status"], body["paid_cents"], body["refunded_cents"], refunds

    assert read(paid) == ("void", 100_000, 100_000, [(100_000, "due")])
    assert read(partly) == ("void", 30_000, 30_000, [(10_000, "sent"), (20_000, "due")])
    assert read(unpaid) == ("void", 0, 0, [])
    assert read(voided) == ("void", 0, 0, [])


def test_an_accepted_claim_terminates_the_contract_on_the_claim_date(books):
    contract = books.contract(start_days_ago=5)
    claimed_on = books.today - timedelta(days=2)
    assert books.claim(contract, claimed_on).status_code == 201
    read = books.get(f"/contracts/{contract['id']}").get_json()
    assert (read["status"], read["termination_reason"], read["end_date"]) == (
        "terminated",
        "satisfaction_guarantee",
        claimed_on.isoformat(),
    )


def test_an_accepted_claim_reverses_the_referred_clients_commission(books):
    referrer_id, code = books.referrer()
    contract = books.contract(start_days_ago=5, code=code)
    invoice = books.invoice(contract)
    books.pay(invoice, 100_000)
    assert [e["amount_cents"] for e in books.commissions(invoice_id=invoice["id"])] == [10_000]

    assert books.claim(contract).status_code == 201

    entries = books.commissions(invoice_id=invoice["id"])
    assert sorted((e["kind"], e["amount_cents"]) for e in entries) == [
        ("accrual", 10_000),
        ("reversal", -10_000),
    ]
    assert sum(e["amount_cents"] for e in entries) == 0
    assert {e["state"] for e in entries} == {"pending"}
    assert books.balance(referrer_id) == {"pending": 0, "approved": 0, "paid": 0}


def test_an_accepted_claim_emails_everyone_and_cancels_the_sales_reminder(books, outbox):
    _, code = books.referrer()
    contract = books.contract(start_days_ago=5, code=code)
    assert books.claim(contract).status_code == 201
    events = {message.event for message in outbox()}
    assert {"claim_accepted_client", "claim_accepted_sales", "claim_accepted_referrer"} <= events
    assert [m.status.value for m in outbox("guarantee_reminder")] == ["cancelled"]


def test_a_claim_on_a_contract_with_no_invoice_is_accepted_and_then_no_invoice_can_be_added(
    books,
):
    contract = books.contract(start_days_ago=5)
    assert books.claim(contract).status_code == 201
    response = books.post(f"/contracts/{contract['id']}/invoices", books.invoice_body(contract))
    assert error_of(response, 422)["code"] == "contract_terminated"


# rejections


def _in_future(books):
    return books.contract(start_days_ago=5), books.today + timedelta(days=1)


def _terminated(books):
    contract = books.contract(start_days_ago=5)
    books.post(
        f"/contracts/{contract['id']}/end",
        {"end_date": books.today.isoformat(), "reason": "client_ended"},
    )
    return contract, books.today


def _already_used(books):
    first = books.contract(start_days_ago=6, company=900)
    assert books.claim(first).status_code == 201
    return books.contract(start_days_ago=3, company=900), books.today


def _not_first(books):
    books.contract(start_days_ago=6, company=901)
    return books.contract(start_days_ago=3, company=901), books.today


def _before_start(books):
    return books.contract(start_days_ago=5), books.today - timedelta(days=6)


def _window_closed(books):
    return books.contract(start_days_ago=40), books.today


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (_in_future, "claim_in_future"),
        (_terminated, "contract_terminated"),
        (_already_used, "guarantee_already_used"),
        (_not_first, "not_first_contract"),
        (_before_start, "claim_before_start"),
        (_window_closed, "guarantee_window_closed"),
    ],
)
def test_a_rejected_claim_is_422_with_its_code_and_claim_id_and_is_kept(books, db, setup, code):
    contract, claimed_on = setup(books)
    before = books.get(f"/contracts/{contract['id']}").get_json()
    invoice = books.invoice(contract) if before["status"] == "active" else None

    error = error_of(books.claim(contract, claimed_on), 422)

    assert error["code"] == code
    kept = db.session.get(GuaranteeClaim, error["claim_id"])
    assert (kept.status, kept.rejection_code, kept.contract_id) == (
        ClaimStatus.REJECTED,
        code,
        contract["id"],
    )
    assert kept.claimed_on == claimed_on
    assert books.get(f"/contracts/{contract['id']}").get_json() == before
    if invoice is not None:
        assert books.get(f"/invoices/{invoice['id']}").get_json()["status"] == "issued"


def _terminated_and_in_future(books):
    contract, _ = _terminated(books)
    return contract, books.today + timedelta(days=1)


def _second_contract_of_a_claimed_client_ended(books):
    contract, claimed_on = _already_used(books)
    books.post(
        f"/contracts/{contract['id']}/end",
        {"end_date": books.today.isoformat(), "reason": "other"},
    )
    return contract, claimed_on


def _second_contract_of_a_claimed_client_before_its_start(books):
    contract, _ = _already_used(books)
    return contract, books.today - timedelta(days=4)


def _second_contract_before_its_start(books):
    contract, _ = _not_first(books)
    return contract, books.today - timedelta(days=4)


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (_terminated_and_in_future, "claim_in_future"),
        (_second_contract_of_a_claimed_client_ended, "contract_terminated"),
        (_second_contract_of_a_claimed_client_before_its_start, "guarantee_already_used"),
        (_second_contract_before_its_start, "not_first_contract"),
    ],
)
def test_when_several_rejections_apply_the_first_in_spec_order_wins(books, setup, code):
    contract, claimed_on = setup(books)
    assert error_of(books.claim(contract, claimed_on), 422)["code"] == code


def test_a_second_claim_on_the_same_contract_is_rejected_and_the_first_stands(books, db):
    contract = books.contract(start_days_ago=5)
    assert books.claim(contract).status_code == 201
    error = error_of(books.claim(contract), 422)
    assert error["code"] == "contract_terminated"
    assert [(c.status, c.rejection_code) for c in claims(db)] == [
        (ClaimStatus.ACCEPTED, None),
        (ClaimStatus.REJECTED, "contract_terminated"),
    ]


def test_a_rejected_claim_does_not_use_up_the_clients_guarantee(books):
    contract = books.contract(start_days_ago=5)
    rejected = books.claim(contract, books.today - timedelta(days=6))
    assert error_of(rejected, 422)["code"] == "claim_before_start"
    assert books.claim(contract).status_code == 201


# back-dating


def test_finance_cannot_enter_a_claim_dated_more_than_7_days_back_and_nothing_is_kept(books, db):
    contract = books.contract(start_days_ago=20)
    response = books.claim(contract, books.today - timedelta(days=8))
    assert error_of(response, 403)["code"] == "forbidden"
    assert claims(db) == []
    assert books.get(f"/contracts/{contract['id']}").get_json()["status"] == "active"


def test_finance_may_enter_a_claim_dated_exactly_7_days_back(books):
    contract = books.contract(start_days_ago=20)
    assert books.claim(contract, books.today - timedelta(days=7)).status_code == 201


def test_an_admin_may_enter_a_claim_dated_far_back_inside_the_window(books):
    contract = books.contract(start_days_ago=20)
    response = books.claim(contract, books.today - timedelta(days=15), books.admin)
    assert response.status_code == 201
    assert response.get_json()["status"] == "accepted"


def test_an_admin_back_dated_claim_outside_the_window_is_rejected_and_kept(books, db):
    contract = books.contract(start_days_ago=80)
    error = error_of(books.claim(contract, books.today - timedelta(days=30), books.admin), 422)
    assert error["code"] == "guarantee_window_closed"
    assert [c.id for c in claims(db)] == [error["claim_id"]]


# bad requests


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"claimed_on": None}, 422, "invalid", "claimed_on"),
        ({"claimed_on": "01/02/2026"}, 422, "invalid", "claimed_on"),
        ({"reason": None}, 422, "invalid", "reason"),
        ({"reason": "  "}, 422, "invalid", "reason"),
        ({"channel": "pigeon"}, 422, "invalid", "channel"),
        ({"claimed_on": 20260101}, 400, "bad_json", "claimed_on"),
        ({"reason": ["bad"]}, 400, "bad_json", "reason"),
        ({"channel": 1}, 400, "bad_json", "channel"),
    ],
)
def test_bad_claims_are_refused_and_nothing_is_kept(books, db, body, status, code, field):
    contract = books.contract(start_days_ago=5)
    values = {"claimed_on": books.today.isoformat(), "reason": "Unhappy.", **body}
    values = body_of(values, books.today)
    response = books.post(f"/contracts/{contract['id']}/guarantee-claims", values)
    error = error_of(response, status)
    assert error["code"] == code and field in error["fields"], error
    assert claims(db) == []


def test_a_claim_without_a_channel_is_taken_as_email(books):
    contract = books.contract(start_days_ago=5)
    response = books.post(
        f"/contracts/{contract['id']}/guarantee-claims",
        {"claimed_on": books.today.isoformat(), "reason": "Unhappy."},
    )
    assert response.get_json()["channel"] == "email"


def test_a_claim_on_an_unknown_contract_is_404(books):
    assert error_of(books.claim({"id": 9999}), 404)["code"] == "not_found"


def test_sales_cannot_enter_a_claim(books, db):
    contract = books.contract(start_days_ago=5)
    assert error_of(books.claim(contract, headers=books.sales), 403)["code"] == "forbidden"
    assert claims(db) == []


# POST /refunds/{id}/mark-sent


def _due_refund(books) -> tuple[dict, int]:
    contract = books.contract(start_days_ago=5)
    invoice = books.invoice(contract)
    books.pay(invoice, 100_000)
    books.claim(contract)
    refunds = books.get(f"/invoices/{invoice['id']}").get_json()["refunds"]
    assert [r["status"] for r in refunds] == ["due"]
    return invoice, refunds[0]["id"]


def test_a_due_refund_is_recorded_sent_with_200_and_its_invoice(books):
    invoice, refund_id = _due_refund(books)
    response = books.post(
        f"/refunds/{refund_id}/mark-sent",
        {"sent_on": books.today.isoformat(), "reference": "WIRE-001"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == invoice["id"]
    assert body["refunds"] == [{"id": refund_id, "amount_cents": 100_000, "status": "sent"}]
    assert (body["refunded_cents"], body["status"]) == (100_000, "void")


def test_a_refund_already_sent_cannot_be_marked_sent_again(books):
    _, refund_id = _due_refund(books)
    body = {"sent_on": books.today.isoformat(), "reference": "WIRE-001"}
    assert books.post(f"/refunds/{refund_id}/mark-sent", body).status_code == 200
    again = books.post(f"/refunds/{refund_id}/mark-sent", body)
    assert error_of(again, 422)["code"] == "illegal_transition"


def test_a_refund_finance_recorded_is_already_sent(books):
    invoice = books.invoice(books.contract(start_days_ago=5))
    books.pay(invoice, 50_000)
    refund_id = books.refund(invoice, 5_000).get_json()["refunds"][0]["id"]
    response = books.post(
        f"/refunds/{refund_id}/mark-sent",
        {"sent_on": books.today.isoformat(), "reference": "WIRE-002"},
    )
    assert error_of(response, 422)["code"] == "illegal_transition"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"reference": None}, 422, "invalid", "reference"),
        ({"reference": " "}, 422, "invalid", "reference"),
        ({"reference": "R" * 201}, 422, "invalid", "reference"),
        ({"sent_on": None}, 422, "invalid", "sent_on"),
        ({"sent_on": TOMORROW}, 422, "date_in_future", "sent_on"),
        ({"reference": 7}, 400, "bad_json", "reference"),
    ],
)
def test_bad_mark_sent_requests_leave_the_refund_due(books, body, status, code, field):
    invoice, refund_id = _due_refund(books)
    values = {"sent_on": books.today.isoformat(), "reference": "WIRE-003", **body}
    values = body_of(values, books.today)
    error = error_of(books.post(f"/refunds/{refund_id}/mark-sent", values), status)
    assert error["code"] == code and field in error["fields"], error
    refunds = books.get(f"/invoices/{invoice['id']}").get_json()["refunds"]
    assert [r["status"] for r in refunds] == ["due"]


def test_marking_an_unknown_refund_sent_is_404(books):
    response = books.post(
        "/refunds/9999/mark-sent", {"sent_on": books.today.isoformat(), "reference": "W"}
    )
    assert error_of(response, 404)["code"] == "not_found"
