"""GET /api/v1/leads and GET /api/v1/leads/{id} (SPEC §2 search and filters, §8 lists)."""

import base64
import itertools
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from leads.models import Lead
from leads.rules import LeadSource, LeadStatus

URL = "/api/v1/leads"
OWNER = "owner@hiretechtalent.example"


@pytest.fixture
def catalogue(db, make_user, make_lead):
    """Three leads with known names, statuses, owners, sources and creation times (the app's
    TIMEZONE is America/New_York, UTC-5 in January 2024)."""
    owner = make_user("sales", OWNER)
    specs = {
        # 2024-01-09 22:30 in New York
        "ana": dict(
            first_name="Ana",
            last_name="Silva",
            company="Northwind Labs",
            email="ana@northwind.example",
            source=LeadSource.FORM,
            status=LeadStatus.NEW,
            owner=owner,
            created_at=datetime(2024, 1, 10, 3, 30),
        ),
        # 2024-01-10 00:00:00 in New York: the first moment of the 10th
        "bo": dict(
            first_name="Bo",
            last_name="Chen",
            company="Contoso Ltd",
            email="bo.chen@contoso.example",
            source=LeadSource.API,
            status=LeadStatus.CONTACTED,
            owner=None,
            created_at=datetime(2024, 1, 10, 5, 0),
        ),
        # 2024-01-10 23:59:59 in New York: the last second of the 10th
        "cy": dict(
            first_name="Cy",
            last_name="Ng",
            company="Northwind Traders",
            email="cy@traders.example",
            source=LeadSource.REFERRAL,
            status=LeadStatus.LOST,
            owner=None,
            created_at=datetime(2024, 1, 11, 4, 59, 59),
        ),
    }
    ids = {}
    for name, spec in specs.items():
        lead = make_lead(
            source=spec.pop("source"),
            **{key: spec.pop(key) for key in ("first_name", "last_name", "company", "email")},
        )
        for key, value in spec.items():
            setattr(lead, key, value)
        if lead.status == LeadStatus.LOST:
            lead.lost_reason = "Went elsewhere"
        db.session.commit()
        ids[name] = lead.id
    return ids


def listed(client, headers, **args) -> list[int]:
    response = client.get(URL, query_string=args, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_listing_leads_needs_a_token(client, make_lead):
    make_lead()

    response = client.get(URL)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("authorization", ["Bearer nope", "Basic abc", "Bearer"])
def test_listing_leads_with_a_bad_token_is_401(client, make_lead, authorization):
    make_lead()

    response = client.get(URL, headers={"Authorization": authorization})

    assert response.status_code == 401


@pytest.mark.parametrize("role", ["sales", "finance", "admin"])
def test_every_staff_role_reads_the_list_and_a_lead(client, bearer, make_lead, role):
    lead = make_lead()
    headers = bearer(role)

    listing = client.get(URL, headers=headers)
    one = client.get(f"{URL}/{lead.id}", headers=headers)

    assert listing.status_code == 200
    assert listing.get_json() == {"items": [one.get_json()], "next_cursor": None}
    assert one.status_code == 200
    assert one.get_json()["id"] == lead.id


def test_the_list_is_newest_first(client, bearer, catalogue):
    assert listed(client, bearer()) == [catalogue["cy"], catalogue["bo"], catalogue["ana"]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"status": "new"}, ["ana"]),
        ({"status": "contacted"}, ["bo"]),
        ({"status": "lost"}, ["cy"]),
        ({"status": "won"}, []),
        ({"source": "form"}, ["ana"]),
        ({"source": "api"}, ["bo"]),
        ({"source": "referral"}, ["cy"]),
        ({"source": "event"}, []),
        ({"owner": OWNER}, ["ana"]),
        ({"owner": "  Owner@HireTechTalent.example "}, ["ana"]),
        ({"owner": "none"}, ["cy", "bo"]),
        ({"owner": "nobody@hiretechtalent.example"}, []),
        ({"q": "north"}, ["cy", "ana"]),
        ({"q": "NORTH"}, ["cy", "ana"]),
        ({"q": "trad"}, ["cy"]),
        ({"q": "orth"}, []),
        ({"q": "ana silva"}, ["ana"]),
        ({"q": "silva ana"}, ["ana"]),
        ({"q": "ana chen"}, []),
        ({"q": "bo.chen@con"}, ["bo"]),
        ({"q": "contoso.example"}, ["bo"]),
        ({"q": "traders.ex"}, ["cy"]),
        ({"q": "   "}, ["cy", "bo", "ana"]),
        ({"q": "50%_"}, []),
        ({"created_from": "2024-01-10"}, ["cy", "bo"]),
        ({"created_to": "2024-01-09"}, ["ana"]),
        ({"created_from": "2024-01-10", "created_to": "2024-01-10"}, ["cy", "bo"]),
        ({"created_from": "2024-01-11"}, []),
        ({"created_from": "2024-01-11", "created_to": "2024-01-09"}, []),
        ({"status": "new", "q": "north", "owner": OWNER, "source": "form"}, ["ana"]),
        ({"status": "new", "q": "contoso"}, []),
        ({"status": "", "source": "", "owner": "", "created_from": ""}, ["cy", "bo", "ana"]),
    ],
)
def test_the_list_filters(client, bearer, catalogue, args, expected):
    assert listed(client, bearer(), **args) == [catalogue[name] for name in expected]


