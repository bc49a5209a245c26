"""Commissions, approve-due and payout runs through the API (SPEC §5, §8): the ledger a
referred client's money posts, the business-date rule of approve-due, payout lines and the
threshold, CSV export, marking paid, and the referrer's balance along the way."""

import csv
import io
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from money_support import TOMORROW, Books, body_of, error_of

from core.today import business_today

LONG_AGO = 120
"""Days before today a contract starts whose guarantee and hold are long over."""


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


@pytest.fixture
def referred(books):
    """An approved referrer and their referred client's contract that started long ago."""
    referrer_id, code = books.referrer()
    contract = books.contract(start_days_ago=LONG_AGO, code=code)
    return referrer_id, contract


def paid_invoice(books, contract, amount_cents=200_000, **changes) -> dict:
    invoice = books.invoice(contract, amount_cents=amount_cents, **changes)
    assert books.pay(invoice, amount_cents).status_code == 201
    return invoice


def approve_due(books, as_of: date | None = None, headers=None):
    body = {} if as_of is None else {"as_of": as_of.isoformat()}
    return books.post("/commissions/approve-due", body, headers)


def run_payouts(books, headers=None):
    return books.post("/payouts", {}, headers)


def guarantee_ends_on(books, contract) -> date:
    read = books.get(f"/contracts/{contract['id']}").get_json()
    return date.fromisoformat(read["guarantee_ends_on"])


# GET /commissions: what a payment posts


def test_a_payment_on_a_referred_clients_invoice_posts_a_pending_accrual(books, referred):
    referrer_id, contract = referred
    invoice = books.invoice(contract, amount_cents=100_000, commissionable_cents=80_000)
    books.pay(invoice, 100_000)
    entries = books.commissions(invoice_id=invoice["id"])
    assert entries == [
        {
            "id": entries[0]["id"],
            "referrer_id": referrer_id,
            "client_id": contract["client_id"],
            "invoice_id": invoice["id"],
            "kind": "accrual",
            "amount_cents": 8_000,
            "state": "pending",
            "payout_id": None,
        }
    ]


@pytest.mark.parametrize(
    ("amount", "commissionable", "payments", "posted"),
    [
        (100_000, None, [100_000], [10_000]),
        (100_000, 80_000, [100_000], [8_000]),
        (200_000, 150_000, [50_000], [3_750]),
        (12_345, None, [12_345], [1_235]),  # 1 234.5 rounds half up
        (12_345, None, [6_000, 6_345], [600, 635]),  # 1 234.5 on the total, not 600 + 634.5
        (1_005, None, [335, 335, 335], [34, 33, 34]),  # 101 in all, not 3 × 34
        (3, 1, [1, 1, 1], []),  # zero posts nothing
        (100_000, 0, [100_000], []),
    ],
)
def test_accruals_follow_the_formula_on_the_invoice_totals(
    books, referred, amount, commissionable, payments, posted
):
    _, contract = referred
    changes = {} if commissionable is None else {"commissionable_cents": commissionable}
    invoice = books.invoice(contract, amount_cents=amount, **changes)
    for payment in payments:
        assert books.pay(invoice, payment).status_code == 201
    entries = books.commissions(invoice_id=invoice["id"])[::-1]
    assert [e["amount_cents"] for e in entries] == posted
    assert {e["kind"] for e in entries} <= {"accrual"}


def test_a_client_that_was_not_referred_earns_nothing(books):
    contract = books.contract(start_days_ago=LONG_AGO)
    paid_invoice(books, contract)
    assert books.commissions() == []


@pytest.mark.parametrize(("days_after_twelve_months", "earns"), [(-1, True), (0, False)])
def test_only_periods_starting_within_the_commission_months_earn(
    books, referred, days_after_twelve_months, earns
):
    _, contract = referred
    start = date.fromisoformat(contract["start_date"])
    period_start = start + relativedelta(months=12) + timedelta(days=days_after_twelve_months)
    invoice = paid_invoice(
        books,
        contract,
        period_start=period_start.isoformat(),
        period_end=(period_start + timedelta(days=27)).isoformat(),
    )
    assert bool(books.commissions(invoice_id=invoice["id"])) is earns


