"""The commission cap per client (SPEC §16) through the API: invoices are taken in
issue-date order, the one crossing the cap earns only the rest, a refund on an earlier one
raises a later one's share, the bonus counts towards the cap, and a lead keeps the cap copied
onto it at attribution."""

from datetime import date, timedelta

import pytest
from money_support import Books

from core.today import business_today

LONG_AGO = 120


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


def capped_contract(app, books, cap_cents: int | None, bonus_cents: int = 0) -> dict:
    app.config.update(COMMISSION_CAP_CENTS=cap_cents, COMMISSION_BONUS_CENTS=bonus_cents)
    _, code = books.referrer()
    return books.contract(start_days_ago=LONG_AGO, code=code)


def issued(books, contract: dict, days_after_start: int, cents: int = 100_000) -> dict:
    day = date.fromisoformat(contract["start_date"]) + timedelta(days=days_after_start)
    return books.invoice(contract, amount_cents=cents, issue_date=day.isoformat())


def held(books, invoice: dict) -> int:
    """What the invoice's entries sum to."""
    return sum(e["amount_cents"] for e in books.commissions(invoice_id=invoice["id"]))


def bonuses(books) -> list[tuple[int, int]]:
    return [
        (e["invoice_id"], e["amount_cents"]) for e in books.commissions() if e["kind"] == "bonus"
    ]


def test_the_invoice_that_crosses_the_cap_earns_only_the_rest(app, books):
    contract = capped_contract(app, books, 25_000)
    invoices = [issued(books, contract, days) for days in (0, 30, 60)]
    for invoice in invoices:
        assert books.pay(invoice, 100_000).status_code == 201
    assert [held(books, invoice) for invoice in invoices] == [10_000, 10_000, 5_000]

    # a refund on the first frees room: the third's share rises to its full commission
    assert books.refund(invoices[0], 50_000).status_code == 201
    assert [held(books, invoice) for invoice in invoices] == [5_000, 10_000, 10_000]
    assert sum(e["amount_cents"] for e in books.commissions()) == 25_000


def test_invoices_are_taken_in_issue_date_order_not_the_order_they_were_recorded(app, books):
    contract = capped_contract(app, books, 15_000)
    later = issued(books, contract, 30)
    earlier = issued(books, contract, 0)
    books.pay(later, 100_000)
    assert held(books, later) == 10_000
    books.pay(earlier, 100_000)
    assert (held(books, earlier), held(books, later)) == (10_000, 5_000)
    reversal = [e for e in books.commissions(invoice_id=later["id"]) if e["kind"] == "reversal"]
    assert [e["amount_cents"] for e in reversal] == [-5_000]


def test_the_bonus_counts_towards_the_cap(app, books):
    contract = capped_contract(app, books, 12_000, bonus_cents=5_000)
    invoice = issued(books, contract, 0)
    books.pay(invoice, 100_000)
    assert held(books, invoice) == 12_000
    assert bonuses(books) == [(invoice["id"], 2_000)]


def test_a_bonus_left_nothing_by_the_cap_still_stays_with_its_invoice(app, books):
    contract = capped_contract(app, books, 10_000, bonus_cents=5_000)
    first, second = issued(books, contract, 0), issued(books, contract, 30)
    books.pay(first, 100_000)
    assert (held(books, first), bonuses(books)) == (10_000, [])
    books.pay(second, 100_000)
    assert held(books, second) == 0
    books.refund(first, 60_000)  # room frees: the first's bonus comes first, not a second one
    assert (held(books, first), held(books, second)) == (4_000 + 5_000, 1_000)
    assert bonuses(books) == [(first["id"], 5_000)]


def test_a_lead_keeps_the_cap_copied_at_attribution(app, books):
    contract = capped_contract(app, books, 5_000)
    app.config["COMMISSION_CAP_CENTS"] = None
    invoice = issued(books, contract, 0)
    books.pay(invoice, 100_000)
    assert held(books, invoice) == 5_000


def test_without_a_cap_every_invoice_earns_in_full(app, books):
    contract = capped_contract(app, books, None)
    invoices = [issued(books, contract, days) for days in (0, 30, 60)]
    for invoice in invoices:
        books.pay(invoice, 100_000)
    assert [held(books, invoice) for invoice in invoices] == [10_000] * 3


def test_a_bonus_the_cap_took_back_returns_on_the_same_invoice(app, books):
    contract = capped_contract(app, books, 12_000, bonus_cents=5_000)
    first_paid = issued(books, contract, 30)
    books.pay(first_paid, 100_000)
    assert (held(books, first_paid), bonuses(books)) == (12_000, [(first_paid["id"], 2_000)])
    earlier = issued(books, contract, 0)  # dated earlier: it comes first under the cap
    books.pay(earlier, 100_000)
    assert (held(books, earlier), held(books, first_paid)) == (10_000, 2_000)
    books.refund(earlier, 100_000)
    assert (held(books, earlier), held(books, first_paid)) == (0, 12_000)
    assert bonuses(books) == [(first_paid["id"], 2_000), (first_paid["id"], 2_000)]
