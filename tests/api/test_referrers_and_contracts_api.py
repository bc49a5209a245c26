"""The referrer, attribution, conversion and contract endpoints of SPEC §8: status codes,
error codes and the records they answer with."""

import pytest
import sqlalchemy as sa

from billing.models import Contract
from leads.models import Lead
from referrals.models import Referrer

SIGN_UP = {
    "first_name": "Rita",
    "last_name": "Ref",
    "email": "rita@partnerco.example",
    "company": "PartnerCo",
    "relationship": "partner",
    "payout_email": "pay@partnerco.example",
    "accept_terms": True,
}
CONVERT = {
    "start_date": "2026-01-31",
    "engineers": 2,
    "monthly_rate_cents": 850000,
    "currency": "USD",
}


def test_a_token_less_sign_up_answers_202_received(client, db):
    response = client.post("/api/v1/referrers", json=SIGN_UP)
    assert response.status_code == 202
    assert response.get_json() == {"status": "received"}
    assert db.session.scalar(sa.select(Referrer.status)).value == "pending"


def test_signing_up_again_answers_like_a_new_sign_up(client, db, bearer):
    first = client.post("/api/v1/referrers", json=SIGN_UP)
    referrer_id = db.session.scalar(sa.select(Referrer.id))
    client.post(f"/api/v1/referrers/{referrer_id}/approve", headers=bearer("finance"))
    again = client.post("/api/v1/referrers", json={**SIGN_UP, "company": "Other"})
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.get_json() == again.get_json() == {"status": "received"}
    db.session.expire_all()
    assert db.session.scalar(sa.select(Referrer.company)) == "PartnerCo"


def test_a_staff_address_answers_like_a_new_sign_up_without_a_token(client, db, bearer, staff):
    user, _headers = staff("sales")
    anonymous = client.post("/api/v1/referrers", json={**SIGN_UP, "email": user.email})
    assert (anonymous.status_code, anonymous.get_json()) == (202, {"status": "received"})
    told = client.post(
        "/api/v1/referrers", json={**SIGN_UP, "email": user.email}, headers=bearer("finance")
    )
    assert (told.status_code, told.get_json()["error"]["code"]) == (422, "invalid")
    assert db.session.scalar(sa.select(Referrer)) is None


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"accept_terms": False}, 422, "invalid", "accept_terms"),
        ({"relationship": "cousin"}, 422, "invalid", "relationship"),
        ({"email": "rita@"}, 422, "invalid", "email"),
        ({"payout_email": None}, 422, "invalid", "payout_email"),
        ({"accept_terms": "yes"}, 400, "bad_json", "accept_terms"),
        ({"first_name": 7}, 400, "bad_json", "first_name"),
    ],
)
def test_bad_sign_ups_are_refused_and_change_nothing(client, db, change, status, code, field):
    response = client.post("/api/v1/referrers", json={**SIGN_UP, **change})
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and field in error["fields"]
    assert db.session.scalar(sa.select(Referrer)) is None


def test_staff_read_a_referrer_with_its_balance(client, bearer):
    created = client.post("/api/v1/referrers", json=SIGN_UP, headers=bearer("admin"))
    assert created.status_code == 201
    referrer_id = created.get_json()["id"]
    body = client.get(f"/api/v1/referrers/{referrer_id}", headers=bearer("sales")).get_json()
    assert body["email"] == "rita@partnerco.example" and body["code"] is None
    assert body["balance_cents"] == {"pending": 0, "approved": 0, "paid": 0}
    assert client.get("/api/v1/referrers/999", headers=bearer("sales")).status_code == 404
    assert client.get(f"/api/v1/referrers/{referrer_id}").status_code == 401


def test_decisions_follow_the_status_rules(client, bearer):
    finance = bearer("finance")
    referrer_id = client.post("/api/v1/referrers", json=SIGN_UP, headers=finance).get_json()["id"]
    assert (
        client.post(f"/api/v1/referrers/{referrer_id}/approve", headers=bearer("sales")).status_code
        == 403
    )
    refused = client.post(f"/api/v1/referrers/{referrer_id}/suspend", headers=finance)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (422, "illegal_transition")
    approved = client.post(f"/api/v1/referrers/{referrer_id}/approve", headers=finance)
    assert approved.status_code == 200
    body = approved.get_json()
    assert body["status"] == "active" and len(body["code"]) >= 6
    for action, status in (("suspend", "suspended"), ("reactivate", "active")):
        answer = client.post(f"/api/v1/referrers/{referrer_id}/{action}", headers=finance)
        assert answer.get_json()["status"] == status
    assert (
        client.post(f"/api/v1/referrers/{referrer_id}/approve", headers=finance).status_code == 422
    )


