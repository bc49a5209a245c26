"""Next actions (SPEC §13): a lead's `next_action_on` (a business date) and `next_action`
(text), with the indexes My work, the `due` filter and the `next_action` and `company` sorts
read.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("next_action_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("next_action", sa.String(length=200), nullable=True))
    op.create_index("ix_leads_next_action", "leads", ["next_action_on", "id"])
    op.create_index("ix_leads_owner_next_action", "leads", ["owner_id", "next_action_on", "id"])
    op.create_index("ix_leads_company_sort", "leads", ["company", "id"])


def downgrade():
    op.drop_index("ix_leads_company_sort", table_name="leads")
    op.drop_index("ix_leads_owner_next_action", table_name="leads")
    op.drop_index("ix_leads_next_action", table_name="leads")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("next_action")
        batch.drop_column("next_action_on")
