"""Sales work leads in the dashboard: list, filters, search, pages, detail, status, owner,
notes, hand-entered leads, CSV, quarantine and the outbox page."""

import csv
import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from leads.models import Lead, LeadEvent, QuarantinedSubmission
from leads.rules import LeadSource
from leads.services import Arrival
from notifications.models import OutboxMessage, OutboxStatus


def page(client, path, **params) -> str:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_overview_counts_leads_by_status_and_lists_my_work(client, login_as, make_lead):
    login_as("sales")
    make_lead(company="Bluefin Health")
    html = page(client, "/dashboard")
    assert "My work" in html and "Bluefin Health" in html
    assert 'href="/dashboard/leads?status=new"><strong>1</strong>' in html


def test_search_matches_word_starts_of_names_company_and_email(client, login_as, make_lead):
    make_lead(
        first_name="Ana", last_name="Silva", company="Northwind Labs", email="ana@northwind.example"
    )
    make_lead(
        first_name="Bob", last_name="Stone", company="Bluefin Health", email="bob@bluefin.example"
    )
    login_as("sales")
    for q, found, missing in [
        ("ana", "Northwind", "Bluefin"),
        ("SIL", "Northwind", "Bluefin"),
        ("labs", "Northwind", "Bluefin"),
        ("blue", "Bluefin", "Northwind"),
        ("northwind.ex", "Northwind", "Bluefin"),
        ("bob@", "Bluefin", "Northwind"),
        ("ana stone", None, "Northwind"),
        ("orth", None, "Northwind"),
    ]:
        html = page(client, "/dashboard/leads", q=q)
        if found:
            assert found in html, q
        assert missing not in html, q


def test_filters_combine_status_owner_source_and_dates(client, db, login_as, make_lead, make_user):
    owner = make_user("sales", email="owner@hiretechtalent.example")
    login_as("admin")
    kept = (
        make_lead(company="Kept Co", owner_choice=None) if False else make_lead(company="Kept Co")
    )
    other = make_lead(company="Other Co", source=LeadSource.API)
    kept.owner, other.owner = owner, None
    kept.created_at = datetime(2026, 7, 1, 15, 0)
    other.created_at = datetime(2026, 7, 1, 15, 0)
    db.session.commit()
    html = page(
        client,
        "/dashboard/leads",
        owner=owner.email,
        source="form",
        created_from="2026-07-01",
        created_to="2026-07-01",
        status="new",
    )
    assert "Kept Co" in html and "Other Co" not in html
    html = page(client, "/dashboard/leads", owner="none")
    assert "Other Co" in html and "Kept Co" not in html
    html = page(client, "/dashboard/leads", created_from="2026-07-02")
    assert "Kept Co" not in html


def test_a_bad_filter_shows_a_message_instead_of_failing(client, login_as):
    login_as("sales")
    html = page(
        client, "/dashboard/leads", status="sleeping", created_from="yesterday", cursor="zzz"
    )
    assert "One of new, contacted, qualified, proposal, won, lost." in html
    assert "YYYY-MM-DD" in html and "Not a cursor from this list." in html


def test_cursor_pages_walk_every_lead_once_newest_first(client, login_as, make_lead):
    for number in range(7):
        make_lead(company=f"Firm {number:02d}")
    login_as("sales")
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        html = page(client, "/dashboard/leads", **params)
        pages += 1
        shown = [f"Firm {n:02d}" for n in range(7) if f"Firm {n:02d}" in html]
        seen += sorted(shown, key=html.index)
        if 'rel="next"' not in html:
            break
        cursor = html.split("cursor=")[1].split("&")[0].split('"')[0]
    assert seen == [f"Firm {n:02d}" for n in reversed(range(7))]
    assert pages == 3


def test_sales_move_a_lead_forward_and_the_timeline_says_who_and_when(
    client, db, login_as, make_lead
):
    lead = make_lead()
    user = login_as("sales")
    response = client.post(f"/dashboard/leads/{lead.id}/status", data={"status": "contacted"})
    assert response.status_code == 302
    html = page(client, f"/dashboard/leads/{lead.id}")
    assert "Status changed." in html
    assert "Status new → contacted." in html and user.email in html
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status.value == "contacted"


def test_an_illegal_move_is_refused_with_a_message_and_changes_nothing(
    client, db, login_as, make_lead
):
    lead = make_lead()
    login_as("sales")
    client.post(f"/dashboard/leads/{lead.id}/status", data={"status": "proposal"})
    refused = client.post(f"/dashboard/leads/{lead.id}/status", data={"status": "contacted"})
    assert refused.status_code == 200
    assert "can only move forward" in refused.get_data(as_text=True)
    refused = client.post(f"/dashboard/leads/{lead.id}/status", data={"status": "lost"})
    html = refused.get_data(as_text=True)
    assert "Say why the lead was lost." in html
    assert '<option selected value="lost">Lost</option>' in html
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status.value == "proposal"