def test_a_refund_posts_a_pending_reversal_while_the_accrual_is_pending(books, referred):
    _, contract = referred
    invoice = paid_invoice(books, contract)
    books.refund(invoice, 50_000)
    entries = books.commissions(invoice_id=invoice["id"])[::-1]
    assert [(e["kind"], e["amount_cents"], e["state"]) for e in entries] == [
        ("accrual", 20_000, "pending"),
        ("reversal", -5_000, "pending"),
    ]


def test_commissions_filter_by_referrer_invoice_and_state(books):
    first_id, first_code = books.referrer()
    second_id, second_code = books.referrer()
    first_invoice = paid_invoice(books, books.contract(LONG_AGO, code=first_code))
    second_invoice = paid_invoice(books, books.contract(5, code=second_code))
    assert approve_due(books).get_json() == {"approved": 1}

    def ids(entries):
        return {(e["referrer_id"], e["invoice_id"], e["state"]) for e in entries}

    first = (first_id, first_invoice["id"], "approved")
    second = (second_id, second_invoice["id"], "pending")
    assert ids(books.commissions()) == {first, second}
    assert ids(books.commissions(referrer_id=first_id)) == {first}
    assert ids(books.commissions(invoice_id=second_invoice["id"])) == {second}
    assert ids(books.commissions(state="approved")) == {first}
    assert ids(books.commissions(state="pending")) == {second}
    assert books.commissions(state="paid") == []
    assert ids(books.commissions(referrer_id=first_id, state="pending")) == set()


@pytest.mark.parametrize(
    "query", ["referrer_id=abc", "invoice_id=-1", "state=due", "limit=x", "cursor=zz"]
)
def test_bad_commission_filters_are_422_invalid(books, query):
    error = error_of(books.get(f"/commissions?{query}"), 422)
    assert error["code"] == "invalid" and query.split("=")[0] in error["fields"]


def test_commissions_page_with_a_cursor(books, referred):
    _, contract = referred
    for _ in range(3):
        paid_invoice(books, contract)
    page = books.get("/commissions?limit=2").get_json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = books.get(f"/commissions?limit=2&cursor={page['next_cursor']}").get_json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def test_sales_read_commissions_but_cannot_approve_or_pay(books, referred):
    paid_invoice(books, referred[1])
    assert books.get("/commissions", books.sales).status_code == 200
    assert error_of(approve_due(books, headers=books.sales), 403)["code"] == "forbidden"
    assert error_of(run_payouts(books, books.sales), 403)["code"] == "forbidden"


# POST /commissions/approve-due


def test_approve_due_approves_what_is_due_today_and_then_nothing_more(books, referred):
    _, contract = referred
    invoice = paid_invoice(books, contract)
    response = approve_due(books)
    assert (response.status_code, response.get_json()) == (200, {"approved": 1})
    assert [e["state"] for e in books.commissions(invoice_id=invoice["id"])] == ["approved"]
    assert approve_due(books).get_json() == {"approved": 0}


def test_approve_due_waits_for_the_hold_after_the_guarantee(books, referred):
    _, contract = referred
    ends_on = guarantee_ends_on(books, contract)
    invoice = books.invoice(contract, amount_cents=200_000)
    books.pay(invoice, 200_000, paid_on=ends_on - timedelta(days=10))
    assert approve_due(books, ends_on + timedelta(days=7)).get_json() == {"approved": 0}
    assert approve_due(books, ends_on + timedelta(days=8)).get_json() == {"approved": 1}


