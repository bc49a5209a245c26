"""Personal data export and erasure (SPEC §16) on a real database, through the services and
the `privacy` commands: everything held about an address comes out as JSON; erasure leaves
placeholders, keeps money records, counts and the audit log, and is refused while the
address is a referrer's with a balance."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from support import lead_fields

from auth.services import create_user, record_failed_sign_in
from billing.invoices import InvoiceInput, add_invoice, record_payment
from billing.models import ClientContact
from billing.services import ContractTerms, convert_lead
from commissions.models import CommissionEntry
from core.audit import AuditEvent
from core.extensions import db
from core.service_errors import ServiceError
from core.today import business_today
from leads.models import Lead, LeadSubmission, QuarantinedSubmission
from leads.queries import LeadFilters, page_of_leads
from leads.rules import LeadSource
from leads.services import Arrival, submit_lead
from notifications.models import OutboxMessage, OutboxStatus
from privacy.services import erase_personal_data, export_personal_data, holdings
from referrals.services import decide, sign_up

ADDRESS = "ana.buyer@acme-robotics.example"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def admin(db):
    return create_user("privacy-admin@hiretechtalent.example", "admin", "correct horse battery")


@pytest.fixture
def prospect(make_lead, admin):
    """Ana asked for engineers, became a client contact, and was emailed."""
    lead = make_lead(
        email=ADDRESS,
        first_name="Ana",
        last_name="Buyer",
        company="Acme Robotics",
        phone="+1 212 555 0100",
        message="Call me on my mobile.",
    )
    convert_lead(lead.id, ContractTerms(business_today(), 1, 900_000, "USD"), admin)
    db.session.add(
        QuarantinedSubmission(reason="too_fast", payload={"email": ADDRESS, "first_name": "Ana"})
    )
    db.session.commit()
    record_failed_sign_in(ADDRESS)  # she tried the staff sign-in: an audit row names her
    return lead


def referrer_with_balance(admin, email: str = ADDRESS):
    """A referrer whose referred client paid: pending commission on their balance."""
    referrer = sign_up(
        {
            "first_name": "Ana",
            "last_name": "Buyer",
            "email": email,
            "company": "Partners",
            "relationship": "partner",
            "payout_email": email,
        }
    ).referrer
    decide(referrer.id, "approve", admin)
    fields = lead_fields(
        email="cto@referred.example", company="Referred Co", referral_code=referrer.code
    )
    lead = submit_lead(fields, Arrival(source=LeadSource.FORM)).lead
    start = business_today() - timedelta(days=40)
    contract = convert_lead(lead.id, ContractTerms(start, 1, 900_000, "USD"), admin)
    invoice = add_invoice(
        contract.id,
        InvoiceInput(
            number="INV-P1",
            issue_date=start,
            period_start=start,
            period_end=start + timedelta(days=29),
            amount_cents=900_000,
            currency="USD",
        ),
    ).invoice
    record_payment(invoice.id, 900_000, business_today())
    return referrer


def outbox_naming(address: str) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(
        sa.or_(
            OutboxMessage.to_address == address,
            sa.func.lower(OutboxMessage.body_text).contains(address),
            sa.func.lower(OutboxMessage.body_html).contains(address),
        )
    )
    return list(db.session.scalars(query))


def test_the_export_holds_every_record_of_the_address(prospect):
    document = export_personal_data(f"  {ADDRESS.title()} ")
    assert document["email"] == ADDRESS
    assert [lead["id"] for lead in document["leads"]] == [prospect.id]
    assert document["leads"][0]["phone"] == "+1 212 555 0100"
    assert {s["source"] for s in document["submissions"]} == {"form", "quarantine"}
    [contact] = document["contacts"]
    assert (contact["email"], contact["role"]) == (ADDRESS, "primary")
    assert document["referrer"] is None
    assert {email["event"] for email in document["emails"]} >= {"lead_confirmation"}
    assert all(email["to"] == ADDRESS for email in document["emails"])
    assert [row["action"] for row in document["audit"]] == ["auth.sign_in_failed"]
    exported = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "personal_data.exported")
    )
    assert ADDRESS not in json.dumps(exported.changes)
    assert len(exported.changes["email_sha256"][1]) == 64


def test_erasure_leaves_placeholders_and_an_export_lists_only_audit_rows(prospect, admin):
    leads_before = db.session.scalar(sa.select(sa.func.count()).select_from(Lead))
    found = holdings(ADDRESS)
    assert (found.leads, found.contacts, found.quarantined, found.referrer) == (1, 1, 1, 0)
    assert found.emails >= 2  # the confirmation to Ana and the new-lead alert naming her

    erased = erase_personal_data(ADDRESS)
    assert erased == found
    db.session.expire_all()
    lead = db.session.get(Lead, prospect.id)
    assert (lead.first_name, lead.email, lead.phone, lead.message) == (
        "Erased",
        f"erased-lead-{lead.id}@erased.example",
        None,
        None,
    )
    assert lead.company == "Acme Robotics" and lead.status.value == "won"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == leads_before
    payloads = db.session.scalars(sa.select(LeadSubmission.payload)).all()
    assert {"erased": True} in payloads and ADDRESS not in json.dumps(payloads)
    quarantined = db.session.scalars(sa.select(QuarantinedSubmission.payload)).all()
    assert quarantined == [{"erased": True}]
    contact = db.session.scalar(sa.select(ClientContact))
    assert contact.email.endswith("@erased.example") and contact.first_name == "Erased"
    assert outbox_naming(ADDRESS) == []
    for word in (ADDRESS, "ana", "buyer"):
        filters = LeadFilters.model_validate({"q": word})
        assert page_of_leads(filters)[0] == [], word

    document = export_personal_data(ADDRESS)
    assert (document["leads"], document["submissions"], document["contacts"]) == ([], [], [])
    assert (document["referrer"], document["emails"]) == (None, [])
    assert [row["action"] for row in document["audit"]] == ["auth.sign_in_failed"]
    actions = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "personal_data.erased" in actions


def test_emails_not_yet_sent_to_the_address_are_cancelled(prospect):
    pending = [m for m in outbox_naming(ADDRESS) if m.status == OutboxStatus.PENDING]
    assert pending
    ids = [m.id for m in pending]
    erase_personal_data(ADDRESS)
    db.session.expire_all()
    statuses = db.session.scalars(
        sa.select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))
    ).all()
    assert set(statuses) == {OutboxStatus.CANCELLED}


def test_a_referrer_with_a_balance_is_not_erased_and_nothing_changes(db, admin):
    referrer = referrer_with_balance(admin)
    entries_before = db.session.execute(
        sa.select(CommissionEntry.id, CommissionEntry.amount_cents)
    ).all()
    assert entries_before
    with pytest.raises(ServiceError) as refused:
        erase_personal_data(ADDRESS)
    assert refused.value.code == "balance_outstanding" and refused.value.http_status == 409
    db.session.expire_all()
    assert db.session.get(type(referrer), referrer.id).email == ADDRESS
    assert export_personal_data(ADDRESS)["referrer"]["balance_cents"]["pending"] == 90_000


def test_erasing_a_settled_referrer_keeps_the_ledger(db, admin):
    referrer = referrer_with_balance(admin)
    db.session.execute(sa.delete(CommissionEntry))
    db.session.commit()
    erase_personal_data(ADDRESS)
    db.session.expire_all()
    erased = db.session.get(type(referrer), referrer.id)
    assert (erased.first_name, erased.email, erased.payout_email) == (
        "Erased",
        f"erased-referrer-{referrer.id}@erased.example",
        f"erased-referrer-{referrer.id}@erased.example",
    )
    assert erased.code == referrer.code


def test_the_privacy_commands_export_and_erase(app, prospect):
    exported = run(app, "privacy", "export", ADDRESS)
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["leads"][0]["id"] == prospect.id
    unconfirmed = run(app, "privacy", "erase", ADDRESS)
    assert unconfirmed.exit_code != 0 and "--yes" in unconfirmed.output
    assert db.session.get(Lead, prospect.id).email == ADDRESS
    erased = run(app, "privacy", "erase", ADDRESS, "--yes")
    assert erased.exit_code == 0 and "leads 1" in erased.output
    assert json.loads(run(app, "privacy", "export", ADDRESS).output)["leads"] == []


def test_the_erase_command_refuses_a_referrer_with_a_balance(app, db, admin):
    referrer_with_balance(admin)
    result = run(app, "privacy", "erase", ADDRESS, "--yes")
    assert result.exit_code == 1 and "settle their balance first" in result.output


def test_a_malformed_address_is_refused_by_the_commands(app, db):
    result = run(app, "privacy", "export", "not-an-address")
    assert result.exit_code == 1 and "valid email address" in result.output


def test_erasing_a_referred_clients_contact_leaves_the_ledger_as_it_was(db, admin):
    referrer_with_balance(admin, email="rita@partners.example")
    ledger = db.session.execute(
        sa.select(CommissionEntry.id, CommissionEntry.amount_cents, CommissionEntry.state)
    ).all()
    erased = erase_personal_data("cto@referred.example")
    assert (erased.leads, erased.contacts) == (1, 1)
    db.session.expire_all()
    after = db.session.execute(
        sa.select(CommissionEntry.id, CommissionEntry.amount_cents, CommissionEntry.state)
    ).all()
    assert after == ledger and sum(row.amount_cents for row in after) == 90_000