def test_lost_needs_a_reason_and_can_be_reopened_to_contacted(client, db, login_as, make_lead):
    lead = make_lead()
    login_as("sales")
    client.post(
        f"/dashboard/leads/{lead.id}/status",
        data={"status": "lost", "lost_reason": "Hired in-house"},
    )
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).lost_reason == "Hired in-house"
    client.post(f"/dashboard/leads/{lead.id}/status", data={"status": "contacted"})
    db.session.expire_all()
    reopened = db.session.get(Lead, lead.id)
    assert (reopened.status.value, reopened.lost_reason) == ("contacted", None)


def test_notes_and_owner_changes_join_the_timeline(client, db, login_as, make_lead, make_user):
    lead = make_lead()
    colleague = make_user("sales", email="colleague@hiretechtalent.example")
    login_as("sales")
    client.post(f"/dashboard/leads/{lead.id}/notes", data={"body": "Call booked <b>Thu</b>"})
    client.post(f"/dashboard/leads/{lead.id}/owner", data={"owner_email": colleague.email})
    html = page(client, f"/dashboard/leads/{lead.id}")
    assert "Call booked &lt;b&gt;Thu&lt;/b&gt;" in html
    assert f"Assigned to {colleague.email}." in html
    kinds = db.session.scalars(sa.select(LeadEvent.kind).where(LeadEvent.lead_id == lead.id))
    assert {"created", "note", "owner"} <= set(kinds)


def test_an_empty_note_is_refused(client, db, login_as, make_lead):
    lead = make_lead()
    login_as("sales")
    client.post(f"/dashboard/leads/{lead.id}/notes", data={"body": "   "})
    assert "Write something." in page(client, f"/dashboard/leads/{lead.id}")
    notes = db.session.scalars(sa.select(LeadEvent).where(LeadEvent.kind == "note")).all()
    assert notes == []


def test_an_unknown_lead_is_404(client, login_as):
    login_as("sales")
    assert client.get("/dashboard/leads/999").status_code == 404
    assert client.post("/dashboard/leads/999/notes", data={"body": "x"}).status_code == 404


def test_staff_enter_a_lead_by_hand_with_its_source_and_only_the_basics(
    client, db, login_as, outbox
):
    user = login_as("sales")
    response = client.post(
        "/dashboard/leads/new",
        data={
            "first_name": "Eve",
            "last_name": "Ng",
            "email": "eve@kestrel.example",
            "company": "Kestrel Energy",
            "source": "event",
            "owner_email": user.email,
        },
    )
    assert response.status_code == 302
    lead = db.session.scalar(sa.select(Lead))
    assert (lead.source.value, lead.owner.email, lead.consent_version) == (
        "event",
        user.email,
        None,
    )
    assert [m.event for m in outbox()] == ["new_lead"]


