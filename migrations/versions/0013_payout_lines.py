"""Payout lines paid or failed on their own (SPEC §16)

Lines of runs already paid become paid with the run's date and reference.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LINE_STATUS = sa.Enum(
    "open", "paid", "failed", name="linestatus", native_enum=False, length=30
)


def upgrade():
    with op.batch_alter_table("payout_lines") as batch:
        batch.add_column(
            sa.Column("status", LINE_STATUS, nullable=False, server_default="open")
        )
        batch.add_column(sa.Column("paid_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("reference", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("failure_reason", sa.String(length=500), nullable=True))
        batch.create_index("ix_payout_lines_referrer_status", ["referrer_id", "status"])
    payouts = sa.table(
        "payouts",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("paid_on", sa.Date),
        sa.column("reference", sa.String),
    )
    lines = sa.table(
        "payout_lines",
        sa.column("payout_id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("paid_on", sa.Date),
        sa.column("reference", sa.String),
    )
    paid_run = sa.exists().where(payouts.c.id == lines.c.payout_id, payouts.c.status == "paid")
    op.execute(
        lines.update()
        .where(paid_run)
        .values(
            status="paid",
            paid_on=sa.select(payouts.c.paid_on)
            .where(payouts.c.id == lines.c.payout_id)
            .scalar_subquery(),
            reference=sa.select(payouts.c.reference)
            .where(payouts.c.id == lines.c.payout_id)
            .scalar_subquery(),
        )
    )
    with op.batch_alter_table("payout_lines") as batch:
        batch.alter_column("status", server_default=None)


def downgrade():
    with op.batch_alter_table("payout_lines") as batch:
        batch.drop_index("ix_payout_lines_referrer_status")
        batch.drop_column("failure_reason")
        batch.drop_column("reference")
        batch.drop_column("paid_on")
        batch.drop_column("status")
