"""`flask import leads FILE` (SPEC §16) on a real database: rows create or update leads keyed
by email and creation date, a second run changes nothing, a file with an error imports
nothing unless --skip-errors, each refused line is named with its file line, and an import
sends no email and attributes nothing."""

from pathlib import Path

import sqlalchemy as sa

from auth.services import create_user
from core.audit import AuditEvent
from core.extensions import db
from leads.models import Lead, LeadEvent, LeadSearchTerm
from leads.queries import LeadFilters, page_of_leads
from leads.rules import search_terms
from notifications.models import OutboxMessage

GOOD = (
    "first_name,last_name,email,company,status,lost_reason,owner_email,created_at,utm_source\n"
    "Ana,Chen,ana@northwind.example,Northwind Labs,contacted,,"
    "sales@hiretechtalent.example,2026-03-01,linkedin\n"
    "Bo,Diaz,BO@globex.example,Globex,lost,Chose an in-house team,,2026-04-02T09:30:00,\n"
    "Cy,Evans,cy@initech.example,Initech,,,,,\n"
)


def run(app, tmp_path, text: str, *options: str):
    path = tmp_path / "leads.csv"
    path.write_text(text, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import", "leads", str(path), *options])


def leads() -> list[tuple]:
    rows = db.session.execute(
        sa.select(Lead.email, Lead.status, Lead.source, Lead.utm_source).order_by(Lead.email)
    ).all()
    db.session.rollback()
    return [(email, status.value, source.value, utm) for email, status, source, utm in rows]


def test_a_file_creates_its_leads_and_a_second_run_changes_nothing(app, db, tmp_path):
    create_user("sales@hiretechtalent.example", "sales", "correct horse battery")
    first = run(app, tmp_path, GOOD)
    assert first.exit_code == 0, first.output
    assert "leads: 3 created, 0 updated, 0 unchanged, 0 lines refused" in first.output
    assert leads() == [
        ("ana@northwind.example", "contacted", "other", "linkedin"),
        ("bo@globex.example", "lost", "other", None),
        ("cy@initech.example", "new", "other", None),
    ]
    ana = db.session.scalar(sa.select(Lead).where(Lead.email == "ana@northwind.example"))
    assert ana.owner.email == "sales@hiretechtalent.example"
    assert ana.created_at.date().isoformat() == "2026-03-01"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert page_of_leads(LeadFilters.model_validate({"q": "northwind"}))[0] == [ana]
    events = db.session.scalars(sa.select(LeadEvent.detail).where(LeadEvent.kind == "import"))
    assert "Imported from leads.csv, line 2." in list(events)

    second = run(app, tmp_path, GOOD)
    assert second.exit_code == 0
    assert "leads: 0 created, 0 updated, 3 unchanged, 0 lines refused" in second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 3
    audits = db.session.scalars(
        sa.select(AuditEvent.changes).where(AuditEvent.action == "import.completed")
    ).all()
    assert [a["created"][1] for a in audits] == [3, 0]


def test_a_changed_row_updates_only_the_files_columns(app, db, tmp_path):
    run(
        app,
        tmp_path,
        "first_name,last_name,email,company,created_at,utm_source\n"
        "Ana,Chen,ana@northwind.example,Northwind,2026-03-01,linkedin\n",
    )
    lead = db.session.scalar(sa.select(Lead))
    lead.phone = "+1 212 555 0100"
    db.session.commit()
    changed = run(
        app,
        tmp_path,
        "first_name,last_name,email,company,created_at,status\n"
        "Ana,Chen-Li,ana@northwind.example,Northwind,2026-03-01,qualified\n",
    )
    assert "0 created, 1 updated, 0 unchanged" in changed.output
    db.session.expire_all()
    lead = db.session.get(Lead, lead.id)
    assert (lead.last_name, lead.status.value) == ("Chen-Li", "qualified")
    assert (lead.utm_source, lead.phone) == ("linkedin", "+1 212 555 0100")
    terms = set(db.session.scalars(sa.select(LeadSearchTerm.term)))
    assert terms == search_terms("Ana", "Chen-Li", "Northwind", "ana@northwind.example")


def test_a_file_with_a_bad_row_imports_nothing_and_names_every_bad_line(app, db, tmp_path):
    text = (
        "first_name,last_name,email,company,status,created_at\n"
        "Ana,Chen,ana@northwind.example,Northwind,,\n"
        "Bo,Diaz,not-an-email,Globex,,\n"
        "Cy,Evans,cy@initech.example,Initech,won,\n"
        "Di,Fox,di@umbrella.example,Umbrella,lost,\n"
        "Ed,Gray,ed@hooli.example,Hooli,,2026-02-30\n"
        "Ana,Chen,ana@northwind.example,Northwind,,\n"
    )
    result = run(app, tmp_path, text)
    assert result.exit_code == 1
    assert "line 3: email: not an email address." in result.output
    assert "line 4: status: won leads come in as clients" in result.output
    assert "line 5: lost_reason: required when the status is lost." in result.output
    assert "line 6: created_at: A date (2026-03-01)" in result.output
    assert "line 7: Same email and creation date as line 2." in result.output
    assert "nothing was imported" in result.output
    assert leads() == []

    skipped = run(app, tmp_path, text, "--skip-errors")
    assert skipped.exit_code == 0
    assert "1 created, 0 updated, 0 unchanged, 5 lines refused" in skipped.output
    assert [email for email, *_ in leads()] == ["ana@northwind.example"]


def test_an_unknown_or_missing_column_refuses_the_file(app, db, tmp_path):
    result = run(app, tmp_path, "first_name,email,company,shoe_size\nAna,a@b.example,B,42\n")
    assert result.exit_code == 1
    assert "line 1: Unknown column 'shoe_size'." in result.output
    assert "line 1: Missing column 'last_name'." in result.output
    skipped = run(
        app, tmp_path, "first_name,email,company,shoe_size\nAna,a@b.example,B,42\n", "--skip-errors"
    )
    assert skipped.exit_code != 0 and leads() == []


def test_an_unknown_owner_and_a_second_open_lead_are_refused(app, db, tmp_path, make_lead):
    open_lead = make_lead(email="ana@northwind.example")
    text = (
        "first_name,last_name,email,company,owner_email,created_at\n"
        "Ana,Chen,ana@northwind.example,Northwind,,2026-01-15\n"
        "Bo,Diaz,bo@globex.example,Globex,nobody@hiretechtalent.example,\n"
    )
    result = run(app, tmp_path, text)
    assert f"line 2: An open lead with this email already exists (lead #{open_lead.id})." in (
        result.output
    )
    assert "line 3: owner_email: no active sales or admin account." in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 1


def test_an_unreadable_file_is_refused_with_a_message(app, db, tmp_path):
    result = app.test_cli_runner().invoke(args=["import", "leads", str(tmp_path / "none.csv")])
    assert result.exit_code != 0 and "Cannot read" in result.output


def test_the_documented_sample_file_imports(app, db, tmp_path):
    sample = Path(__file__).resolve().parents[2] / "docs" / "import" / "leads.csv"
    result = run(app, tmp_path, sample.read_text(encoding="utf-8"))
    assert result.exit_code == 0 and "3 created" in result.output, result.output
