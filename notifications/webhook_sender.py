"""Sending webhook deliveries (SPEC §15): signed per Standard Webhooks 1.0, a 2xx answer
within the timeout delivers, anything else is retried after OUTBOX_RETRY_SECONDS, doubling,
up to WEBHOOK_MAX_TRIES, then the delivery is failed.

The target's name is resolved here, every address checked (unless WEBHOOK_ALLOW_PRIVATE),
and the connection made to the checked address itself, so a name that changes its answer
between the check and the call (DNS rebinding) cannot reach an internal service."""

import http.client
import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from standardwebhooks import Webhook

from core.db import utcnow
from core.extensions import db
from core.time import retry_delay
from notifications.webhook_rules import address_refusal, url_refusal
from notifications.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)
USER_AGENT = "HireTechTalent-Webhooks/1"


class Refused(Exception):
    """The target may not be called: the delivery fails without further tries."""


@dataclass
class WebhookPassResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def signed_headers(secret: str, webhook_id: str, body: str, moment: datetime) -> dict[str, str]:
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, moment, body),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


def _checked_address(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ConnectionError(f"cannot resolve {host}: {error}") from None
    addresses = [info[4][0] for info in infos]
    if not allow_private:
        for address in addresses:
            refusal = address_refusal(address)
            if refusal:
                raise Refused(f"{host} resolves to {refusal} ({address})")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: str, headers: dict[str, str]) -> int:
    """POST to the checked address of `url`; the answer's status code."""
    config = current_app.config
    refusal = url_refusal(
        url,
        allow_http=config["WEBHOOK_ALLOW_HTTP"],
        allow_private=config["WEBHOOK_ALLOW_PRIVATE"],
    )
    if refusal:
        raise Refused(refusal)
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    address = _checked_address(parts.hostname, port, config["WEBHOOK_ALLOW_PRIVATE"])
    connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = connection_class(parts.hostname, port, address, config["WEBHOOK_TIMEOUT_SECONDS"])
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read(65_536)
        return response.status
    finally:
        connection.close()


@dataclass
class Attempt:
    """A claimed delivery, signed for this try (the row stays locked on PostgreSQL)."""

    delivery: WebhookDelivery
    url: str
    headers: dict[str, str]


def claim_attempt(delivery_id: int, started: datetime) -> Attempt | None:
    """The delivery locked for this sender (None when another has it or it is done)."""
    row = db.session.execute(
        sa.select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.send_after <= started,
        )
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    ).first()
    if row is None:
        return None
    delivery, url, secret = row
    headers = signed_headers(secret, delivery.webhook_id, delivery.body, datetime.now(UTC))
    return Attempt(delivery, url, headers)


def make_attempt(attempt: Attempt, result: WebhookPassResult) -> None:
    """Post once and record the outcome on the delivery (the sender commits it)."""
    delivery, config = attempt.delivery, current_app.config
    delivery.tries += 1
    try:
        status = post(attempt.url, delivery.body, attempt.headers)
    except Refused as refusal:
        delivery.status, delivery.last_status_code = DeliveryStatus.FAILED, None
        delivery.last_error = f"Refused: {refusal}"[:2000]
        result.failed += 1
        return
    except Exception as error:  # noqa: BLE001 - any failure to deliver is retried
        status, delivery.last_error = None, f"{type(error).__name__}: {error}"[:2000]
    delivery.last_status_code = status
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            utcnow(),
            None,
        )
        result.delivered += 1
        return
    if status is not None:
        delivery.last_error = f"HTTP {status}"
    if delivery.tries >= config["WEBHOOK_MAX_TRIES"]:
        delivery.status = DeliveryStatus.FAILED
        result.failed += 1
    else:
        delivery.send_after = utcnow() + retry_delay(delivery.tries, config["OUTBOX_RETRY_SECONDS"])
        result.retried += 1
    log.warning("webhook delivery %s not delivered: %s", delivery.id, delivery.last_error)
