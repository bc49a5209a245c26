"""Migrations take an empty database to head, and the models match them exactly."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from core.extensions import db as database


def test_the_migrated_schema_matches_the_models(db):
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        differences = compare_metadata(context, database.metadata)
    assert differences == []


def test_migrations_go_down_to_empty_and_back_up(app, db):
    downgrade(revision="base")
    tables = set(sa.inspect(database.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert "leads" in sa.inspect(database.engine).get_table_names()
