"""Payout lines paid or failed on their own, and cancelled runs (SPEC §16), through the API:
a line's entries follow it (paid, or back to approved for the next run), the run's status
follows its lines, the referrer is emailed, and every refusal changes nothing."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from money_support import TOMORROW, Books, body_of, error_of
from support import mail_of

from core.audit import AuditEvent
from core.extensions import db
from core.today import business_today

LONG_AGO = 120


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


def referred_and_approved(books, cents: int = 20_000) -> int:
    """A referrer whose client paid an invoice long after the guarantee: `cents` approved."""
    referrer_id, code = books.referrer()
    contract = books.contract(start_days_ago=LONG_AGO, code=code)
    invoice = books.invoice(contract, amount_cents=cents * 10)
    assert books.pay(invoice, cents * 10).status_code == 201
    return referrer_id


def run_with(books, *amounts: int) -> tuple[dict, list[int]]:
    """A payout run with a line per amount (one referrer each), and the referrers' ids."""
    referrers = [referred_and_approved(books, cents) for cents in amounts]
    books.post("/commissions/approve-due")
    payout = books.post("/payouts").get_json()
    assert [line["amount_cents"] for line in payout["lines"]] == list(amounts)
    return payout, referrers


def paid_body(books, reference: str = "WIRE-1", paid_on: date | None = None) -> dict:
    return {"paid_on": (paid_on or books.today).isoformat(), "reference": reference}


def line_of(payout: dict, referrer_id: int) -> dict:
    [line] = [line for line in payout["lines"] if line["referrer_id"] == referrer_id]
    return line


def entries_of(books, referrer_id: int) -> list[tuple]:
    return [(e["state"], e["payout_id"]) for e in books.commissions(referrer_id=referrer_id)]


def audit_actions(payout_id: int) -> list[str]:
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.entity_type == "payout", AuditEvent.entity_id == payout_id)
        .order_by(AuditEvent.id)
    ).all()
    db.session.rollback()
    return list(actions)


def test_paying_one_line_pays_its_entries_and_leaves_the_run_open(books):
    payout, (rita, sam) = run_with(books, 20_000, 15_000)
    url = f"/payouts/{payout['id']}/lines/{rita}/mark-paid"
    response = books.post(url, paid_body(books, "WIRE-7"))
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["status"] == "open" and answer["paid_on"] is None
    assert line_of(answer, rita) == {
        "referrer_id": rita,
        "amount_cents": 20_000,
        "status": "paid",
        "paid_on": books.today.isoformat(),
        "reference": "WIRE-7",
        "failure_reason": None,
    }
    assert line_of(answer, sam)["status"] == "open"
    assert entries_of(books, rita) == [("paid", payout["id"])]
    assert entries_of(books, sam) == [("approved", payout["id"])]
    assert books.balance(rita) == {"pending": 0, "approved": 0, "paid": 20_000}
    [(to, body)] = mail_of("payout_paid")
    assert "$200.00" in body and "WIRE-7" in body
    assert books.get(f"/payouts/{payout['id']}").get_json() == answer


def test_the_run_is_paid_once_no_line_is_open_dated_by_its_last_payment(books):
    payout, (rita, sam) = run_with(books, 20_000, 15_000)
    earlier = books.today - timedelta(days=2)
    base = f"/payouts/{payout['id']}/lines"
    books.post(f"{base}/{rita}/mark-paid", paid_body(books, "WIRE-1", earlier))
    answer = books.post(f"{base}/{sam}/mark-paid", paid_body(books, "WIRE-2")).get_json()
    assert (answer["status"], answer["paid_on"], answer["reference"]) == (
        "paid",
        books.today.isoformat(),
        None,
    )
    assert audit_actions(payout["id"]) == [
        "payout.created",
        "payout.line_paid",
        "payout.line_paid",
        "payout.paid",
    ]


