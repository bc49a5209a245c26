"""Imported clients (SPEC §16): a contract may have no lead (imported, so no referrer), and a
client records the day it was imported. Under a commission cap a bonus can shrink and grow
back, so a client's bonus may take several entries (all on the invoice that holds it, which
commission_bonus_holders now records): the one-bonus-entry-per-client index goes.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contracts") as batch:
        batch.alter_column("lead_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("imported_on", sa.Date(), nullable=True))
    with op.batch_alter_table("commission_entries") as batch:
        batch.drop_index("uq_commission_entries_one_bonus_per_client")


def downgrade():
    with op.batch_alter_table("commission_entries") as batch:
        batch.create_index(
            "uq_commission_entries_one_bonus_per_client",
            ["client_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'bonus'"),
            postgresql_where=sa.text("kind = 'bonus'"),
        )
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("imported_on")
    with op.batch_alter_table("contracts") as batch:
        batch.alter_column("lead_id", existing_type=sa.Integer(), nullable=False)
