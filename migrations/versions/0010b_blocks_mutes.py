"""Trust and safety: blocks and mutes between players.

Revision ID: 0010b_blocks_mutes
Revises: 0011c_mail_preferences
Create Date: 2026-12-01 04:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010b_blocks_mutes"
down_revision = "0011c_mail_preferences"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "blocks",
        sa.Column("blocker_id", sa.Integer(), nullable=False),
        sa.Column("blocked_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("blocker_id <> blocked_id", name=op.f("ck_blocks_not_self")),
        sa.ForeignKeyConstraint(["blocker_id"], ["users.id"], name=op.f("fk_blocks_blocker_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["blocked_id"], ["users.id"], name=op.f("fk_blocks_blocked_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_blocks")),
    )
    op.create_index("ix_blocks_blocked_id_blocker_id", "blocks", ["blocked_id", "blocker_id"])
    op.create_table(
        "mutes",
        sa.Column("muter_id", sa.Integer(), nullable=False),
        sa.Column("muted_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("muter_id <> muted_id", name=op.f("ck_mutes_not_self")),
        sa.ForeignKeyConstraint(["muter_id"], ["users.id"], name=op.f("fk_mutes_muter_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["muted_id"], ["users.id"], name=op.f("fk_mutes_muted_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("muter_id", "muted_id", name=op.f("pk_mutes")),
    )


def downgrade():
    op.drop_table("mutes")
    op.drop_index("ix_blocks_blocked_id_blocker_id", table_name="blocks")
    op.drop_table("blocks")