def test_a_failed_lines_entries_return_to_approved_and_the_next_run_takes_them(books):
    payout, (rita, sam) = run_with(books, 20_000, 15_000)
    url = f"/payouts/{payout['id']}/lines/{rita}/mark-failed"
    response = books.post(url, {"reason": "The bank account is closed."})
    assert response.status_code == 200
    line = line_of(response.get_json(), rita)
    assert (line["status"], line["failure_reason"], line["paid_on"]) == (
        "failed",
        "The bank account is closed.",
        None,
    )
    assert entries_of(books, rita) == [("approved", None)]
    assert books.balance(rita) == {"pending": 0, "approved": 20_000, "paid": 0}
    [(to, body)] = mail_of("payout_failed")
    assert "$200.00" in body and "The bank account is closed." in body and "next payout" in body
    next_run = books.post("/payouts").get_json()
    taken = [(line["referrer_id"], line["amount_cents"]) for line in next_run["lines"]]
    assert taken == [(rita, 20_000)]
    assert entries_of(books, rita) == [("approved", next_run["id"])]

    # the first run is paid when Sam's line is, though Rita's failed
    rest = books.post(f"/payouts/{payout['id']}/mark-paid", paid_body(books, "BATCH-9"))
    answer = rest.get_json()
    assert (answer["status"], answer["reference"]) == ("paid", "BATCH-9")
    assert [line["status"] for line in answer["lines"]] == ["failed", "paid"]
    assert entries_of(books, sam) == [("paid", payout["id"])]


def test_a_run_whose_every_line_failed_is_cancelled(books):
    payout, (rita,) = run_with(books, 20_000)
    url = f"/payouts/{payout['id']}/lines/{rita}/mark-failed"
    answer = books.post(url, {"reason": "Returned by the bank."}).get_json()
    assert answer["status"] == "cancelled" and answer["paid_on"] is None
    assert audit_actions(payout["id"])[-2:] == ["payout.line_failed", "payout.cancelled"]


def test_cancelling_an_open_run_releases_its_entries_and_emails_nobody(books):
    payout, (rita, sam) = run_with(books, 20_000, 15_000)
    response = books.post(f"/payouts/{payout['id']}/cancel")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["status"] == "cancelled"
    assert [(line["status"], line["failure_reason"]) for line in answer["lines"]] == [
        ("failed", "The run was cancelled."),
        ("failed", "The run was cancelled."),
    ]
    assert entries_of(books, rita) == [("approved", None)]
    assert entries_of(books, sam) == [("approved", None)]
    assert mail_of("payout_failed") == [] and mail_of("payout_paid") == []
    assert books.post("/payouts").get_json()["lines"] == [
        {**line, "status": "open", "failure_reason": None} for line in answer["lines"]
    ]


def test_an_empty_run_can_be_cancelled_but_not_marked_paid(books):
    payout = books.post("/payouts").get_json()
    assert payout["lines"] == []
    refused = books.post(f"/payouts/{payout['id']}/mark-paid", paid_body(books))
    assert error_of(refused, 422)["code"] == "illegal_transition"
    assert books.post(f"/payouts/{payout['id']}/cancel").get_json()["status"] == "cancelled"


def test_a_run_with_a_paid_line_cannot_be_cancelled(books):
    payout, (rita, sam) = run_with(books, 20_000, 15_000)
    books.post(f"/payouts/{payout['id']}/lines/{rita}/mark-paid", paid_body(books))
    before = books.get(f"/payouts/{payout['id']}").get_json()
    error = error_of(books.post(f"/payouts/{payout['id']}/cancel"), 422)
    assert error["code"] == "illegal_transition"
    assert books.get(f"/payouts/{payout['id']}").get_json() == before
    assert entries_of(books, sam) == [("approved", payout["id"])]


@pytest.mark.parametrize(
    ("action", "body", "status", "code", "field"),
    [
        ("mark-paid", {"reference": None}, 422, "invalid", "reference"),
        ("mark-paid", {"reference": "  "}, 422, "invalid", "reference"),
        ("mark-paid", {"reference": "R" * 201}, 422, "invalid", "reference"),
        ("mark-paid", {"paid_on": TOMORROW}, 422, "date_in_future", "paid_on"),
        ("mark-paid", {"paid_on": "2026-13-01"}, 422, "invalid", "paid_on"),
        ("mark-paid", {"paid_on": 20260101}, 400, "bad_json", "paid_on"),
        ("mark-failed", {"reason": None}, 422, "invalid", "reason"),
        ("mark-failed", {"reason": " "}, 422, "invalid", "reason"),
        ("mark-failed", {"reason": "R" * 501}, 422, "invalid", "reason"),
        ("mark-failed", {"reason": 7}, 400, "bad_json", "reason"),
    ],
)
def test_bad_line_requests_change_nothing(books, action, body, status, code, field):
    payout, (rita,) = run_with(books, 20_000)
    values = {"paid_on": books.today.isoformat(), "reference": "W", "reason": "Closed", **body}
    url = f"/payouts/{payout['id']}/lines/{rita}/{action}"
    error = error_of(books.post(url, body_of(values, books.today)), status)
    assert error["code"] == code and field in error["fields"], error
    assert books.get(f"/payouts/{payout['id']}").get_json() == payout
    assert entries_of(books, rita) == [("approved", payout["id"])]


