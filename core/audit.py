"""The audit log (SPEC §14): one append-only row per change to money, attribution, referrers,
program settings, staff accounts, tokens, webhook endpoints, personal data and imports, and
per sign-in attempt.

`record` adds the row to the use case's own transaction, so the row and the change commit or
roll back together. The actor is whoever the request authenticated as: the API's token
(`act_as`), the portal's referrer (`act_as`), else the signed-in staff user; a CLI command
or a job outside any request is `system`. The database refuses UPDATE and DELETE of these
rows (triggers in migration 0009)."""

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from core.db import utcnow
from core.extensions import db
from core.unit_of_work import in_unit_of_work

ACTOR_KINDS = ("user", "token", "referrer", "system")
ACTIONS = (
    "auth.sign_in_failed",
    "auth.signed_in",
    "commission.approved",
    "commission.written_off",
    "contract.ended",
    "contract.start_date_changed",
    "guarantee_claim.recorded",
    "import.completed",
    "invoice.created",
    "invoice.payment_recorded",
    "invoice.refund_recorded",
    "invoice.voided",
    "invoice.written_off",
    "lead.attribution_changed",
    "lead.converted",
    "payout.created",
    "payout.paid",
    "payout.line_paid",
    "payout.line_failed",
    "payout.cancelled",
    "personal_data.erased",
    "personal_data.exported",
    "program_settings.changed",
    "referrer.rate_changed",
    "referrer.status_changed",
    "referrer.tax_form_changed",
    "refund.marked_sent",
    "token.issued",
    "token.revoked",
    "user.created",
    "user.deactivated",
    "user.mfa_enabled",
    "user.password_changed",
    "user.password_reset_sent",
    "user.reactivated",
    "user.role_changed",
    "user.availability_changed",
    "webhook_endpoint.created",
    "webhook_endpoint.deleted",
)
"""Every action the log names (the filter's choices); `record` refuses any other."""
_ACTOR_KEY = "audit.actor"


@dataclass(frozen=True)
class Actor:
    kind: str
    id: int | None = None
    email: str | None = None


SYSTEM = Actor("system")


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_at_id", "at", "id"),
        sa.Index("ix_audit_events_entity", "entity_type", "entity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(sa.String(10))
    actor_id: Mapped[int | None]
    actor_email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    client_address: Mapped[str | None] = mapped_column(sa.String(45))

    @property
    def actor(self) -> Actor:
        return Actor(self.actor_kind, self.actor_id, self.actor_email)


def act_as(actor: Actor) -> None:
    """Name the actor of this request (a token, a referrer); kept in the request's environ so
    that it never outlives the request."""
    request.environ[_ACTOR_KEY] = actor


def current_actor() -> Actor:
    if not has_request_context():
        return SYSTEM
    named = request.environ.get(_ACTOR_KEY)
    if named is not None:
        return named
    if current_user and current_user.is_authenticated:
        return Actor("user", current_user.id, current_user.email)
    return SYSTEM


def plain(value: object) -> object:
    """A value as the API writes it: dates as ISO text, enums as their values."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def changed(before: dict, after: dict) -> dict[str, list]:
    """`{field: [before, after]}` for the fields whose value differs."""
    return {
        field: [plain(before.get(field)), plain(value)]
        for field, value in after.items()
        if plain(before.get(field)) != plain(value)
    }


def created(fields: dict) -> dict[str, list]:
    """The changes of a new record: every field that has a value, from null."""
    return {field: [None, plain(value)] for field, value in fields.items() if value is not None}


def _check(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"not an audit action: {action}")
    if not in_unit_of_work():
        raise RuntimeError("audit events are recorded inside the use case of their change")


def _who_and_where(actor: Actor) -> dict:
    return {
        "actor_kind": actor.kind,
        "actor_id": actor.id,
        "actor_email": actor.email,
        "client_address": request.remote_addr if has_request_context() else None,
    }


def record(
    action: str,
    entity_type: str,
    entity_id: int | None,
    changes: dict[str, list] | None = None,
    *,
    actor: Actor | None = None,
) -> AuditEvent:
    """Add the event to the open unit of work (never on its own: a change and its row
    commit together)."""
    _check(action)
    event = AuditEvent(
        **_who_and_where(actor or current_actor()),
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        changes=changes or {},
    )
    db.session.add(event)
    return event


def record_many(action: str, entity_type: str, rows: list[tuple[int, dict[str, list]]]) -> None:
    """One event per entity in one INSERT (approve-due approves thousands at once)."""
    if not rows:
        return
    _check(action)
    common = {**_who_and_where(current_actor()), "at": utcnow(), "action": action}
    db.session.execute(
        sa.insert(AuditEvent),
        [
            {**common, "entity_type": entity_type, "entity_id": entity_id, "changes": changes}
            for entity_id, changes in rows
        ],
    )
