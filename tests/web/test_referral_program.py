"""The Client Referral Program through its pages: sign-up, approval, links and cookies,
attribution and its refusals, the portal and its privacy, attribution changes."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from auth.services import find_user
from core.audit import Actor, AuditEvent
from core.db import utcnow
from core.today import business_today
from leads.models import Lead, LeadEvent
from notifications.models import OutboxMessage
from referrals.attribution import REFUSAL_LABELS
from referrals.models import PortalToken, Referrer
from referrals.services import decide, sign_up

SIGN_UP = {
    "first_name": "Rita",
    "last_name": "Ref",
    "email": "rita@partnerco.example",
    "company": "PartnerCo",
    "relationship": "partner",
    "payout_email": "pay@partnerco.example",
}


@pytest.fixture
def make_referrer(app, make_user):
    counter = iter(range(1, 1000))

    def make(status: str = "active", **overrides):
        number = next(counter)
        data = {**SIGN_UP, "email": f"ref{number}@partner{number}.example", **overrides}
        referrer = sign_up(data).referrer
        admin = find_user("referee-admin@hiretechtalent.example") or make_user(
            "admin", email="referee-admin@hiretechtalent.example"
        )
        if status in ("active", "suspended"):
            decide(referrer.id, "approve", admin)
        if status == "suspended":
            decide(referrer.id, "suspend", admin)
        if status == "rejected":
            decide(referrer.id, "reject", admin)
        return referrer

    return make


def lead_by_email(db, email):
    db.session.expire_all()
    return db.session.scalar(sa.select(Lead).where(Lead.email == email))


def test_the_program_page_explains_the_terms_from_the_settings(app, client):
    app.config.update(COMMISSION_RATE_BP=1250, COMMISSION_MONTHS=6)
    page = client.get("/referral-program").get_data(as_text=True)
    assert "12.5 %" in page and "first 6 months" in page
    assert "guarantee" in page and "payout" in page.lower()
    assert 'name="accept_terms"' in page


def test_a_sign_up_is_pending_until_staff_approve_and_then_gets_a_code_by_email(
    client, db, login_as, outbox
):
    response = client.post("/referral-program", data={**SIGN_UP, "accept_terms": "y"})
    assert response.headers["Location"] == "/referral-program/thanks"
    referrer = db.session.scalar(sa.select(Referrer))
    assert (referrer.status.value, referrer.code, referrer.terms_version) == (
        "pending",
        None,
        "2026-01",
    )
    login_as("finance")
    client.post(f"/dashboard/referrers/{referrer.id}/approve")
    db.session.expire_all()
    referrer = db.session.get(Referrer, referrer.id)
    assert referrer.status.value == "active" and len(referrer.code) >= 6
    [approved] = outbox("referrer_approved")
    assert f"http://testserver.example/r/{referrer.code}" in approved.body_text


def test_signing_up_twice_answers_the_same_and_changes_nothing(client, db, outbox):
    first = client.post("/referral-program", data={**SIGN_UP, "accept_terms": "y"})
    second = client.post(
        "/referral-program",
        data={**SIGN_UP, "company": "Changed", "accept_terms": "y"},
    )
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    [referrer] = db.session.scalars(sa.select(Referrer)).all()
    assert referrer.company == "PartnerCo"
    assert len(outbox("referrer_already_registered")) == 1


def test_sign_up_errors_keep_the_values_and_terms_must_be_accepted(client, db):
    page = client.post("/referral-program", data=SIGN_UP).get_data(as_text=True)
    assert "Please accept the terms" in page and 'value="PartnerCo"' in page
    assert db.session.scalar(sa.select(Referrer)) is None


def test_staff_and_our_own_domain_cannot_join_and_the_page_does_not_say_so(
    app, client, db, make_user
):
    """SPEC §14: the answer is the same as for a new sign-up; the reason goes by email to the
    address given."""
    app.config["COMPANY_DOMAINS"] = ["hiretechtalent.example"]
    staff = make_user("sales", email="sam@staffmail.example")
    newcomer = client.post("/referral-program", data={**SIGN_UP, "accept_terms": "y"})
    for email, reason in (
        (staff.email, "Staff accounts cannot join"),
        ("someone@hiretechtalent.example", "our own company cannot join"),
    ):
        response = client.post(
            "/referral-program", data={**SIGN_UP, "email": email, "accept_terms": "y"}
        )
        assert (response.status_code, response.location) == (302, newcomer.location)
        [told] = db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.to_address == email, OutboxMessage.event == "referrer_not_eligible"
            )
        )
        assert reason in told.body_text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referrer)) == 1


def test_a_client_contact_is_approved_at_once(client, db, login_as, make_lead):
    lead = make_lead(email="cora@clientco.example", company="ClientCo")
    login_as("sales")
    client.post(
        f"/dashboard/leads/{lead.id}/convert",
        data={"start_date": "2026-01-05", "engineers": "1", "monthly_rate": "9000"},
    )
    client.post(
        "/referral-program", data={**SIGN_UP, "email": "cora@clientco.example", "accept_terms": "y"}
    )
    referrer = db.session.scalar(sa.select(Referrer))
    assert referrer.status.value == "active" and referrer.code


def test_a_referral_link_sets_a_90_day_cookie_and_redirects_to_the_form(client, make_referrer):
    referrer = make_referrer()
    response = client.get(f"/r/{referrer.code.lower()}")
    assert response.headers["Location"] == f"/hire?ref={referrer.code}"
    cookie = response.headers["Set-Cookie"]
    assert f"ref={referrer.code}" in cookie and "Max-Age=7776000" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_form_reached_through_a_referral_link_says_so_and_shows_the_code(client, make_referrer):
    referrer = make_referrer()
    page = client.get(f"/r/{referrer.code}", follow_redirects=True).get_data(as_text=True)
    assert f"{referrer.first_name}, a member of our Client Referral Program" in page
    assert referrer.email not in page
    field = page.index(f'name="referral_code" type="text" value="{referrer.code}"')
    assert field < page.index("More about you and the role")


def test_a_code_typed_into_the_address_alone_does_not_name_a_referrer(client, make_referrer):
    referrer = make_referrer()
    page = client.get(f"/hire?ref={referrer.code}").get_data(as_text=True)
    assert "Client Referral Program" not in page
    assert f'value="{referrer.code}"' in page


def test_an_unknown_code_redirects_without_a_cookie(client):
    response = client.get("/r/NOPE99")
    assert response.headers["Location"] == "/hire"
    assert "Set-Cookie" not in response.headers


def test_the_cookie_attributes_a_hire_form_lead_and_copies_the_terms(
    app, client, db, make_referrer, hire_form, outbox
):
    referrer = make_referrer()
    app.config.update(COMMISSION_RATE_BP=1500, COMMISSION_BONUS_CENTS=50000)
    client.get(f"/r/{referrer.code}")
    client.post("/hire", data=hire_form(referral_code=""))
    lead = lead_by_email(db, "ana@northwind.example")
    assert (lead.attribution_status.value, lead.referrer_id) == ("attributed", referrer.id)
    assert (
        lead.commission_rate_bp,
        lead.commission_months,
        lead.commission_bonus_cents,
        lead.terms_version,
    ) == (1500, 12, 50000, "2026-01")
    assert outbox("referral_received")[0].to_address == referrer.email
    assert "through a referral" in outbox("new_lead")[0].body_text


def test_the_code_in_the_form_beats_the_cookie(client, db, make_referrer, hire_form):
    cookie_referrer, form_referrer = make_referrer(), make_referrer()
    client.get(f"/r/{cookie_referrer.code}")
    client.post("/hire", data=hire_form(referral_code=form_referrer.code.lower()))
    assert lead_by_email(db, "ana@northwind.example").referrer_id == form_referrer.id


def test_a_later_submission_never_changes_the_attribution(client, db, make_referrer, hire_form):
    first, second = make_referrer(), make_referrer()
    client.post("/hire", data=hire_form(referral_code=first.code))
    client.post("/hire", data=hire_form(referral_code=second.code))
    lead = lead_by_email(db, "ana@northwind.example")
    assert (lead.referrer_id, lead.submissions_count) == (first.id, 2)
    details = db.session.scalars(
        sa.select(LeadEvent.detail).where(LeadEvent.kind == "submission")
    ).all()
    assert any(second.code in detail for detail in details)


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("unknown", "unknown_code"),
        ("suspended", "inactive_referrer"),
        ("pending", "inactive_referrer"),
        ("self", "self_referral"),
        ("existing", "existing_customer"),
    ],
)
def test_refused_attributions_keep_the_lead_and_show_staff_why(
    client, db, login_as, make_referrer, make_lead, hire_form, setup, reason
):
    if setup == "unknown":
        code = "ZZZZ99"
    elif setup == "self":
        code = make_referrer(email="boss@northwind.example").code
    elif setup == "pending":
        pending = make_referrer(status="pending")
        pending.code = "PEND22"
        db.session.commit()
        code = pending.code
    else:
        code = make_referrer(status="suspended" if setup == "suspended" else "active").code
        if setup == "existing":
            make_lead(email="old@northwind.example", company="Northwind Labs")
    client.post("/hire", data=hire_form(referral_code=code))
    lead = lead_by_email(db, "ana@northwind.example")
    assert lead is not None
    assert (lead.attribution_status.value, lead.attribution_reason, lead.referrer_id) == (
        "refused",
        reason,
        None,
    )
    login_as("sales")
    page = client.get(f"/dashboard/leads/{lead.id}").get_data(as_text=True)
    assert f"refused: <strong>{REFUSAL_LABELS[reason]}</strong>" in page
    assert f"Referral code {code} refused: {reason}." in page


def sign_in_link(outbox) -> str:
    body = outbox("portal_sign_in")[-1].body_text
    return next(line.strip() for line in body.splitlines() if "/portal/sign-in/" in line)


def sign_in(client, outbox, email) -> None:
    client.post("/portal/sign-in", data={"email": email})
    path = sign_in_link(outbox).replace("http://testserver.example", "")
    assert client.post(path).status_code == 302


def test_portal_sign_in_always_answers_the_same_way(client, make_referrer, outbox):
    referrer = make_referrer()
    known = client.post("/portal/sign-in", data={"email": referrer.email})
    unknown = client.post("/portal/sign-in", data={"email": "nobody@x.example"})
    assert known.get_data() == unknown.get_data()
    assert [m.to_address for m in outbox("portal_sign_in")] == [referrer.email]


def test_only_the_post_uses_the_link_so_a_mail_scanner_cannot(client, db, make_referrer, outbox):
    referrer = make_referrer()
    client.post("/portal/sign-in", data={"email": referrer.email})
    path = sign_in_link(outbox).replace("http://testserver.example", "")
    for _ in range(3):
        page = client.get(path).get_data(as_text=True)
        assert ">Sign in</button>" in page
    assert client.get("/portal").status_code == 302
    assert client.post(path).headers["Location"] == "/portal"
    assert referrer.first_name in client.get("/portal").get_data(as_text=True)


def test_a_link_works_once(client, db, make_referrer, outbox):
    referrer = make_referrer()
    client.post("/portal/sign-in", data={"email": referrer.email})
    path = sign_in_link(outbox).replace("http://testserver.example", "")
    assert client.post(path).status_code == 302
    client.post("/portal/sign-out")
    second = client.post(path)
    assert second.status_code == 410
    assert "no longer works" in second.get_data(as_text=True)
    assert client.get("/portal").status_code == 302
    [signed_in] = db.session.scalars(sa.select(AuditEvent).filter_by(action="auth.signed_in"))
    assert signed_in.actor == Actor("referrer", referrer.id, referrer.email)
    assert (signed_in.entity_type, signed_in.entity_id) == ("referrer", referrer.id)


def test_a_link_expires_after_thirty_minutes(client, db, make_referrer, outbox):
    referrer = make_referrer()
    client.post("/portal/sign-in", data={"email": referrer.email})
    db.session.execute(sa.update(PortalToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    path = sign_in_link(outbox).replace("http://testserver.example", "")
    assert "no longer works" in client.get(path).get_data(as_text=True)
    assert client.post(path).status_code == 410


def test_the_portal_session_lasts_thirty_days(client, make_referrer, outbox):
    referrer = make_referrer()
    client.post("/portal/sign-in", data={"email": referrer.email})
    path = sign_in_link(outbox).replace("http://testserver.example", "")
    cookie = client.post(path).headers["Set-Cookie"]
    assert "portal_session=" in cookie and "Max-Age=2592000" in cookie and "HttpOnly" in cookie


def test_a_referrer_sees_their_own_referrals_and_nothing_of_anyone_else(
    client, db, make_referrer, make_lead, outbox, hire_form
):
    mine, theirs = make_referrer(), make_referrer()
    make_lead(
        email="cto@alpha.example",
        company="Alpha Corp",
        referral_code=mine.code,
        message="Secret sales detail",
    )
    make_lead(email="cto@beta.example", company="Beta Corp", referral_code=theirs.code)
    make_lead(email="cto@gamma.example", company="Gamma Corp")
    sign_in(client, outbox, mine.email)
    page = client.get("/portal").get_data(as_text=True)
    assert "Alpha Corp" in page and "received" in page
    assert "Beta Corp" not in page and "Gamma Corp" not in page
    assert "cto@alpha.example" not in page and "Secret sales detail" not in page
    assert theirs.code not in page and mine.code in page


def test_a_refused_referral_shows_only_as_not_eligible(
    client, db, make_referrer, make_lead, outbox
):
    referrer = make_referrer(email="me@selfco.example")
    make_lead(email="boss@selfco.example", company="SelfCo", referral_code=referrer.code)
    sign_in(client, outbox, referrer.email)
    page = client.get("/portal").get_data(as_text=True)
    assert "not eligible" in page and "self_referral" not in page


def test_a_suspended_referrer_can_sign_in_and_sees_that_status(client, make_referrer, outbox):
    referrer = make_referrer(status="suspended")
    sign_in(client, outbox, referrer.email)
    assert "suspended" in client.get("/portal").get_data(as_text=True)


def test_a_referrer_refers_a_company_from_the_portal(client, db, make_referrer, outbox):
    referrer = make_referrer()
    sign_in(client, outbox, referrer.email)
    response = client.post(
        "/portal/refer",
        data={
            "first_name": "Dana",
            "last_name": "Lee",
            "email": "dana@deltaco.example",
            "company": "DeltaCo",
            "needs": "Two mobile devs",
        },
    )
    assert response.status_code == 302
    lead = lead_by_email(db, "dana@deltaco.example")
    assert (lead.source.value, lead.referrer_id, lead.message) == (
        "referral",
        referrer.id,
        "Two mobile devs",
    )
    assert "DeltaCo" in client.get("/portal").get_data(as_text=True)


def test_at_most_twenty_referrals_a_day(client, db, make_referrer, outbox):
    referrer = make_referrer()
    sign_in(client, outbox, referrer.email)
    for number in range(21):
        response = client.post(
            "/portal/refer",
            data={
                "first_name": "Dana",
                "last_name": "Lee",
                "email": f"d{number}@co{number}.example",
                "company": f"Co {number}",
            },
        )
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Lead))
    assert count == 20
    assert "At most 20 referrals a day." in response.get_data(as_text=True)


def test_finance_moves_an_attribution_and_the_losing_referrer_is_told(
    client, db, login_as, make_referrer, make_lead, outbox
):
    first, second = make_referrer(), make_referrer()
    lead = make_lead(referral_code=first.code)
    login_as("sales")
    denied = client.post(
        f"/dashboard/leads/{lead.id}/attribution",
        data={"confirm": "yes", "referrer_id": str(second.id), "reason": "x"},
    )
    assert denied.status_code == 403
    client.post("/logout")
    login_as("finance")
    client.post(
        f"/dashboard/leads/{lead.id}/attribution",
        data={
            "confirm": "yes",
            "referrer_id": str(second.id),
            "reason": "Introduced by Rita in May",
        },
    )
    moved = lead_by_email(db, lead.email)
    assert moved.referrer_id == second.id
    assert outbox("attribution_lost")[0].to_address == first.email
    page = client.get(f"/dashboard/leads/{lead.id}").get_data(as_text=True)
    assert "Reason: Introduced by Rita in May." in page


def test_an_attribution_change_needs_a_reason_and_stops_at_won(
    client, db, login_as, make_referrer, make_lead
):
    referrer = make_referrer()
    lead = make_lead()
    login_as("admin")
    client.post(
        f"/dashboard/leads/{lead.id}/attribution",
        data={"confirm": "yes", "referrer_id": str(referrer.id), "reason": ""},
    )
    assert lead_by_email(db, lead.email).referrer_id is None
    client.post(
        f"/dashboard/leads/{lead.id}/convert",
        data={"start_date": "2026-01-05", "engineers": "1", "monthly_rate": "9000"},
    )
    client.post(
        f"/dashboard/leads/{lead.id}/attribution",
        data={"confirm": "yes", "referrer_id": str(referrer.id), "reason": "late"},
    )
    assert lead_by_email(db, lead.email).referrer_id is None


def test_the_referrers_page_lists_pending_first(client, login_as, make_referrer):
    make_referrer(status="active", last_name="Activeone")
    make_referrer(status="pending", last_name="Pendingone")
    login_as("sales")
    page = client.get("/dashboard/referrers").get_data(as_text=True)
    assert page.index("Pendingone") < page.index("Activeone")


def test_sales_read_referrers_but_cannot_decide(client, login_as, make_referrer):
    referrer = make_referrer(status="pending")
    login_as("sales")
    assert client.get(f"/dashboard/referrers/{referrer.id}").status_code == 200
    assert client.post(f"/dashboard/referrers/{referrer.id}/approve").status_code == 403


def test_an_illegal_decision_is_refused_with_a_message(client, db, login_as, make_referrer):
    referrer = make_referrer(status="active")
    login_as("admin")
    client.post(f"/dashboard/referrers/{referrer.id}/reject", data={"confirm": "yes"})
    page = client.get(f"/dashboard/referrers/{referrer.id}").get_data(as_text=True)
    assert "cannot be rejected" in page


def test_admins_edit_the_program_settings_and_new_attributions_use_them(
    client, db, login_as, make_referrer, make_lead
):
    referrer = make_referrer()
    before = make_lead(referral_code=referrer.code)
    login_as("admin")
    client.post(
        "/dashboard/settings/program",
        data={
            "commission_rate": "8",
            "commission_months": "6",
            "bonus": "0",
            "payout_threshold": "50",
            "hold_days": "7",
        },
    )
    after = make_lead(referral_code=referrer.code)
    assert (before.commission_rate_bp, after.commission_rate_bp) == (1000, 800)
    assert after.commission_months == 6


def test_a_commission_cap_saved_in_the_settings_is_copied_and_explained(
    client, db, login_as, make_referrer, make_lead
):
    referrer = make_referrer()
    before = make_lead(referral_code=referrer.code)
    login_as("admin")
    settings = {
        "commission_rate": "10",
        "commission_months": "12",
        "bonus": "0",
        "payout_threshold": "100.00",
        "hold_days": "7",
    }
    refused = client.post("/dashboard/settings/program", data={**settings, "cap": "-1"})
    assert "The amount cannot be negative." in refused.get_data(as_text=True)
    client.post("/dashboard/settings/program", data={**settings, "cap": "$5,000"})
    after = make_lead(referral_code=referrer.code)
    assert (before.commission_cap_cents, after.commission_cap_cents) == (None, 500_000)
    program = client.get("/referral-program").get_data(as_text=True)
    assert "Commission on one client never totals more than $5,000.00." in program
    lead_page = client.get(f"/dashboard/leads/{after.id}").get_data(as_text=True)
    assert "10 % for 12 months, at most $5,000.00" in lead_page
    client.post("/dashboard/settings/program", data={**settings, "cap": ""})
    assert make_lead(referral_code=referrer.code).commission_cap_cents is None


def test_an_admin_sets_a_referrers_own_rate_for_their_next_referrals(
    client, db, login_as, make_referrer, make_lead
):
    referrer = make_referrer()
    before = make_lead(referral_code=referrer.code)
    login_as("admin")
    client.post(f"/dashboard/referrers/{referrer.id}/rate", data={"rate": "0"})
    zero = make_lead(referral_code=referrer.code)
    client.post(f"/dashboard/referrers/{referrer.id}/rate", data={"rate": "200"})
    page = client.get(f"/dashboard/referrers/{referrer.id}").get_data(as_text=True)
    assert "Rate</dt><dd>0 %" in page
    client.post(f"/dashboard/referrers/{referrer.id}/rate", data={"rate": ""})
    back = make_lead(referral_code=referrer.code)
    assert (before.commission_rate_bp, zero.commission_rate_bp, back.commission_rate_bp) == (
        1000,
        0,
        1000,
    )


def test_finance_records_a_referrers_tax_form_on_its_page(client, db, login_as, make_referrer):
    referrer = make_referrer()
    login_as("finance")
    page_url = f"/dashboard/referrers/{referrer.id}"
    assert "Tax form</dt><dd>not on file" in client.get(page_url).get_data(as_text=True)

    client.post(f"{page_url}/tax-form", data={"tax_form_on_file_on": "2026-01-15"})
    assert "on file since 2026-01-15" in client.get(page_url).get_data(as_text=True)
    tomorrow = (business_today() + timedelta(days=1)).isoformat()
    refused = client.post(
        f"{page_url}/tax-form", data={"tax_form_on_file_on": tomorrow}, follow_redirects=True
    )
    assert "That date is in the future." in refused.get_data(as_text=True)
    too_old = client.post(
        f"{page_url}/tax-form", data={"tax_form_on_file_on": "1899-12-31"}, follow_redirects=True
    )
    assert "A date between 1900 and 9998." in too_old.get_data(as_text=True)
    client.post(f"{page_url}/tax-form", data={"tax_form_on_file_on": ""})
    db.session.refresh(referrer)
    assert referrer.tax_form_on_file_on is None


def test_sales_cannot_record_a_tax_form(client, login_as, make_referrer):
    referrer = make_referrer()
    login_as("sales")
    response = client.post(
        f"/dashboard/referrers/{referrer.id}/tax-form", data={"tax_form_on_file_on": "2026-01-15"}
    )
    assert response.status_code == 403


def test_only_admins_set_a_referrers_rate(client, login_as, make_referrer):
    referrer = make_referrer()
    login_as("finance")
    assert (
        client.post(f"/dashboard/referrers/{referrer.id}/rate", data={"rate": "15"}).status_code
        == 403
    )


def test_signing_out_of_the_portal_ends_the_session_for_good(client, make_referrer, outbox):
    referrer = make_referrer()
    client.post("/portal/sign-in", data={"email": referrer.email})
    client.post(sign_in_link(outbox).replace("http://testserver.example", ""))
    saved = client.get_cookie("portal_session").value
    assert client.get("/portal").status_code == 200

    client.post("/portal/sign-out")
    client.set_cookie("portal_session", saved)

    assert client.get("/portal").status_code == 302


def test_sign_in_links_and_already_registered_emails_go_to_one_address_at_most_5_an_hour(
    client, db, make_referrer, outbox
):
    referrer = make_referrer()
    for _ in range(4):
        assert client.post("/portal/sign-in", data={"email": referrer.email}).status_code == 200
    for _ in range(3):
        again = client.post(
            "/referral-program", data={**SIGN_UP, "email": referrer.email, "accept_terms": "y"}
        )
        assert again.status_code == 302

    capped = outbox("portal_sign_in") + outbox("referrer_already_registered")
    assert [m.event for m in capped].count("portal_sign_in") == 4
    assert len(capped) == 5
    db.session.execute(
        sa.update(OutboxMessage).values(created_at=utcnow() - timedelta(hours=1, seconds=1))
    )
    db.session.commit()
    client.post("/portal/sign-in", data={"email": referrer.email})
    assert len(outbox("portal_sign_in")) == 5


def test_the_program_settings_page_reads_and_takes_percent_and_dollars(
    client, db, login_as, make_referrer, make_lead
):
    login_as("admin")
    page = client.get("/dashboard/settings/program").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="commission_rate"[^>]*value="10"', page)
    assert re.search(r'<input[^>]*name="payout_threshold"[^>]*value="100.00"', page)
    assert "basis points" not in page and "cents" not in page
    settings = {
        "commission_rate": "12.5",
        "commission_months": "12",
        "bonus": "$1,000",
        "payout_threshold": "250.50",
        "hold_days": "7",
        "cap": "",
    }
    refused = client.post("/dashboard/settings/program", data={**settings, "bonus": "1.234"})
    html = refused.get_data(as_text=True)
    assert "At most two decimals (cents)." in html
    assert re.search(r'<input[^>]*name="bonus"[^>]*value="1.234"', html)
    too_much = {**settings, "commission_rate": "101"}
    refused = client.post("/dashboard/settings/program", data=too_much)
    assert "At most 100 %." in refused.get_data(as_text=True)
    client.post("/dashboard/settings/program", data=settings)
    lead = make_lead(referral_code=make_referrer().code)
    assert (lead.commission_rate_bp, lead.commission_bonus_cents) == (1250, 100_000)
    page = client.get("/dashboard/settings/program").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="commission_rate"[^>]*value="12.5"', page)
    assert re.search(r'<input[^>]*name="payout_threshold"[^>]*value="250.50"', page)


def test_a_referrers_page_shows_refusal_reasons_and_statuses_as_labels(
    client, login_as, make_referrer, make_lead
):
    referrer = make_referrer()
    make_lead(email="old@northwind.example", company="Northwind Labs")
    make_lead(referral_code=referrer.code, email="new@northwind.example", company="Northwind")
    login_as("sales")
    page = client.get(f"/dashboard/referrers/{referrer.id}").get_data(as_text=True)
    assert "Already a customer" in page and "existing_customer" not in page
    assert '<td data-label="Status">New</td>' in page
