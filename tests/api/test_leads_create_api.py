"""POST /api/v1/leads (SPEC §2, §8): open to the marketing site without a token."""

import pytest
import sqlalchemy as sa

from leads.models import Lead, LeadSubmission
from leads.rules import LeadSource, LeadStatus

URL = "/api/v1/leads"
RECEIVED = {"status": "received"}


def stored(db, email: str = "ana@northwind.example") -> Lead:
    """The lead a token-less post left (its answer names none)."""
    db.session.expire_all()
    return db.session.scalars(
        sa.select(Lead).where(Lead.email == email).order_by(Lead.id.desc())
    ).first()


LEAD_RESOURCE_FIELDS = {
    "id",
    "status",
    "source",
    "first_name",
    "last_name",
    "company",
    "email",
    "roles",
    "headcount",
    "consent",
    "message",
    "phone",
    "website",
    "job_title",
    "seniority",
    "tech_stack",
    "start_timeline",
    "marketing_opt_in",
    "referral_code",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "owner_email",
    "referrer_id",
    "attribution_status",
    "attribution_reason",
    "possible_duplicate_of",
    "submissions_count",
    "lost_reason",
    "created_at",
}


def test_a_token_less_post_creates_a_lead_and_answers_202_received(client, lead_payload, db):
    response = client.post(URL, json=lead_payload())

    assert response.status_code == 202
    assert response.get_json() == RECEIVED
    assert "Location" not in response.headers
    lead = stored(db)
    assert lead.source == LeadSource.API
    assert (lead.first_name, lead.company, lead.headcount) == ("Ana", "Northwind Labs", 2)
    assert lead.roles == ["Back-end", "DevOps"]
    assert lead.consent_version is not None and lead.consented_at is not None
    assert lead.client_address == "127.0.0.1"
    assert lead.created_by is None


@pytest.mark.parametrize("role", ["sales", "admin"])
def test_a_sales_or_admin_token_gets_the_full_lead_back(client, staff, lead_payload, role):
    user, headers = staff(role)

    response = client.post(URL, json=lead_payload(message="Two seniors"), headers=headers)

    assert response.status_code == 201
    body = response.get_json()
    assert LEAD_RESOURCE_FIELDS <= set(body)
    assert body["source"] == "api"
    assert body["status"] == "new"
    assert body["email"] == "ana@northwind.example"
    assert body["roles"] == ["Back-end", "DevOps"]
    assert body["headcount"] == 2
    assert body["consent"] is True
    assert body["message"] == "Two seniors"
    assert body["submissions_count"] == 1
    assert body["attribution_status"] == "none"
    assert body["created_at"].endswith("Z")
    assert response.headers["Location"].endswith(f"/api/v1/leads/{body['id']}")
    if role == "sales":  # round-robin gives it to the only active sales user
        assert body["owner_email"] == user.email


def test_a_lowercase_bearer_scheme_is_accepted(client, staff, lead_payload):
    _user, headers = staff("sales")
    headers = {"Authorization": headers["Authorization"].replace("Bearer", "bearer")}

    response = client.post(URL, json=lead_payload(), headers=headers)

    assert response.status_code == 201
    assert "email" in response.get_json()


def test_the_email_of_an_open_lead_adds_a_submission_answering_200_not_a_second_lead(
    client, bearer, lead_payload, lead_count, db
):
    first = client.post(URL, json=lead_payload())
    lead_id = stored(db).id

    anonymous = client.post(URL, json=lead_payload(email="  ANA@Northwind.Example "))
    assert (first.status_code, anonymous.status_code) == (202, 202)
    assert first.get_json() == anonymous.get_json() == RECEIVED, "nothing to tell them apart"
    assert "Location" not in anonymous.headers

    with_token = client.post(URL, json=lead_payload(first_name="Ann"), headers=bearer("sales"))
    assert with_token.status_code == 200
    body = with_token.get_json()
    assert body["id"] == lead_id
    assert body["submissions_count"] == 3
    assert body["first_name"] == "Ana"  # a later submission does not rewrite the lead
    assert lead_count() == 1
    submissions = db.session.scalars(
        sa.select(LeadSubmission).where(LeadSubmission.lead_id == lead_id)
    )
    assert len(list(submissions)) == 3


