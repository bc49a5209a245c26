"""Lead services on a real database: round-robin, duplicates under concurrency, one
confirmation per address per day, quarantine purge."""

import threading
from datetime import timedelta

import sqlalchemy as sa

from core.db import utcnow
from core.extensions import db as database
from leads.models import Lead, QuarantinedSubmission
from leads.quarantine import purge_expired
from leads.rules import LeadSource
from leads.services import Arrival, submit_lead
from notifications.models import OutboxMessage


def test_new_leads_go_round_robin_to_active_sales_users(db, make_user, make_lead):
    first = make_user("sales", email="first@hiretechtalent.example")
    second = make_user("sales", email="second@hiretechtalent.example")
    resting = make_user("sales", email="resting@hiretechtalent.example")
    resting.active = False
    make_user("finance")
    db.session.commit()
    owners = [make_lead().owner.email for _ in range(5)]
    assert owners == [first.email, second.email, first.email, second.email, first.email]


def test_round_robin_can_be_turned_off(app, make_user, make_lead):
    app.config["ROUND_ROBIN"] = False
    make_user("sales")
    assert make_lead().owner is None


def test_without_sales_users_the_new_lead_mail_goes_to_the_sales_inbox(make_lead, outbox):
    make_lead()
    assert outbox("new_lead")[0].to_address == "sales@hiretechtalent.example"


def test_a_prospect_gets_at_most_one_confirmation_per_address_per_day(db, make_lead, outbox):
    make_lead(email="ana@northwind.example")
    lead = db.session.scalar(sa.select(Lead))
    lead.status = "lost"
    lead.lost_reason = "test"
    db.session.commit()
    make_lead(email="ana@northwind.example")
    assert len(outbox("lead_confirmation")) == 1
    assert len(outbox("new_lead")) == 2


def test_a_confirmation_from_yesterday_does_not_block_today(db, make_lead, outbox):
    make_lead(email="ana@northwind.example")
    old = outbox("lead_confirmation")[0]
    old.dedupe_key = old.dedupe_key.rsplit(":", 1)[0] + ":2020-01-01"
    db.session.commit()
    make_lead(email="ana@northwind.example")
    assert len(outbox("lead_confirmation")) == 2


def test_a_lost_lead_does_not_swallow_a_new_submission(db, make_lead):
    first = make_lead(email="ana@northwind.example")
    first.status, first.lost_reason = "lost", "no budget"
    db.session.commit()
    second = make_lead(email="ana@northwind.example")
    assert second.id != first.id and second.submissions_count == 1


def test_concurrent_submissions_with_one_email_make_one_lead(app, db):
    """Eight simultaneous posts: the unique index on open emails turns losers into
    submissions; nothing is lost, nothing doubled."""
    barrier = threading.Barrier(8)
    errors = []

    def post(number: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                fields = {
                    "first_name": "Ana",
                    "last_name": "Silva",
                    "company": "Northwind",
                    "email": "ana@northwind.example",
                    "roles": ["QA"],
                    "headcount": 1,
                    "consent": True,
                    "message": f"try {number}",
                }
                submit_lead(fields, Arrival(source=LeadSource.API))
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)
            finally:
                database.session.remove()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    [lead] = db.session.scalars(sa.select(Lead)).all()
    assert lead.submissions_count == 8
    confirmations = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.event == "lead_confirmation")
    ).all()
    assert len(confirmations) == 1


def test_quarantine_keeps_submissions_thirty_days(db):
    db.session.add_all(
        [
            QuarantinedSubmission(
                reason="honeypot", payload={}, created_at=utcnow() - timedelta(days=31)
            ),
            QuarantinedSubmission(
                reason="honeypot", payload={}, created_at=utcnow() - timedelta(days=29)
            ),
        ]
    )
    db.session.commit()
    assert purge_expired() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuarantinedSubmission)) == 1
