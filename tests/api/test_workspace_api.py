"""The staff workspace through the API (SPEC §13): next actions, the lead list's `due`,
`owner=me`, `sort` and cursors, reassigning (with its dry run), and availability."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from auth.models import User
from core.today import business_today
from leads.models import Lead, LeadEvent
from notifications.models import OutboxMessage

API = "/api/v1"


def leads_of(client, headers, query: str) -> list[dict]:
    response = client.get(f"{API}/leads?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def new_lead(client, headers, n: int, **fields) -> dict:
    body = {
        "first_name": "Ana",
        "last_name": f"Buyer{n}",
        "company": fields.pop("company", f"Company {n}"),
        "email": f"buyer{n}@company{n}.example",
        "roles": ["Back-end"],
        "headcount": 2,
        "consent": True,
        **fields,
    }
    response = client.post(f"{API}/leads", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def patch(client, headers, lead_id: int, body: dict):
    return client.patch(f"{API}/leads/{lead_id}", json=body, headers=headers)


def events(db, lead_id: int, kind: str) -> list[str]:
    db.session.expire_all()
    query = sa.select(LeadEvent.detail).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == kind)
    return list(db.session.scalars(query.order_by(LeadEvent.id)))


def test_a_next_action_is_set_read_and_cleared_with_patch_and_lands_on_the_timeline(
    client, bearer, db
):
    sales = bearer("sales")
    lead = new_lead(client, sales, 1)
    assert (lead["next_action_on"], lead["next_action"]) == (None, None)
    day = (business_today() + timedelta(days=2)).isoformat()
    response = patch(client, sales, lead["id"], {"next_action_on": day, "next_action": "Call"})
    assert response.status_code == 200
    assert (response.get_json()["next_action_on"], response.get_json()["next_action"]) == (
        day,
        "Call",
    )
    cleared = patch(client, sales, lead["id"], {"next_action_on": None, "next_action": None})
    assert (cleared.get_json()["next_action_on"], cleared.get_json()["next_action"]) == (None, None)
    assert events(db, lead["id"], "next_action") == [
        f"Next action on {day}: Call",
        "Next action cleared.",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"next_action_on": "YESTERDAY"}, "next_action_on"),
        ({"next_action": "x" * 201}, "next_action"),
    ],
)
def test_a_next_action_in_the_past_or_too_long_is_422_and_changes_nothing(
    client, bearer, reload, body, field
):
    sales = bearer("sales")
    lead = new_lead(client, sales, 1)
    if body.get("next_action_on") == "YESTERDAY":
        body = {"next_action_on": (business_today() - timedelta(days=1)).isoformat()}
    response = patch(client, sales, lead["id"], body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert reload(lead["id"]).next_action_on is None and reload(lead["id"]).next_action is None


def test_moving_a_lead_to_lost_clears_its_next_action(client, bearer, reload):
    sales = bearer("sales")
    lead = new_lead(client, sales, 1)
    day = business_today().isoformat()
    patch(client, sales, lead["id"], {"next_action_on": day, "next_action": "Call"})
    lost = patch(client, sales, lead["id"], {"status": "lost", "lost_reason": "Budget"})
    assert lost.status_code == 200
    assert (lost.get_json()["next_action_on"], lost.get_json()["next_action"]) == (None, None)
    refused = patch(client, sales, lead["id"], {"next_action": "Try again"})
    assert refused.status_code == 422
    assert reload(lead["id"]).next_action is None


def test_converting_a_lead_clears_its_next_action(client, bearer, reload):
    sales = bearer("sales")
    lead = new_lead(client, sales, 1)
    patch(client, sales, lead["id"], {"next_action_on": business_today().isoformat()})
    terms = {
        "start_date": business_today().isoformat(),
        "engineers": 1,
        "monthly_rate_cents": 800_000,
        "currency": "USD",
    }
    assert (
        client.post(f"{API}/leads/{lead['id']}/convert", json=terms, headers=sales).status_code
        == 201
    )
    assert reload(lead["id"]).next_action_on is None


def test_the_due_filter_finds_overdue_today_and_unplanned_open_leads(client, bearer, db):
    sales = bearer("sales")
    today = business_today()
    overdue, due_today, later, unplanned = (new_lead(client, sales, n) for n in range(1, 5))
    patch(client, sales, due_today["id"], {"next_action_on": today.isoformat()})
    patch(client, sales, later["id"], {"next_action_on": (today + timedelta(days=3)).isoformat()})
    db.session.execute(
        sa.update(Lead).where(Lead.id == overdue["id"]).values(next_action_on=today - timedelta(1))
    )
    db.session.commit()
    closed = new_lead(client, sales, 5)
    patch(client, sales, closed["id"], {"status": "lost", "lost_reason": "No budget"})

    def ids(query):
        return [lead["id"] for lead in leads_of(client, sales, query)]

    assert ids("due=overdue") == [overdue["id"]]
    assert ids("due=today") == [due_today["id"]]
    assert ids("due=none") == [unplanned["id"]], "closed leads have nothing due"


def test_owner_me_lists_the_token_users_own_leads(client, staff, db):
    ana, ana_headers = staff("sales", "ana@hiretechtalent.example")
    bo, bo_headers = staff("sales", "bo@hiretechtalent.example")
    first = new_lead(client, ana_headers, 1)
    second = new_lead(client, ana_headers, 2)
    for lead, owner in ((first, ana.email), (second, bo.email)):
        patch(client, ana_headers, lead["id"], {"owner_email": owner})
    assert [lead["id"] for lead in leads_of(client, ana_headers, "owner=me")] == [first["id"]]
    assert [lead["id"] for lead in leads_of(client, bo_headers, "owner=me")] == [second["id"]]


def test_sort_by_next_action_and_by_company_pages_with_cursors(client, bearer):
    sales = bearer("sales")
    today = business_today()
    names = ["Delta", "alpha", "Charlie", "Bravo", "Echo"]
    made = [new_lead(client, sales, n, company=name) for n, name in enumerate(names, 1)]
    for offset, lead in zip((3, 1, None, 2, None), made, strict=True):
        if offset is not None:
            day = (today + timedelta(days=offset)).isoformat()
            patch(client, sales, lead["id"], {"next_action_on": day})

    def walk(sort):
        seen, cursor = [], None
        while True:
            query = f"sort={sort}&limit=2" + (f"&cursor={cursor}" if cursor else "")
            response = client.get(f"{API}/leads?{query}", headers=sales).get_json()
            seen += [lead["company"] for lead in response["items"]]
            cursor = response["next_cursor"]
            if cursor is None:
                return seen

    assert walk("next_action") == ["alpha", "Bravo", "Delta", "Charlie", "Echo"]
    assert walk("company") == sorted(names)
    assert walk("created") == list(reversed(names))


def test_a_bad_due_or_sort_is_422(client, bearer):
    response = client.get(f"{API}/leads?due=later&sort=size", headers=bearer("sales"))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"due", "sort"}


def reassign(client, headers, body, dry_run=False):
    path = f"{API}/leads/reassign" + ("?dry_run=true" if dry_run else "")
    return client.post(path, json=body, headers=headers)


def test_reassigning_moves_every_open_lead_records_it_and_mails_one_summary(client, staff, db):
    admin = staff("admin")[1]
    leaving, leaving_headers = staff("sales", "leaving@hiretechtalent.example")
    taking, _ = staff("sales", "taking@hiretechtalent.example")
    leads = [new_lead(client, leaving_headers, n) for n in range(1, 4)]
    for lead in leads:
        patch(client, admin, lead["id"], {"owner_email": leaving.email})
    patch(client, admin, leads[2]["id"], {"status": "lost", "lost_reason": "Gone quiet"})
    body = {"from_owner_email": leaving.email, "to_owner_email": taking.email}

    def summaries():
        db.session.expire_all()
        query = sa.select(OutboxMessage).where(OutboxMessage.event == "leads_reassigned")
        return list(db.session.scalars(query))

    preview = reassign(client, admin, body, dry_run=True)
    assert preview.status_code == 200
    # one summary, and each new lead's "still waiting" reminder re-addressed to its new owner
    assert preview.get_json() == {"preview": {"moved": 2}, "effects": {"moved": 2, "emails": 3}}
    assert summaries() == []
    still_theirs = leads_of(client, admin, "owner=leaving@hiretechtalent.example")
    assert len(still_theirs) == 3, "the dry run moved nothing"

    response = reassign(client, admin, body)
    assert response.get_json() == {"moved": 2}
    assert [lead["id"] for lead in leads_of(client, admin, f"owner={taking.email}")] == [
        leads[1]["id"],
        leads[0]["id"],
    ]
    assert events(db, leads[0]["id"], "owner")[-1] == (
        f"Reassigned from {leaving.email} to {taking.email}."
    )
    [summary] = summaries()
    assert summary.to_address == taking.email and "2 open leads" in summary.body_text


def test_round_robin_reassignment_skips_unavailable_users(client, staff, db):
    admin = staff("admin")[1]
    leaving, leaving_headers = staff("sales", "leaving@hiretechtalent.example")
    away, away_headers = staff("sales", "away@hiretechtalent.example")
    here, _ = staff("sales", "here@hiretechtalent.example")
    assert (
        client.patch(
            f"{API}/users/{away.id}", json={"available": False}, headers=away_headers
        ).status_code
        == 200
    )
    leads = [new_lead(client, leaving_headers, n) for n in range(1, 4)]
    for lead in leads:
        patch(client, admin, lead["id"], {"owner_email": leaving.email})
    body = {"from_owner_email": leaving.email, "to_owner_email": "round_robin"}
    assert reassign(client, admin, body).get_json() == {"moved": 3}
    owners = {lead["owner_email"] for lead in leads_of(client, admin, "")}
    assert owners == {here.email}


def test_reassigning_is_for_admins_and_refuses_unknown_users(client, staff):
    sales = staff("sales", "rep@hiretechtalent.example")
    body = {"from_owner_email": "rep@hiretechtalent.example", "to_owner_email": "nobody@x.example"}
    assert reassign(client, sales[1], body).status_code == 403
    response = reassign(client, staff("admin")[1], body)
    assert response.status_code == 422
    assert "to_owner_email" in response.get_json()["error"]["fields"]


def test_users_list_and_availability_patch(client, staff, db):
    admin_user, admin = staff("admin", "boss@hiretechtalent.example")
    rep, rep_headers = staff("sales", "rep@hiretechtalent.example")
    other, _ = staff("sales", "other@hiretechtalent.example")
    listed = client.get(f"{API}/users", headers=admin).get_json()["items"]
    assert {
        "id": rep.id,
        "email": rep.email,
        "role": "sales",
        "available": True,
        "active": True,
    } in listed
    assert client.get(f"{API}/users", headers=rep_headers).status_code == 403
    own = client.patch(f"{API}/users/{rep.id}", json={"available": False}, headers=rep_headers)
    assert own.status_code == 200 and own.get_json()["available"] is False
    assert (
        client.patch(
            f"{API}/users/{other.id}", json={"available": False}, headers=rep_headers
        ).status_code
        == 403
    )
    by_admin = client.patch(f"{API}/users/{other.id}", json={"available": False}, headers=admin)
    assert by_admin.get_json()["available"] is False
    assert (
        client.patch(f"{API}/users/{other.id}", json={"available": "no"}, headers=admin).status_code
        == 400
    )
    db.session.expire_all()
    assert db.session.get(User, rep.id).available is False


def test_round_robin_skips_unavailable_sales_users_and_with_none_leaves_leads_unassigned(
    client, staff, db
):
    away, away_headers = staff("sales", "away@hiretechtalent.example")
    client.patch(f"{API}/users/{away.id}", json={"available": False}, headers=away_headers)
    admin = staff("admin")[1]
    lead = new_lead(client, admin, 1)
    assert lead["owner_email"] is None
    db.session.expire_all()
    waiting = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.event == "new_lead"))
    assert waiting.to_address == "sales@hiretechtalent.example"
