"""A player may choose the time zone times are shown in (users.timezone, an IANA name; null:
not chosen, the home zip's zone is used).

Revision ID: 0014h_timezones
Revises: 0014g_notification_mail
Create Date: 2026-12-01 06:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014h_timezones"
down_revision = "0014g_notification_mail"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("timezone")
