"""The sender: one pass tries every message, and every webhook delivery, due at its start
exactly once.

On PostgreSQL each message is claimed with FOR UPDATE SKIP LOCKED and sent while the row is
locked, so senders on several hosts never send one message twice. A failed try is retried
after OUTBOX_RETRY_SECONDS, doubling each time, until OUTBOX_MAX_TRIES marks it failed."""

import logging
import os
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_mail import Message

from core.db import WRITING, utcnow
from core.extensions import db, mail
from core.time import retry_delay
from notifications.models import OutboxMessage, OutboxStatus, forget_link
from notifications.signals import sender_pass_finished
from notifications.webhook_sender import WebhookPassResult, claim_attempt, make_attempt
from notifications.webhooks import WebhookDelivery

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    webhooks: WebhookPassResult = field(default_factory=WebhookPassResult)


def build_message(row: OutboxMessage) -> Message:
    message = Message(
        subject=row.subject,
        recipients=[row.to_address],
        body=row.body_text,
        html=row.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    message.msgId = row.message_id
    return message


def deliver(message: Message, file_name: str) -> None:
    """SMTP when MAIL_SERVER is set, else an .eml file under the instance folder."""
    if current_app.config.get("MAIL_SERVER"):
        _send_with_timeout(message, current_app.config["MAIL_TIMEOUT"])
        return
    folder = outbox_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Readable by the owner only: a sign-in link in it works until it is used (SPEC §14).
    descriptor = os.open(folder / file_name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as eml:
        eml.write(message.as_bytes())


def _send_with_timeout(message: Message, seconds: float) -> None:
    """Flask-Mail opens its SMTP connection without a timeout, so a server that accepts and
    never answers would hang the sender for good. smtplib takes the socket module's default
    when none is given: set it for this send (the sender is one thread; the web process never
    talks SMTP). A timeout raises, and counts as a failed try."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        mail.send(message)
    finally:
        socket.setdefaulttimeout(previous)


def outbox_folder() -> Path:
    return Path(current_app.instance_path) / "outbox"


def _due_ids(model, started: datetime) -> list[int]:
    """Emails or webhook deliveries (both have `status` and `send_after`) due at `started`."""
    query = (
        sa.select(model.id)
        .where(model.status == "pending", model.send_after <= started)
        .order_by(model.id)
    )
    ids = list(db.session.scalars(query))
    db.session.rollback()
    return ids


def _release_sqlite_write_lock() -> None:
    """One sender per SQLite database: release the write lock while the far side talks."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()


def _claim(message_id: int, started: datetime) -> OutboxMessage | None:
    query = (
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.send_after <= started,
        )
        .with_for_update(skip_locked=True)
    )
    return db.session.scalar(query)


def _try_one(message_id: int, started: datetime, result: PassResult) -> None:
    row = _claim(message_id, started)
    if row is None:
        db.session.rollback()
        return
    file_name = f"{row.id:08d}-{row.event}.eml"
    config = current_app.config
    try:
        message = build_message(row)
        _release_sqlite_write_lock()
        deliver(message, file_name)
    except Exception as error:  # noqa: BLE001 - any delivery failure is retried, never lost
        row.tries += 1
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        if row.tries >= config["OUTBOX_MAX_TRIES"]:
            row.status = OutboxStatus.FAILED
            forget_link(row)
            result.failed += 1
        else:
            row.send_after = utcnow() + retry_delay(row.tries, config["OUTBOX_RETRY_SECONDS"])
            result.retried += 1
        log.warning("outbox message %s not sent: %s", row.id, row.last_error)
    else:
        row.tries += 1
        row.status = OutboxStatus.SENT
        row.sent_at = utcnow()
        row.last_error = None
        forget_link(row)
        result.sent += 1


def _try_webhook(delivery_id: int, started: datetime, result: WebhookPassResult) -> None:
    attempt = claim_attempt(delivery_id, started)
    if attempt is None:
        db.session.rollback()
        return
    _release_sqlite_write_lock()
    make_attempt(attempt, result)


def _each_due(model, started: datetime, try_one, result) -> None:
    """Each due row tried once, its outcome committed before the next is tried."""
    for row_id in _due_ids(model, started):
        writing = WRITING.set(True)
        try:
            try_one(row_id, started, result)
            db.session.commit()
        finally:
            WRITING.reset(writing)


def send_pass() -> PassResult:
    started = utcnow()
    result = PassResult()
    _each_due(OutboxMessage, started, _try_one, result)
    _each_due(WebhookDelivery, started, _try_webhook, result.webhooks)
    return result


MAX_BACKOFF_SECONDS = 60.0


def send_loop(interval_seconds: float, passes: int | None = None) -> None:
    """Repeat passes until interrupted (or `passes` are done); other packages' housekeeping
    runs after each pass. A pass that fails on the database (a restart, a terminated
    connection, "database is locked", a full disk) is logged and tried again after a pause
    that doubles up to a minute: mail is late, never stopped. A message delivered but not yet
    marked sent stays pending and goes out once more (at least once, never lost)."""
    failures = 0
    done = 0
    while passes is None or done < passes:
        done += 1
        try:
            send_pass()
            sender_pass_finished.send("outbox")
        except Exception:  # noqa: BLE001 - the loop must outlive any one failure
            failures += 1
            _discard_session()
            pause = min(interval_seconds * 2**failures, MAX_BACKOFF_SECONDS)
            log.exception("outbox pass failed (%d in a row); next try in %.1f s", failures, pause)
            time.sleep(pause)
            continue
        failures = 0
        time.sleep(interval_seconds)


def _discard_session() -> None:
    """Forget the failed pass's session and connection; the next pass connects afresh."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may already be gone
        log.warning("rollback after a failed pass failed too", exc_info=True)
    db.session.remove()
