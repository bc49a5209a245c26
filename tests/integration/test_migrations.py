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


def test_lines_of_runs_already_paid_are_paid_with_the_runs_date_and_reference(app, db):
    downgrade(revision="0012")
    with database.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO referrers (id, first_name, last_name, email, payout_email, company,"
                " relationship, code, status, terms_version, terms_accepted_at, created_at)"
                " VALUES (1, 'Rita', 'Okafor', 'rita@example.com', 'rita@example.com', 'Acme',"
                " 'client', 'RITA1', 'active', 'v1', '2026-01-01', '2026-01-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO payouts (id, as_of, status, paid_on, reference, created_at) VALUES"
                " (1, '2026-03-01', 'paid', '2026-03-05', 'BANK-1', '2026-03-01'),"
                " (2, '2026-04-01', 'open', NULL, NULL, '2026-04-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO payout_lines (payout_id, referrer_id, amount_cents)"
                " VALUES (1, 1, 15000), (2, 1, 12000)"
            )
        )
    upgrade()
    with database.engine.connect() as connection:
        lines = connection.execute(
            sa.text(
                "SELECT payout_id, status, paid_on, reference FROM payout_lines ORDER BY payout_id"
            )
        ).all()
    assert [(p, s, str(d) if d else None, r) for p, s, d, r in lines] == [
        (1, "paid", "2026-03-05", "BANK-1"),
        (2, "open", None, None),
    ]
