"""GET /api/v1/insights/{name} (SPEC §13): a small known world — leads created on known
days (America/New_York) with known timelines, a referred client's accrual approved and paid
on known days, contracts with and without a claim — and the exact figures it must show."""

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from money_support import Books

from commissions.models import CommissionEntry, Payout, PayoutLine
from core.today import business_today
from leads.models import Lead, LeadEvent

RANGE = "from=2026-01-01&to=2026-02-28"


def at(day: str, hour: int = 15) -> datetime:
    """A naive-UTC moment: 15:00 UTC is 10:00 in New York in winter."""
    return datetime.fromisoformat(day) + timedelta(hours=hour)


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


@pytest.fixture
def world(db, books, make_user, lead_payload):
    xavier, yara = (
        make_user("sales", "xavier@hiretechtalent.example"),
        make_user("sales", "yara@hiretechtalent.example"),
    )
    numbers = iter(range(1, 100))

    def lead(moves=(), **fields) -> int:
        n = next(numbers)
        body = lead_payload(email=f"p{n}@insight{n}.example", company=f"Insight {n}")
        response = books.post("/leads", body, books.sales)
        assert response.status_code == 201, response.get_data(as_text=True)
        lead_id = response.get_json()["id"]
        for status in moves:
            change = {"status": status, **({"lost_reason": "Budget"} if status == "lost" else {})}
            patched = books.client.patch(
                f"/api/v1/leads/{lead_id}", json=change, headers=books.sales
            )
            assert patched.status_code == 200, patched.get_data(as_text=True)
        return lead_id

    def settle(lead_id: int, created: datetime, hours: list[int], owner, **columns) -> None:
        row = db.session.get(Lead, lead_id)
        row.created_at, row.owner_id = created, owner.id
        for name, value in columns.items():
            setattr(row, name, value)
        events = db.session.scalars(
            sa.select(LeadEvent)
            .where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "status")
            .order_by(LeadEvent.id)
        ).all()
        assert len(events) == len(hours)
        for event, offset in zip(events, hours, strict=True):
            event.created_at = created + timedelta(hours=offset)

    referrer_id, code = books.referrer()
    earned = books.contract(start_days_ago=60, code=code)
    claimed = books.contract(start_days_ago=10)
    books.contract(start_days_ago=3)  # its window is still open: not in the claim rate
    assert books.claim(claimed).status_code == 201
    invoice = books.invoice(earned, amount_cents=100_000)
    assert books.pay(invoice, 100_000).status_code == 201
    assert books.post("/commissions/approve-due", {}).status_code == 200
    payout = books.post("/payouts", {}).get_json()
    paid = {"paid_on": books.today.isoformat(), "reference": "B-1"}
    assert books.post(f"/payouts/{payout['id']}/mark-paid", paid).status_code == 200

    settle(lead(["contacted", "qualified", "proposal"]), at("2026-01-05"), [5, 24, 48], xavier)
    settle(lead(["contacted", "lost"]), at("2026-01-06"), [3, 30], xavier)
    settle(
        lead(["contacted", "lost", "contacted"]),
        at("2026-01-13"),
        [10, 20, 40],
        yara,
        source="outbound",
    )
    settle(lead(), at("2026-02-02"), [], yara, utm_source="newsletter")
    settle(earned["lead_id"], at("2026-01-14"), [36], xavier, source="referral")
    settle(claimed["lead_id"], at("2026-01-20"), [60], yara, source="referral")
    settle(
        lead(),
        at("2026-02-03"),
        [],
        xavier,
        attribution_status="refused",
        attribution_reason="self_referral",
    )
    settle(lead(), at("2025-12-31"), [], xavier)  # before the range
    entry = db.session.scalars(sa.select(CommissionEntry)).one()
    entry.created_at, entry.approved_at = at("2026-01-20"), at("2026-02-10")
    db.session.get(Payout, payout["id"]).paid_on = date(2026, 3, 5)
    line = db.session.scalars(sa.select(PayoutLine)).one()
    line.paid_on = date(2026, 3, 5)
    db.session.commit()
    return {"referrer_id": referrer_id, "earned": earned, "claimed": claimed}


def get(books, path: str):
    response = books.get(f"/insights/{path}", books.sales)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_funnel_counts_a_lead_at_every_status_its_timeline_reached(books, world):
    assert get(books, f"funnel?{RANGE}") == {
        "from": "2026-01-01",
        "to": "2026-02-28",
        "statuses": [
            {"status": "new", "count": 7},
            {"status": "contacted", "count": 5},
            {"status": "qualified", "count": 3},
            {"status": "proposal", "count": 3},
            {"status": "won", "count": 2},
            {"status": "lost", "count": 2},
        ],
        "conversion_rate": 0.2857,
    }