def test_a_second_submission_answers_200_with_submissions_count_2(client, bearer, lead_payload):
    headers = bearer("admin")
    client.post(URL, json=lead_payload(), headers=headers)

    response = client.post(URL, json=lead_payload(), headers=headers)

    assert response.status_code == 200
    assert response.get_json()["submissions_count"] == 2


def test_the_email_of_a_lost_lead_makes_a_new_lead(client, lead_payload, db, lead_count):
    client.post(URL, json=lead_payload())
    lead = stored(db)
    lost_id = lead.id
    lead.status, lead.lost_reason = LeadStatus.LOST, "No budget"
    db.session.commit()

    response = client.post(URL, json=lead_payload())

    assert response.status_code == 202
    assert stored(db).id != lost_id
    assert lead_count() == 2


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("this is not json", "application/json"),
        ('{"first_name": "Ana",', "application/json"),
        ("first_name=Ana&last_name=Silva", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        ("null", "application/json"),
        ('"a string"', "application/json"),
        ("42", "application/json"),
        ('[{"first_name": "Ana"}]', "application/json"),
        ("[]", "application/json"),
        (b'{"first_name": "\xff"}', "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),
    ],
    ids=[
        "text",
        "truncated",
        "form-encoded",
        "empty",
        "null",
        "string",
        "number",
        "array-of-object",
        "empty-array",
        "not-utf8",
        "nested-too-deep",
    ],
)
def test_a_body_that_is_not_a_json_object_is_400_bad_json(client, data, content_type, lead_count):
    response = client.post(URL, data=data, content_type=content_type)

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"
    assert lead_count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("headcount", "3"),
        ("headcount", 2.5),
        ("headcount", True),
        ("headcount", [3]),
        ("roles", "Back-end"),
        ("roles", [1, 2]),
        ("roles", [["Back-end"]]),
        ("roles", {"Back-end": True}),
        ("consent", "yes"),
        ("consent", 1),
        ("consent", "true"),
        ("marketing_opt_in", "no"),
        ("first_name", 5),
        ("email", ["ana@northwind.example"]),
        ("message", {"text": "hi"}),
        ("phone", 4155552671),
        ("utm_source", False),
    ],
)
def test_a_value_of_the_wrong_json_type_is_400_bad_json_naming_the_field(
    client, lead_payload, lead_count, field, value
):
    response = client.post(URL, json=lead_payload(**{field: value}))

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_json"
    assert set(error["fields"]) == {field}
    assert lead_count() == 0


REQUIRED = ("first_name", "last_name", "company", "email", "roles", "headcount", "consent")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        *[({"without": (name,)}, name) for name in REQUIRED],
        *[({name: None}, name) for name in REQUIRED],  # null means absent
        ({"first_name": "   "}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"company": "\t"}, "company"),
        ({"first_name": "x" * 201}, "first_name"),
        ({"last_name": "x" * 201}, "last_name"),
        ({"company": "x" * 201}, "company"),
        ({"headcount": 0}, "headcount"),
        ({"headcount": 501}, "headcount"),
        ({"headcount": -1}, "headcount"),
        ({"headcount": 10**30}, "headcount"),
        ({"consent": False}, "consent"),
        ({"roles": []}, "roles"),
        ({"roles": ["Chef"]}, "roles"),
        ({"roles": ["Back-end", "Chef"]}, "roles"),
        ({"roles": ["back-end"]}, "roles"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "ana@"}, "email"),
        ({"email": "ana@@northwind.example"}, "email"),
        ({"email": "ana northwind.example"}, "email"),
        ({"email": "   "}, "email"),
        ({"email": "a" * 250 + "@northwind.example"}, "email"),
        ({"message": "x" * 5001}, "message"),
        ({"phone": "5" * 51}, "phone"),
        ({"website": "x" * 301}, "website"),
        ({"start_timeline": "tomorrow"}, "start_timeline"),
        ({"first_name": "A\x00na"}, "first_name"),
        ({"roles": ["Back-end\x00"]}, "roles"),
        ({"utm_source": "news\x00letter"}, "utm_source"),
        ({"last_name": "Sil\ud800va"}, "last_name"),
        ({"roles": ["\udfffBack-end"]}, "roles"),
    ],
)
def test_an_invalid_field_is_422_invalid_with_a_message_for_that_field(
    client, lead_payload, lead_count, overrides, field
):
    response = client.post(URL, json=lead_payload(**overrides))

    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {field}
    assert lead_count() == 0


