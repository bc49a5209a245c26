"""The tax-form gate of payout runs (SPEC §16): a line that would bring a referrer without a
tax form on file to TAX_FORM_THRESHOLD_CENTS (default $2,000.00) or more in the run's calendar
year is held — its entries wait for a later run — and the referrer and every active finance
user are emailed."""

from datetime import date

import pytest
import sqlalchemy as sa
from money_support import Books
from support import mail_of

from auth.models import User
from core.audit import AuditEvent
from core.extensions import db
from core.today import business_today

LONG_AGO = 120


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


def referrer_with_a_client(books) -> tuple[int, dict]:
    referrer_id, code = books.referrer()
    return referrer_id, books.contract(start_days_ago=LONG_AGO, code=code)


def earn(books, contract, commission_cents: int) -> None:
    """An invoice paid in full whose 10 % commission is approved."""
    invoice = books.invoice(contract, amount_cents=commission_cents * 10)
    assert books.pay(invoice, commission_cents * 10).status_code == 201
    assert books.post("/commissions/approve-due").status_code == 200


def run(books) -> dict:
    response = books.post("/payouts")
    assert response.status_code == 201
    return response.get_json()


def lines(payout: dict) -> list[tuple[int, int]]:
    return [(line["referrer_id"], line["amount_cents"]) for line in payout["lines"]]


def pay_line(books, payout: dict, referrer_id: int, paid_on: date) -> None:
    body = {"paid_on": paid_on.isoformat(), "reference": "W-1"}
    url = f"/payouts/{payout['id']}/lines/{referrer_id}/mark-paid"
    assert books.post(url, body).status_code == 200


def test_a_line_reaching_the_threshold_without_a_tax_form_is_held_and_people_are_told(
    books, make_user
):
    referrer_id, contract = referrer_with_a_client(books)
    retired = make_user("finance", "retired@hiretechtalent.example")
    db.session.execute(sa.update(User).where(User.id == retired.id).values(active=False))
    db.session.commit()
    earn(books, contract, 200_000)
    payout = run(books)
    assert lines(payout) == []
    entries = books.commissions(referrer_id=referrer_id)
    assert [(e["state"], e["payout_id"]) for e in entries] == [("approved", None)]
    referrer = books.get(f"/referrers/{referrer_id}").get_json()
    [(to, body)] = mail_of("tax_form_needed")
    assert to == referrer["email"] and "$2,000.00" in body and "tax form" in body
    finance = set(db.session.scalars(sa.select(User.email).where(User.role == "finance")))
    told = {to for to, _ in mail_of("payout_held")}
    assert told == finance - {"retired@hiretechtalent.example"} and told
    assert all(referrer["last_name"] in body for _, body in mail_of("payout_held"))
    changes = db.session.scalar(
        sa.select(AuditEvent.changes).where(AuditEvent.action == "payout.created")
    )
    assert changes["held_for_tax_form"] == [None, [referrer_id]]


def test_a_line_just_below_the_threshold_is_paid_out(books):
    referrer_id, contract = referrer_with_a_client(books)
    earn(books, contract, 199_999)
    assert lines(run(books)) == [(referrer_id, 199_999)]
    assert mail_of("tax_form_needed") == []


def test_a_referrer_with_a_tax_form_on_file_is_never_held(books):
    referrer_id, contract = referrer_with_a_client(books)
    patch = books.client.patch(
        f"/api/v1/referrers/{referrer_id}",
        json={"tax_form_on_file_on": books.today.isoformat()},
        headers=books.finance,
    )
    assert patch.status_code == 200
    earn(books, contract, 500_000)
    assert lines(run(books)) == [(referrer_id, 500_000)]


def test_once_the_form_is_recorded_the_next_run_pays_what_was_held(books):
    referrer_id, contract = referrer_with_a_client(books)
    earn(books, contract, 250_000)
    assert lines(run(books)) == []
    books.client.patch(
        f"/api/v1/referrers/{referrer_id}",
        json={"tax_form_on_file_on": books.today.isoformat()},
        headers=books.finance,
    )
    assert lines(run(books)) == [(referrer_id, 250_000)]


def test_lines_paid_this_year_count_towards_the_threshold(books):
    referrer_id, contract = referrer_with_a_client(books)
    earn(books, contract, 150_000)
    first = run(books)
    pay_line(books, first, referrer_id, books.today)
    earn(books, contract, 50_000)
    assert lines(run(books)) == []
    assert len(mail_of("tax_form_needed")) == 1


def test_lines_still_open_in_runs_of_the_year_count_towards_the_threshold(books):
    referrer_id, contract = referrer_with_a_client(books)
    earn(books, contract, 150_000)
    assert lines(run(books)) == [(referrer_id, 150_000)]
    earn(books, contract, 50_000)
    assert lines(run(books)) == []


def test_lines_paid_in_an_earlier_year_or_failed_do_not_count(books):
    referrer_id, contract = referrer_with_a_client(books)
    earn(books, contract, 150_000)
    first = run(books)
    pay_line(books, first, referrer_id, date(books.today.year - 1, 12, 31))
    earn(books, contract, 100_000)
    second = run(books)
    assert lines(second) == [(referrer_id, 100_000)]
    url = f"/payouts/{second['id']}/lines/{referrer_id}/mark-failed"
    assert books.post(url, {"reason": "Returned"}).status_code == 200
    assert lines(run(books)) == [(referrer_id, 100_000)]
