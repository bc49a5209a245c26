"""Plain helpers shared by tests (importable, unlike conftest modules)."""

import email
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from core.db import database_url

PASSWORD = "correct horse battery"


def base_config(url: str) -> dict:
    """The settings every test app starts from."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": url,
        "WTF_CSRF_ENABLED": False,
        "ARGON2_CHEAP": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": None,
        "SITE_URL": "http://testserver.example",
        "SALES_INBOX": "sales@hiretechtalent.example",
        "TIMEZONE": "America/New_York",
        "REFUSE_LAZY_LOADS_IN_PAGES": True,
        "MFA_REQUIRED_ROLES": [],
    }


def lead_fields(**overrides) -> dict:
    """Valid hire-form fields; override any."""
    fields = {
        "first_name": "Ana",
        "last_name": "Silva",
        "company": "Northwind Labs",
        "email": "ana@northwind.example",
        "roles": ["Back-end", "DevOps"],
        "headcount": 2,
        "consent": True,
    }
    fields.update(overrides)
    return fields


class Inbox:
    """An SMTP handler that keeps what it receives, or refuses while `refuse` is set."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def point_mail_at(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", port


@contextmanager
def fresh_postgres_database(requested_url: str, prefix: str = "htt_test") -> Iterator[str]:
    """A new, empty database on the server of `requested_url`, dropped afterwards."""
    admin_url = sa.make_url(database_url(requested_url, "")).set(database="postgres")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def mail_of(event: str) -> list[tuple[str, str]]:
    """(recipient, plain text) of each outbox message of `event`, oldest first; read in a
    transaction of its own so the app's next request sees the rows as they are."""
    from core.extensions import db
    from notifications.models import OutboxMessage

    rows = db.session.execute(
        sa.select(OutboxMessage.to_address, OutboxMessage.body_text)
        .where(OutboxMessage.event == event)
        .order_by(OutboxMessage.id)
    ).all()
    db.session.rollback()
    return [tuple(row) for row in rows]
