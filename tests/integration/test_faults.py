"""Faults an operator meets, injected for real: a database that stops answering, a write
lock held by someone else, a connection terminated mid-send, an SMTP server that accepts and
never answers. Each test is bounded to a few seconds."""

import socket
import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from support import PASSWORD, Inbox, base_config, free_port, lead_fields, point_mail_at

from application.factory import create_app
from auth.services import create_token, create_user
from billing.invoices import InvoiceInput, add_invoice, record_payment, record_refund
from billing.models import Contract
from billing.serialize import invoice_to_dict
from billing.services import ContractTerms, convert_lead_resources
from core.today import business_today
from core.unit_of_work import use_case
from leads.rules import LeadSource
from leads.serialize import lead_to_dict
from leads.services import Arrival, submit_lead, update_lead
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sender import send_loop, send_pass


class SilentServer:
    """Accepts TCP connections and never says a word (a hung SMTP or database server)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.fixture
def config_overrides():
    """Writers give up on SQLite's lock after half a second, so a lock held longer is a
    failure these tests can see quickly."""
    return {"SQLITE_BUSY_TIMEOUT": 0.5}


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


def _outbox(db) -> list[OutboxMessage]:
    db.session.remove()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


# SMTP that never answers


def test_an_smtp_server_that_never_answers_is_a_failed_try_not_a_hang(
    app, db, make_lead, silent_server
):
    point_mail_at(app, silent_server.port)
    app.config["MAIL_TIMEOUT"] = 0.5
    make_lead(LeadSource.OUTBOUND)
    started = time.monotonic()
    result = send_pass()
    assert time.monotonic() - started < 5
    assert (result.sent, result.retried) == (0, 1)
    [row] = _outbox(db)
    assert row.status == OutboxStatus.PENDING and row.tries == 1
    assert "timed out" in row.last_error.lower()


# The sender loop outlives database failures


class FaultyInbox(Inbox):
    """Receives mail; on the first message, `fault` breaks the database under the sender."""

    def __init__(self, fault):
        super().__init__()
        self.fault = fault

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == 1:
            self.fault()
        return answer


def _hold_sqlite_write_lock(path: str, seconds: float) -> None:
    """Another process's long write: BEGIN IMMEDIATE held for `seconds`."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")

    def release():
        time.sleep(seconds)
        holder.execute("ROLLBACK")
        holder.close()

    threading.Thread(target=release, daemon=True).start()


