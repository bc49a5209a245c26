"""PATCH /api/v1/referrers/{id} (SPEC §16's tax-form gate, the part §8 declares): finance
records the day a referrer's tax form was put on file, or null; the resource shows it."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from money_support import Books

from core.audit import AuditEvent
from core.today import business_today
from referrals.models import Referrer


@pytest.fixture
def referrer_id(client, bearer) -> int:
    return Books(client, bearer, business_today()).referrer()[0]


def patch(client, bearer, referrer_id, body, role="finance"):
    return client.patch(f"/api/v1/referrers/{referrer_id}", json=body, headers=bearer(role))


def test_finance_records_the_tax_form_and_clears_it_with_null(client, bearer, referrer_id, db):
    on_file = (business_today() - timedelta(days=3)).isoformat()

    recorded = patch(client, bearer, referrer_id, {"tax_form_on_file_on": on_file})
    assert recorded.status_code == 200
    assert recorded.get_json()["tax_form_on_file_on"] == on_file
    assert recorded.get_json()["balance_cents"] == {"pending": 0, "approved": 0, "paid": 0}
    read = client.get(f"/api/v1/referrers/{referrer_id}", headers=bearer("sales"))
    assert read.get_json()["tax_form_on_file_on"] == on_file

    cleared = patch(client, bearer, referrer_id, {"tax_form_on_file_on": None}, role="admin")
    assert cleared.get_json()["tax_form_on_file_on"] is None
    changes = db.session.scalars(
        sa.select(AuditEvent.changes)
        .where(AuditEvent.action == "referrer.tax_form_changed")
        .order_by(AuditEvent.id)
    ).all()
    assert changes == [
        {"tax_form_on_file_on": [None, on_file]},
        {"tax_form_on_file_on": [on_file, None]},
    ]


def test_the_same_date_again_changes_nothing_and_writes_no_audit_row(
    client, bearer, referrer_id, db
):
    body = {"tax_form_on_file_on": business_today().isoformat()}
    assert patch(client, bearer, referrer_id, body).status_code == 200
    assert patch(client, bearer, referrer_id, body).status_code == 200
    count = sa.select(sa.func.count()).where(AuditEvent.action == "referrer.tax_form_changed")
    assert db.session.scalar(count) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"tax_form_on_file_on": "tomorrow"}, 422, "invalid"),
        ({"tax_form_on_file_on": "20260101"}, 422, "invalid"),
        ({"tax_form_on_file_on": 20260101}, 400, "bad_json"),
        ({}, 422, "invalid"),
        ("future", 422, "date_in_future"),
    ],
)
def test_a_bad_date_is_refused_and_changes_nothing(
    client, bearer, referrer_id, db, body, status, code
):
    if body == "future":
        body = {"tax_form_on_file_on": (business_today() + timedelta(days=1)).isoformat()}

    response = patch(client, bearer, referrer_id, body)

    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code
    if status == 422:
        assert list(error["fields"]) == ["tax_form_on_file_on"]
    db.session.expire_all()
    assert db.session.get(Referrer, referrer_id).tax_form_on_file_on is None


def test_only_finance_and_admins_record_it_and_an_unknown_referrer_is_404(
    client, bearer, referrer_id
):
    body = {"tax_form_on_file_on": None}
    assert patch(client, bearer, referrer_id, body, role="sales").status_code == 403
    missing = patch(client, bearer, referrer_id + 1000, body)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
