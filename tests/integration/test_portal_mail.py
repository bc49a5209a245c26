"""The portal sign-in link, delivered by a real SMTP server, signs the referrer in from the
plain-text part of the email."""

import re

import pytest
import sqlalchemy as sa

from core.db import utcnow
from notifications.models import OutboxMessage, OutboxStatus
from notifications.sender import send_pass
from referrals.services import decide, sign_up


def test_the_mailed_plain_text_link_signs_the_referrer_in(app, client, smtp, rita):
    referrer = rita
    client.post("/portal/sign-in", data={"email": "rita@partnerco.example"})
    send_pass()
    [mail] = [m for m in smtp.messages if m["Subject"] == "Your sign-in link"]
    assert mail["To"] == "rita@partnerco.example"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    link = re.search(r"http://testserver\.example(/portal/sign-in/\S+)", body).group(1)
    assert ">Sign in</button>" in client.get(link).get_data(as_text=True)
    response = client.post(link)
    assert response.headers["Location"] == "/portal"
    portal = client.get("/portal").get_data(as_text=True)
    assert "Hello Rita" in portal and referrer.code in portal
    stored = db_row(app, "portal_sign_in")
    assert stored.status == OutboxStatus.SENT
    assert "/portal/sign-in/" not in stored.body_text + stored.body_html


def db_row(app, event: str) -> OutboxMessage:
    from core.extensions import db

    db.session.expire_all()
    return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.event == event))


@pytest.fixture
def rita(make_user):
    referrer = sign_up(
        {
            "first_name": "Rita",
            "last_name": "Ref",
            "email": "rita@partnerco.example",
            "company": "PartnerCo",
            "relationship": "partner",
            "payout_email": "rita@partnerco.example",
        }
    ).referrer
    decide(referrer.id, "approve", make_user("admin"))
    return referrer


def test_a_link_email_given_up_on_keeps_no_link_and_is_not_resent(
    app, client, db, smtp, rita, login_as
):
    app.config["OUTBOX_MAX_TRIES"] = 1
    smtp.refuse = True
    client.post("/portal/sign-in", data={"email": rita.email})
    send_pass()
    stored = db_row(app, "portal_sign_in")
    assert stored.status == OutboxStatus.FAILED
    assert "/portal/sign-in/" not in stored.body_text + stored.body_html

    login_as("admin")
    answer = client.post(f"/dashboard/outbox/{stored.id}/resend", follow_redirects=True)

    assert "ask for a new link" in answer.get_data(as_text=True)
    assert db_row(app, "portal_sign_in").status == OutboxStatus.FAILED
    smtp.refuse = False
    db.session.execute(sa.update(OutboxMessage).values(send_after=utcnow()))
    db.session.commit()
    send_pass()
    assert not [m for m in smtp.messages if m["Subject"] == "Your sign-in link"]
