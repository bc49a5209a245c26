"""The date a referrer's tax form was put on file (SPEC §16)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrers") as batch:
        batch.add_column(sa.Column("tax_form_on_file_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("referrers") as batch:
        batch.drop_column("tax_form_on_file_on")
