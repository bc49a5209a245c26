"""PATCH /api/v1/leads/{id} (SPEC §2 pipeline, §8): status, lost_reason, owner_email."""

import pytest
import sqlalchemy as sa

from leads.models import LeadEvent
from leads.rules import LeadStatus

OPEN = ["new", "contacted", "qualified", "proposal"]


@pytest.fixture
def lead_in(db, make_lead):
    """A lead put straight into `status` (lost ones get a reason)."""

    def make(status: str = "new", **overrides):
        lead = make_lead(**overrides)
        lead.status = LeadStatus(status)
        lead.lost_reason = "Went elsewhere" if status == "lost" else None
        db.session.commit()
        return lead

    return make


def patch(client, lead_id: int, body, headers):
    return client.patch(f"/api/v1/leads/{lead_id}", json=body, headers=headers)


def events(db, lead_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    query = sa.select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
    return [(event.kind, event.detail) for event in db.session.scalars(query)]


@pytest.mark.parametrize(
    ("start", "target"),
    [(a, b) for i, a in enumerate(OPEN) for b in OPEN[i + 1 :]],
)
def test_an_open_lead_moves_forward_to_any_later_open_status(
    client, staff, lead_in, reload, start, target
):
    user, headers = staff("sales")
    lead = lead_in(start)

    response = patch(client, lead.id, {"status": target}, headers)

    assert response.status_code == 200
    assert response.get_json()["status"] == target
    assert reload(lead.id).status == LeadStatus(target)


def test_a_status_change_is_on_the_timeline_with_who_made_it(client, staff, lead_in, db):
    user, headers = staff("admin")
    lead = lead_in("new")

    patch(client, lead.id, {"status": "qualified"}, headers)

    event = db.session.scalars(
        sa.select(LeadEvent).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "status")
    ).one()
    assert event.actor_id == user.id
    assert "new" in event.detail and "qualified" in event.detail


@pytest.mark.parametrize(
    ("start", "target"),
    [
        *[(a, b) for i, a in enumerate(OPEN) for b in OPEN[:i]],
        ("lost", "new"),
        ("lost", "qualified"),
        ("lost", "proposal"),
        *[(status, "won") for status in [*OPEN, "lost"]],
    ],
)
def test_backwards_moves_and_moves_to_won_are_422_illegal_transition(
    client, bearer, lead_in, reload, db, start, target
):
    lead = lead_in(start)
    before = events(db, lead.id)

    response = patch(client, lead.id, {"status": target}, bearer("sales"))

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "illegal_transition"
    assert set(error["fields"]) == {"status"}
    assert reload(lead.id).status == LeadStatus(start)
    assert events(db, lead.id) == before


def test_a_won_lead_cannot_be_moved_by_patch(client, bearer, lead_in, reload):
    lead = lead_in("won")

    response = patch(client, lead.id, {"status": "lost", "lost_reason": "x"}, bearer("admin"))

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "illegal_transition"
    assert reload(lead.id).status == LeadStatus.WON


@pytest.mark.parametrize(
    "body",
    [
        {"status": "lost"},
        {"status": "lost", "lost_reason": None},
        {"status": "lost", "lost_reason": ""},
        {"status": "lost", "lost_reason": "   \n"},
    ],
)
@pytest.mark.parametrize("start", OPEN)
def test_lost_without_a_reason_is_422_invalid_on_lost_reason(
    client, bearer, lead_in, reload, start, body
):
    lead = lead_in(start)

    response = patch(client, lead.id, body, bearer("sales"))

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"lost_reason"}
    assert reload(lead.id).status == LeadStatus(start)


@pytest.mark.parametrize("start", OPEN)
def test_any_open_lead_can_be_lost_with_a_reason(client, bearer, lead_in, reload, start):
    lead = lead_in(start)

    response = patch(
        client, lead.id, {"status": "lost", "lost_reason": "  Hired in-house "}, bearer()
    )

    assert response.status_code == 200
    assert response.get_json()["lost_reason"] == "Hired in-house"
    lead = reload(lead.id)
    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, "Hired in-house")


