"""`flask import clients FILE` (SPEC §16) on a real database: a row per contact, a contract
when the row has a start date; a second run changes nothing; a bad row imports nothing;
imported clients are existing customers for attribution; nothing is emailed."""

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from support import lead_fields

from billing.models import Client, ClientContact, Contract
from billing.services import ContractTerms, convert_lead
from core.extensions import db
from core.today import business_today
from leads.rules import AttributionStatus, LeadSource
from leads.services import Arrival, submit_lead
from notifications.models import OutboxMessage
from referrals.services import decide, sign_up

HEADER = (
    "company,domain,contact_first_name,contact_last_name,contact_email,contact_role,"
    "contract_start_date,engineers,monthly_rate_cents,currency,contract_end_date,"
    "termination_reason\n"
)


def run(app, tmp_path, text: str, *options: str):
    path = tmp_path / "clients.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import", "clients", str(path), *options])


def counts() -> tuple[int, int, int]:
    result = tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Client, ClientContact, Contract)
    )
    db.session.rollback()
    return result


def approved_referrer_code(admin) -> str:
    referrer = sign_up(
        {
            "first_name": "Rita",
            "last_name": "Ref",
            "email": "rita@partnerco.example",
            "company": "PartnerCo",
            "relationship": "partner",
            "payout_email": "pay@partnerco.example",
        }
    ).referrer
    return decide(referrer.id, "approve", admin).code


def file_with(today) -> str:
    recent = (today - timedelta(days=200)).isoformat()
    ended = (today - timedelta(days=800)).isoformat()
    ended_on = (today - timedelta(days=500)).isoformat()
    return HEADER + (
        f"Northwind Labs,northwind.example,Ana,Chen,ana@northwind.example,,{recent},2,900000,,,\n"
        f"Northwind Labs,northwind.example,Raj,Patel,ap@northwind.example,billing,,,,,,\n"
        f"Globex,globex.example,Bo,Diaz,bo@globex.example,,{ended},1,800000,USD,{ended_on},"
        "client_ended\n"
        "Initech,,Cy,Evans,cy@initech.example,,,,,,,\n"
    )


def test_clients_contacts_and_contracts_are_created_and_a_second_run_changes_nothing(
    app, db, tmp_path
):
    text = file_with(business_today())
    first = run(app, tmp_path, text)
    assert first.exit_code == 0, first.output
    assert "clients: 4 created, 0 updated, 0 unchanged, 0 lines refused" in first.output
    assert counts() == (3, 4, 2)
    northwind = db.session.scalar(sa.select(Client).where(Client.name == "Northwind Labs"))
    assert northwind.company_key == "domain:northwind.example"
    assert {(c.email, c.role.value) for c in northwind.contacts} == {
        ("ana@northwind.example", "primary"),
        ("ap@northwind.example", "billing"),
    }
    [contract] = northwind.contracts
    assert (contract.lead_id, contract.status.value, contract.engineers) == (None, "active", 2)
    globex = db.session.scalar(sa.select(Client).where(Client.name == "Globex"))
    assert globex.contracts[0].termination_reason.value == "client_ended"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0

    second = run(app, tmp_path, text)
    assert "clients: 0 created, 0 updated, 4 unchanged, 0 lines refused" in second.output
    assert counts() == (3, 4, 2)


def test_a_changed_row_updates_its_contact_and_contract(app, db, tmp_path):
    today = business_today()
    run(app, tmp_path, file_with(today))
    recent = (today - timedelta(days=200)).isoformat()
    changed = run(
        app,
        tmp_path,
        HEADER + f"Northwind Labs,northwind.example,Ana,Chen-Li,ana@northwind.example,,{recent},3,"
        "950000,,,\n",
    )
    assert "0 created, 1 updated, 0 unchanged" in changed.output
    start = today - timedelta(days=200)
    contract = db.session.scalar(sa.select(Contract).where(Contract.start_date == start))
    assert (contract.engineers, contract.monthly_rate_cents) == (3, 950_000)
    assert counts() == (3, 4, 2)


