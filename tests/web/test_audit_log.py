"""SPEC §14's audit log from the staff side: sign-ins (success and failure), changes made in
the dashboard under the signed-in user, CLI commands as `system`, the admin page with its
filters and CSV, and a database that refuses to change or delete a row."""

import csv
import io

import pytest
import sqlalchemy as sa
from flask import g
from support import PASSWORD

from core.audit import AuditEvent, record
from core.extensions import db as _db
from core.unit_of_work import run_in_transaction

AUDIT = "/dashboard/audit"


def logged(db, **where) -> list[AuditEvent]:
    db.session.expire_all()
    query = sa.select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def sign_in(client, email: str, password: str = PASSWORD, **extra):
    g.pop("_login_user", None)
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_sign_ins_are_logged_for_success_and_failure_alike(client, db, make_user):
    user = make_user("sales")
    assert sign_in(client, user.email).status_code == 302
    client.post("/logout")
    assert sign_in(client, user.email, "not the password").status_code == 200
    assert sign_in(client, "Nobody@Example.com", "whatever it is").status_code == 200

    [signed_in] = logged(db, action="auth.signed_in")
    assert signed_in.actor.kind == "user" and signed_in.actor.id == user.id
    assert (signed_in.entity_type, signed_in.entity_id) == ("user", user.id)
    assert signed_in.client_address == "127.0.0.1"
    known, unknown = logged(db, action="auth.sign_in_failed")
    assert (known.actor_email, known.entity_id) == (user.email, user.id)
    assert (unknown.actor_email, unknown.entity_id) == ("nobody@example.com", None)


def test_a_dashboard_change_names_the_signed_in_user(client, db, login_as):
    admin = login_as("admin")
    response = client.post(
        "/dashboard/settings/program",
        data={
            "commission_rate": "15",
            "commission_months": 12,
            "bonus": "0",
            "payout_threshold": "50",
            "hold_days": 30,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    [event] = logged(db, action="program_settings.changed")
    assert (event.actor_kind, event.actor_id, event.actor_email) == ("user", admin.id, admin.email)
    assert event.changes["commission_rate_bp"][1] == 1500
    assert all(before != after for before, after in event.changes.values())


def test_staff_account_changes_are_logged_and_cli_commands_act_as_system(
    app, client, db, login_as, make_user
):
    admin = login_as("admin")
    other = make_user("sales")
    client.post(f"/dashboard/staff/{other.id}/role", data={"role": "finance"})
    client.post(f"/dashboard/staff/{other.id}/deactivate")
    [role] = logged(db, action="user.role_changed")
    assert role.changes == {"role": ["sales", "finance"]}
    assert role.actor_email == admin.email
    assert logged(db, action="user.deactivated")[0].changes == {"active": [True, False]}

    result = app.test_cli_runner().invoke(args=["users", "reactivate", other.email])
    assert result.exit_code == 0, result.output
    [reactivated] = logged(db, action="user.reactivated")
    assert (reactivated.actor_kind, reactivated.actor_id, reactivated.client_address) == (
        "system",
        None,
        None,
    )
    created = logged(db, action="user.created", entity_id=other.id)
    assert created[0].changes["role"] == [None, "sales"]


def test_tokens_issued_and_revoked_are_logged_without_the_secret(app, db, make_user):
    user = make_user("finance")
    issued = app.test_cli_runner().invoke(args=["tokens", "create", user.email, "--name", "CRM"])
    token = issued.output.strip().splitlines()[-1]
    [event] = logged(db, action="token.issued")
    assert event.changes["name"] == [None, "CRM"]
    assert event.changes["owner_email"] == [None, user.email]
    assert token not in str(event.changes)
    app.test_cli_runner().invoke(args=["tokens", "revoke", str(event.entity_id)])
    assert logged(db, action="token.revoked")[0].entity_id == event.entity_id


def test_the_admin_page_filters_and_exports_the_log(client, db, make_user, login_as):
    sales = make_user("sales")
    sign_in(client, sales.email, "wrong password entirely")
    login_as("admin")

    page = client.get(f"{AUDIT}?action=auth.sign_in_failed")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert sales.email in text and "auth.sign_in_failed" in text
    assert "auth.signed_in</code>" not in text
    assert sales.email not in client.get(f"{AUDIT}?actor_email=x@example.com").get_data(
        as_text=True
    )

    export = client.get(f"{AUDIT}.csv?action=auth.sign_in_failed")
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [(row["action"], row["actor_email"]) for row in rows] == [
        ("auth.sign_in_failed", sales.email)
    ]


def test_a_bad_filter_says_so_and_other_roles_cannot_read_the_log(client, login_as):
    login_as("admin")
    response = client.get(f"{AUDIT}?entity_id=99999999999999999999")
    assert response.status_code == 422
    assert "entity_id" in response.get_data(as_text=True)
    assert client.get(f"{AUDIT}.csv?from=yesterday").status_code == 422
    client.post("/logout")
    login_as("finance")
    assert client.get(AUDIT).status_code == 403
    assert client.get(f"{AUDIT}.csv").status_code == 403


def test_an_event_commits_only_with_its_change(db):
    def failing_change():
        record("program_settings.changed", "program_settings", 1, {"hold_days": [30, 31]})
        raise RuntimeError("the change failed after its event was written")

    with pytest.raises(RuntimeError):
        run_in_transaction(failing_change)
    assert logged(db) == []
    with pytest.raises(RuntimeError, match="inside the use case"):
        record("program_settings.changed", "program_settings", 1)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'invoice.created'",
        "UPDATE audit_events SET changes = '{}'",
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_audit_row(db, statement):
    run_in_transaction(lambda: record("auth.signed_in", "user", 1))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with _db.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    [event] = logged(db)
    assert (event.action, event.changes) == ("auth.signed_in", {})
