"""Webhook endpoints and their deliveries (SPEC §15).

`emit` writes one delivery per subscribed, enabled endpoint inside the change's own unit of
work: a change and its deliveries commit together, and a delivery is never written for a
change that rolled back. The body is fixed when it is written, so every retry sends the same
bytes under the same `webhook-id`."""

import base64
import enum
import json
import secrets
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from core import audit
from core.audit import created
from core.db import str_enum, utcnow
from core.extensions import db
from core.keyset import newest_first_page
from core.pagination import Cursor
from core.service_errors import ServiceError
from core.time import iso_utc
from core.unit_of_work import use_case
from notifications.webhook_rules import WEBHOOK_EVENTS, unknown_events, url_refusal

SECRET_PREFIX = "whsec_"


class EndpointStatus(enum.StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookEndpoint(db.Model):
    """The signing secret is kept as given: signing needs it (it is shown once)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list] = mapped_column(sa.JSON)
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    secret: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[EndpointStatus] = mapped_column(
        str_enum(EndpointStatus), default=EndpointStatus.ENABLED
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.Index("ix_webhook_deliveries_due", "status", "send_after"),
        sa.Index("ix_webhook_deliveries_endpoint", "endpoint_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event: Mapped[str] = mapped_column(sa.String(40))
    webhook_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        str_enum(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    tries: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


def new_signing_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError("invalid", message, {field: [message]})


@use_case
def register_endpoint(url: str, events: list[str], description: str = "") -> WebhookEndpoint:
    """An enabled endpoint with a new secret (the caller shows it once)."""
    url = (url or "").strip()
    config = current_app.config
    refusal = url_refusal(
        url,
        allow_http=config["WEBHOOK_ALLOW_HTTP"],
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
    )
    if refusal:
        raise _invalid("url", refusal)
    if not events:
        raise _invalid("events", "Choose at least one event.")
    unknown = unknown_events(events)
    if unknown:
        raise _invalid("events", f"Unknown events: {', '.join(unknown)}.")
    description = (description or "").strip()
    if len(description) > 500:
        raise _invalid("description", "At most 500 characters.")
    endpoint = WebhookEndpoint(
        url=url,
        events=[event for event in WEBHOOK_EVENTS if event in events],
        description=description,
        secret=new_signing_secret(),
    )
    db.session.add(endpoint)
    db.session.flush()
    fields = {"url": url, "events": endpoint.events, "description": description or None}
    audit.record("webhook_endpoint.created", "webhook_endpoint", endpoint.id, created(fields))
    return endpoint


def get_endpoint(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.get(WebhookEndpoint, endpoint_id)


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = get_endpoint(endpoint_id)
    if endpoint is None:
        raise ServiceError("not_found", "No such webhook endpoint.")
    return endpoint


@use_case
def delete_endpoint(endpoint_id: int) -> None:
    """The endpoint and its deliveries (pending ones are not sent)."""
    endpoint = _endpoint(endpoint_id)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    audit.record(
        "webhook_endpoint.deleted",
        "webhook_endpoint",
        endpoint.id,
        {"url": [endpoint.url, None], "events": [endpoint.events, None]},
    )
    db.session.delete(endpoint)


@use_case
def set_endpoint_status(endpoint_id: int, status: EndpointStatus) -> WebhookEndpoint:
    """A disabled endpoint gets no new deliveries; those already written still go out."""
    endpoint = _endpoint(endpoint_id)
    endpoint.status = status
    return endpoint


@use_case
def redeliver(delivery_id: int) -> WebhookDelivery:
    """A failed delivery goes out again, same id and body, with a fresh set of tries."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise ServiceError("not_found", "No such delivery.")
    if delivery.status != DeliveryStatus.FAILED:
        raise ServiceError("illegal_transition", "Only a failed delivery is sent again.")
    delivery.status, delivery.tries, delivery.send_after = DeliveryStatus.PENDING, 0, utcnow()
    return delivery


def emit(event: str, data: Callable[[], dict]) -> int:
    """Write the event's deliveries in the open unit of work; `data` (the §8 resource) is
    built only when some endpoint listens. Returns how many were written."""
    return emit_each(event, lambda: [data()])


def emit_each(event: str, resources: Callable[[], list[dict]]) -> int:
    """One event per resource (approve-due approves many entries at once)."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"not a webhook event: {event}")
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(
            sa.select(WebhookEndpoint).where(WebhookEndpoint.status == EndpointStatus.ENABLED)
        )
        if event in endpoint.events
    ]
    if not endpoints:
        return 0
    timestamp = iso_utc(utcnow())
    bodies = [
        json.dumps(
            {"type": event, "timestamp": timestamp, "data": resource},
            separators=(",", ":"),
            ensure_ascii=False,
        )
        for resource in resources()
    ]
    db.session.add_all(
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event=event,
            webhook_id=f"msg_{secrets.token_urlsafe(18)}",
            body=body,
        )
        for endpoint in endpoints
        for body in bodies
    )
    return len(endpoints) * len(bodies)


def endpoint_page(limit: int, cursor: Cursor | None) -> tuple[list[WebhookEndpoint], str | None]:
    return newest_first_page(
        sa.select(WebhookEndpoint), WebhookEndpoint.created_at, WebhookEndpoint.id, limit, cursor
    )


def delivery_page(
    endpoint_id: int, limit: int, cursor: Cursor | None
) -> tuple[list[WebhookDelivery], str | None]:
    _endpoint(endpoint_id)
    query = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    return newest_first_page(query, WebhookDelivery.created_at, WebhookDelivery.id, limit, cursor)


def endpoint_to_dict(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict:
    answer = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "status": endpoint.status.value,
    }
    if with_secret:
        answer["secret"] = endpoint.secret
    return answer


def delivery_to_dict(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.id,
        "event": delivery.event,
        "webhook_id": delivery.webhook_id,
        "status": delivery.status.value,
        "tries": delivery.tries,
        "last_status_code": delivery.last_status_code,
    }