def test_a_lead_posted_with_a_code_in_any_case_is_attributed(client, bearer, lead_payload):
    referrer_id = client.post(
        "/api/v1/referrers", json=SIGN_UP, headers=bearer("finance")
    ).get_json()["id"]
    code = client.post(
        f"/api/v1/referrers/{referrer_id}/approve", headers=bearer("finance")
    ).get_json()["code"]
    created = client.post(
        "/api/v1/leads", json=lead_payload(referral_code=code.lower()), headers=bearer("sales")
    )
    body = created.get_json()
    assert (body["referrer_id"], body["attribution_status"], body["attribution_reason"]) == (
        referrer_id,
        "attributed",
        None,
    )


def test_an_unknown_code_is_refused_with_the_reason_for_staff(client, bearer, lead_payload):
    body = client.post(
        "/api/v1/leads", json=lead_payload(referral_code="NOPE22"), headers=bearer("sales")
    ).get_json()
    assert (body["referrer_id"], body["attribution_status"], body["attribution_reason"]) == (
        None,
        "refused",
        "unknown_code",
    )


def test_finance_changes_an_attribution_with_warnings_shown_not_enforced(
    client, bearer, lead_payload
):
    finance = bearer("finance")
    referrer_id = client.post(
        "/api/v1/referrers", json={**SIGN_UP, "email": "rita@northwind.example"}, headers=finance
    ).get_json()["id"]
    client.post(f"/api/v1/referrers/{referrer_id}/approve", headers=finance)
    lead = client.post("/api/v1/leads", json=lead_payload(), headers=bearer("sales"))
    lead_id = lead.get_json()["id"]
    path = f"/api/v1/leads/{lead_id}/attribution"
    assert (
        client.post(
            path, json={"referrer_id": referrer_id, "reason": "x"}, headers=bearer("sales")
        ).status_code
        == 403
    )
    missing = client.post(path, json={"reason": "x"}, headers=finance)
    assert missing.status_code == 422 and "referrer_id" in missing.get_json()["error"]["fields"]
    no_reason = client.post(path, json={"referrer_id": referrer_id}, headers=finance)
    assert no_reason.status_code == 422
    moved = client.post(
        path, json={"referrer_id": referrer_id, "reason": "Intro in May"}, headers=finance
    )
    assert moved.status_code == 200
    body = moved.get_json()
    assert body["referrer_id"] == referrer_id and body["attribution_warnings"] == ["self_referral"]
    cleared = client.post(path, json={"referrer_id": None, "reason": "Mistake"}, headers=finance)
    assert cleared.get_json()["attribution_status"] == "none"