def test_approve_due_needs_the_invoice_fully_paid_on_or_before_as_of(books, referred):
    _, contract = referred
    paid_on = guarantee_ends_on(books, contract) + timedelta(days=20)
    invoice = books.invoice(contract, amount_cents=200_000)
    books.pay(invoice, 200_000, paid_on=paid_on)
    assert approve_due(books, paid_on - timedelta(days=1)).get_json() == {"approved": 0}
    assert approve_due(books, paid_on).get_json() == {"approved": 1}


def test_an_invoice_is_fully_paid_on_its_latest_payment_date_whatever_the_order_recorded(
    books, referred
):
    _, contract = referred
    ends_on = guarantee_ends_on(books, contract)
    invoice = books.invoice(contract, amount_cents=200_000)
    books.pay(invoice, 100_000, paid_on=ends_on + timedelta(days=20))
    books.pay(invoice, 100_000, paid_on=ends_on + timedelta(days=10))
    assert approve_due(books, ends_on + timedelta(days=15)).get_json() == {"approved": 0}
    assert approve_due(books, ends_on + timedelta(days=20)).get_json() == {"approved": 2}


def test_approve_due_leaves_a_partly_paid_invoice_pending(books, referred):
    _, contract = referred
    invoice = books.invoice(contract, amount_cents=200_000)
    books.pay(invoice, 150_000)
    assert approve_due(books).get_json() == {"approved": 0}
    books.pay(invoice, 50_000)
    assert approve_due(books).get_json() == {"approved": 2}


def test_approve_due_counts_a_written_off_invoice_as_fully_paid(books, referred):
    _, contract = referred
    invoice = books.invoice(contract, amount_cents=200_000)
    books.pay(invoice, 150_000)
    books.post(
        f"/invoices/{invoice['id']}/write-off",
        {"reason": "Small balance", "written_off_on": books.today.isoformat()},
    )
    assert approve_due(books).get_json() == {"approved": 1}
    assert [e["amount_cents"] for e in books.commissions(state="approved")] == [15_000]


def test_approve_due_leaves_a_contract_still_inside_its_guarantee_pending(books):
    _, code = books.referrer()
    paid_invoice(books, books.contract(start_days_ago=5, code=code))
    assert approve_due(books).get_json() == {"approved": 0}


def test_approve_due_moves_pending_reversals_with_their_accruals(books, referred):
    referrer_id, contract = referred
    invoice = paid_invoice(books, contract)
    books.refund(invoice, 50_000)
    assert approve_due(books).get_json() == {"approved": 2}
    assert books.balance(referrer_id) == {"pending": 0, "approved": 15_000, "paid": 0}


def test_approve_due_skips_a_suspended_referrer_until_reactivated(books, referred):
    referrer_id, contract = referred
    paid_invoice(books, contract)
    books.post(f"/referrers/{referrer_id}/suspend")
    assert approve_due(books).get_json() == {"approved": 0}
    books.post(f"/referrers/{referrer_id}/reactivate")
    assert approve_due(books).get_json() == {"approved": 1}


def test_approve_due_uses_the_configured_hold_days(app, books, referred):
    app.config["COMMISSION_HOLD_DAYS"] = 0
    _, contract = referred
    ends_on = guarantee_ends_on(books, contract)
    invoice = books.invoice(contract, amount_cents=200_000)
    books.pay(invoice, 200_000, paid_on=ends_on - timedelta(days=10))
    assert approve_due(books, ends_on).get_json() == {"approved": 0}
    assert approve_due(books, ends_on + timedelta(days=1)).get_json() == {"approved": 1}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"as_of": TOMORROW}, 422, "date_in_future"),
        ({"as_of": "2026-13-01"}, 422, "invalid"),
        ({"as_of": 20260101}, 400, "bad_json"),
    ],
)
def test_bad_approve_due_requests_approve_nothing(books, referred, body, status, code):
    paid_invoice(books, referred[1])
    error = error_of(books.post("/commissions/approve-due", body_of(body, books.today)), status)
    assert error["code"] == code and "as_of" in error["fields"]
    assert books.commissions(state="approved") == []


# POST /payouts, GET /payouts/{id}, GET /payouts/{id}.csv, POST /payouts/{id}/mark-paid