def test_a_settled_line_cannot_be_settled_again(books):
    payout, (rita,) = run_with(books, 20_000)
    base = f"/payouts/{payout['id']}/lines/{rita}"
    assert books.post(f"{base}/mark-paid", paid_body(books)).status_code == 200
    for action, body in [("mark-paid", paid_body(books)), ("mark-failed", {"reason": "Oops"})]:
        assert error_of(books.post(f"{base}/{action}", body), 422)["code"] == "illegal_transition"
    assert entries_of(books, rita) == [("paid", payout["id"])]
    assert len(mail_of("payout_paid")) == 1


def test_unknown_runs_and_referrers_without_a_line_are_404(books):
    payout, (rita,) = run_with(books, 20_000)
    other, _ = books.referrer()
    for path in [
        f"/payouts/9999/lines/{rita}/mark-paid",
        f"/payouts/{payout['id']}/lines/{other}/mark-paid",
    ]:
        assert error_of(books.post(path, paid_body(books)), 404)["code"] == "not_found"
    path = f"/payouts/{payout['id']}/lines/{other}/mark-failed"
    assert error_of(books.post(path, {"reason": "x"}), 404)["code"] == "not_found"
    assert error_of(books.post("/payouts/9999/cancel"), 404)["code"] == "not_found"


def test_sales_cannot_settle_lines_or_cancel_runs(books):
    payout, (rita,) = run_with(books, 20_000)
    base = f"/payouts/{payout['id']}"
    for path, body in [
        (f"{base}/lines/{rita}/mark-paid", paid_body(books)),
        (f"{base}/lines/{rita}/mark-failed", {"reason": "x"}),
        (f"{base}/cancel", {}),
    ]:
        assert error_of(books.post(path, body, books.sales), 403)["code"] == "forbidden"
    assert books.get(base).get_json() == payout


def test_a_line_counts_in_the_year_of_its_own_paid_on(books):
    payout, (rita, sam) = run_with(books, 20_000, 15_000)
    last_year = date(books.today.year - 1, 12, 31)
    base = f"/payouts/{payout['id']}/lines"
    books.post(f"{base}/{rita}/mark-paid", paid_body(books, "W-1", last_year))
    books.post(f"{base}/{sam}/mark-paid", paid_body(books, "W-2"))
    assert books.get(f"/referrers/{rita}").get_json()["paid_by_year"] == {
        str(last_year.year): 20_000
    }
    assert books.get(f"/referrers/{sam}").get_json()["paid_by_year"] == {
        str(books.today.year): 15_000
    }
    csv_text = books.get(f"/referrers/paid-by-year.csv?year={last_year.year}").get_data(True)
    assert [row.split(",")[1] for row in csv_text.strip().splitlines()[1:]] == [str(rita)]


def test_the_run_csv_shows_each_lines_status(books):
    payout, (rita, sam) = run_with(books, 20_000, 15_000)
    books.post(f"/payouts/{payout['id']}/lines/{sam}/mark-failed", {"reason": "Closed"})
    text = books.get(f"/payouts/{payout['id']}.csv").get_data(as_text=True)
    header, *rows = [line.split(",") for line in text.strip().splitlines()]
    assert header[-4:] == ["status", "paid_on", "reference", "failure_reason"]
    assert [(row[2], row[-4], row[-1]) for row in rows] == [
        (str(rita), "open", ""),
        (str(sam), "failed", "Closed"),
    ]