def test_convert_answers_201_with_the_client_and_the_contract(client, db, bearer, lead_payload):
    sales = bearer("sales")
    lead_id = client.post("/api/v1/leads", json=lead_payload(), headers=sales).get_json()["id"]
    response = client.post(f"/api/v1/leads/{lead_id}/convert", json=CONVERT, headers=sales)
    assert response.status_code == 201
    body = response.get_json()
    assert body["client"]["name"] == "Northwind Labs"
    assert body["client"]["contacts"][0]["role"] == "primary"
    contract = body["contract"]
    assert (contract["status"], contract["guarantee_ends_on"], contract["monthly_rate_cents"]) == (
        "active",
        "2026-02-28",
        850000,
    )
    assert client.get(f"/api/v1/leads/{lead_id}", headers=sales).get_json()["status"] == "won"
    again = client.post(f"/api/v1/leads/{lead_id}/convert", json=CONVERT, headers=sales)
    assert (again.status_code, again.get_json()["error"]["code"]) == (422, "illegal_transition")
    read = client.get(f"/api/v1/contracts/{contract['id']}", headers=bearer("finance"))
    assert read.get_json() == contract


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"currency": "EUR"}, 422, "currency_not_supported"),
        ({"start_date": "31/01/2026"}, 422, "invalid"),
        ({"engineers": 0}, 422, "invalid"),
        ({"monthly_rate_cents": -1}, 422, "invalid"),
        ({"engineers": "2"}, 400, "bad_json"),
        ({"client_id": 999}, 422, "invalid"),
    ],
)
def test_bad_conversions_are_refused_and_change_nothing(
    client, db, bearer, lead_payload, change, status, code
):
    sales = bearer("sales")
    lead_id = client.post("/api/v1/leads", json=lead_payload(), headers=sales).get_json()["id"]
    response = client.post(
        f"/api/v1/leads/{lead_id}/convert", json={**CONVERT, **change}, headers=sales
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (status, code)
    assert db.session.scalar(sa.select(Contract)) is None
    db.session.expire_all()
    assert db.session.get(Lead, lead_id).status.value == "new"


def test_converting_an_unknown_lead_is_404(client, bearer):
    response = client.post("/api/v1/leads/999/convert", json=CONVERT, headers=bearer("sales"))
    assert response.status_code == 404


def test_contract_start_date_changes_until_it_has_passed_and_finance_ends_it(
    client, bearer, lead_payload
):
    sales = bearer("sales")
    lead_id = client.post("/api/v1/leads", json=lead_payload(), headers=sales).get_json()["id"]
    contract = client.post(
        f"/api/v1/leads/{lead_id}/convert",
        json={**CONVERT, "start_date": "2099-03-15"},
        headers=sales,
    ).get_json()["contract"]
    path = f"/api/v1/contracts/{contract['id']}"
    moved = client.patch(path, json={"start_date": "2099-01-31"}, headers=sales)
    assert moved.status_code == 200
    assert moved.get_json()["guarantee_ends_on"] == "2099-02-28"
    ended = client.post(
        f"{path}/end", json={"end_date": "2099-06-30", "reason": "client_ended"}, headers=sales
    )
    assert ended.status_code == 403
    finance = bearer("finance")
    bad = client.post(
        f"{path}/end", json={"end_date": "2099-06-30", "reason": "bored"}, headers=finance
    )
    assert bad.status_code == 422
    ended = client.post(
        f"{path}/end", json={"end_date": "2099-06-30", "reason": "non_payment"}, headers=finance
    )
    assert ended.get_json()["status"] == "terminated"
    assert ended.get_json()["termination_reason"] == "non_payment"
    late = client.patch(path, json={"start_date": "2099-02-01"}, headers=sales)
    assert (late.status_code, late.get_json()["error"]["code"]) == (422, "contract_terminated")


def test_a_passed_start_date_cannot_change(client, bearer, lead_payload):
    sales = bearer("sales")
    lead_id = client.post("/api/v1/leads", json=lead_payload(), headers=sales).get_json()["id"]
    contract = client.post(
        f"/api/v1/leads/{lead_id}/convert", json=CONVERT, headers=sales
    ).get_json()["contract"]
    response = client.patch(
        f"/api/v1/contracts/{contract['id']}", json={"start_date": "2026-02-02"}, headers=sales
    )
    assert response.status_code == 422
    assert "start_date" in response.get_json()["error"]["fields"]


def test_approve_due_and_payouts_accept_an_empty_body(client, bearer):
    finance = bearer("finance")
    assert client.post("/api/v1/commissions/approve-due", headers=finance).get_json() == {
        "approved": 0
    }
    created = client.post("/api/v1/payouts", headers=finance)
    assert created.status_code == 201 and created.get_json()["lines"] == []
    csv_answer = client.get(
        f"/api/v1/payouts/{created.get_json()['id']}.csv", headers=bearer("sales")
    )
    assert csv_answer.status_code == 200 and csv_answer.mimetype == "text/csv"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_date": "9999-12-20"}, "start_date"),
        ({"start_date": "20260131"}, "start_date"),
        ({"start_date": "2026-W05-6"}, "start_date"),
        ({"client_id": 2**70}, "client_id"),
        ({"client_id": 0}, "client_id"),
    ],
)
def test_out_of_range_dates_and_ids_are_422_not_500(client, bearer, lead_payload, change, field):
    sales = bearer("sales")
    lead_id = client.post("/api/v1/leads", json=lead_payload(), headers=sales).get_json()["id"]
    response = client.post(
        f"/api/v1/leads/{lead_id}/convert", json={**CONVERT, **change}, headers=sales
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_a_start_date_moves_only_to_today_or_later_and_the_client_is_told(
    client, db, bearer, lead_payload
):
    from notifications.models import OutboxMessage

    sales = bearer("sales")
    lead_id = client.post("/api/v1/leads", json=lead_payload(), headers=sales).get_json()["id"]
    contract = client.post(
        f"/api/v1/leads/{lead_id}/convert",
        json={**CONVERT, "start_date": "2099-03-15"},
        headers=sales,
    ).get_json()["contract"]
    path = f"/api/v1/contracts/{contract['id']}"
    past = client.patch(path, json={"start_date": "2020-01-01"}, headers=sales)
    assert past.status_code == 422 and "start_date" in past.get_json()["error"]["fields"]
    client.patch(path, json={"start_date": "2099-04-01"}, headers=sales)
    deadlines = db.session.scalars(
        sa.select(OutboxMessage.body_text).where(OutboxMessage.event == "guarantee_deadline")
    ).all()
    assert len(deadlines) == 2 and "2099-05-01" in deadlines[-1]


def test_ending_a_contract_cancels_the_guarantee_reminder(client, db, bearer, lead_payload):
    from notifications.models import OutboxMessage

    sales = bearer("sales")
    lead_id = client.post("/api/v1/leads", json=lead_payload(), headers=sales).get_json()["id"]
    contract = client.post(
        f"/api/v1/leads/{lead_id}/convert",
        json={**CONVERT, "start_date": "2099-03-15"},
        headers=sales,
    ).get_json()["contract"]
    client.post(
        f"/api/v1/contracts/{contract['id']}/end",
        json={"end_date": "2099-04-30", "reason": "client_ended"},
        headers=bearer("finance"),
    )
    reminder = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.event == "guarantee_reminder")
    )
    assert reminder.status.value == "cancelled"
