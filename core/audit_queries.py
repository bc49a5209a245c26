"""Reading the audit log: filters from a query string, newest first, keyset pages."""

import enum
import json
from collections.abc import Iterator
from typing import Annotated

import sqlalchemy as sa
from flask import current_app
from pydantic import Field, PlainValidator, PrivateAttr, WithJsonSchema

from core.audit import AuditEvent
from core.extensions import db
from core.keyset import newest_first_page
from core.query_models import (
    TEXT_SCHEMA,
    ListQuery,
    QueryDate,
    QueryId,
    parse_query,
    query_choice,
)
from core.time import iso_utc, utc_range_for_local_dates

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
EntityType = enum.StrEnum("EntityType", {name.upper(): name for name in ENTITY_TYPES})
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


def _action(raw: str) -> str:
    return raw.strip()[:60]


def _email(raw: str) -> str:
    return raw.strip().lower()[:254]


class AuditFilters(ListQuery):
    """`entity_type`, `entity_id`, `action`, `actor_email`, `from`, `to` (business dates in
    TIMEZONE), `limit`, `cursor`: for the audit page, its CSV and GET /api/v1/audit-events."""

    entity_type: query_choice(EntityType) | None = None
    entity_id: QueryId | None = None
    action: Annotated[str | None, PlainValidator(_action), WithJsonSchema(TEXT_SCHEMA)] = None
    actor_email: Annotated[str | None, PlainValidator(_email), WithJsonSchema(TEXT_SCHEMA)] = None
    date_from: QueryDate | None = Field(default=None, alias="from")
    date_to: QueryDate | None = Field(default=None, alias="to")
    _given: dict[str, str] = PrivateAttr(default_factory=dict)

    @property
    def as_args(self) -> dict[str, str]:
        """The filters as given (for the form, and links to the next page and to the CSV)."""
        return self._given


FILTER_NAMES = ("entity_type", "entity_id", "action", "actor_email", "from", "to")


def parse_audit_filters(args) -> tuple[AuditFilters, dict[str, list[str]]]:
    """The filters, with an error message per bad argument."""
    filters, errors = parse_query(AuditFilters, args)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["to"] = ["On or after the start date."]
    filters._given = {name: args[name] for name in FILTER_NAMES if args.get(name)}
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