def test_an_empty_object_names_every_required_field(client, lead_count):
    response = client.post(URL, json={})

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == set(REQUIRED)
    assert lead_count() == 0


ALL_ROLES = ["Back-end", "Front-end", "Full-stack", "Mobile", "QA", "DevOps", "Data"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"first_name": "x" * 200}, {"first_name": "x" * 200}),
        ({"company": "ü" * 200}, {"company": "ü" * 200}),
        ({"headcount": 1}, {"headcount": 1}),
        ({"headcount": 500}, {"headcount": 500}),
        ({"message": "x" * 5000}, {"message": "x" * 5000}),
        ({"roles": ALL_ROLES}, {"roles": ALL_ROLES}),
        ({"email": "ana@gmail.com"}, {"email": "ana@gmail.com"}),
        ({"start_timeline": "one_to_three_months"}, {"start_timeline": "one_to_three_months"}),
        ({"message": "", "phone": "  ", "website": None}, {"message": None, "phone": None}),
        ({"consent": True, "marketing_opt_in": False}, {"marketing_opt_in": False}),
    ],
)
def test_values_at_the_limits_are_accepted(client, bearer, lead_payload, overrides, expected):
    response = client.post(URL, json=lead_payload(**overrides), headers=bearer("admin"))

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {name: body[name] for name in expected} == expected


def test_unknown_fields_are_ignored(client, bearer, lead_payload, reload):
    payload = lead_payload(
        id=999,
        status="won",
        source="referral",
        owner_email="boss@hiretechtalent.example",
        submissions_count=40,
        is_admin=True,
        nested={"deep": [1, 2, {"x": None}]},
    )

    response = client.post(URL, json=payload, headers=bearer("admin"))

    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] != 999
    assert (body["status"], body["source"]) == ("new", "api")
    assert body["owner_email"] is None
    assert body["submissions_count"] == 1
    assert "is_admin" not in body and "nested" not in body
    assert reload(body["id"]).status == LeadStatus.NEW


def test_the_email_is_stored_trimmed_and_lower_cased(client, lead_payload, db):
    response = client.post(URL, json=lead_payload(email="  Ana.Silva@NorthWind.EXAMPLE \n"))

    assert response.status_code == 202
    assert stored(db, "ana.silva@northwind.example") is not None


def test_text_fields_are_stored_trimmed(client, lead_payload, db):
    payload = lead_payload(first_name="  Ana ", company=" Northwind Labs  ", job_title=" CTO ")

    client.post(URL, json=payload)
    lead = stored(db)

    assert (lead.first_name, lead.company, lead.job_title) == ("Ana", "Northwind Labs", "CTO")


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("(415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),
        ("+1 415 555 2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  call me maybe ", "call me maybe"),
    ],
)
def test_the_phone_is_normalised_to_e164_when_it_parses(client, lead_payload, db, typed, kept):
    response = client.post(URL, json=lead_payload(phone=typed))

    assert response.status_code == 202
    assert stored(db).phone == kept


@pytest.mark.parametrize("config_overrides", [{"PHONE_DEFAULT_REGION": "GB"}], ids=["GB"])
def test_the_phone_default_region_is_a_setting(client, lead_payload, db):
    client.post(URL, json=lead_payload(phone="020 7946 0958"))

    assert stored(db).phone == "+442079460958"


def test_utm_fields_given_in_json_are_stored(client, bearer, lead_payload, reload):
    utm = {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring-2026",
        "utm_term": "remote engineers",
        "utm_content": "cta-top",
    }

    response = client.post(URL, json=lead_payload(**utm), headers=bearer("admin"))

    assert response.status_code == 201
    body = response.get_json()
    assert {name: body[name] for name in utm} == utm
    lead = reload(body["id"])
    assert {name: getattr(lead, name) for name in utm} == utm


