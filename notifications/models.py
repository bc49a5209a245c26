import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import str_enum, utcnow
from core.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxMessage(db.Model):
    """A rendered email. `dedupe_key` is unique: the database refuses a second copy of a
    message that must go out once (one confirmation per address per day)."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_messages_due", "status", "send_after"),
        sa.Index("ix_outbox_messages_address_created", "to_address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    event: Mapped[str] = mapped_column(sa.String(50))
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(300), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    tries: Mapped[int] = mapped_column(default=0)
    send_after: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


LINK_EVENTS = frozenset({"portal_sign_in", "account_set_password", "account_password_reset"})
"""Emails carrying a single-use link: their body is removed once sent or given up on, so no
usable link rests in the database (SPEC §14)."""

SCRUBBED_BODY = (
    "This message carried a single-use link; its body was removed once it was sent or given up."
)


def forget_link(message: OutboxMessage) -> None:
    if message.event in LINK_EVENTS:
        message.body_text = SCRUBBED_BODY
        message.body_html = f"<p>{SCRUBBED_BODY}</p>"
