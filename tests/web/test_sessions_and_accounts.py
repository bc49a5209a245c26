"""SPEC §14: sessions that end, tokens that can be revoked or expire, password rules, and a
sign-in that costs one password hash check whatever the email."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import g
from support import PASSWORD

from auth.models import ApiToken, StaffSession
from auth.password_rules import password_refusal
from auth.services import create_token
from core.db import utcnow

STAFF_PAGE = "/dashboard/leads"


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def sign_in(client, user) -> str:
    g.pop("_login_user", None)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client.get_cookie("session").value


def fresh_request(client, path: str = STAFF_PAGE) -> int:
    """The test's app context outlives requests: forget the user Flask-Login remembered in
    it, as a new request in a server would."""
    g.pop("_login_user", None)
    return client.get(path).status_code


def replay(client, cookie: str) -> int:
    client.set_cookie("session", cookie)
    return fresh_request(client)


def test_a_cookie_saved_before_sign_out_no_longer_opens_the_dashboard(client, make_user):
    user = make_user("sales")
    saved = sign_in(client, user)
    assert client.get(STAFF_PAGE).status_code == 200

    client.post("/logout")

    assert replay(client, saved) == 302


def test_deactivation_ends_the_sessions_and_the_tokens_of_the_account(app, client, make_user):
    user = make_user("sales")
    saved = sign_in(client, user)
    token = create_token(user.email)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/leads", headers=headers).status_code == 200

    result = run(app, "users", "deactivate", user.email)

    assert result.exit_code == 0, result.output
    assert replay(client, saved) == 302
    refused = client.get("/api/v1/leads", headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "unauthorized"
    assert run(app, "users", "reactivate", user.email).exit_code == 0
    assert client.get("/api/v1/leads", headers=headers).status_code == 200
    assert replay(client, saved) == 302


def test_a_new_password_ends_every_session_and_works_for_the_next_sign_in(app, client, make_user):
    user = make_user("sales")
    saved = sign_in(client, user)
    new_password = "a brand new passphrase"

    result = run(app, "users", "set-password", user.email, "--password", new_password)

    assert result.exit_code == 0, result.output
    assert replay(client, saved) == 302
    client.post("/logout")
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    )
    signed_in = client.post("/login", data={"email": user.email, "password": new_password})
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    ("column", "age", "opens"),
    [
        ("last_seen_at", timedelta(minutes=59), True),
        ("last_seen_at", timedelta(minutes=61), False),
        ("created_at", timedelta(hours=11, minutes=59), True),
        ("created_at", timedelta(hours=12, minutes=1), False),
    ],
)
def test_a_session_ends_after_an_hour_idle_and_twelve_hours_after_sign_in(
    client, db, make_user, column, age, opens
):
    sign_in(client, make_user("sales"))
    db.session.execute(sa.update(StaffSession).values({column: utcnow() - age}))
    db.session.commit()

    assert (fresh_request(client) == 200) is opens


def test_a_request_keeps_an_idle_session_alive(client, db, make_user):
    sign_in(client, make_user("sales"))
    db.session.execute(
        sa.update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=50))
    )
    db.session.commit()
    assert fresh_request(client) == 200

    db.session.expire_all()
    seen = db.session.scalar(sa.select(StaffSession.last_seen_at))
    assert utcnow() - seen < timedelta(minutes=1)


def test_tokens_have_names_and_expiry_and_can_be_listed_and_revoked(app, client, db, make_user):
    user = make_user("admin")
    created = run(app, "tokens", "create", user.email, "--name", "CRM sync", "--days", "30")
    token = created.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/leads", headers=headers).status_code == 200

    listing = run(app, "tokens", "list").output.splitlines()
    token_id, owner, *name, expires = listing[0].split()
    assert (owner, " ".join(name)) == (user.email, "CRM sync")
    assert expires == f"{utcnow() + timedelta(days=30):%Y-%m-%d}"
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None

    assert run(app, "tokens", "revoke", token_id).exit_code == 0
    refused = client.get("/api/v1/leads", headers=headers)
    assert refused.status_code == 401
    assert set(refused.get_json()["error"]) == {"code", "message", "fields"}
    assert run(app, "tokens", "revoke", "999").exit_code != 0


def test_an_expired_token_answers_401(client, db, make_user):
    token = create_token(make_user("sales").email)
    db.session.execute(sa.update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()

    response = client.get("/api/v1/leads", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("password", "email", "accepted"),
    [
        ("short pass1", "ana@hiretechtalent.example", False),
        ("exactly 12 c", "ana@hiretechtalent.example", True),
        ("1234567890123", "ana@hiretechtalent.example", True),
        ("qwerty123456", "ana@hiretechtalent.example", False),
        ("QWERTY123456", "ana@hiretechtalent.example", False),
        ("my name is ana.silva!", "ana.silva@hiretechtalent.example", False),
        ("my name is ANA.SILVA!", "ana.silva@hiretechtalent.example", False),
        ("correct horse battery", "ana.silva@hiretechtalent.example", True),
    ],
)
def test_password_rules(password, email, accepted):
    assert (password_refusal(password, email) is None) is accepted


def test_a_refused_password_changes_nothing_and_says_why(app, make_user):
    user = make_user("sales")
    local = user.email.split("@")[0]

    for weak, reason in [
        ("short", "at least 12"),
        ("qwerty123456", "most common"),
        (f"{local} forever and ever", "email"),
    ]:
        result = run(app, "users", "set-password", user.email, "--password", weak)
        assert result.exit_code != 0 and reason in result.output
        created = run(
            app, "users", "create", f"{local}@other.example", "--role", "sales", "--password", weak
        )
        assert created.exit_code != 0
    assert run(app, "users", "set-password", "nobody@x.example", "--password", PASSWORD).exit_code


@pytest.fixture
def verifications(monkeypatch):
    """How many argon2 verifications ran: the library's method, counted and passed on."""
    calls = []
    original = PasswordHasher.verify

    def counting(self, hash_, password):
        calls.append(hash_)
        return original(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


@pytest.mark.parametrize("who", ["known, wrong password", "unknown", "deactivated", "right"])
def test_every_sign_in_attempt_costs_exactly_one_password_hash_check(
    app, client, make_user, verifications, who
):
    user = make_user("sales")
    deactivated = make_user("sales")
    run(app, "users", "deactivate", deactivated.email)
    email, password = {
        "known, wrong password": (user.email, "not the password at all"),
        "unknown": ("nobody@hiretechtalent.example", "not the password at all"),
        "deactivated": (deactivated.email, PASSWORD),
        "right": (user.email, PASSWORD),
    }[who]
    verifications.clear()

    response = client.post("/login", data={"email": email, "password": password})

    assert len(verifications) == 1
    assert response.status_code == (302 if who == "right" else 200)


def test_a_failed_sign_in_reads_the_same_for_known_and_unknown_emails(client, make_user):
    user = make_user("sales")
    known = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    unknown = client.post(
        "/login", data={"email": "nobody@hiretechtalent.example", "password": "wrong password!"}
    )

    def text(response):
        return (
            response.get_data(as_text=True)
            .replace(user.email, "")
            .replace("nobody@hiretechtalent.example", "")
        )

    assert text(known) == text(unknown)


def test_next_with_a_line_break_is_ignored(client, make_user):
    user = make_user("sales")
    response = client.post(
        "/login?next=/%0d%0aX-Injected:%20yes", data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert "X-Injected" not in response.headers


def test_sign_out_everywhere_ends_every_session_of_the_account(app, make_user):
    user = make_user("finance")
    laptop, phone = app.test_client(), app.test_client()
    saved_laptop, saved_phone = sign_in(laptop, user), sign_in(phone, user)
    account = laptop.get("/dashboard/account").get_data(as_text=True)
    assert account.count("<tr>") == 1 + 2 and "(this browser)" in account

    assert phone.post("/dashboard/account/sign-out-everywhere").status_code == 302

    assert replay(laptop, saved_laptop) == 302
    assert replay(phone, saved_phone) == 302


def test_changing_ones_password_needs_the_current_one_and_ends_the_other_sessions(
    app, client, make_user
):
    user = make_user("sales")
    other_browser = app.test_client()
    saved_other = sign_in(other_browser, user)
    sign_in(client, user)
    new = "another long passphrase"

    wrong = client.post(
        "/dashboard/account/password",
        data={"current_password": "not it", "new_password": new, "confirm_password": new},
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(True)
    weak = client.post(
        "/dashboard/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "qwerty123456",
            "confirm_password": "qwerty123456",
        },
    )
    assert weak.status_code == 422 and "most common" in weak.get_data(True)
    assert replay(other_browser, saved_other) == 200

    g.pop("_login_user", None)
    changed = client.post(
        "/dashboard/account/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm_password": new},
    )

    assert changed.status_code == 302
    assert fresh_request(client) == 200
    assert replay(other_browser, saved_other) == 302


def test_an_admin_issues_a_token_once_and_revokes_it_on_the_tokens_page(client, db, login_as):
    login_as("admin")
    page = client.get("/dashboard/tokens")
    assert page.status_code == 200
    owner_id = db.session.scalar(sa.select(sa.func.min(StaffSession.user_id)))

    issued = client.post(
        "/dashboard/tokens", data={"owner": owner_id, "name": "CRM sync", "days": 7}
    )

    assert issued.status_code == 200
    token = re.search(r'<code id="new-token">([^<]+)</code>', issued.get_data(True)).group(1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/leads", headers=headers).status_code == 200
    listing = client.get("/dashboard/tokens").get_data(as_text=True)
    assert "CRM sync" in listing and token not in listing
    token_id = db.session.scalar(sa.select(ApiToken.id))
    assert client.post(f"/dashboard/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/leads", headers=headers).status_code == 401
    bad = client.post("/dashboard/tokens", data={"owner": owner_id, "days": 0})
    assert bad.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1


def test_only_admins_see_the_tokens_page(client, login_as):
    login_as("finance")
    assert client.get("/dashboard/tokens").status_code == 403
    assert client.get("/dashboard/account").status_code == 200
