"""Trust and safety: each player's privacy settings (who may write, distance shown, profile
visibility).

Revision ID: 0011b_privacy_settings
Revises: 0010b_blocks_mutes
Create Date: 2026-12-01 04:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011b_privacy_settings"
down_revision = "0010b_blocks_mutes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privacy_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("messages_from", sa.String(length=10), nullable=False),
        sa.Column("show_distance", sa.Boolean(), nullable=False),
        sa.Column("profile_visibility", sa.String(length=10), nullable=False),
        sa.CheckConstraint("messages_from IN ('everyone', 'following', 'nobody')",
                           name=op.f("ck_privacy_settings_messages_from")),
        sa.CheckConstraint("profile_visibility IN ('public', 'members')",
                           name=op.f("ck_privacy_settings_profile_visibility")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_privacy_settings_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_privacy_settings")),
    )


def downgrade():
    op.drop_table("privacy_settings")
