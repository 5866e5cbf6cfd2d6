"""Notification mail preferences per kind, and each outbox mail's one-click unsubscribe address.

Revision ID: 0011c_mail_preferences
Revises: 0010c_round_notices
Create Date: 2026-12-01 04:25:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011c_mail_preferences"
down_revision = "0010c_round_notices"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_preferences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('message', 'follow', 'fistbump', 'teetime', 'referral')",
                           name=op.f("ck_mail_preferences_kind")),
        sa.CheckConstraint("mode IN ('instant', 'daily', 'off')", name=op.f("ck_mail_preferences_mode")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mail_preferences_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_preferences")),
        sa.UniqueConstraint("user_id", "kind", name="uq_mail_preferences_user_kind"),
    )
    with op.batch_alter_table("outbox_mail") as batch:
        batch.add_column(sa.Column("unsubscribe_url", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_mail") as batch:
        batch.drop_column("unsubscribe_url")
    op.drop_table("mail_preferences")
