"""SPEC §14: admins manage staff at /dashboard/staff; the person chooses a password through a
single-use 24-hour link that a real SMTP server delivers."""

import re
from datetime import timedelta

import sqlalchemy as sa
from flask import g
from support import PASSWORD

from auth.models import AccountLink, Role, User
from core.db import utcnow
from notifications.sender import send_pass

NEW_PASSWORD = "my own long passphrase"


def mailed_link(smtp, subject: str, to: str) -> str:
    send_pass()
    [mail] = [m for m in smtp.messages if m["Subject"] == subject and m["To"] == to]
    text = next(part for part in mail.walk() if part.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    return re.search(r"http://testserver\.example(/account/set-password/\S+)", body).group(1)


def sign_in(client, email: str, password: str) -> int:
    g.pop("_login_user", None)
    return client.post("/login", data={"email": email, "password": password}).status_code


def test_an_invited_person_chooses_a_password_through_the_mailed_link(
    app, client, db, smtp, login_as
):
    login_as("admin")
    created = client.post(
        "/dashboard/staff",
        data={"name": "Nina Novak", "email": "Nina@HireTechTalent.example", "role": "finance"},
    )
    assert created.status_code == 302
    staff_page = client.get("/dashboard/staff").get_data(as_text=True)
    assert "Nina Novak" in staff_page and "nina@hiretechtalent.example" in staff_page
    link = mailed_link(smtp, "Your Hire Tech Talent staff account", "nina@hiretechtalent.example")
    client.post("/logout")

    weak = client.post(
        link, data={"new_password": "qwerty123456", "confirm_password": "qwerty123456"}
    )
    assert weak.status_code == 422 and "most common" in weak.get_data(as_text=True)
    chosen = client.post(
        link, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    )

    assert chosen.status_code == 302
    assert sign_in(client, "nina@hiretechtalent.example", NEW_PASSWORD) == 302
    used = client.get(link)
    assert used.status_code == 410 and "Ask an administrator" in used.get_data(as_text=True)
    assert (
        client.post(link, data={"new_password": "x" * 20, "confirm_password": "x" * 20}).status_code
        == 410
    )


def test_a_link_expires_after_24_hours(client, db, smtp, login_as):
    login_as("admin")
    client.post("/dashboard/staff", data={"email": "late@hiretechtalent.example", "role": "sales"})
    link = mailed_link(smtp, "Your Hire Tech Talent staff account", "late@hiretechtalent.example")
    db.session.execute(sa.update(AccountLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    assert client.get(link).status_code == 410
    assert (
        client.post(
            link, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
        ).status_code
        == 410
    )


def test_bad_input_on_the_staff_page_changes_nothing(client, db, login_as, make_user):
    admin = login_as("admin")
    taken = make_user("sales")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))

    for data in (
        {"email": "not an email", "role": "sales"},
        {"email": taken.email, "role": "sales"},
        {"email": "x@hiretechtalent.example", "role": "boss"},
    ):
        assert client.post("/dashboard/staff", data=data).status_code == 422

    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before
    refused = client.post(
        f"/dashboard/staff/{admin.id}/role", data={"role": "sales"}, follow_redirects=True
    )
    assert "Ask another admin" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == Role.ADMIN


def test_a_role_change_or_deactivation_signs_the_person_out(app, client, db, login_as, make_user):
    login_as("admin")
    sales = make_user("sales")
    theirs = app.test_client()
    assert sign_in(theirs, sales.email, PASSWORD) == 302

    g.pop("_login_user", None)
    assert (
        client.post(f"/dashboard/staff/{sales.id}/role", data={"role": "finance"}).status_code
        == 302
    )

    g.pop("_login_user", None)
    assert theirs.get("/dashboard/leads").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, sales.id).role == Role.FINANCE
    assert sign_in(theirs, sales.email, PASSWORD) == 302
    g.pop("_login_user", None)
    client.post(f"/dashboard/staff/{sales.id}/deactivate")
    g.pop("_login_user", None)
    assert theirs.get("/dashboard/leads").status_code == 302
    assert sign_in(theirs, sales.email, PASSWORD) == 200
    g.pop("_login_user", None)
    client.post(f"/dashboard/staff/{sales.id}/reactivate")
    assert sign_in(theirs, sales.email, PASSWORD) == 302


def test_a_reset_link_lets_the_person_choose_a_new_password(client, smtp, login_as, make_user):
    login_as("admin")
    sales = make_user("sales")
    client.post(f"/dashboard/staff/{sales.id}/reset")
    link = mailed_link(smtp, "Choose a new password", sales.email)
    client.post("/logout")

    client.post(link, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})

    assert sign_in(client, sales.email, PASSWORD) == 200
    assert sign_in(client, sales.email, NEW_PASSWORD) == 302


def test_only_admins_manage_staff(client, login_as, make_user):
    login_as("sales")
    other = make_user("sales")
    assert client.get("/dashboard/staff").status_code == 403
    assert client.post(f"/dashboard/staff/{other.id}/deactivate").status_code == 403


def test_at_most_5_password_links_an_hour_go_to_one_address(client, db, login_as, make_user):
    login_as("admin")
    sales = make_user("sales")
    for _ in range(5):
        client.post(f"/dashboard/staff/{sales.id}/reset")

    sixth = client.post(f"/dashboard/staff/{sales.id}/reset", follow_redirects=True)

    assert "try again later" in sixth.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountLink)) == 5