def open_line(referrer_id: int, cents: int) -> dict:
    return {
        "referrer_id": referrer_id,
        "amount_cents": cents,
        "status": "open",
        "paid_on": None,
        "reference": None,
        "failure_reason": None,
    }


def test_a_payout_run_answers_201_with_a_line_per_referrer_and_takes_their_entries(books, referred):
    referrer_id, contract = referred
    invoice = paid_invoice(books, contract)
    approve_due(books)
    response = run_payouts(books)
    assert response.status_code == 201
    payout = response.get_json()
    assert payout == {
        "id": payout["id"],
        "as_of": books.today.isoformat(),
        "status": "open",
        "lines": [open_line(referrer_id, 20_000)],
        "paid_on": None,
        "reference": None,
    }
    entries = books.commissions(invoice_id=invoice["id"])
    assert [(e["payout_id"], e["state"]) for e in entries] == [(payout["id"], "approved")]
    assert books.get(f"/payouts/{payout['id']}", books.sales).get_json() == payout


def test_a_payout_run_with_nothing_approved_has_no_lines(books, referred):
    paid_invoice(books, referred[1])
    response = run_payouts(books)
    assert response.status_code == 201
    assert response.get_json()["lines"] == []


def test_a_payout_run_records_its_as_of(books):
    as_of = books.today - timedelta(days=3)
    response = books.post("/payouts", {"as_of": as_of.isoformat()})
    assert response.get_json()["as_of"] == as_of.isoformat()


@pytest.mark.parametrize(("commission", "paid_out"), [(9_999, False), (10_000, True)])
def test_a_referrer_is_paid_out_once_their_net_reaches_the_threshold(
    books, referred, commission, paid_out
):
    referrer_id, contract = referred
    invoice = paid_invoice(books, contract, amount_cents=commission * 10)
    approve_due(books)
    lines = run_payouts(books).get_json()["lines"]
    assert lines == ([open_line(referrer_id, commission)] if paid_out else [])
    [entry] = books.commissions(invoice_id=invoice["id"])
    assert (entry["payout_id"] is not None) is paid_out


def test_entries_below_the_threshold_wait_for_a_later_run(books, referred):
    referrer_id, contract = referred
    paid_invoice(books, contract, amount_cents=60_000)
    approve_due(books)
    assert run_payouts(books).get_json()["lines"] == []
    paid_invoice(books, contract, amount_cents=60_000)
    approve_due(books)
    payout = run_payouts(books).get_json()
    assert payout["lines"] == [open_line(referrer_id, 12_000)]
    assert {e["payout_id"] for e in books.commissions()} == {payout["id"]}


def test_no_entry_is_in_two_payouts(books, referred):
    paid_invoice(books, referred[1])
    approve_due(books)
    first = run_payouts(books).get_json()
    assert len(first["lines"]) == 1
    assert run_payouts(books).get_json()["lines"] == []
    assert {e["payout_id"] for e in books.commissions()} == {first["id"]}


def test_a_suspended_referrers_approved_entries_wait_for_a_later_run(books, referred):
    referrer_id, contract = referred
    paid_invoice(books, contract)
    approve_due(books)
    books.post(f"/referrers/{referrer_id}/suspend")
    assert run_payouts(books).get_json()["lines"] == []
    books.post(f"/referrers/{referrer_id}/reactivate")
    assert run_payouts(books).get_json()["lines"] == [open_line(referrer_id, 20_000)]


def test_a_payout_run_dated_tomorrow_is_422_date_in_future(books):
    response = books.post("/payouts", {"as_of": (books.today + timedelta(days=1)).isoformat()})
    error = error_of(response, 422)
    assert error["code"] == "date_in_future" and "as_of" in error["fields"]