def test_optional_fields_are_stored(client, bearer, lead_payload):
    optional = {
        "website": "https://northwind.example",
        "job_title": "CTO",
        "seniority": "Senior",
        "tech_stack": "Python, Postgres",
        "start_timeline": "asap",
        "marketing_opt_in": True,
        "referral_code": "abc234",
    }

    response = client.post(URL, json=lead_payload(**optional), headers=bearer("sales"))

    body = response.get_json()
    assert {name: body[name] for name in optional} == {**optional, "referral_code": "ABC234"}


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer nope",
        "Bearer htt_" + "A" * 43,
        "Bearer",
        "Bearer    ",
        "Basic YW5hOnNlY3JldA==",
        "Token abc",
        "htt_abc",
        "",
    ],
    ids=[
        "unknown-token",
        "well-formed-unknown-token",
        "scheme-only",
        "blank-token",
        "basic",
        "other-scheme",
        "no-scheme",
        "empty-header",
    ],
)
def test_a_bad_token_is_401_never_anonymous(client, lead_payload, lead_count, authorization):
    response = client.post(URL, json=lead_payload(), headers={"Authorization": authorization})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert lead_count() == 0


def test_the_token_of_a_deactivated_user_is_401(client, staff, lead_payload, lead_count, db):
    user, headers = staff("sales")
    user.active = False
    db.session.commit()

    response = client.post(URL, json=lead_payload(), headers=headers)

    assert response.status_code == 401
    assert lead_count() == 0


def test_a_finance_token_may_not_create_leads(client, bearer, lead_payload, lead_count):
    response = client.post(URL, json=lead_payload(), headers=bearer("finance"))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert lead_count() == 0


@pytest.mark.parametrize("role", [None, "sales"])
def test_a_body_over_1_mb_is_413_too_large(app, client, bearer, lead_payload, lead_count, role):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    headers = bearer(role) if role else {}
    payload = lead_payload(message="x" * 1024 * 1024)

    response = client.post(URL, json=payload, headers=headers)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert lead_count() == 0


def test_a_body_just_under_1_mb_is_read(client, lead_payload):
    payload = lead_payload(nickname="x" * (1024 * 1024 - 1000))  # unknown: ignored

    response = client.post(URL, json=payload)

    assert response.status_code == 202


@pytest.mark.parametrize("config_overrides", [{"PUBLIC_RATE_LIMIT": "3/minute"}], ids=["3/min"])
def test_token_less_posts_are_rate_limited_and_token_holders_are_not_counted(
    client, bearer, lead_payload, lead_count
):
    headers = bearer("sales")

    def post(number: int, **kwargs):
        return client.post(URL, json=lead_payload(email=f"p{number}@c{number}.example"), **kwargs)

    assert post(1, headers=headers).status_code == 201
    assert [post(n).status_code for n in (2, 3, 4)] == [202, 202, 202]
    assert post(5, headers=headers).status_code == 201

    refused = post(6)

    assert refused.status_code == 429
    assert refused.get_json()["error"] == {
        "code": "rate_limited",
        "message": "Too many requests; slow down and retry later.",
        "fields": {},
    }
    assert client.post(URL, data="not json").status_code == 429  # counted before parsing
    assert post(7, headers=headers).status_code == 201
    assert lead_count() == 6


@pytest.mark.parametrize("config_overrides", [{"PUBLIC_RATE_LIMIT": "2/minute"}], ids=["2/min"])
def test_refused_token_less_posts_use_up_the_same_budget(client, lead_payload):
    assert client.post(URL, json={}).status_code == 422
    assert client.post(URL, json=lead_payload()).status_code == 202

    assert client.post(URL, json=lead_payload()).status_code == 429


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "ana@gmail.com", "company": "ß" * 200},
        {"email": "ana@gmail.com", "company": "\ufdfa" * 15},
        {"referral_code": "ß" * 26},
    ],
)
def test_text_that_normalising_lengthens_never_overflows_a_column(
    client, lead_payload, lead_count, overrides
):
    response = client.post(URL, json=lead_payload(**overrides))

    assert response.status_code == 202
    assert lead_count() == 1