def _terminate_idle_transactions(url: sa.URL) -> None:
    """What a PostgreSQL restart or an operator's pg_terminate_backend does to the sender's
    connection while it holds its claimed row during SMTP."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state = 'idle in transaction'"
        )
    engine.dispose()


def test_the_sender_loop_logs_backs_off_and_goes_on_after_a_database_failure(
    app, db, make_lead, caplog
):
    url = db.engine.url
    if url.get_backend_name() == "sqlite":

        def fault():
            _hold_sqlite_write_lock(url.database, seconds=1.0)
    else:

        def fault():
            _terminate_idle_transactions(url)

    inbox = FaultyInbox(fault)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        point_mail_at(app, controller.port)
        make_lead(LeadSource.OUTBOUND)
        db.session.remove()
        send_loop(interval_seconds=0.2, passes=4)
    finally:
        controller.stop()
    [row] = _outbox(db)
    assert row.status == OutboxStatus.SENT
    assert [m["Message-ID"] for m in inbox.messages] == [row.message_id] * 2
    assert "outbox pass failed" in caplog.text


# A database that stops answering


@pytest.fixture
def app_on_a_silent_database(silent_server, tmp_path):
    url = f"postgresql+psycopg://nobody@127.0.0.1:{silent_server.port}/nothing"
    config = {**base_config(url), "DATABASE_CONNECT_TIMEOUT": 1}
    return create_app(config, instance_path=str(tmp_path / "instance"))


def test_a_database_that_never_answers_makes_the_api_answer_503_promptly(
    app_on_a_silent_database,
):
    client = app_on_a_silent_database.test_client()
    started = time.monotonic()
    response = client.post("/api/v1/leads", json=lead_fields(roles=["QA"]))
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert "nothing was changed" in response.get_json()["error"]["message"]


def test_a_database_that_never_answers_shows_people_a_503_page(app_on_a_silent_database):
    client = app_on_a_silent_database.test_client()
    response = client.post("/login", data={"email": "a@b.example", "password": "x" * 12})
    assert response.status_code == 503
    assert "did not answer" in response.get_data(as_text=True)


# SQLite readers never wait for a writer


def test_reads_do_not_wait_for_a_sqlite_writer(app, db, client, make_lead):
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock")
    make_lead()
    create_user("reader@hiretechtalent.example", "sales", PASSWORD)
    token = create_token("reader@hiretechtalent.example")
    client.post("/login", data={"email": "reader@hiretechtalent.example", "password": PASSWORD})
    db.session.remove()
    _hold_sqlite_write_lock(db.engine.url.database, seconds=3.0)
    api = client.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"})
    page = client.get("/dashboard/leads")
    assert (api.status_code, page.status_code) == (200, 200)
    assert len(api.get_json()["items"]) == 1


# An error after the commit does not claim that nothing was changed


def test_an_error_after_a_commit_says_the_outcome_is_unknown(app, db, client, make_user):
    @use_case
    def save_something():
        make_user("sales", email="saved@hiretechtalent.example")

    def saves_then_fails():
        save_something()
        raise ConnectionResetError("the connection dropped while answering")

    app.add_url_rule("/api/v1/_fault", "fault_api", saves_then_fails, methods=["POST"])
    app.add_url_rule("/_fault", "fault_page", saves_then_fails, methods=["POST"])
    api = client.post("/api/v1/_fault")
    page = client.post("/_fault")
    assert api.status_code == 500 and page.status_code == 500
    assert "nothing was changed" not in api.get_json()["error"]["message"]
    assert "may or may not have been saved" in api.get_json()["error"]["message"]
    assert "may or may not have been saved" in page.get_data(as_text=True)


# The answer to a saved change is built from memory


@contextmanager
def no_statements(db):
    """Fails if anything reaches the database inside the block."""
    issued = []

    def record(_conn, _cursor, statement, *_args):
        issued.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert issued == []


def test_answers_to_saved_changes_need_no_database_after_the_commit(db, make_user, make_lead):
    """A connection that drops right after the commit cannot turn a saved change into an
    error: every answer the API gives for a change is built from what the change loaded."""
    sales = make_user("sales")
    lead = make_lead()
    with no_statements(db):
        lead_to_dict(lead)
    again = submit_lead(lead_fields(email=lead.email), Arrival(source=LeadSource.API)).lead
    with no_statements(db):
        lead_to_dict(again)
    changed = update_lead(lead.id, sales, status="contacted", owner_email=sales.email)
    with no_statements(db):
        lead_to_dict(changed)
    terms = ContractTerms(business_today(), 1, 1_000_000, "USD")
    conversion = convert_lead_resources(lead.id, terms, sales)
    assert conversion["client"]["contracts"] == [conversion["contract"]["id"]]
    contract = db.session.get(Contract, conversion["contract"]["id"])
    day = business_today()
    invoice_input = InvoiceInput("INV-1", day, day, day, 100_000, "USD", external_id="i-1")
    invoice = add_invoice(contract.id, invoice_input).invoice
    with no_statements(db):
        invoice_to_dict(invoice)
    repeated = add_invoice(contract.id, invoice_input).invoice
    with no_statements(db):
        invoice_to_dict(repeated)
    paid = record_payment(invoice.id, 60_000, day).invoice
    with no_statements(db):
        invoice_to_dict(paid)
    refunded = record_refund(invoice.id, 10_000, day).invoice
    with no_statements(db):
        body = invoice_to_dict(refunded)
    assert [refund["amount_cents"] for refund in body["refunds"]] == [10_000]