def test_a_lost_lead_reopens_to_contacted_and_forgets_its_reason(client, bearer, lead_in, reload):
    lead = lead_in("lost")

    response = patch(client, lead.id, {"status": "contacted"}, bearer("sales"))

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["lost_reason"]) == ("contacted", None)
    assert reload(lead.id).status == LeadStatus.CONTACTED


def test_a_lost_lead_cannot_reopen_while_another_open_lead_has_its_email(
    client, bearer, lead_in, make_lead, reload
):
    lost = lead_in("lost", email="twin@company.example")
    make_lead(email="twin@company.example")

    response = patch(client, lost.id, {"status": "contacted"}, bearer("sales"))

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "illegal_transition"
    assert reload(lost.id).status == LeadStatus.LOST


def test_the_same_status_again_changes_nothing(client, bearer, lead_in, db):
    lead = lead_in("qualified")
    before = events(db, lead.id)

    response = patch(client, lead.id, {"status": "qualified"}, bearer())

    assert response.status_code == 200
    assert response.get_json()["status"] == "qualified"
    assert events(db, lead.id) == before


def test_an_empty_patch_answers_the_lead_unchanged(client, bearer, lead_in, db):
    lead = lead_in("contacted")
    before = events(db, lead.id)

    response = patch(client, lead.id, {}, bearer())

    assert response.status_code == 200
    assert response.get_json()["status"] == "contacted"
    assert events(db, lead.id) == before


@pytest.mark.parametrize("status", ["closed", "WON", "New", ""])
def test_an_unknown_status_is_422_invalid(client, bearer, lead_in, reload, status):
    lead = lead_in("new")

    response = patch(client, lead.id, {"status": status}, bearer())

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], set(error["fields"])) == ("invalid", {"status"})
    assert reload(lead.id).status == LeadStatus.NEW


def test_the_owner_changes_and_null_unassigns(client, staff, lead_in, reload, db):
    _admin, headers = staff("admin")
    other, _ = staff("sales", "other@hiretechtalent.example")
    lead = lead_in("new")

    assigned = patch(client, lead.id, {"owner_email": "  OTHER@HireTechTalent.example "}, headers)

    assert assigned.status_code == 200
    assert assigned.get_json()["owner_email"] == other.email
    assert reload(lead.id).owner_id == other.id

    unassigned = patch(client, lead.id, {"owner_email": None}, headers)

    assert unassigned.status_code == 200
    assert unassigned.get_json()["owner_email"] is None
    assert reload(lead.id).owner_id is None
    kinds = [kind for kind, _detail in events(db, lead.id)]
    assert kinds[-2:] == ["owner", "owner"]


@pytest.mark.parametrize("value", ["none", ""])
def test_owner_none_or_blank_also_unassigns(client, staff, lead_in, reload, value):
    owner, headers = staff("sales")
    lead = lead_in("new")
    assert reload(lead.id).owner_id == owner.id  # round-robin gave it to them

    response = patch(client, lead.id, {"owner_email": value}, headers)

    assert response.status_code == 200
    assert reload(lead.id).owner_id is None


def test_leaving_out_owner_email_keeps_the_owner(client, staff, lead_in, reload):
    owner, headers = staff("sales")
    lead = lead_in("new")

    patch(client, lead.id, {"status": "contacted"}, headers)

    assert reload(lead.id).owner_id == owner.id