def test_a_bad_row_imports_nothing_and_each_problem_names_its_line(app, db, tmp_path):
    text = HEADER + (
        "Northwind Labs,,Ana,Chen,ana@northwind.example,,2026-13-01,2,900000,,,\n"
        "Globex,,Bo,Diaz,bo@globex.example,,,2,,,,\n"
        "Initech,,Cy,Evans,cy@initech.example,,2025-01-01,two,900000,EUR,,\n"
        "Hooli,,Di,Fox,di@hooli.example,owner,,,,,,\n"
        "Umbrella,,Ed,Gray,ed@umbrella.example,,,,,,,\n"
        "Umbrella,,Ed,Gray,ed@umbrella.example,,,,,,,\n"
    )
    result = run(app, tmp_path, text)
    assert result.exit_code == 1
    assert "line 2: contract_start_date: a date such as 2026-03-01." in result.output
    assert "line 3: contract_start_date: required with the contract's other columns." in (
        result.output
    )
    assert "line 4: engineers: a whole number from 1 to 500." in result.output
    assert "line 4: currency: this installation works in USD only." in result.output
    assert "line 5: contact_role: one of primary, billing, other." in result.output
    assert "line 7: Repeats line 6." in result.output
    assert counts() == (0, 0, 0)
    skipped = run(app, tmp_path, text, "--skip-errors")
    assert skipped.exit_code == 0 and "1 created" in skipped.output
    assert counts() == (1, 1, 0)


def test_imported_clients_are_existing_customers_for_attribution(app, db, tmp_path, make_user):
    today = business_today()
    run(app, tmp_path, file_with(today))
    admin = make_user("admin")
    code = approved_referrer_code(admin)

    def referred(email: str, company: str):
        fields = lead_fields(email=email, company=company, referral_code=code)
        return submit_lead(fields, Arrival(source=LeadSource.FORM)).lead

    active = referred("new.person@northwind.example", "Northwind Labs")
    no_contract = referred("cto@initech.example", "Initech")
    long_ended = referred("cfo@globex.example", "Globex")
    assert (active.attribution_status, active.attribution_reason) == (
        AttributionStatus.REFUSED,
        "existing_customer",
    )
    assert no_contract.attribution_reason == "existing_customer"
    assert long_ended.attribution_status == AttributionStatus.ATTRIBUTED


def test_the_documented_sample_file_imports(app, db, tmp_path):
    sample = Path(__file__).resolve().parents[2] / "docs" / "import" / "clients.csv"
    result = run(app, tmp_path, sample.read_text(encoding="utf-8"))
    assert result.exit_code == 0 and "0 lines refused" in result.output, result.output


def test_a_contract_before_a_referred_clients_first_one_is_refused(app, db, tmp_path, make_user):
    admin = make_user("admin")
    code = approved_referrer_code(admin)
    lead = submit_lead(
        lead_fields(email="ana@hooli.example", company="Hooli", referral_code=code),
        Arrival(source=LeadSource.FORM),
    ).lead
    start = business_today() - timedelta(days=30)
    convert_lead(lead.id, ContractTerms(start, 1, 900_000, "USD"), admin)
    earlier = (start - timedelta(days=365)).isoformat()
    later = (start + timedelta(days=10)).isoformat()
    text = HEADER + (
        f"Hooli,hooli.example,Ana,Smith,ana@hooli.example,,{earlier},1,900000,,,\n"
        f"Hooli,hooli.example,Bo,Diaz,bo@hooli.example,,{later},1,900000,,,\n"
    )
    result = run(app, tmp_path, text)
    assert result.exit_code == 1
    assert f"line 2: contract_start_date: before the client's first contract ({start})" in (
        result.output
    )
    assert counts() == (1, 1, 1)
    skipped = run(app, tmp_path, text, "--skip-errors")
    assert "1 created" in skipped.output and counts() == (1, 2, 2)
