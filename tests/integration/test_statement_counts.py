"""Every staff list page (the dashboard's My work and finance's day too), CSV export and API
list issues the same number of SQL statements for 5 rows as for 50: what a row shows is loaded
with the list, never one query per row.

Each row of the world has its own sales owner, referrer, lead, client, contract, invoice,
payment (so a commission accrual), rejected claim, payout line and an open lead of one sales
user's (My work), so that a relationship
loaded per row cannot hide behind the session's identity map."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g
from support import PASSWORD, lead_fields

from auth.models import User
from auth.services import create_user
from billing.claims import ClaimInput, file_claim
from billing.invoices import InvoiceInput, add_invoice, record_payment
from billing.services import ContractTerms, convert_lead
from commissions.models import CommissionEntry, EntryState, Payout, PayoutLine
from core.today import business_today
from leads.quarantine import quarantine
from leads.rules import LeadSource
from leads.services import Arrival, submit_lead
from referrals.services import decide, sign_up

LIST_PAGES = [
    "/dashboard",
    "/dashboard?owner=worker@hiretechtalent.example",
    "/dashboard/leads",
    "/dashboard/leads?owner=worker@hiretechtalent.example&sort=next_action",
    "/dashboard/leads.csv",
    "/dashboard/referrers",
    "/dashboard/referrers.csv",
    "/dashboard/contracts",
    "/dashboard/contracts.csv",
    "/dashboard/contracts?q=client",
    "/dashboard/clients",
    "/dashboard/clients?q=client",
    "/dashboard/invoices",
    "/dashboard/invoices.csv",
    "/dashboard/invoices?status=paid&q=inv",
    "/dashboard/refunds",
    "/dashboard/search?q=client",
    "/dashboard/search?q=rita",
    "/dashboard/search?q=inv-",
    "/dashboard/claims",
    "/dashboard/claims.csv",
    "/dashboard/commissions",
    "/dashboard/commissions.csv",
    "/dashboard/payouts",
    "/dashboard/outbox",
    "/dashboard/quarantine",
    "/dashboard/audit",
    "/dashboard/audit.csv",
    "/dashboard/insights",
    "/dashboard/insights/liability.csv",
    "/api/v1/leads?limit=200",
    "/api/v1/commissions?limit=200",
    "/api/v1/audit-events?limit=200",
    "/api/v1/clients?limit=200",
    "/api/v1/invoices?limit=200",
    "/api/v1/referrers?limit=200",
    "/api/v1/insights/funnel",
    "/api/v1/insights/sources",
]


class World:
    """Rows added one referred client at a time, through the services."""

    def __init__(self, db):
        self.db, self.made = db, 0
        self.admin_id = create_user("boss@hiretechtalent.example", "admin", PASSWORD).id
        self.worker = create_user("worker@hiretechtalent.example", "sales", PASSWORD).email

    def grow_to(self, rows: int) -> None:
        while self.made < rows:
            self.made += 1
            self._add_row(self.made)

    def _add_row(self, n: int) -> None:
        today = business_today()
        admin = self.db.session.get(User, self.admin_id)
        owner = create_user(f"rep{n}@hiretechtalent.example", "sales", PASSWORD)
        referrer = sign_up(
            {
                "first_name": "Rita",
                "last_name": f"Partner{n}",
                "email": f"rita@partner{n}.example",
                "company": f"Partner {n}",
                "relationship": "partner",
                "payout_email": f"pay@partner{n}.example",
            }
        ).referrer
        code = decide(referrer.id, "approve", admin).code
        fields = lead_fields(
            email=f"buyer@client{n}.example", company=f"Client {n}", referral_code=code
        )
        lead = submit_lead(fields, Arrival(source=LeadSource.API, owner_choice=owner.email)).lead
        start = today - timedelta(days=40)
        contract = convert_lead(lead.id, ContractTerms(start, 1, 1_000_000, "USD"), owner)
        invoice = add_invoice(
            contract.id,
            InvoiceInput(f"INV-{n:04d}", start, start, start + timedelta(days=29), 100_000, "USD"),
        ).invoice
        record_payment(invoice.id, 100_000, today)
        with pytest.raises(ValueError):
            file_claim(contract.id, ClaimInput(start - timedelta(days=1), "Too slow."), admin)
        self._add_payout_line(referrer.id, today)
        quarantine({"email": f"bot{n}@spam.example"}, "honeypot", Arrival(LeadSource.FORM))
        open_fields = lead_fields(email=f"next@prospect{n}.example", company=f"Prospect {n}")
        submit_lead(open_fields, Arrival(source=LeadSource.API, owner_choice=self.worker))

    def _add_payout_line(self, referrer_id: int, today) -> None:
        """A run of its own with one line: the arrangement, written directly."""
        session = self.db.session
        payout = Payout(as_of=today)
        session.add(payout)
        session.flush()
        session.add(PayoutLine(payout_id=payout.id, referrer_id=referrer_id, amount_cents=1))
        session.execute(
            sa.update(CommissionEntry)
            .where(CommissionEntry.referrer_id == referrer_id)
            .values(state=EntryState.APPROVED, payout_id=payout.id)
        )
        session.commit()


@contextmanager
def counting_statements(db):
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _statements_for(client, db, path: str, headers: dict) -> int:
    """A request that starts cold: nothing of the world left in the session (the test's app
    context is shared with the request, so its remembered user goes too)."""
    db.session.remove()
    g.pop("_login_user", None)
    with counting_statements(db) as statements:
        response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements)


@pytest.fixture
def signed_in(client, app):
    """An admin's session cookie for the pages and a token for the API."""
    from auth.services import create_token

    create_user("reader@hiretechtalent.example", "admin", PASSWORD)
    client.post("/login", data={"email": "reader@hiretechtalent.example", "password": PASSWORD})
    token = create_token("reader@hiretechtalent.example")
    headers = {"Authorization": f"Bearer {token}"}
    # The token's first use is noted once (at most once a minute): not in what is counted.
    assert client.get("/api/v1/leads", headers=headers).status_code == 200
    return headers


@pytest.mark.parametrize("path", LIST_PAGES)
def test_a_list_costs_the_same_statements_for_5_rows_as_for_50(app, db, client, signed_in, path):
    headers = signed_in if path.startswith("/api/") else {}
    world = World(db)
    world.grow_to(5)
    with_5 = _statements_for(client, db, path, headers)
    world.grow_to(50)
    with_50 = _statements_for(client, db, path, headers)
    assert with_50 == with_5