def test_an_unknown_payout_is_404(books):
    assert error_of(books.get("/payouts/9999"), 404)["code"] == "not_found"
    assert error_of(books.get("/payouts/9999.csv"), 404)["code"] == "not_found"
    response = books.post(
        "/payouts/9999/mark-paid", {"paid_on": books.today.isoformat(), "reference": "B"}
    )
    assert error_of(response, 404)["code"] == "not_found"


def test_a_payout_exports_as_csv_for_finance(books, referred):
    referrer_id, contract = referred
    paid_invoice(books, contract)
    approve_due(books)
    payout = run_payouts(books).get_json()
    response = books.get(f"/payouts/{payout['id']}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f"payout-{payout['id']}.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["payout_id"], r["referrer_id"], r["amount_cents"], r["amount"]) for r in rows] == [
        (str(payout["id"]), str(referrer_id), "20000", "200.00")
    ]


def test_marking_a_payout_paid_answers_200_and_pays_its_entries_once(books, referred):
    _, contract = referred
    paid_invoice(books, contract)
    approve_due(books)
    payout = run_payouts(books).get_json()
    body = {"paid_on": books.today.isoformat(), "reference": "BATCH-42"}
    response = books.post(f"/payouts/{payout['id']}/mark-paid", body)
    assert response.status_code == 200
    paid = response.get_json()
    assert (paid["status"], paid["paid_on"], paid["reference"]) == (
        "paid",
        books.today.isoformat(),
        "BATCH-42",
    )
    assert {e["state"] for e in books.commissions()} == {"paid"}
    again = books.post(f"/payouts/{payout['id']}/mark-paid", body)
    assert error_of(again, 422)["code"] == "illegal_transition"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"reference": None}, 422, "invalid", "reference"),
        ({"reference": "  "}, 422, "invalid", "reference"),
        ({"reference": "R" * 201}, 422, "invalid", "reference"),
        ({"paid_on": None}, 422, "invalid", "paid_on"),
        ({"paid_on": TOMORROW}, 422, "date_in_future", "paid_on"),
        ({"paid_on": True}, 400, "bad_json", "paid_on"),
    ],
)
def test_bad_mark_paid_requests_leave_the_payout_open(books, referred, body, status, code, field):
    paid_invoice(books, referred[1])
    approve_due(books)
    payout = run_payouts(books).get_json()
    values = {"paid_on": books.today.isoformat(), "reference": "BATCH-1", **body}
    values = body_of(values, books.today)
    error = error_of(books.post(f"/payouts/{payout['id']}/mark-paid", values), status)
    assert error["code"] == code and field in error["fields"], error
    assert books.get(f"/payouts/{payout['id']}").get_json()["status"] == "open"
    assert {e["state"] for e in books.commissions()} == {"approved"}


# the referrer's balance along the way


def test_a_referrers_balance_moves_from_pending_to_approved_to_paid(books, referred):
    referrer_id, contract = referred
    assert books.balance(referrer_id) == {"pending": 0, "approved": 0, "paid": 0}
    paid_invoice(books, contract)
    assert books.balance(referrer_id) == {"pending": 20_000, "approved": 0, "paid": 0}
    approve_due(books)
    assert books.balance(referrer_id) == {"pending": 0, "approved": 20_000, "paid": 0}
    payout = run_payouts(books).get_json()
    assert books.balance(referrer_id) == {"pending": 0, "approved": 20_000, "paid": 0}
    books.post(
        f"/payouts/{payout['id']}/mark-paid",
        {"paid_on": books.today.isoformat(), "reference": "BATCH-7"},
    )
    assert books.balance(referrer_id) == {"pending": 0, "approved": 0, "paid": 20_000}


