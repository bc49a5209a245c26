"""Fixtures: an app per test on a migrated database (SQLite by default, PostgreSQL when
TEST_DATABASE_URL is set: a fresh database is created for the run and dropped after)."""

import os
import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from hypothesis import settings as hypothesis_settings
from support import (
    PASSWORD,
    Inbox,
    base_config,
    free_port,
    fresh_postgres_database,
    lead_fields,
    point_mail_at,
)

from application.factory import create_app
from auth.services import create_user
from core.extensions import db as _db
from leads.rules import LeadSource
from leads.services import Arrival, submit_lead
from leads.spam import render_stamp
from notifications.models import OutboxMessage

hypothesis_settings.register_profile("suite", max_examples=60, deadline=None)
hypothesis_settings.load_profile("suite")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """SQLite: a migrated file copied for each test. PostgreSQL: a migrated fresh database
    shared by the run, emptied after each test."""
    requested = os.environ.get("TEST_DATABASE_URL")
    folder = tmp_path_factory.mktemp("template")
    if not requested:
        url = f"sqlite:///{folder}/template.db"
        _migrate(url, folder)
        yield {"kind": "sqlite", "file": folder / "template.db"}
        return
    with fresh_postgres_database(requested) as url:
        _migrate(url, folder)
        yield {"kind": "postgresql", "url": url}


def _migrate(url: str, folder: Path) -> None:
    app = create_app(base_config(url), instance_path=str(folder))
    with app.app_context():
        upgrade()
        _db.engine.dispose()


@pytest.fixture
def database_url_for_test(database_template, tmp_path):
    if database_template["kind"] == "sqlite":
        target = tmp_path / "app.db"
        shutil.copy(database_template["file"], target)
        yield f"sqlite:///{target}"
        return
    yield database_template["url"]
    _empty_postgres(database_template["url"])


def _empty_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()


@pytest.fixture
def config_overrides():
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(database_url_for_test, tmp_path, config_overrides):
    config = {**base_config(database_url_for_test), **config_overrides}
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def make(role: str = "sales", email: str | None = None, password: str = PASSWORD):
        email = email or f"{role}{next(counter)}@hiretechtalent.example"
        return create_user(email, role, password)

    return make


@pytest.fixture
def login_as(client, make_user):
    def login(role: str = "sales", email: str | None = None):
        user = make_user(role, email)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


@pytest.fixture
def make_lead(app):
    counter = iter(range(1, 100_000))

    def make(source: LeadSource = LeadSource.FORM, arrival: Arrival | None = None, **overrides):
        number = next(counter)
        fields = lead_fields(
            email=f"prospect{number}@company{number}.example", company=f"Company {number}"
        )
        fields.update(overrides)
        return submit_lead(fields, arrival or Arrival(source=source)).lead

    return make


@pytest.fixture
def hire_form(app):
    """Form data for POST /hire, rendered long enough ago to pass the fill-time check."""

    def data(**overrides) -> dict:
        fields = lead_fields(**overrides)
        fields["consent"] = "y" if fields.get("consent") else ""
        if not fields["consent"]:
            del fields["consent"]
        fields["rendered_at"] = render_stamp(time.time() - 30)
        return fields

    return data


@pytest.fixture
def outbox(db):
    def messages(event: str | None = None) -> list[OutboxMessage]:
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if event:
            query = query.where(OutboxMessage.event == event)
        return list(db.session.scalars(query))

    return messages


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    point_mail_at(app, port)
    yield inbox
    controller.stop()
