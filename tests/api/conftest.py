"""Fixtures for the JSON API tests: bearer tokens per role, a lead payload builder, and a
client that fails the test on any 5xx answer or any /api/ error outside the envelope."""

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from api.openapi import declared_operation
from auth.services import create_token
from leads.models import Lead

ENVELOPE_KEYS = {"code", "message", "fields"}
CLAIM_REJECTION_CODES = {
    "claim_in_future",
    "contract_terminated",
    "guarantee_already_used",
    "not_first_contract",
    "claim_before_start",
    "guarantee_window_closed",
}
"""Only these errors of POST /contracts/{id}/guarantee-claims also carry `claim_id` (SPEC §4)."""


def assert_envelope(response) -> dict:
    """The error of SPEC §8, {"error": {"code", "message", "fields"}}; returns the inner part."""
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    claim_error = response.request.path.endswith("/guarantee-claims") and (
        error.get("code") in CLAIM_REJECTION_CODES
    )
    extra = {"claim_id"} if claim_error else set()
    assert ENVELOPE_KEYS <= set(error) <= ENVELOPE_KEYS | extra, error
    dry_run = response.request.args.get("dry_run") == "true"
    assert isinstance(error.get("claim_id", 0), int) or dry_run, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    for messages in error["fields"].values():
        assert messages and all(isinstance(m, str) and m for m in messages), error
    return error


def assert_declared(app, response) -> None:
    """The answer is one its operation declares (api/openapi.py), and matches the model
    declared for its status: the OpenAPI document says what the API really answers."""
    request = response.request
    try:
        endpoint, _ = app.url_map.bind("testserver").match(request.path, request.method)
    except HTTPException:
        return
    if endpoint == "api.openapi_document" or request.method == "OPTIONS":
        return
    operation = declared_operation(endpoint)
    status = response.status_code
    assert status in operation.statuses(), (endpoint, status, response.get_data(as_text=True))
    answer = operation.answer_model(status, request.args.get("dry_run") == "true")
    if answer is None:
        assert response.get_data() == b""
    elif answer == "text/csv":
        assert response.mimetype == "text/csv"
    else:
        answer.model_validate_json(response.get_data())


class ApiClient(FlaskClient):
    """Every answer checked: never a 5xx, every /api/ error is the JSON envelope, and every
    /api/ answer is what the OpenAPI document declares for it."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        if response.request.path.startswith("/api/"):
            if response.status_code >= 400:
                assert_envelope(response)
            assert_declared(self.application, response)
        return response


@pytest.fixture
def client(app):
    app.test_client_class = ApiClient
    return app.test_client()


@pytest.fixture
def staff(make_user):
    """A staff user of `role` and headers carrying a fresh API token of theirs."""

    def make(role: str = "sales", email: str | None = None):
        user = make_user(role, email)
        return user, {"Authorization": f"Bearer {create_token(user.email)}"}

    return make


@pytest.fixture
def bearer(staff):
    """Just the headers of a fresh token for a new user of `role`."""

    def headers(role: str = "sales") -> dict:
        return staff(role)[1]

    return headers


@pytest.fixture
def lead_payload():
    """A valid JSON body for POST /api/v1/leads; override any field, leave out `without`."""

    def build(*, without: tuple[str, ...] = (), **overrides) -> dict:
        body = {
            "first_name": "Ana",
            "last_name": "Silva",
            "company": "Northwind Labs",
            "email": "ana@northwind.example",
            "roles": ["Back-end", "DevOps"],
            "headcount": 2,
            "consent": True,
        }
        body.update(overrides)
        return {name: value for name, value in body.items() if name not in without}

    return build


@pytest.fixture
def lead_count(db):
    def count() -> int:
        db.session.expire_all()
        return db.session.scalar(sa.select(sa.func.count()).select_from(Lead))

    return count


@pytest.fixture
def reload(db):
    """The lead as the database has it now (the test shares the requests' session)."""

    def get(lead_id: int) -> Lead:
        db.session.expire_all()
        return db.session.get(Lead, lead_id)

    return get
