"""Commission cap per client (SPEC §16), and the invoice holding each client's bonus

The cap is a program setting copied onto the lead with the other terms. Clients that already
have a bonus entry get its invoice as their bonus holder.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(sa.Column("cap_cents", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("commission_cap_cents", sa.BigInteger(), nullable=True))
    op.create_table(
        "commission_bonus_holders",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["clients.id"],
            name=op.f("fk_commission_bonus_holders_client_id_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_commission_bonus_holders_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_commission_bonus_holders")),
    )
    op.execute(
        "INSERT INTO commission_bonus_holders (client_id, invoice_id) "
        "SELECT client_id, invoice_id FROM commission_entries WHERE kind = 'bonus'"
    )


def downgrade():
    op.drop_table("commission_bonus_holders")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("commission_cap_cents")
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("cap_cents")