_numbers = itertools.count(1)


def insert_leads(db, count: int, created_at=None, status=LeadStatus.NEW) -> list[int]:
    """Bare lead rows in one statement (fast enough for pages of 200); their ids in order.
    Without `created_at` each row is one second newer than the one before."""
    base = created_at or datetime(2025, 1, 1, 12, 0)
    rows = []
    for offset in range(count):
        n = next(_numbers)
        rows.append(
            {
                "source": LeadSource.API,
                "status": status,
                "first_name": "Lee",
                "last_name": f"Number{n}",
                "company": f"Company {n}",
                "company_key": f"company-{n}",
                "email": f"lee{n}@company{n}.example",
                "roles": ["QA"],
                "headcount": 1,
                "created_at": created_at or base + timedelta(seconds=offset),
            }
        )
    ids = db.session.scalars(sa.insert(Lead).returning(Lead.id), rows).all()
    db.session.commit()
    return sorted(ids)


@pytest.mark.parametrize(
    ("limit", "size"),
    [(None, 50), ("", 50), ("1", 1), ("200", 200), ("201", 200), ("100000", 200)],
)
def test_limit_defaults_to_50_and_is_taken_as_200_above_200(client, bearer, db, limit, size):
    insert_leads(db, 205)
    args = {} if limit is None else {"limit": limit}

    body = client.get(URL, query_string=args, headers=bearer()).get_json()

    assert len(body["items"]) == size
    assert body["next_cursor"] is not None


