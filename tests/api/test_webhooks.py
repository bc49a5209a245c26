"""Webhooks (SPEC §15) against a real HTTP receiver on localhost: endpoints registered by
admins, deliveries written with the change, signed per Standard Webhooks (checked with the
`standardwebhooks` verifier), retried with one `webhook-id`, given up after
WEBHOOK_MAX_TRIES, and refused for private targets."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from money_support import API, Books
from standardwebhooks import Webhook

from core.audit import AuditEvent
from core.today import business_today
from notifications.sender import send_pass
from notifications.webhooks import DeliveryStatus, WebhookDelivery

LONG_AGO = 120


class Receiver:
    """A threaded HTTP server that records each post and answers from a script of status
    codes (the last one repeats); `delay` seconds before answering."""

    def __init__(self, answers=(200,), delay: float = 0.0):
        self.answers, self.delay, self.posts = list(answers), delay, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((dict(self.headers), body.decode()))
                time.sleep(receiver.delay)
                status = (
                    receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                )
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def config_overrides():
    return {
        "WEBHOOK_ALLOW_HTTP": True,
        "WEBHOOK_ALLOW_PRIVATE": True,
        "OUTBOX_RETRY_SECONDS": 0,
        "WEBHOOK_MAX_TRIES": 3,
        "WEBHOOK_TIMEOUT_SECONDS": 1.0,
    }


@pytest.fixture
def books(client, bearer):
    return Books(client, bearer, business_today())


@pytest.fixture
def receiver():
    made = []

    def make(*args, **kwargs) -> Receiver:
        made.append(Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for one in made:
        one.close()


def register(books, url: str, events: list[str], **extra):
    body = {"url": url, "events": events, "description": "test receiver", **extra}
    return books.post("/webhook-endpoints", body, books.admin)


def deliveries(db) -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def sender_pass():
    """One `flask outbox send` pass, after the moment a retry became due."""
    time.sleep(0.01)
    return send_pass().webhooks


def test_a_new_lead_is_posted_signed_to_a_subscribed_endpoint(books, db, receiver, lead_payload):
    target = receiver()
    registered = register(books, target.url, ["lead.created"])
    assert registered.status_code == 201, registered.get_data(as_text=True)
    endpoint = registered.get_json()
    assert endpoint["secret"].startswith("whsec_")
    assert (endpoint["status"], endpoint["events"]) == ("enabled", ["lead.created"])

    lead = books.post("/leads", lead_payload(), books.sales).get_json()
    assert sender_pass().delivered == 1

    [(headers, body)] = target.posts
    event = Webhook(endpoint["secret"]).verify(body, headers)
    assert event["type"] == "lead.created"
    assert event["data"]["id"] == lead["id"]
    assert event["data"]["email"] == lead["email"]
    assert event["timestamp"].endswith("Z")
    [delivery] = deliveries(db)
    assert headers["webhook-id"] == delivery.webhook_id
    assert (delivery.status, delivery.tries, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    listed = books.get(f"/webhook-endpoints/{endpoint['id']}/deliveries", books.admin).get_json()
    assert listed["items"] == [
        {
            "id": delivery.id,
            "event": "lead.created",
            "webhook_id": delivery.webhook_id,
            "status": "delivered",
            "tries": 1,
            "last_status_code": 200,
        }
    ]
    assert "secret" not in books.get("/webhook-endpoints", books.admin).get_json()["items"][0]


def test_a_receiver_that_fails_twice_gets_three_tries_of_one_message(
    books, db, receiver, lead_payload
):
    target = receiver(answers=(500, 500, 200))
    secret = register(books, target.url, ["lead.created"]).get_json()["secret"]
    books.post("/leads", lead_payload(), books.sales)
    results = [sender_pass() for _ in range(3)]
    assert [(r.delivered, r.retried) for r in results] == [(0, 1), (0, 1), (1, 0)]
    ids = {headers["webhook-id"] for headers, _ in target.posts}
    bodies = {body for _, body in target.posts}
    assert len(target.posts) == 3 and len(ids) == 1 and len(bodies) == 1
    for headers, body in target.posts:
        Webhook(secret).verify(body, headers)
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.tries) == (DeliveryStatus.DELIVERED, 3)


def test_a_receiver_that_never_answers_in_time_fails_after_the_last_try_and_can_be_redelivered(
    app, books, client, db, receiver, lead_payload, login_as
):
    target = receiver(delay=3.0)
    endpoint = register(books, target.url, ["lead.created"]).get_json()
    books.post("/leads", lead_payload(), books.sales)
    for _ in range(app.config["WEBHOOK_MAX_TRIES"]):
        sender_pass()
    [delivery] = deliveries(db)
    assert (delivery.status, delivery.tries) == (DeliveryStatus.FAILED, 3)
    assert "timed out" in delivery.last_error
    assert sender_pass().delivered == 0

    login_as("admin")
    page = client.get(f"/dashboard/webhooks/{endpoint['id']}")
    assert "Redeliver" in page.get_data(as_text=True)
    client.post(f"/dashboard/webhooks/{endpoint['id']}/deliveries/{delivery.id}/redeliver")
    [again] = deliveries(db)
    assert (again.status, again.tries, again.webhook_id) == (
        DeliveryStatus.PENDING,
        0,
        delivery.webhook_id,
    )


def test_a_name_resolving_to_loopback_is_refused_at_send_time(
    app, books, db, receiver, lead_payload
):
    target = receiver()
    url = target.url.replace("127.0.0.1", "localhost")
    assert register(books, url, ["lead.created"]).status_code == 201
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    books.post("/leads", lead_payload(), books.sales)
    assert sender_pass().failed == 1
    [delivery] = deliveries(db)
    assert delivery.status == DeliveryStatus.FAILED
    assert "loopback" in delivery.last_error
    assert target.posts == []


@pytest.mark.parametrize(
    "url, allow_http",
    [
        ("https://127.0.0.1/hooks", True),
        ("https://10.1.2.3/hooks", True),
        ("https://169.254.169.254/latest/meta-data", True),
        ("https://[::1]/hooks", True),
        ("https://[::ffff:192.168.0.1]/hooks", True),
        ("http://hooks.example.com/in", False),
        ("ftp://hooks.example.com/in", True),
        ("https://user:pw@hooks.example.com/in", True),
        ("not a url", True),
    ],
)
def test_a_refused_url_answers_422_and_registers_nothing(app, books, url, allow_http):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    app.config["WEBHOOK_ALLOW_HTTP"] = allow_http
    response = register(books, url, ["lead.created"])
    assert response.status_code == 422
    assert "url" in response.get_json()["error"]["fields"]
    assert books.get("/webhook-endpoints", books.admin).get_json()["items"] == []


@pytest.mark.parametrize("events", [[], ["lead.exploded"], ["lead.created", "nope"]])
def test_events_must_be_known_and_at_least_one(books, receiver, events):
    response = register(books, receiver().url, events)
    assert response.status_code == 422
    assert "events" in response.get_json()["error"]["fields"]


def test_every_event_of_the_spec_is_delivered_with_its_resource(books, db, receiver):
    target = receiver()
    events = [
        "lead.created",
        "lead.status_changed",
        "lead.won",
        "referrer.signed_up",
        "referrer.approved",
        "invoice.paid",
        "guarantee_claim.accepted",
        "commission.approved",
        "payout.paid",
    ]
    secret = register(books, target.url, events).get_json()["secret"]
    referrer_id, code = books.referrer()
    contract = books.contract(start_days_ago=LONG_AGO, code=code)
    invoice = books.invoice(contract, amount_cents=100_000)
    books.pay(invoice, 100_000)
    books.post("/commissions/approve-due", {})
    payout = books.post("/payouts", {}).get_json()
    books.post(
        f"/payouts/{payout['id']}/mark-paid",
        {"paid_on": books.today.isoformat(), "reference": "B-1"},
    )
    fresh = books.contract(start_days_ago=2)
    claim = books.claim(fresh).get_json()
    lead = books.post(
        "/leads",
        {
            "first_name": "Li",
            "last_name": "Moves",
            "company": "Moving Co",
            "email": "li@moving.example",
            "roles": ["QA"],
            "headcount": 1,
            "consent": True,
        },
        books.sales,
    ).get_json()
    books.client.patch(
        f"{API}/leads/{lead['id']}", json={"status": "contacted"}, headers=books.sales
    )
    while sender_pass().delivered:
        pass

    received = {}
    for headers, body in target.posts:
        event = Webhook(secret).verify(body, headers)
        received.setdefault(event["type"], []).append(event["data"])
    assert set(received) == set(events)
    assert received["referrer.approved"][0]["code"] == code
    assert received["invoice.paid"][0]["id"] == invoice["id"]
    assert received["invoice.paid"][0]["status"] == "paid"
    assert received["commission.approved"][0]["state"] == "approved"
    assert received["payout.paid"][0]["id"] == payout["id"]
    assert received["guarantee_claim.accepted"][0]["id"] == claim["id"]
    assert received["lead.status_changed"][-1]["status"] == "contacted"
    assert {lead["status"] for lead in received["lead.won"]} == {"won"}


def test_a_refused_change_or_a_disabled_endpoint_writes_no_delivery(
    books, client, db, receiver, login_as
):
    target = receiver()
    endpoint = register(books, target.url, ["invoice.paid"]).get_json()
    contract = books.contract()
    invoice = books.invoice(contract, amount_cents=100_000)
    assert books.pay(invoice, 100_001).status_code == 422
    assert deliveries(db) == []

    login_as("admin")
    client.post(f"/dashboard/webhooks/{endpoint['id']}/disable")
    assert books.pay(invoice, 100_000).status_code == 201
    assert deliveries(db) == []


def test_deleting_an_endpoint_removes_it_and_is_audited(books, db, receiver):
    endpoint = register(books, receiver().url, ["lead.created"]).get_json()
    response = books.client.delete(f"{API}/webhook-endpoints/{endpoint['id']}", headers=books.admin)
    assert response.status_code == 204
    assert books.get("/webhook-endpoints", books.admin).get_json()["items"] == []
    missing = books.get(f"/webhook-endpoints/{endpoint['id']}/deliveries", books.admin)
    assert missing.status_code == 404
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["webhook_endpoint.created", "webhook_endpoint.deleted"]
    assert endpoint["secret"] not in json.dumps(
        db.session.scalars(sa.select(AuditEvent.changes)).all()
    )


def test_only_admins_manage_endpoints(books, receiver):
    target = receiver()
    for headers in (books.finance, books.sales):
        assert books.post("/webhook-endpoints", {"url": target.url}, headers).status_code == 403
        assert books.get("/webhook-endpoints", headers).status_code == 403


def test_the_admin_page_shows_the_secret_once(client, receiver, login_as):
    login_as("admin")
    target = receiver()
    page = client.post(
        "/dashboard/webhooks",
        data={"url": target.url, "events": ["lead.created", "invoice.paid"], "description": "CRM"},
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="new-secret">whsec_' in text
    again = client.get("/dashboard/webhooks").get_data(as_text=True)
    assert "whsec_" not in again and target.url in again
    refused = client.post("/dashboard/webhooks", data={"url": target.url})
    assert refused.status_code == 422
    assert "Choose at least one event." in refused.get_data(as_text=True)
