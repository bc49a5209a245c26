"""Newest-first indexes for the lists of SPEC §13 (clients, invoices, referrers): a keyset
page seeks instead of sorting the table

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

INDEXES = {
    "clients": "ix_clients_created",
    "invoices": "ix_invoices_created",
    "referrers": "ix_referrers_created",
}


def upgrade():
    for table, name in INDEXES.items():
        op.create_index(name, table, ["created_at", "id"])


def downgrade():
    for table, name in INDEXES.items():
        op.drop_index(name, table_name=table)
