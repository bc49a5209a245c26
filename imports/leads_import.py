"""Importing leads from CSV (SPEC §16): every row is checked and classified (create, update,
unchanged, error) before anything is written; then one transaction writes the rows in bulk.
Imports send no email, queue no reminder and attribute nothing."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from auth.models import Role, User
from core.company import company_key, free_mail_domains
from core.db import utcnow
from core.extensions import db
from core.unit_of_work import use_case
from imports.common import CHUNK, ImportReport, Progress, chunks, read_rows
from imports.rules import (
    LEAD_OPTIONAL,
    LEAD_REQUIRED,
    UTM_COLUMNS,
    LeadRow,
    header_errors,
    lead_changes,
    lead_key,
    parse_lead_row,
)
from leads.models import Lead, LeadEvent, LeadSearchTerm
from leads.rules import OPEN_STATUSES, search_terms
from leads.services import index_search_terms


@dataclass
class _Plan:
    creates: list[LeadRow] = field(default_factory=list)
    updates: list[tuple[LeadRow, Lead, dict]] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)
    owners: dict[str, int] = field(default_factory=dict)
    """Owner email → account id, for the file's owner_email values."""


def _owners(emails: set[str]) -> dict[str, int]:
    """Active sales and admin accounts by email: a lead's possible owners."""
    if not emails:
        return {}
    query = sa.select(User.email, User.id).where(
        User.email.in_(emails), User.active.is_(True), User.role.in_((Role.SALES, Role.ADMIN))
    )
    return dict(db.session.execute(query).all())


def _existing(emails: list[str]) -> list[Lead]:
    found: list[Lead] = []
    for chunk in chunks(sorted(emails)):
        found += db.session.scalars(
            sa.select(Lead).where(Lead.email.in_(chunk)).order_by(Lead.id)
        ).all()
    return found


def _current(lead: Lead, owner_emails: dict[int, str]) -> dict:
    return {
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "company": lead.company,
        "source": lead.source,
        "status": lead.status,
        "lost_reason": lead.lost_reason,
        "owner_email": owner_emails.get(lead.owner_id),
        "phone": lead.phone,
        "message": lead.message,
        **{name: getattr(lead, name) for name in UTM_COLUMNS},
    }


def _plan(text: str, report: ImportReport, progress: Progress | None) -> _Plan:
    """Check and classify every row; refused lines go to the report."""
    plan = _Plan()
    header, rows = read_rows(text)
    problems = header_errors(header, LEAD_REQUIRED, LEAD_OPTIONAL)
    if problems:
        report.errors += [(1, problem) for problem in problems]
        return plan
    plan.columns = set(header)
    tz_name, now = current_app.config["TIMEZONE"], utcnow()
    parsed: list[LeadRow] = []
    first_line: dict[tuple, int] = {}
    for count, (line, values) in enumerate(rows, start=1):
        if "" in values:
            report.errors.append((line, values[""] + "."))
            continue
        row, problems = parse_lead_row(line, values, now, tz_name)
        if row is not None and (seen := first_line.get(row.key(tz_name))) is not None:
            problems = [f"Same email and creation date as line {seen}."]
            row = None
        if row is None:
            report.errors += [(line, problem) for problem in problems]
        else:
            first_line[row.key(tz_name)] = line
            parsed.append(row)
        if progress and count % CHUNK == 0:
            progress(CHUNK)
    owners = plan.owners = _owners({row.owner_email for row in parsed if row.owner_email})
    existing = _existing(list({row.email for row in parsed}))
    by_key = {}
    open_by_email: dict[str, int] = {}
    for lead in existing:
        by_key.setdefault(lead_key(lead.email, lead.created_at, tz_name), lead)
        if lead.status in OPEN_STATUSES:
            open_by_email[lead.email] = lead.id
    owner_emails = {user_id: email for email, user_id in owners.items()}
    owner_emails |= _emails_of({lead.owner_id for lead in existing} - set(owner_emails))
    for row in parsed:
        if row.owner_email and row.owner_email not in owners:
            report.errors.append((row.line, "owner_email: no active sales or admin account."))
            continue
        lead = by_key.get(row.key(tz_name))
        opens = row.status in OPEN_STATUSES
        other_open = open_by_email.get(row.email)
        if opens and other_open is not None and (lead is None or lead.id != other_open):
            report.errors.append(
                (row.line, f"An open lead with this email already exists (lead #{other_open}).")
            )
            continue
        if lead is None:
            plan.creates.append(row)
            if opens:
                open_by_email[row.email] = 0
            continue
        changes = lead_changes(row, _current(lead, owner_emails), plan.columns)
        if changes:
            plan.updates.append((row, lead, changes))
        else:
            report.unchanged += 1
    report.created, report.updated = len(plan.creates), len(plan.updates)
    report.errors.sort()
    return plan


