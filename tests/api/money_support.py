"""Builders for the money API tests: a referrer with a code, a (referred) client's contract,
invoices, payments, and the error of a refused request. Everything goes through the API."""

from datetime import date, timedelta
from itertools import count

from dateutil.relativedelta import relativedelta

API = "/api/v1"


def days_ago(today: date, days: int) -> str:
    return (today - timedelta(days=days)).isoformat()


TOMORROW = "tomorrow"
"""In a parametrize table: the business date after today (the table is built before it)."""


def body_of(values: dict, today: date) -> dict:
    """A request body from a table row: None leaves the field out, TOMORROW is a date."""
    tomorrow = (today + timedelta(days=1)).isoformat()
    return {
        name: tomorrow if value == TOMORROW else value
        for name, value in values.items()
        if value is not None
    }


def error_of(response, status: int) -> dict:
    """The error envelope's inner part, after checking the status."""
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]


class Books:
    """One test's world, built through the API with finance, sales and admin tokens."""

    def __init__(self, client, bearer, today: date):
        self.client, self.today = client, today
        self.finance, self.sales, self.admin = bearer("finance"), bearer("sales"), bearer("admin")
        self._numbers = count(1)

    def post(self, path: str, body: dict | None = None, headers: dict | None = None):
        return self.client.post(API + path, json=body or {}, headers=headers or self.finance)

    def get(self, path: str, headers: dict | None = None):
        return self.client.get(API + path, headers=headers or self.finance)

    # referrers, leads and contracts

    def referrer(self) -> tuple[int, str]:
        """An approved referrer: (id, code)."""
        n = next(self._numbers)
        sign_up = {
            "first_name": "Rita",
            "last_name": f"Ref{n}",
            "email": f"rita{n}@partner{n}.example",
            "company": f"Partner {n}",
            "relationship": "partner",
            "payout_email": f"pay{n}@partner{n}.example",
            "accept_terms": True,
        }
        referrer_id = self.post("/referrers", sign_up).get_json()["id"]
        approved = self.post(f"/referrers/{referrer_id}/approve")
        assert approved.status_code == 200, approved.get_data(as_text=True)
        return referrer_id, approved.get_json()["code"]

    def contract(
        self, start_days_ago: int = 5, *, code: str | None = None, company: int | None = None
    ) -> dict:
        """A won lead's contract starting `start_days_ago` days before today; the same
        `company` number gives the same client."""
        n = next(self._numbers)
        company = n if company is None else company
        lead = {
            "first_name": "Ana",
            "last_name": f"Buyer{n}",
            "company": f"Client Company {company}",
            "email": f"buyer{n}@client{company}.example",
            "roles": ["Back-end"],
            "headcount": 1,
            "consent": True,
        }
        if code is not None:
            lead["referral_code"] = code
        created = self.post("/leads", lead, self.sales)
        assert created.status_code == 201, created.get_data(as_text=True)
        if code is not None:
            assert created.get_json()["attribution_status"] == "attributed", created.get_json()
        terms = {
            "start_date": days_ago(self.today, start_days_ago),
            "engineers": 1,
            "monthly_rate_cents": 1_000_000,
            "currency": "USD",
        }
        converted = self.post(f"/leads/{created.get_json()['id']}/convert", terms, self.sales)
        assert converted.status_code == 201, converted.get_data(as_text=True)
        return converted.get_json()["contract"]

    # invoices and money

    def invoice_body(self, contract: dict, **changes) -> dict:
        start = date.fromisoformat(contract["start_date"])
        body = {
            "number": f"INV-{next(self._numbers):05d}",
            "issue_date": start.isoformat(),
            "period_start": start.isoformat(),
            "period_end": (start + relativedelta(months=1, days=-1)).isoformat(),
            "amount_cents": 100_000,
            "currency": "USD",
        }
        body.update(changes)
        return body

    def invoice(self, contract: dict, **changes) -> dict:
        response = self.post(
            f"/contracts/{contract['id']}/invoices", self.invoice_body(contract, **changes)
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def pay(self, invoice: dict, amount_cents: int, paid_on: date | None = None, **extra):
        body = {"amount_cents": amount_cents, "paid_on": (paid_on or self.today).isoformat()}
        return self.post(f"/invoices/{invoice['id']}/payments", {**body, **extra})

    def refund(self, invoice: dict, amount_cents: int, refunded_on: date | None = None, **extra):
        body = {
            "amount_cents": amount_cents,
            "refunded_on": (refunded_on or self.today).isoformat(),
            "reason": "Credit for a missed day",
        }
        return self.post(f"/invoices/{invoice['id']}/refunds", {**body, **extra})

    def claim(self, contract: dict, claimed_on: date | None = None, headers=None, **extra):
        body = {
            "claimed_on": (claimed_on or self.today).isoformat(),
            "reason": "The engineer did not fit the team.",
            "channel": "email",
        }
        return self.post(
            f"/contracts/{contract['id']}/guarantee-claims", {**body, **extra}, headers
        )

    def commissions(self, **filters) -> list[dict]:
        query = "&".join(f"{name}={value}" for name, value in filters.items())
        response = self.get(f"/commissions?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["items"]

    def balance(self, referrer_id: int) -> dict:
        return self.get(f"/referrers/{referrer_id}").get_json()["balance_cents"]