def test_a_hand_entered_lead_with_errors_keeps_the_values(client, db, login_as):
    login_as("sales")
    response = client.post(
        "/dashboard/leads/new",
        data={
            "first_name": "Eve",
            "last_name": "",
            "email": "eve@",
            "company": "Kestrel",
            "source": "event",
            "owner_email": "round_robin",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="Kestrel"' in html
    assert db.session.scalar(sa.select(Lead)) is None


def test_the_csv_export_takes_the_filters_exports_every_row_and_defuses_formulas(
    client, login_as, make_lead
):
    for number in range(60):
        make_lead(company=f"Firm {number}")
    make_lead(company='=HYPERLINK("http://evil")', first_name="+Eve", headcount=7)
    login_as("finance")
    response = client.get("/dashboard/leads.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 61
    evil = rows[0]
    assert evil["company"].startswith("'=HYPERLINK")
    assert evil["first_name"] == "'+Eve"
    assert evil["headcount"] == "7"
    filtered = client.get("/dashboard/leads.csv", query_string={"q": "firm 7"})
    assert len(list(csv.DictReader(io.StringIO(filtered.get_data(as_text=True))))) == 1


def test_an_admin_restores_a_quarantined_submission_as_a_lead(client, db, login_as, hire_form):
    data = hire_form()
    data["nickname"] = "I am a bot?"
    client.post("/hire", data=data)
    login_as("admin")
    html = page(client, "/dashboard/quarantine")
    assert "Filled in the hidden field" in html and "ana@northwind.example" in html
    row = db.session.scalar(sa.select(QuarantinedSubmission))
    response = client.post(f"/dashboard/quarantine/{row.id}/restore")
    assert response.status_code == 302
    lead = db.session.scalar(sa.select(Lead))
    assert lead.email == "ana@northwind.example"
    assert "Nothing in quarantine." in page(client, "/dashboard/quarantine")
    assert client.post(f"/dashboard/quarantine/{row.id}/restore").status_code == 404


def test_admins_see_failed_messages_and_resend_them(client, db, login_as, make_lead):
    make_lead()
    message = db.session.scalar(sa.select(OutboxMessage))
    message.status, message.tries, message.last_error = OutboxStatus.FAILED, 8, "refused"
    db.session.commit()
    login_as("admin")
    html = page(client, "/dashboard/outbox", status="failed")
    assert "refused" in html and "Resend" in html
    client.post(f"/dashboard/outbox/{message.id}/resend")
    db.session.expire_all()
    again = db.session.get(OutboxMessage, message.id)
    assert (again.status, again.tries) == (OutboxStatus.PENDING, 0)
    assert client.post(f"/dashboard/outbox/{message.id}/resend").status_code == 404


@pytest.mark.parametrize("source", [LeadSource.OUTBOUND, LeadSource.PARTNER])
def test_hand_entered_leads_send_no_confirmation_to_the_prospect(
    make_lead, make_user, outbox, source
):
    make_lead(arrival=Arrival(source=source, actor=make_user("sales")))
    assert [m.event for m in outbox()] == ["new_lead"]


def test_the_list_can_be_read_oldest_first_page_by_page(client, login_as, make_lead):
    for number in range(5):
        make_lead(company=f"Firm {number:02d}")
    login_as("sales")
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "sort": "oldest", **({"cursor": cursor} if cursor else {})}
        html = page(client, "/dashboard/leads", **params)
        shown = [f"Firm {n:02d}" for n in range(5) if f"Firm {n:02d}" in html]
        seen += sorted(shown, key=html.index)
        if 'rel="next"' not in html:
            break
        cursor = html.split("cursor=")[1].split("&")[0].split('"')[0]
    assert seen == [f"Firm {n:02d}" for n in range(5)]


def test_a_word_that_starts_many_terms_finds_the_same_leads(
    client, login_as, make_lead, monkeypatch
):
    """Both search strategies (terms index first, or list order first) agree."""
    import leads.queries

    make_lead(first_name="Joan", company="Alpha")
    make_lead(first_name="Jorge", company="Beta")
    make_lead(first_name="Mia", company="Gamma")
    login_as("sales")
    sparse = page(client, "/dashboard/leads", q="jo")
    monkeypatch.setattr(leads.queries, "DENSE_MATCHES", 1)
    dense = page(client, "/dashboard/leads", q="jo")
    for html in (sparse, dense):
        assert "Alpha" in html and "Beta" in html and "Gamma" not in html
    assert dense.index("Beta") < dense.index("Alpha")


def test_the_lead_page_shows_labels_and_offers_only_the_moves_forward(client, login_as, make_lead):
    lead = make_lead(start_timeline="within_month", headcount=3)
    login_as("sales")
    html = page(client, f"/dashboard/leads/{lead.id}")
    assert "Within a month" in html and "within_month" not in html
    assert "Hire form" in html
    assert "Status now: <strong>New</strong>" in html
    assert '<option value="new">' not in html
    for move in ("contacted", "qualified", "proposal", "lost"):
        assert f'<option value="{move}">' in html
    assert 'data-lost-toggle="lost"' in html and "js/lost-reason.js" in html
    assert re.search(r'<input[^>]*name="engineers"[^>]*value="3"', html)


def test_a_lost_lead_offers_only_reopening_and_a_won_lead_no_status_select(
    client, login_as, make_lead
):
    lead = make_lead()
    login_as("sales")
    client.post(
        f"/dashboard/leads/{lead.id}/status", data={"status": "lost", "lost_reason": "Budget"}
    )
    html = page(client, f"/dashboard/leads/{lead.id}")
    options = html.split('name="status"')[1].split("</select>")[0]
    assert '<option value="contacted">Contacted</option>' in options
    assert "qualified" not in options and "proposal" not in options
    client.post(f"/dashboard/leads/{lead.id}/status", data={"status": "contacted"})
    client.post(
        f"/dashboard/leads/{lead.id}/convert",
        data={"start_date": "2026-01-05", "engineers": "1", "monthly_rate": "$9,000"},
    )
    html = page(client, f"/dashboard/leads/{lead.id}")
    assert "Won: " in html
    assert 'name="status"' not in html and "Status: <strong>Won</strong>" in html


def test_a_refused_status_change_keeps_what_was_chosen(client, db, login_as, make_lead):
    lead = make_lead()
    login_as("sales")
    refused = client.post(
        f"/dashboard/leads/{lead.id}/status", data={"status": "lost", "lost_reason": "  "}
    )
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert "Say why the lead was lost." in html
    assert '<option selected value="lost">Lost</option>' in html
    long = "x" * 2001
    refused = client.post(
        f"/dashboard/leads/{lead.id}/status", data={"status": "lost", "lost_reason": long}
    )
    assert long in refused.get_data(as_text=True)
    nothing = client.post(f"/dashboard/leads/{lead.id}/status", data={"status": ""})
    assert "Pick a status." in nothing.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lead, lead.id).status.value == "new"
