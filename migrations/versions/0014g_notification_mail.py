"""Notification mail: per-conversation message mail state, daily digests claimed per player
and day, and an HTML part for outbox mail.

Revision ID: 0014g_notification_mail
Revises: 0013f_referral_holds
Create Date: 2026-12-01 06:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014g_notification_mail"
down_revision = "0013f_referral_holds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_message_mails_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"],
                                name=op.f("fk_message_mails_conversation_id_conversations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_mails")),
        sa.UniqueConstraint("user_id", "conversation_id", name="uq_message_mails_user_conversation"),
    )
    op.create_index("ix_message_mails_due_at", "message_mails", ["due_at"])
    op.create_table(
        "mail_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_mail_digests_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_digests")),
        sa.UniqueConstraint("user_id", "day", name="uq_mail_digests_user_day"),
    )
    with op.batch_alter_table("outbox_mail") as batch:
        batch.add_column(sa.Column("html", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_mail") as batch:
        batch.drop_column("html")
    op.drop_table("mail_digests")
    op.drop_index("ix_message_mails_due_at", table_name="message_mails")
    op.drop_table("message_mails")