def walk(client, headers, **args) -> tuple[list[int], int]:
    """Every page from the first: the ids in order and the number of pages."""
    ids, pages, cursor = [], 0, None
    while True:
        query = {**args, **({"cursor": cursor} if cursor else {})}
        response = client.get(URL, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        ids += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages
        assert pages < 100, "the cursor does not move forward"


@pytest.mark.parametrize(("limit", "pages"), [(1, 9), (2, 5), (3, 3), (4, 3), (9, 1), (10, 1)])
def test_cursor_pages_walk_every_lead_once_and_end_with_a_null_cursor(
    client, bearer, db, limit, pages
):
    # Two older leads a second apart, five created in the same microsecond, two newer ones
    # sharing a time: ties are broken by id, so no page boundary skips or repeats a row.
    spread = insert_leads(db, 2)
    tied = insert_leads(db, 5, created_at=datetime(2025, 2, 1, 9, 0, 0, 123456))
    spread += insert_leads(db, 2, created_at=datetime(2025, 3, 1))
    expected = [spread[3], spread[2], *tied[::-1], spread[1], spread[0]]

    ids, page_count = walk(client, bearer(), limit=limit)

    assert ids == expected
    assert len(set(ids)) == len(ids)
    assert page_count == pages


def test_cursor_pages_keep_the_filters(client, bearer, db):
    new = insert_leads(db, 3)
    contacted = insert_leads(db, 3, status=LeadStatus.CONTACTED)
    new += insert_leads(db, 3)

    ids, pages = walk(client, bearer(), status="contacted", limit=2)

    assert ids == contacted[::-1]
    assert pages == 2
    assert set(walk(client, bearer(), status="new", limit=2)[0]) == set(new)


def test_an_empty_list_has_no_cursor(client, bearer):
    assert client.get(URL, headers=bearer()).get_json() == {"items": [], "next_cursor": None}


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"status": "open"}, "status"),
        ({"status": "NEW"}, "status"),
        ({"source": "web"}, "source"),
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_from": "03/10/2024"}, "created_from"),
        ({"created_to": "2024-02-30"}, "created_to"),
        ({"created_to": "2024-13-01"}, "created_to"),
        ({"cursor": "!!!"}, "cursor"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": _cursor("2025-01-01T00:00:00|x")}, "cursor"),
        ({"cursor": _cursor("not a date|5")}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"limit": " 5"}, "limit"),
    ],
)
def test_a_bad_query_parameter_is_422_invalid_naming_it(client, bearer, make_lead, args, field):
    make_lead()

    response = client.get(URL, query_string=args, headers=bearer())

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {field}


@pytest.mark.parametrize(
    "args", [{"q": "ana\x00"}, {"owner": "a\x00b@hiretechtalent.example"}, {"status": "\x00"}]
)
def test_a_nul_character_in_a_query_parameter_is_422_naming_it_as_in_a_body(
    client, bearer, make_lead, args
):
    make_lead()

    response = client.get(URL, query_string=args, headers=bearer())

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {name: ["Must not contain NUL characters."] for name in args}


def test_every_bad_query_parameter_is_named_at_once(client, bearer):
    args = {"status": "x", "source": "x", "created_from": "x", "limit": "x", "cursor": "x"}

    response = client.get(URL, query_string=args, headers=bearer())

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == set(args)


def test_a_cursor_with_an_id_out_of_range_is_422(client, bearer, make_lead):
    make_lead()
    cursor = _cursor("2025-01-01T00:00:00|99999999999999999999")

    response = client.get(URL, query_string={"cursor": cursor}, headers=bearer())

    assert response.status_code == 422


@pytest.mark.parametrize("bound", ["created_from", "created_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_outside_the_supported_years_are_422_not_a_server_error(
    client, bearer, make_lead, bound, day
):
    make_lead()

    response = client.get(URL, query_string={bound: day}, headers=bearer())

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {bound}


def test_the_supported_years_reach_far_enough(client, bearer, make_lead):
    lead = make_lead()

    assert listed(client, bearer(), created_from="1900-01-01", created_to="9998-12-31") == [lead.id]


def test_a_lead_is_read_with_the_fields_of_the_lead_resource(client, bearer, make_lead):
    lead = make_lead()

    response = client.get(f"{URL}/{lead.id}", headers=bearer("finance"))

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == lead.id
    assert (body["status"], body["source"]) == ("new", "form")
    assert (body["first_name"], body["email"]) == ("Ana", lead.email)
    assert body["submissions_count"] == 1
    assert body["lost_reason"] is None
    assert body["referrer_id"] is None
    assert body["created_at"].endswith("Z")


@pytest.mark.parametrize("lead_id", ["0", "999999", "2147483647", "2147483648", str(10**20)])
def test_reading_a_lead_that_does_not_exist_is_404_not_found(client, bearer, make_lead, lead_id):
    make_lead()

    response = client.get(f"{URL}/{lead_id}", headers=bearer())

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_reading_a_lead_needs_a_token(client, make_lead):
    lead = make_lead()

    assert client.get(f"{URL}/{lead.id}").status_code == 401
    assert client.get(f"{URL}/{lead.id}", headers={"Authorization": "Bearer x"}).status_code == 401
