"""The outbox sender against a real SMTP server (aiosmtpd on localhost): delivered, retried
when the server refuses, failed after the last try, never lost, never sent twice."""

import email
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from support import free_port

from core.db import utcnow
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sender import send_pass

NOW_MAIL = OutboxMessage.event != "lead_waiting"
"""What a new lead mails at once (its "still waiting" reminder is due hours later and has
tests of its own)."""


def rows(db):
    db.session.expire_all()
    query = sa.select(OutboxMessage).where(NOW_MAIL).order_by(OutboxMessage.id)
    return list(db.session.scalars(query))


def text_part(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no text part")


def test_a_new_lead_mails_sales_and_the_prospect_with_text_and_html(db, smtp, make_lead):
    lead = make_lead(email="ana@northwind.example", company="Northwind Labs")
    result = send_pass()
    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    to_sales, to_prospect = smtp.messages
    assert to_sales["To"] == "sales@hiretechtalent.example"
    assert to_sales["Subject"] == "New lead"
    assert "Northwind Labs" in text_part(to_sales)
    assert f"http://testserver.example/dashboard/leads/{lead.id}" in text_part(to_sales)
    assert to_prospect["To"] == "ana@northwind.example"
    assert {part.get_content_type() for part in to_prospect.walk()} >= {"text/plain", "text/html"}
    assert [row.status for row in rows(db)] == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert {m["Message-ID"] for m in smtp.messages} == {row.message_id for row in rows(db)}


def test_the_confirmation_never_quotes_what_the_prospect_typed(db, smtp, make_lead):
    make_lead(first_name="<script>Mallory", company="Evil Corp", message="click http://x")
    send_pass()
    confirmation = smtp.messages[1]
    body = confirmation.as_string()
    assert "Mallory" not in body and "Evil Corp" not in body and "http://x" not in body


def test_the_new_lead_email_goes_to_the_owner_when_there_is_one(db, smtp, make_user, make_lead):
    owner = make_user("sales", email="owner@hiretechtalent.example")
    make_lead()
    send_pass()
    assert smtp.messages[0]["To"] == owner.email


def test_a_refusing_server_means_a_retry_later_and_nothing_is_lost(app, db, smtp, make_lead):
    make_lead()
    smtp.refuse = True
    before = utcnow()
    result = send_pass()
    assert (result.sent, result.retried) == (0, 2)
    first = rows(db)[0]
    assert (first.status, first.tries) == (OutboxStatus.PENDING, 1)
    assert "451" in first.last_error
    assert first.send_after >= before + timedelta(seconds=app.config["OUTBOX_RETRY_SECONDS"])
    assert send_pass().sent == 0, "not due yet: a pass only tries what is due at its start"
    smtp.refuse = False
    db.session.execute(sa.update(OutboxMessage).where(NOW_MAIL).values(send_after=utcnow()))
    db.session.commit()
    assert send_pass().sent == 2
    assert len(smtp.messages) == 2
    assert all(row.status == OutboxStatus.SENT and row.tries == 2 for row in rows(db))


def test_after_the_last_try_a_message_is_failed_and_an_admin_can_resend_it(
    app, db, smtp, make_lead
):
    app.config["OUTBOX_MAX_TRIES"] = 2
    make_lead()
    smtp.refuse = True
    send_pass()
    db.session.execute(sa.update(OutboxMessage).where(NOW_MAIL).values(send_after=utcnow()))
    db.session.commit()
    result = send_pass()
    assert result.failed == 2
    assert all(row.status == OutboxStatus.FAILED for row in rows(db))
    assert send_pass().sent == 0


def test_a_server_that_is_down_is_retried_like_a_refusal(app, db, make_lead):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    app.extensions["mail"].server, app.extensions["mail"].port = (
        "127.0.0.1",
        app.config["MAIL_PORT"],
    )
    make_lead()
    result = send_pass()
    assert result.retried == 2
    assert all(row.tries == 1 and row.status == OutboxStatus.PENDING for row in rows(db))


def test_without_an_smtp_server_mail_is_written_as_eml_files(app, db, make_lead, tmp_path):
    make_lead(email="ana@northwind.example")
    assert send_pass().sent == 2
    files = sorted((tmp_path / "instance" / "outbox").glob("*.eml"))
    assert [path.name.split("-", 1)[1] for path in files] == [
        "new_lead.eml",
        "lead_confirmation.eml",
    ]
    parsed = email.message_from_bytes(files[1].read_bytes())
    assert parsed["To"] == "ana@northwind.example"
    assert {path.stat().st_mode & 0o777 for path in files} == {0o600}
    assert (tmp_path / "instance" / "outbox").stat().st_mode & 0o777 == 0o700


def test_a_message_is_sent_once_even_when_passes_repeat(db, smtp, make_lead):
    make_lead()
    send_pass()
    send_pass()
    assert len(smtp.messages) == 2


def test_the_cli_pass_exits_zero_even_when_messages_fail(app, db, smtp, make_lead):
    make_lead()
    smtp.refuse = True
    result = CliRunner().invoke(app.cli, ["outbox", "send"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "to retry 2" in result.output


def test_header_injection_through_an_address_is_impossible(app, db):
    from email_validator import EmailNotValidError

    from notifications.services import enqueue

    with app.test_request_context(), pytest.raises(EmailNotValidError):
        enqueue(
            "lead_confirmation",
            "a@b.example\r\nBcc: victim@x.example",
            {"reply_within_hours": 24, "booking_url": None},
        )