def _emails_of(user_ids: set[int | None]) -> dict[int, str]:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_(ids))).all())


def preview_leads(text: str) -> ImportReport:
    """What importing the file would do; writes nothing."""
    report = ImportReport("leads")
    _plan(text, report, None)
    return report


def _new_lead(row: LeadRow, owner_id: int | None, actor_id: int | None, free: frozenset) -> dict:
    return {
        "status": row.status,
        "source": row.source,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "company": row.company,
        "company_key": company_key(row.email, row.company, free),
        "email": row.email,
        "roles": [],
        "phone": row.phone,
        "message": row.message,
        "lost_reason": row.lost_reason,
        "owner_id": owner_id,
        "created_by_id": actor_id,
        "created_at": row.created_at,
        "updated_at": row.created_at,
        **row.utm,
    }


def _refresh_statistics() -> None:
    """PostgreSQL plans the foreign-key checks of the rows that follow from the table's
    statistics: on a fresh database they still say "empty", the checks scan the table, and
    each chunk costs more than the last. Refreshed once the first chunk is in."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE leads"))


def _write(plan: _Plan, filename: str, actor: User | None, progress: Progress | None) -> None:
    owners = plan.owners
    free, actor_id = free_mail_domains(), actor.id if actor else None
    for number, chunk in enumerate(chunks(plan.creates)):
        values = [_new_lead(row, owners.get(row.owner_email), actor_id, free) for row in chunk]
        db.session.execute(sa.insert(Lead.__table__), values)
        inserted = db.session.execute(
            sa.select(Lead.id, Lead.email, Lead.created_at).where(
                Lead.email.in_({row.email for row in chunk})
            )
        )
        id_of = {(email, created): lead_id for lead_id, email, created in inserted}
        ids = [id_of[(row.email, row.created_at)] for row in chunk]
        if number == 0:
            _refresh_statistics()
        db.session.execute(
            sa.insert(LeadSearchTerm),
            [
                {"lead_id": lead_id, "term": term}
                for lead_id, row in zip(ids, chunk, strict=True)
                for term in search_terms(row.first_name, row.last_name, row.company, row.email)
            ],
        )
        db.session.execute(
            sa.insert(LeadEvent),
            [
                {
                    "lead_id": lead_id,
                    "actor_id": actor_id,
                    "kind": "import",
                    "detail": f"Imported from {filename}, line {row.line}.",
                    "created_at": row.created_at,
                }
                for lead_id, row in zip(ids, chunk, strict=True)
            ],
        )
        if progress:
            progress(len(chunk))
    for row, lead, changes in plan.updates:
        for name, value in changes.items():
            if name == "owner_email":
                lead.owner_id = owners.get(value)
            else:
                setattr(lead, name, value)
        if {"first_name", "last_name", "company"} & set(changes):
            lead.company_key = company_key(lead.email, lead.company, free)
            index_search_terms(lead, replace=True)
        db.session.add(
            LeadEvent(
                lead_id=lead.id,
                actor_id=actor_id,
                kind="import",
                detail=f"Updated from {filename}, line {row.line}: {', '.join(sorted(changes))}.",
            )
        )
    if progress and plan.updates:
        progress(len(plan.updates))


@use_case
def import_leads(
    text: str,
    filename: str,
    actor: User | None,
    *,
    skip_errors: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Create or update every valid row in one transaction. A file with an error imports
    nothing unless `skip_errors`; re-running a file changes nothing."""
    report = ImportReport("leads")
    plan = _plan(text, report, progress)
    if not report.may_write(skip_errors):
        return report
    _write(plan, filename, actor, progress)
    report.record_written(filename)
    return report
