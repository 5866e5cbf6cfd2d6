"""Held referrals: each referral's sign-up signals (keyed hashes of network and browser) and
the hold an admin reviews.

Revision ID: 0013f_referral_holds
Revises: 0013e_report_notices
Create Date: 2026-12-01 04:55:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013f_referral_holds"
down_revision = "0013e_report_notices"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referral_signals",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("network_hash", sa.String(length=32), nullable=True),
        sa.Column("device_hash", sa.String(length=32), nullable=True),
        sa.Column("held_reason", sa.String(length=20), nullable=True),
        sa.Column("held_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referrals.id"],
                                name=op.f("fk_referral_signals_referral_id_referrals"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["referrer_id"], ["users.id"],
                                name=op.f("fk_referral_signals_referrer_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_referral_signals_decided_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("referral_id", name=op.f("pk_referral_signals")),
    )
    op.create_index("ix_referral_signals_referrer_created", "referral_signals",
                    ["referrer_id", "created_at"], unique=False)


def downgrade():
    op.drop_index("ix_referral_signals_referrer_created", table_name="referral_signals")
    op.drop_table("referral_signals")
