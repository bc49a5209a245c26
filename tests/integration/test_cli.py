"""The command line of SPEC §10: users, tokens and demo data."""

import sqlalchemy as sa

from auth.models import ApiToken, User
from auth.services import user_for_token
from leads.models import Lead


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_adds_a_staff_account_with_the_role(app, db):
    result = run(
        app,
        "users",
        "create",
        "Eve@HireTechTalent.example",
        "--role",
        "finance",
        "--password",
        "long enough password",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert (user.email, user.role.value) == ("eve@hiretechtalent.example", "finance")


def test_users_create_prompts_for_the_password_when_omitted(app, db):
    result = run(
        app,
        "users",
        "create",
        "eve@hiretechtalent.example",
        "--role",
        "sales",
        input="a secret phrase\na secret phrase\n",
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User.email)) == "eve@hiretechtalent.example"


def test_users_create_refuses_bad_input_with_a_message(app, db):
    short = run(
        app,
        "users",
        "create",
        "eve@hiretechtalent.example",
        "--role",
        "sales",
        "--password",
        "short",
    )
    assert short.exit_code != 0 and "at least 12" in short.output
    bad_role = run(
        app,
        "users",
        "create",
        "eve@x.example",
        "--role",
        "boss",
        "--password",
        "long enough password",
    )
    assert bad_role.exit_code != 0
    run(
        app,
        "users",
        "create",
        "eve@x.example",
        "--role",
        "sales",
        "--password",
        "a long enough password",
    )
    twice = run(
        app,
        "users",
        "create",
        "EVE@x.example",
        "--role",
        "sales",
        "--password",
        "a long enough password",
    )
    assert "already has an account" in twice.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_tokens_create_prints_the_token_alone_on_the_last_line_and_stores_a_hash(
    app, db, make_user
):
    user = make_user("sales")
    result = run(app, "tokens", "create", user.email)
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    assert " " not in token and len(token) > 30
    stored = db.session.scalar(sa.select(ApiToken.token_hash))
    assert token not in stored
    assert user_for_token(token).id == user.id
    assert run(app, "tokens", "create", "nobody@x.example").exit_code != 0


def test_demo_seed_fills_an_empty_database_and_prints_the_admin_password(app, db):
    result = run(app, "demo", "seed")
    assert result.exit_code == 0, result.output
    assert "admin@hiretechtalent.example  password: " in result.output
    statuses = set(db.session.scalars(sa.select(Lead.status)))
    assert {s.value for s in statuses} >= {"new", "contacted", "qualified", "proposal", "lost"}
    assert len(set(db.session.scalars(sa.select(Lead.source)))) >= 3
    assert run(app, "demo", "seed").exit_code != 0
    assert run(app, "demo", "seed", "--if-empty").exit_code == 0