def test_sources_count_leads_per_week_and_the_median_days_to_won(books, world):
    assert get(books, f"sources?{RANGE}") == {
        "weeks": [
            {"week": "2026-01-05", "source": "api", "count": 2},
            {"week": "2026-01-12", "source": "outbound", "count": 1},
            {"week": "2026-01-12", "source": "referral", "count": 1},
            {"week": "2026-01-19", "source": "referral", "count": 1},
            {"week": "2026-02-02", "source": "api", "count": 2},
        ],
        "by_source": [
            {
                "source": "api",
                "leads": 4,
                "won": 0,
                "conversion_rate": 0.0,
                "median_days_to_won": None,
            },
            {
                "source": "outbound",
                "leads": 1,
                "won": 0,
                "conversion_rate": 0.0,
                "median_days_to_won": None,
            },
            {
                "source": "referral",
                "leads": 2,
                "won": 2,
                "conversion_rate": 1.0,
                "median_days_to_won": 2.0,
            },
        ],
        "by_utm_source": [{"utm_source": "newsletter", "leads": 1}],
    }


def test_first_contact_is_the_median_hours_to_the_first_status_change_per_owner(books, world):
    assert get(books, f"first-contact?{RANGE}") == {
        "owners": [
            {"owner_email": "xavier@hiretechtalent.example", "leads": 3, "median_hours": 5.0},
            {"owner_email": "yara@hiretechtalent.example", "leads": 2, "median_hours": 35.0},
        ]
    }


def test_referrals_count_in_the_month_their_lead_was_created(books, world):
    assert get(books, f"referrals?{RANGE}") == {
        "months": [
            {"month": "2026-01", "attributed": 1, "refused": {}, "became_clients": 1},
            {
                "month": "2026-02",
                "attributed": 0,
                "refused": {"self_referral": 1},
                "became_clients": 0,
            },
        ]
    }


def test_liability_follows_the_entry_from_pending_to_approved_to_paid(books, world):
    assert get(books, "liability?from=2026-01-01&to=2026-03-31") == {
        "months": [
            {"month": "2026-01", "pending_cents": 10_000, "approved_cents": 0, "paid_cents": 0},
            {"month": "2026-02", "pending_cents": 0, "approved_cents": 10_000, "paid_cents": 0},
            {"month": "2026-03", "pending_cents": 0, "approved_cents": 0, "paid_cents": 10_000},
        ]
    }


def test_liability_defaults_to_twelve_months_ending_with_this_one(books, world):
    months = get(books, "liability")["months"]
    first = books.today.replace(day=1) - relativedelta(months=11)
    assert [m["month"] for m in months] == [
        (first + relativedelta(months=n)).strftime("%Y-%m") for n in range(12)
    ]


def test_the_claim_rate_counts_contracts_whose_window_closed_or_was_claimed(books, world):
    today = books.today
    months: dict[str, list[int]] = {}
    for days, claims in ((60, 0), (10, 1)):
        pair = months.setdefault((today - timedelta(days=days)).strftime("%Y-%m"), [0, 0])
        pair[0] += 1
        pair[1] += claims
    assert get(books, "guarantee-claims") == {
        "months": [
            {"month": month, "contracts": n, "claims": c, "rate": round(c / n, 4)}
            for month, (n, c) in sorted(months.items())
        ]
    }


def test_an_empty_range_answers_zeros_and_nulls(books, world):
    empty = "from=2020-01-01&to=2020-01-31"
    funnel = get(books, f"funnel?{empty}")
    assert {s["count"] for s in funnel["statuses"]} == {0}
    assert funnel["conversion_rate"] is None
    assert get(books, f"sources?{empty}") == {"weeks": [], "by_source": [], "by_utm_source": []}
    assert get(books, f"guarantee-claims?{empty}") == {"months": []}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-03-01&to=2026-02-01", "to"),
        ("from=2026-02-30", "from"),
        ("to=yesterday", "to"),
        ("from=1900-01-01&to=2026-01-01", "from"),
    ],
)
@pytest.mark.parametrize("name", ["funnel", "liability", "guarantee-claims"])
def test_a_bad_range_answers_422_invalid(books, name, query, field):
    response = books.get(f"/insights/{name}?{query}", books.sales)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {field}


def test_an_unknown_insight_answers_404(books):
    assert books.get("/insights/everything", books.sales).status_code == 404


def test_insights_need_a_staff_token(client):
    assert client.get("/api/v1/insights/funnel").status_code == 401