def test_an_unknown_or_inactive_owner_is_422_invalid(client, staff, lead_in, reload, db):
    owner, headers = staff("sales")
    gone, _ = staff("sales", "gone@hiretechtalent.example")
    gone.active = False
    db.session.commit()
    lead = lead_in("new")

    for email in ("nobody@hiretechtalent.example", "gone@hiretechtalent.example", "not an email"):
        response = patch(client, lead.id, {"owner_email": email}, headers)

        assert response.status_code == 422, email
        error = response.get_json()["error"]
        assert (error["code"], set(error["fields"])) == ("invalid", {"owner_email"})
    assert reload(lead.id).owner_id == owner.id


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"owner_email": "OTHER", "status": "new"}, "illegal_transition", "status"),
        ({"owner_email": "OTHER", "status": "won"}, "illegal_transition", "status"),
        ({"owner_email": "OTHER", "status": "lost"}, "invalid", "lost_reason"),
        ({"owner_email": "OTHER", "status": "bogus"}, "invalid", "status"),
        ({"owner_email": "nobody@x.example", "status": "qualified"}, "invalid", "owner_email"),
        ({"owner_email": None, "status": "new"}, "illegal_transition", "status"),
    ],
)
def test_a_refused_patch_changes_nothing_at_all(
    client, staff, lead_in, reload, db, body, code, field
):
    owner, headers = staff("sales")
    other, _ = staff("sales")
    lead = lead_in("contacted")
    assert reload(lead.id).owner_id == owner.id
    before = events(db, lead.id)
    body = {k: (other.email if v == "OTHER" else v) for k, v in body.items()}

    response = patch(client, lead.id, body, headers)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], set(error["fields"])) == (code, {field})
    lead = reload(lead.id)
    assert (lead.status, lead.owner_id) == (LeadStatus.CONTACTED, owner.id)
    assert events(db, lead.id) == before


def test_status_and_owner_change_together(client, staff, lead_in, reload):
    _owner, headers = staff("sales")
    other, _ = staff("sales")
    lead = lead_in("new")

    response = patch(client, lead.id, {"status": "proposal", "owner_email": other.email}, headers)

    assert response.status_code == 200
    lead = reload(lead.id)
    assert (lead.status, lead.owner_id) == (LeadStatus.PROPOSAL, other.id)


def test_a_finance_token_may_not_patch_leads(client, bearer, lead_in, reload):
    lead = lead_in("new")

    response = patch(client, lead.id, {"status": "contacted"}, bearer("finance"))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert reload(lead.id).status == LeadStatus.NEW


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "x"}])
def test_patching_needs_a_valid_token(client, lead_in, reload, headers):
    lead = lead_in("new")

    response = patch(client, lead.id, {"status": "contacted"}, headers)

    assert response.status_code == 401
    assert reload(lead.id).status == LeadStatus.NEW


@pytest.mark.parametrize(
    "lead_id",
    [
        999999,
        2**31 - 1,
        2**31,
        10**20,
    ],
)
def test_patching_a_lead_that_does_not_exist_is_404(client, bearer, lead_in, lead_id):
    lead_in("new")

    response = patch(client, lead_id, {"status": "contacted"}, bearer())

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": 2}, "status"),
        ({"status": ["contacted"]}, "status"),
        ({"status": "lost", "lost_reason": 5}, "lost_reason"),
        ({"owner_email": {"email": "a@b.example"}}, "owner_email"),
        ({"owner_email": True}, "owner_email"),
    ],
)
def test_a_patch_value_of_the_wrong_json_type_is_400_bad_json(
    client, bearer, lead_in, reload, body, field
):
    lead = lead_in("new")

    response = patch(client, lead.id, body, bearer())

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert (error["code"], set(error["fields"])) == ("bad_json", {field})
    assert reload(lead.id).status == LeadStatus.NEW


@pytest.mark.parametrize("data", ["status=contacted", "[]", '["status"]', "null", ""])
def test_a_patch_body_that_is_not_a_json_object_is_400_bad_json(client, bearer, lead_in, data):
    lead = lead_in("new")

    response = client.patch(
        f"/api/v1/leads/{lead.id}", data=data, content_type="application/json", headers=bearer()
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "lost", "lost_reason": "No\x00budget"}, "lost_reason"),
        ({"owner_email": "a\x00b@hiretechtalent.example"}, "owner_email"),
    ],
)
def test_nul_characters_in_a_patch_are_422_not_a_server_error(
    client, bearer, lead_in, reload, body, field
):
    lead = lead_in("new")

    response = patch(client, lead.id, body, bearer())

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {field}
    assert reload(lead.id).status == LeadStatus.NEW


def test_unknown_patch_fields_are_ignored(client, bearer, lead_in, reload):
    lead = lead_in("new", first_name="Ana")

    response = patch(client, lead.id, {"first_name": "Eve", "source": "event"}, bearer())

    assert response.status_code == 200
    lead = reload(lead.id)
    assert (lead.first_name, lead.source.value) == ("Ana", "form")
