"""Staff login (argon2id, throttling, safe next), roles on every page, headers, cookies, CSRF."""

import pytest
import sqlalchemy as sa
from support import PASSWORD

from auth.models import User


def test_staff_log_in_with_email_and_password_and_land_on_the_dashboard(client, make_user):
    user = make_user("sales")
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_passwords_are_stored_as_argon2id_hashes(db, make_user):
    user = make_user("admin")
    stored = db.session.scalar(sa.select(User.password_hash).where(User.id == user.id))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_a_wrong_password_re_renders_the_form_with_a_message(client, make_user):
    user = make_user("sales")
    response = client.post("/login", data={"email": user.email, "password": "wrong"})
    assert response.status_code == 200
    assert "do not match" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_a_deactivated_account_cannot_log_in(client, db, make_user):
    user = make_user("sales")
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [
        ("/dashboard/leads?status=new", "/dashboard/leads?status=new"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
    ],
)
def test_next_is_honoured_only_for_paths_on_this_site(client, make_user, next_path, landing):
    user = make_user("sales")
    response = client.post(
        "/login",
        query_string={"next": next_path},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == landing


def test_pages_send_anonymous_visitors_to_login_with_next(client):
    response = client.get("/dashboard/leads")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_failed_logins_are_throttled_per_account(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3/minute"
    user = make_user("sales")
    for number in range(3):
        response = client.post(
            "/login",
            data={"email": user.email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{number}"},
        )
        assert response.status_code == 200
    blocked = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert blocked.status_code == 429


def test_failed_logins_are_throttled_per_address(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3/minute"
    for number in range(3):
        client.post("/login", data={"email": f"nobody{number}@x.example", "password": "x"})
    user = make_user("sales")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_successful_logins_do_not_use_up_the_budget(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "2/minute"
    user = make_user("sales")
    for _ in range(4):
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        client.post("/logout")


def test_logout_ends_the_session(client, login_as):
    login_as("sales")
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


ROLE_MATRIX = [
    ("GET", "/dashboard", {"admin": 200, "sales": 200, "finance": 200}),
    ("GET", "/dashboard/leads", {"admin": 200, "sales": 200, "finance": 200}),
    ("GET", "/dashboard/leads.csv", {"admin": 200, "sales": 200, "finance": 200}),
    ("GET", "/dashboard/leads/new", {"admin": 200, "sales": 200, "finance": 403}),
    ("GET", "/dashboard/quarantine", {"admin": 200, "sales": 403, "finance": 403}),
    ("GET", "/dashboard/outbox", {"admin": 200, "sales": 403, "finance": 403}),
    ("POST", "/dashboard/leads/{lead}/notes", {"admin": 302, "sales": 302, "finance": 403}),
    # Posted without a status: the lead page comes back saying "Pick a status."
    ("POST", "/dashboard/leads/{lead}/status", {"admin": 200, "sales": 200, "finance": 403}),
    ("POST", "/dashboard/leads/{lead}/owner", {"admin": 302, "sales": 302, "finance": 403}),
]


@pytest.mark.parametrize("role", ["admin", "sales", "finance"])
@pytest.mark.parametrize(("method", "path", "expected"), ROLE_MATRIX)
def test_roles_are_enforced_on_every_page(
    client, login_as, make_lead, role, method, path, expected
):
    lead = make_lead()
    login_as(role)
    response = client.open(path.format(lead=lead.id), method=method, data={"body": "hi"})
    assert response.status_code == expected[role]


def test_every_page_sends_the_security_headers(client):
    for path in ("/hire", "/login", "/hire/thanks", "/nowhere"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "object-src 'none'" in policy
        assert "base-uri" in policy and "frame-ancestors" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_the_session_cookie_is_httponly_and_lax(client, make_user):
    user = make_user("sales")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("config_overrides", [{"SESSION_COOKIE_SECURE": True}], indirect=True)
def test_the_session_cookie_is_secure_when_configured(client, make_user):
    user = make_user("sales")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}], indirect=True)
def test_a_form_post_without_a_valid_csrf_token_is_400_and_changes_nothing(client, db, hire_form):
    from leads.models import Lead

    response = client.post("/hire", data=hire_form())
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 0
    page = client.get("/hire").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/hire", data={**hire_form(), "csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 1


def test_an_oversized_body_is_413_not_500(client):
    response = client.post("/hire", data={"message": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413


def test_an_id_too_large_for_the_database_is_404_not_500(client, login_as):
    login_as("sales")
    assert client.get("/dashboard/leads/99999999999999999999").status_code == 404
    assert client.post("/dashboard/leads/99999999999/notes", data={"body": "x"}).status_code == 404


def test_nul_characters_in_a_form_are_refused_with_400_and_change_nothing(client, db, hire_form):
    from leads.models import Lead

    response = client.post("/hire", data=hire_form(first_name="An\x00a"))
    assert response.status_code == 400
    assert client.get("/dashboard/leads", query_string={"q": "a\x00"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lead)) == 0


def test_the_web_server_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    from application.factory import create_app
    from core.config import ConfigError

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "RATELIMIT_STORAGE_URI": "memory://"}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(settings, instance_path=str(tmp_path))
    command_line = create_app(settings, instance_path=str(tmp_path), require_secret_key=False)
    assert len(command_line.secret_key) == 64


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        ({"SECRET_KEY": "too-short-a-key"}, "at least 32 characters"),
        ({"SECRET_KEY": "k" * 32, "RATELIMIT_STORAGE_URI": None}, "RATELIMIT_STORAGE_URI"),
    ],
)
def test_the_web_server_refuses_a_short_key_and_per_process_budgets_left_by_default(
    tmp_path, monkeypatch, settings, refusal
):
    from application.factory import create_app
    from core.config import ConfigError

    for name in ("SECRET_KEY", "FLASK_DEBUG", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    base = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "RATELIMIT_STORAGE_URI": "memory://"}
    config = {key: value for key, value in {**base, **settings}.items() if value is not None}
    with pytest.raises(ConfigError, match=refusal):
        create_app(config, instance_path=str(tmp_path))
    accepted = create_app({**base, "SECRET_KEY": "k" * 32}, instance_path=str(tmp_path / "ok"))
    assert accepted.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize(
    ("path", "private"),
    [
        ("/dashboard", True),
        ("/dashboard/leads.csv", True),
        ("/api/v1/leads", True),
        ("/portal/sign-in", True),
        ("/login", True),
        ("/hire", False),
        ("/referral-program", False),
    ],
)
def test_staff_portal_csv_and_api_answers_are_never_cached(client, login_as, path, private):
    login_as("admin")
    response = client.get(path)
    assert (response.headers.get("Cache-Control") == "no-store") is private


def test_signing_in_starts_a_new_session_with_a_new_csrf_token(client, make_user):
    user = make_user("sales")
    client.get("/login")
    with client.session_transaction() as before:
        before["csrf_token"] = "token-of-the-anonymous-session"
        before["left_over"] = "anything"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/dashboard/leads/new").status_code == 200
    with client.session_transaction() as after:
        assert "left_over" not in after
        assert after.get("csrf_token") not in (None, "token-of-the-anonymous-session")
        assert after.get("_user_id") not in (None, str(user.id))
