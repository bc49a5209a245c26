"""Reading the audit log: filters from a query string, newest first, keyset pages."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import current_app

from core.audit import AuditEvent
from core.extensions import db
from core.keyset import newest_first_page
from core.pagination import MAX_ID, Cursor, page_arguments
from core.time import iso_utc, query_date, utc_range_for_local_dates

ENTITY_TYPES = (
    "commission",
    "contract",
    "guarantee_claim",
    "import",
    "invoice",
    "lead",
    "payout",
    "personal_data",
    "program_settings",
    "referrer",
    "refund",
    "token",
    "user",
    "webhook_endpoint",
)
CSV_HEADER = [
    "id",
    "at",
    "actor_kind",
    "actor_id",
    "actor_email",
    "action",
    "entity_type",
    "entity_id",
    "changes",
    "client_address",
]


@dataclass
class AuditFilters:
    entity_type: str | None = None
    entity_id: int | None = None
    action: str | None = None
    actor_email: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    limit: int = 50
    cursor: Cursor | None = None
    as_args: dict[str, str] = field(default_factory=dict)
    """The filters as given (for links to the next page and to the CSV)."""


def parse_audit_filters(args) -> tuple[AuditFilters, dict[str, list[str]]]:
    """Filters from `entity_type`, `entity_id`, `action`, `actor_email`, `from`, `to`,
    `limit`, `cursor`, with an error message per bad argument."""
    filters, errors = AuditFilters(), {}
    entity_type = (args.get("entity_type") or "").strip()
    if entity_type:
        if entity_type in ENTITY_TYPES:
            filters.entity_type = entity_type
        else:
            errors["entity_type"] = [f"One of {', '.join(ENTITY_TYPES)}."]
    raw_id = (args.get("entity_id") or "").strip()
    if raw_id:
        if raw_id.isascii() and raw_id.isdigit() and 1 <= int(raw_id) <= MAX_ID:
            filters.entity_id = int(raw_id)
        else:
            errors["entity_id"] = [f"A whole number between 1 and {MAX_ID}."]
    filters.action = (args.get("action") or "").strip()[:60] or None
    filters.actor_email = (args.get("actor_email") or "").strip().lower()[:254] or None
    for name, attribute in (("from", "date_from"), ("to", "date_to")):
        raw = (args.get(name) or "").strip()
        if raw:
            try:
                setattr(filters, attribute, query_date(raw))
            except ValueError as error:
                errors[name] = [str(error)]
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["to"] = ["On or after the start date."]
    filters.limit, filters.cursor = page_arguments(args, errors)
    names = ("entity_type", "entity_id", "action", "actor_email", "from", "to")
    filters.as_args = {name: args[name] for name in names if args.get(name)}
    return filters, errors


def _filtered(filters: AuditFilters) -> sa.Select:
    query = sa.select(AuditEvent)
    if filters.entity_type:
        query = query.where(AuditEvent.entity_type == filters.entity_type)
    if filters.entity_id:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor_email:
        query = query.where(AuditEvent.actor_email == filters.actor_email)
    start, end = utc_range_for_local_dates(
        filters.date_from, filters.date_to, current_app.config["TIMEZONE"]
    )
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at < end)
    return query


def audit_page(filters: AuditFilters) -> tuple[list[AuditEvent], str | None]:
    """One page, newest first, and the cursor of the next (None on the last)."""
    return newest_first_page(
        _filtered(filters), AuditEvent.at, AuditEvent.id, filters.limit, filters.cursor
    )


def audit_csv_rows(filters: AuditFilters) -> Iterator[list]:
    """Every matching event, streamed in batches."""
    query = _filtered(filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    result = db.session.execute(query.execution_options(yield_per=1000))
    for event in result.scalars():
        yield [
            event.id,
            iso_utc(event.at),
            event.actor_kind,
            event.actor_id,
            event.actor_email,
            event.action,
            event.entity_type,
            event.entity_id,
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True),
            event.client_address,
        ]


def event_to_dict(event: AuditEvent) -> dict:
    """An audit event as the API writes it (SPEC §14)."""
    return {
        "id": event.id,
        "at": iso_utc(event.at),
        "actor": {"kind": event.actor_kind, "id": event.actor_id, "email": event.actor_email},
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "changes": event.changes,
        "client_address": event.client_address,
    }
