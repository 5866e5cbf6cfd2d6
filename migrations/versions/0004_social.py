"""Following, fist bumps, conversations and messages, notifications.

Revision ID: 0004_social
Revises: 0003_profiles
Create Date: 2026-11-23 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_social"
down_revision = "0003_profiles"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("followed_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("follower_id <> followed_id", name=op.f("ck_follows_not_self")),
        sa.ForeignKeyConstraint(
            ["follower_id"], ["users.id"], name=op.f("fk_follows_follower_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["followed_id"], ["users.id"], name=op.f("fk_follows_followed_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follows")),
        sa.UniqueConstraint("follower_id", "followed_id", name="uq_follows_follower_followed"),
    )
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.create_index("ix_follows_followed_id_id", ["followed_id", "id"], unique=False)

    op.create_table(
        "fist_bumps",
        sa.Column("bumper_id", sa.Integer(), nullable=False),
        sa.Column("bumped_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("last_bumped_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("bumper_id <> bumped_id", name=op.f("ck_fist_bumps_not_self")),
        sa.CheckConstraint("total >= 1", name=op.f("ck_fist_bumps_total")),
        sa.ForeignKeyConstraint(
            ["bumper_id"], ["users.id"], name=op.f("fk_fist_bumps_bumper_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["bumped_id"], ["users.id"], name=op.f("fk_fist_bumps_bumped_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("bumper_id", "bumped_id", name=op.f("pk_fist_bumps")),
    )
    with op.batch_alter_table("fist_bumps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fist_bumps_bumped_id"), ["bumped_id"], unique=False)

    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_message_id", sa.Integer(), nullable=True),
        sa.Column("last_sender_id", sa.Integer(), nullable=True),
        sa.Column("last_preview", sa.String(length=140), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=True),
        sa.Column("low_unread", sa.Integer(), nullable=False),
        sa.Column("high_unread", sa.Integer(), nullable=False),
        sa.CheckConstraint("low_id < high_id", name=op.f("ck_conversations_ordered_pair")),
        sa.CheckConstraint("low_unread >= 0 AND high_unread >= 0", name=op.f("ck_conversations_unread")),
        sa.ForeignKeyConstraint(
            ["low_id"], ["users.id"], name=op.f("fk_conversations_low_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["high_id"], ["users.id"], name=op.f("fk_conversations_high_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint("low_id", "high_id", name="uq_conversations_low_id_high_id"),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index("ix_conversations_low_id_last_at", ["low_id", "last_at"], unique=False)
        batch_op.create_index("ix_conversations_high_id_last_at", ["high_id", "last_at"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("length(body) BETWEEN 1 AND 2000", name=op.f("ck_messages_body_length")),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name=op.f("fk_messages_sender_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_conversation_id_id", ["conversation_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_sender_id"), ["sender_id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("group_key", sa.String(length=40), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('follow', 'fistbump', 'message', 'referral')", name=op.f("ck_notifications_kind")
        ),
        sa.CheckConstraint("count >= 1", name=op.f("ck_notifications_count")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_notifications_actor_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_id_read_at", ["user_id", "read_at"], unique=False)
        batch_op.create_index("ix_notifications_user_id_updated_at", ["user_id", "updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            "uq_notifications_open_group",
            ["user_id", "group_key"],
            unique=True,
            sqlite_where=sa.text("read_at IS NULL AND group_key IS NOT NULL"),
            postgresql_where=sa.text("read_at IS NULL AND group_key IS NOT NULL"),
        )


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("uq_notifications_open_group")
        batch_op.drop_index(batch_op.f("ix_notifications_actor_id"))
        batch_op.drop_index("ix_notifications_user_id_updated_at")
        batch_op.drop_index("ix_notifications_user_id_read_at")
    op.drop_table("notifications")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_sender_id"))
        batch_op.drop_index("ix_messages_conversation_id_id")
    op.drop_table("messages")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_high_id_last_at")
        batch_op.drop_index("ix_conversations_low_id_last_at")
    op.drop_table("conversations")
    with op.batch_alter_table("fist_bumps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fist_bumps_bumped_id"))
    op.drop_table("fist_bumps")
    with op.batch_alter_table("follows", schema=None) as batch_op:
        batch_op.drop_index("ix_follows_followed_id_id")
    op.drop_table("follows")
