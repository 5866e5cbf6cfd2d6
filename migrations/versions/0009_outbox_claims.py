"""Outbox rows are claimed for sending (claimed_until) instead of locked across SMTP.

Revision ID: 0009_outbox_claims
Revises: 0008_teetime_course
Create Date: 2026-12-01 03:15:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_outbox_claims"
down_revision = "0008_teetime_course"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_mail") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_mail") as batch:
        batch.drop_column("claimed_until")
