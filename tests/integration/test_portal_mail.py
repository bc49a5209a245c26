"""The portal sign-in link, delivered by a real SMTP server, signs the referrer in from the
plain-text part of the email."""

import re

from notifications.sender import send_pass
from referrals.services import decide, sign_up


def test_the_mailed_plain_text_link_signs_the_referrer_in(app, client, smtp, make_user):
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
