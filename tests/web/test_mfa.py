"""SPEC §14 MFA: TOTP set up from the page's own QR code and key, required for the roles of
MFA_REQUIRED_ROLES before any other page, asked after the password, replay refused,
recovery codes single-use and stored hashed. Codes are computed here from the key shown."""

import re
import time

import pyotp
import pytest
import sqlalchemy as sa
from flask import g
from support import PASSWORD

from auth.models import RecoveryCode, User
from core.config import load_config


@pytest.fixture
def config_overrides():
    return {"MFA_REQUIRED_ROLES": ["admin", "finance"]}


def post_login(client, **data):
    g.pop("_login_user", None)
    return client.post("/login", data=data)


def set_up_mfa(client) -> tuple[str, list[str]]:
    page = client.get("/dashboard/account/mfa").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = re.search(r'<code id="mfa-secret">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post("/dashboard/account/mfa", data={"code": "000000"})
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    done = client.post("/dashboard/account/mfa", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", done.get_data(as_text=True))
    return secret, codes


def next_step_code(secret: str) -> str:
    """A code of the next time step: the current one was used to turn MFA on."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def test_a_required_role_sets_up_mfa_before_any_other_page_then_signs_in_with_a_code(
    client, db, make_user
):
    admin = make_user("admin")
    assert post_login(client, email=admin.email, password=PASSWORD).status_code == 302
    g.pop("_login_user", None)
    assert client.get("/dashboard/leads").headers["Location"] == "/dashboard/account/mfa"

    secret, codes = set_up_mfa(client)

    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(db.session.scalars(sa.select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and not stored & set(codes)
    g.pop("_login_user", None)
    assert client.get("/dashboard/leads").status_code == 200
    client.post("/logout")

    step = post_login(client, email=admin.email, password=PASSWORD)
    assert step.status_code == 200 and 'name="code"' in step.get_data(as_text=True)
    assert post_login(client, code="123456").status_code == 422
    code = next_step_code(secret)
    assert post_login(client, code=code).status_code == 302
    client.post("/logout")

    post_login(client, email=admin.email, password=PASSWORD)
    assert post_login(client, code=code).status_code == 422, "a used code is refused"
    assert post_login(client, code=codes[0]).status_code == 302
    client.post("/logout")
    post_login(client, email=admin.email, password=PASSWORD)
    assert post_login(client, code=codes[0]).status_code == 422, "a recovery code works once"


def test_the_code_may_come_with_the_password(client, make_user):
    finance = make_user("finance")
    post_login(client, email=finance.email, password=PASSWORD)
    secret, _ = set_up_mfa(client)
    client.post("/logout")

    wrong = post_login(client, email=finance.email, password=PASSWORD, code="999999")
    right = post_login(client, email=finance.email, password=PASSWORD, code=next_step_code(secret))

    assert wrong.status_code == 200 and "not valid" in wrong.get_data(as_text=True)
    assert right.status_code == 302


def test_a_code_without_a_right_password_first_signs_nobody_in(client, make_user):
    make_user("sales")
    assert post_login(client, code="123456").status_code == 200
    g.pop("_login_user", None)
    assert client.get("/dashboard/leads").status_code == 302


def test_roles_not_required_may_go_without_mfa(client, db, make_user):
    sales = make_user("sales")
    post_login(client, email=sales.email, password=PASSWORD)
    g.pop("_login_user", None)
    assert client.get("/dashboard/leads").status_code == 200
    assert db.session.get(User, sales.id).mfa_enabled_at is None


def test_an_empty_setting_turns_the_requirement_off():
    assert load_config({"MFA_REQUIRED_ROLES": ""})["MFA_REQUIRED_ROLES"] == []
    assert load_config({})["MFA_REQUIRED_ROLES"] == ["admin", "finance"]
    assert load_config({"MFA_REQUIRED_ROLES": "admin"})["MFA_REQUIRED_ROLES"] == ["admin"]