def test_a_claim_after_commission_was_paid_nets_against_the_next_payout(books, referred):
    referrer_id, contract = referred
    paid_invoice(books, contract)
    approve_due(books)
    payout = run_payouts(books).get_json()
    books.post(
        f"/payouts/{payout['id']}/mark-paid",
        {"paid_on": books.today.isoformat(), "reference": "BATCH-8"},
    )
    start = date.fromisoformat(contract["start_date"])
    claim = books.claim(contract, start + timedelta(days=10), books.admin)
    assert claim.status_code == 201
    reversal = [e for e in books.commissions() if e["kind"] == "reversal"]
    assert [(e["amount_cents"], e["state"]) for e in reversal] == [(-20_000, "approved")]
    assert books.balance(referrer_id) == {"pending": 0, "approved": -20_000, "paid": 20_000}
    assert run_payouts(books).get_json()["lines"] == []

    # a later client of the same referrer: the negative is netted first
    code = books.get(f"/referrers/{referrer_id}").get_json()["code"]
    other = books.contract(start_days_ago=LONG_AGO, code=code)
    paid_invoice(books, other, amount_cents=350_000)
    approve_due(books)
    assert run_payouts(books).get_json()["lines"] == [open_line(referrer_id, 15_000)]


def test_the_bonus_is_earned_with_the_first_fully_paid_invoice_and_reversed_with_it(app, books):
    app.config["COMMISSION_BONUS_CENTS"] = 5_000
    _, code = books.referrer()
    contract = books.contract(start_days_ago=LONG_AGO, code=code)
    invoice = books.invoice(contract, amount_cents=200_000)
    books.pay(invoice, 100_000)
    assert {e["kind"] for e in books.commissions()} == {"accrual"}
    books.pay(invoice, 100_000)
    later = paid_invoice(books, contract)
    bonuses = [e for e in books.commissions() if e["kind"] == "bonus"]
    assert [(e["invoice_id"], e["amount_cents"]) for e in bonuses] == [(invoice["id"], 5_000)]
    assert [e["kind"] for e in books.commissions(invoice_id=later["id"])] == ["accrual"]
    books.refund(invoice, 200_000)
    entries = books.commissions(invoice_id=invoice["id"])
    assert sum(e["amount_cents"] for e in entries) == 0


def test_the_referrer_resource_shows_what_was_paid_per_calendar_year(books, referred):
    referrer_id, contract = referred
    paid_invoice(books, contract)
    approve_due(books)
    payout = run_payouts(books).get_json()
    assert books.get(f"/referrers/{referrer_id}").get_json()["paid_by_year"] == {}
    paid = books.post(
        f"/payouts/{payout['id']}/mark-paid",
        {"paid_on": books.today.isoformat(), "reference": "BATCH-1"},
    )
    assert paid.status_code == 200
    expected = {str(books.today.year): 20_000}
    assert books.get(f"/referrers/{referrer_id}").get_json()["paid_by_year"] == expected
    [listed] = [r for r in books.get("/referrers").get_json()["items"] if r["id"] == referrer_id]
    assert listed["paid_by_year"] == expected


def test_the_yearly_totals_export_lists_each_referrer_paid_in_that_year(books, referred):
    referrer_id, contract = referred
    paid_invoice(books, contract)
    approve_due(books)
    payout = run_payouts(books).get_json()
    this_year = books.today.year
    path = f"/referrers/paid-by-year.csv?year={this_year}"
    assert books.get(path).get_data(as_text=True).splitlines()[1:] == []
    books.post(
        f"/payouts/{payout['id']}/mark-paid",
        {"paid_on": books.today.isoformat(), "reference": "BATCH-1"},
    )
    response = books.get(path, books.sales)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert (row["year"], row["referrer_id"], row["paid_cents"], row["paid"]) == (
        str(this_year),
        str(referrer_id),
        "20000",
        "200.00",
    )
    last_year = books.get(f"/referrers/paid-by-year.csv?year={this_year - 1}")
    assert last_year.get_data(as_text=True).splitlines()[1:] == []


@pytest.mark.parametrize("query", ["", "?year=", "?year=26", "?year=1899", "?year=20x6"])
def test_the_yearly_totals_export_needs_a_year(books, query):
    error = error_of(books.get(f"/referrers/paid-by-year.csv{query}"), 422)
    assert error["code"] == "invalid" and list(error["fields"]) == ["year"]
