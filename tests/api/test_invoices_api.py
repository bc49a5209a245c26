"""Invoices, payments, refunds, write-offs and voids through the API (SPEC §4, §8): status
codes, error codes, idempotency and the invoice they answer with."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from money_support import TOMORROW, Books, body_of, error_of

from billing.models import Invoice, Payment, Refund
from core.today import business_today


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


@pytest.fixture
def contract(books):
    return books.contract(start_days_ago=5)


def count_rows(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# POST /contracts/{id}/invoices and GET /invoices/{id}


def test_an_invoice_is_recorded_with_201_and_read_back(books, contract):
    body = books.invoice_body(contract, commissionable_cents=80_000, external_id="acc-1")
    response = books.post(f"/contracts/{contract['id']}/invoices", body)
    assert response.status_code == 201
    invoice = response.get_json()
    assert invoice == {
        "id": invoice["id"],
        "contract_id": contract["id"],
        "number": body["number"],
        "status": "issued",
        "issue_date": body["issue_date"],
        "period_start": body["period_start"],
        "period_end": body["period_end"],
        "amount_cents": 100_000,
        "commissionable_cents": 80_000,
        "paid_cents": 0,
        "refunded_cents": 0,
        "written_off_cents": 0,
        "currency": "USD",
        "external_id": "acc-1",
        "refunds": [],
    }
    assert books.get(f"/invoices/{invoice['id']}", books.sales).get_json() == invoice


def test_commissionable_cents_defaults_to_the_amount(books, contract):
    invoice = books.invoice(contract, amount_cents=123_456)
    assert invoice["commissionable_cents"] == 123_456


def test_the_same_external_id_and_body_again_answers_200_with_the_same_invoice(books, contract, db):
    body = books.invoice_body(contract, external_id="acc-7")
    first = books.post(f"/contracts/{contract['id']}/invoices", body)
    again = books.post(f"/contracts/{contract['id']}/invoices", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert count_rows(db, Invoice) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"amount_cents": 100_001},
        {"number": "INV-OTHER"},
        {"period_start": "2020-01-01"},
        {"commissionable_cents": 50_000},
    ],
)
def test_the_same_external_id_with_another_body_is_409_idempotency_conflict(
    books, contract, db, change
):
    body = books.invoice_body(contract, external_id="acc-8")
    books.post(f"/contracts/{contract['id']}/invoices", body)
    response = books.post(f"/contracts/{contract['id']}/invoices", {**body, **change})
    assert error_of(response, 409)["code"] == "idempotency_conflict"
    assert count_rows(db, Invoice) == 1


def test_the_same_external_id_on_another_contract_is_409_idempotency_conflict(books, contract):
    body = books.invoice_body(contract, external_id="acc-9")
    books.post(f"/contracts/{contract['id']}/invoices", body)
    other = books.contract()
    response = books.post(f"/contracts/{other['id']}/invoices", body)
    assert error_of(response, 409)["code"] == "idempotency_conflict"


def test_an_invoice_number_used_before_is_409_duplicate(books, contract, db):
    books.invoice(contract, number="INV-1")
    response = books.post(
        f"/contracts/{contract['id']}/invoices", books.invoice_body(contract, number="INV-1")
    )
    error = error_of(response, 409)
    assert error["code"] == "duplicate" and "number" in error["fields"]
    assert count_rows(db, Invoice) == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"currency": "EUR"}, 422, "currency_not_supported", "currency"),
        ({"commissionable_cents": 100_001}, 422, "invalid", "commissionable_cents"),
        ({"commissionable_cents": -1}, 422, "invalid", "commissionable_cents"),
        ({"amount_cents": 0}, 422, "invalid", "amount_cents"),
        ({"amount_cents": -100}, 422, "invalid", "amount_cents"),
        ({"period_end": "2000-01-01"}, 422, "invalid", "period_end"),
        ({"issue_date": "31/01/2026"}, 422, "invalid", "issue_date"),
        ({"number": None}, 422, "invalid", "number"),
        ({"amount_cents": None}, 422, "invalid", "amount_cents"),
        ({"currency": None}, 422, "invalid", "currency"),
        ({"issue_date": None}, 422, "invalid", "issue_date"),
        ({"period_start": None}, 422, "invalid", "period_start"),
        ({"period_end": None}, 422, "invalid", "period_end"),
        ({"number": ""}, 422, "invalid", "number"),
        ({"number": "   "}, 422, "invalid", "number"),
        ({"number": "N" * 101}, 422, "invalid", "number"),
        ({"external_id": "x" * 201}, 422, "invalid", "external_id"),
        ({"amount_cents": 10**20}, 422, "invalid", "amount_cents"),
        ({"amount_cents": "100000"}, 400, "bad_json", "amount_cents"),
        ({"amount_cents": 1000.5}, 400, "bad_json", "amount_cents"),
        ({"amount_cents": True}, 400, "bad_json", "amount_cents"),
        ({"commissionable_cents": "1"}, 400, "bad_json", "commissionable_cents"),
        ({"number": 12}, 400, "bad_json", "number"),
        ({"currency": ["USD"]}, 400, "bad_json", "currency"),
        ({"issue_date": 20260101}, 400, "bad_json", "issue_date"),
        ({"external_id": 5}, 400, "bad_json", "external_id"),
    ],
)
def test_bad_invoices_are_refused_and_nothing_is_recorded(
    books, contract, db, change, status, code, field
):
    body = body_of({**books.invoice_body(contract), **change}, books.today)
    response = books.post(f"/contracts/{contract['id']}/invoices", body)
    error = error_of(response, status)
    assert error["code"] == code and field in error["fields"], error
    assert count_rows(db, Invoice) == 0


def test_a_body_that_is_not_a_json_object_is_400_bad_json(books, contract):
    response = books.client.post(
        f"/api/v1/contracts/{contract['id']}/invoices",
        data="[1, 2]",
        content_type="application/json",
        headers=books.finance,
    )
    assert error_of(response, 400)["code"] == "bad_json"


def test_no_invoice_can_be_added_to_a_contract_terminated_under_the_guarantee(books, contract):
    assert books.claim(contract).status_code == 201
    response = books.post(f"/contracts/{contract['id']}/invoices", books.invoice_body(contract))
    assert error_of(response, 422)["code"] == "contract_terminated"


def test_a_contract_ended_by_finance_still_takes_invoices(books, contract):
    ended = books.post(
        f"/contracts/{contract['id']}/end",
        {"end_date": books.today.isoformat(), "reason": "client_ended"},
    )
    assert ended.status_code == 200
    assert books.invoice(contract)["status"] == "issued"


def test_an_invoice_for_an_unknown_contract_is_404(books, contract):
    response = books.post("/contracts/9999/invoices", books.invoice_body(contract))
    assert error_of(response, 404)["code"] == "not_found"


def test_an_unknown_invoice_is_404(books):
    assert error_of(books.get("/invoices/9999"), 404)["code"] == "not_found"


def test_sales_may_read_invoices_but_not_record_money(books, contract):
    invoice = books.invoice(contract)
    headers = books.sales
    assert books.get(f"/invoices/{invoice['id']}", headers).status_code == 200
    attempts = [
        (f"/contracts/{contract['id']}/invoices", books.invoice_body(contract)),
        (f"/invoices/{invoice['id']}/payments", {"amount_cents": 1, "paid_on": "2020-01-01"}),
        (f"/invoices/{invoice['id']}/refunds", {"amount_cents": 1, "refunded_on": "2020-01-01"}),
        (f"/invoices/{invoice['id']}/write-off", {"reason": "x", "written_off_on": "2020-01-01"}),
        (f"/invoices/{invoice['id']}/void", {"reason": "x"}),
        ("/refunds/1/mark-sent", {"sent_on": "2020-01-01", "reference": "x"}),
    ]
    for path, body in attempts:
        assert error_of(books.post(path, body, headers), 403)["code"] == "forbidden", path


def test_money_endpoints_need_a_token(books, contract):
    invoice = books.invoice(contract)
    assert error_of(books.client.get(f"/api/v1/invoices/{invoice['id']}"), 401)["code"] == (
        "unauthorized"
    )
    response = books.client.post(
        f"/api/v1/invoices/{invoice['id']}/payments", json={"amount_cents": 1}
    )
    assert error_of(response, 401)["code"] == "unauthorized"


def test_an_admin_records_invoices_too(books, contract):
    response = books.post(
        f"/contracts/{contract['id']}/invoices", books.invoice_body(contract), books.admin
    )
    assert response.status_code == 201


# POST /invoices/{id}/payments


def test_a_payment_answers_201_with_its_invoice_and_partial_payments_add_up(books, contract):
    invoice = books.invoice(contract)
    first = books.pay(invoice, 40_000)
    assert first.status_code == 201
    assert (first.get_json()["id"], first.get_json()["paid_cents"]) == (invoice["id"], 40_000)
    assert first.get_json()["status"] == "issued"
    second = books.pay(invoice, 60_000)
    assert second.status_code == 201
    assert (second.get_json()["paid_cents"], second.get_json()["status"]) == (100_000, "paid")


@pytest.mark.parametrize(("paid", "attempt"), [(0, 100_001), (60_000, 40_001), (100_000, 1)])
def test_paying_more_than_is_owed_is_422_overpayment(books, contract, db, paid, attempt):
    invoice = books.invoice(contract)
    if paid:
        books.pay(invoice, paid)
    error = error_of(books.pay(invoice, attempt), 422)
    assert error["code"] == "overpayment" and "amount_cents" in error["fields"]
    assert books.get(f"/invoices/{invoice['id']}").get_json()["paid_cents"] == paid


def test_a_payment_dated_tomorrow_is_422_date_in_future(books, contract, db):
    invoice = books.invoice(contract)
    response = books.pay(invoice, 1_000, books.today + timedelta(days=1))
    error = error_of(response, 422)
    assert error["code"] == "date_in_future" and "paid_on" in error["fields"]
    assert count_rows(db, Payment) == 0


def test_a_payment_on_a_void_invoice_is_422_invoice_void(books, contract):
    invoice = books.invoice(contract)
    books.post(f"/invoices/{invoice['id']}/void", {"reason": "Issued twice"})
    assert error_of(books.pay(invoice, 1_000), 422)["code"] == "invoice_void"


def test_a_payment_repeated_with_its_external_id_answers_200_and_counts_once(books, contract, db):
    invoice = books.invoice(contract)
    first = books.pay(invoice, 30_000, external_id="pay-1")
    again = books.pay(invoice, 30_000, external_id="pay-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["paid_cents"] == 30_000
    assert count_rows(db, Payment) == 1


@pytest.mark.parametrize(
    "change", [{"amount_cents": 30_001}, {"paid_on": "2020-01-01"}, {"invoice": "other"}]
)
def test_a_payment_external_id_reused_with_other_values_is_409(books, contract, db, change):
    invoice = books.invoice(contract)
    books.pay(invoice, 30_000, external_id="pay-2")
    target = books.invoice(contract) if change.pop("invoice", None) else invoice
    body = {"amount_cents": 30_000, "paid_on": books.today.isoformat(), "external_id": "pay-2"}
    response = books.post(f"/invoices/{target['id']}/payments", {**body, **change})
    assert error_of(response, 409)["code"] == "idempotency_conflict"
    assert count_rows(db, Payment) == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"amount_cents": 0}, 422, "invalid", "amount_cents"),
        ({"amount_cents": -5}, 422, "invalid", "amount_cents"),
        ({"amount_cents": None}, 422, "invalid", "amount_cents"),
        ({"paid_on": None}, 422, "invalid", "paid_on"),
        ({"paid_on": "yesterday"}, 422, "invalid", "paid_on"),
        ({"external_id": "x" * 201}, 422, "invalid", "external_id"),
        ({"amount_cents": "100"}, 400, "bad_json", "amount_cents"),
        ({"amount_cents": 1.5}, 400, "bad_json", "amount_cents"),
        ({"paid_on": 20260101}, 400, "bad_json", "paid_on"),
        ({"external_id": 1}, 400, "bad_json", "external_id"),
    ],
)
def test_bad_payments_are_refused_and_nothing_is_recorded(
    books, contract, db, body, status, code, field
):
    invoice = books.invoice(contract)
    values = {"amount_cents": 1_000, "paid_on": books.today.isoformat(), **body}
    values = body_of(values, books.today)
    error = error_of(books.post(f"/invoices/{invoice['id']}/payments", values), status)
    assert error["code"] == code and field in error["fields"], error
    assert count_rows(db, Payment) == 0


def test_a_payment_on_an_unknown_invoice_is_404(books):
    response = books.post(
        "/invoices/9999/payments", {"amount_cents": 1, "paid_on": books.today.isoformat()}
    )
    assert error_of(response, 404)["code"] == "not_found"


# POST /invoices/{id}/refunds


def test_a_refund_answers_201_with_its_invoice_and_is_sent(books, contract):
    invoice = books.invoice(contract)
    books.pay(invoice, 50_000)
    response = books.refund(invoice, 20_000)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["paid_cents"], body["refunded_cents"], body["status"]) == (
        50_000,
        20_000,
        "issued",
    )
    assert [(r["amount_cents"], r["status"]) for r in body["refunds"]] == [(20_000, "sent")]


def test_a_refund_does_not_reopen_a_paid_invoice(books, contract):
    invoice = books.invoice(contract)
    books.pay(invoice, 100_000)
    body = books.refund(invoice, 100_000).get_json()
    assert (body["status"], body["refunded_cents"]) == ("paid", 100_000)
    assert error_of(books.pay(invoice, 1), 422)["code"] == "overpayment"


@pytest.mark.parametrize(
    ("paid", "refunds", "attempt"),
    [(0, [], 1), (50_000, [], 50_001), (50_000, [30_000], 20_001), (100_000, [100_000], 1)],
)
def test_refunding_more_than_was_net_paid_is_422_refund_exceeds_paid(
    books, contract, db, paid, refunds, attempt
):
    invoice = books.invoice(contract)
    if paid:
        books.pay(invoice, paid)
    for amount in refunds:
        assert books.refund(invoice, amount).status_code == 201
    error = error_of(books.refund(invoice, attempt), 422)
    assert error["code"] == "refund_exceeds_paid" and "amount_cents" in error["fields"]
    assert count_rows(db, Refund) == len(refunds)


def test_a_refund_dated_tomorrow_is_422_date_in_future(books, contract):
    invoice = books.invoice(contract)
    books.pay(invoice, 50_000)
    error = error_of(books.refund(invoice, 1_000, books.today + timedelta(days=1)), 422)
    assert error["code"] == "date_in_future" and "refunded_on" in error["fields"]


def test_a_refund_repeated_with_its_external_id_answers_200_and_counts_once(books, contract, db):
    invoice = books.invoice(contract)
    books.pay(invoice, 50_000)
    first = books.refund(invoice, 10_000, external_id="ref-1")
    again = books.refund(invoice, 10_000, external_id="ref-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["refunded_cents"] == 10_000
    conflict = books.refund(invoice, 10_001, external_id="ref-1")
    assert error_of(conflict, 409)["code"] == "idempotency_conflict"
    assert count_rows(db, Refund) == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"amount_cents": 0}, 422, "invalid", "amount_cents"),
        ({"amount_cents": None}, 422, "invalid", "amount_cents"),
        ({"refunded_on": None}, 422, "invalid", "refunded_on"),
        ({"refunded_on": "2026-02-30"}, 422, "invalid", "refunded_on"),
        ({"external_id": "x" * 201}, 422, "invalid", "external_id"),
        ({"amount_cents": "5"}, 400, "bad_json", "amount_cents"),
        ({"reason": 5}, 400, "bad_json", "reason"),
    ],
)
def test_bad_refunds_are_refused_and_nothing_is_recorded(
    books, contract, db, body, status, code, field
):
    invoice = books.invoice(contract)
    books.pay(invoice, 50_000)
    values = {"amount_cents": 1_000, "refunded_on": books.today.isoformat(), **body}
    values = body_of(values, books.today)
    error = error_of(books.post(f"/invoices/{invoice['id']}/refunds", values), status)
    assert error["code"] == code and field in error["fields"], error
    assert count_rows(db, Refund) == 0


# POST /invoices/{id}/write-off


def test_writing_off_the_remainder_answers_200_and_the_invoice_is_paid(books, contract):
    invoice = books.invoice(contract)
    books.pay(invoice, 70_000)
    response = books.post(
        f"/invoices/{invoice['id']}/write-off",
        {"reason": "Client disputes two days", "written_off_on": books.today.isoformat()},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["paid_cents"], body["written_off_cents"]) == (
        "paid",
        70_000,
        30_000,
    )
    assert error_of(books.pay(invoice, 1), 422)["code"] == "overpayment"


@pytest.mark.parametrize(
    ("state", "body", "code", "field"),
    [
        ("paid", {}, "illegal_transition", None),
        ("void", {}, "illegal_transition", None),
        ("issued", {"reason": " "}, "invalid", "reason"),
        ("issued", {"reason": None}, "invalid", "reason"),
        ("issued", {"written_off_on": None}, "invalid", "written_off_on"),
        ("issued", {"written_off_on": TOMORROW}, "date_in_future", "written_off_on"),
    ],
)
def test_bad_write_offs_are_refused(books, contract, state, body, code, field):
    invoice = books.invoice(contract)
    if state == "paid":
        books.pay(invoice, 100_000)
    elif state == "void":
        books.post(f"/invoices/{invoice['id']}/void", {"reason": "Issued twice"})
    values = {"reason": "Small balance", "written_off_on": books.today.isoformat(), **body}
    values = body_of(values, books.today)
    error = error_of(books.post(f"/invoices/{invoice['id']}/write-off", values), 422)
    assert error["code"] == code
    if field:
        assert field in error["fields"]
    assert books.get(f"/invoices/{invoice['id']}").get_json()["written_off_cents"] == 0


# POST /invoices/{id}/void


def test_an_unpaid_invoice_is_voided_with_200(books, contract):
    invoice = books.invoice(contract)
    response = books.post(f"/invoices/{invoice['id']}/void", {"reason": "Issued twice"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "void"


def test_an_invoice_with_money_net_paid_cannot_be_voided(books, contract):
    invoice = books.invoice(contract)
    books.pay(invoice, 100)
    response = books.post(f"/invoices/{invoice['id']}/void", {"reason": "Issued twice"})
    assert error_of(response, 422)["code"] == "void_with_money_paid"
    assert books.get(f"/invoices/{invoice['id']}").get_json()["status"] == "issued"


def test_after_a_full_refund_the_invoice_can_be_voided(books, contract):
    invoice = books.invoice(contract)
    books.pay(invoice, 100_000)
    books.refund(invoice, 100_000)
    response = books.post(f"/invoices/{invoice['id']}/void", {"reason": "Wrong client"})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["paid_cents"], body["refunded_cents"]) == (
        "void",
        100_000,
        100_000,
    )


@pytest.mark.parametrize(
    ("body", "code"), [({"reason": ""}, "invalid"), ({}, "invalid"), ({"reason": 3}, "bad_json")]
)
def test_a_void_needs_a_reason(books, contract, body, code):
    invoice = books.invoice(contract)
    response = books.post(f"/invoices/{invoice['id']}/void", body)
    assert error_of(response, 400 if code == "bad_json" else 422)["code"] == code
    assert books.get(f"/invoices/{invoice['id']}").get_json()["status"] == "issued"


def test_voiding_a_void_invoice_is_422_invoice_void(books, contract):
    invoice = books.invoice(contract)
    books.post(f"/invoices/{invoice['id']}/void", {"reason": "Issued twice"})
    response = books.post(f"/invoices/{invoice['id']}/void", {"reason": "Again"})
    assert error_of(response, 422)["code"] == "invoice_void"


@pytest.mark.parametrize("action", ["refunds", "write-off", "void"])
def test_actions_on_an_unknown_invoice_are_404(books, action):
    body = {
        "amount_cents": 1,
        "refunded_on": books.today.isoformat(),
        "written_off_on": books.today.isoformat(),
        "reason": "x",
    }
    assert error_of(books.post(f"/invoices/9999/{action}", body), 404)["code"] == "not_found"


def test_a_whole_number_written_with_a_fraction_is_that_integer(books, contract):
    """JSON has one number type: 1000.0 is the integer JSON Schema's `integer` allows."""
    body = {**books.invoice_body(contract), "amount_cents": 100_000.0}
    response = books.post(f"/contracts/{contract['id']}/invoices", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["amount_cents"] == 100_000
