"""Tee times: rounds with open spots, their invite codes and claims.

Revision ID: 0006_teetimes
Revises: 0005_admin
Create Date: 2026-11-23 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_teetimes"
down_revision = "0005_admin"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('follow', 'fistbump', 'message', 'referral')"
NEW_KINDS = "kind IN ('follow', 'fistbump', 'message', 'referral', 'round_removed', 'round_cancelled')"


def _notification_kinds(rule):
    # SQLite can't alter a CHECK in place: batch mode rebuilds the table with the new rule.
    with op.batch_alter_table("notifications", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind"), rule)


def upgrade():
    op.create_table(
        "tee_times",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("course", sa.String(length=100), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=10), nullable=True),
        sa.Column("spots", sa.SmallInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("visibility", sa.String(length=10), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("spots BETWEEN 1 AND 3", name=op.f("ck_tee_times_spots")),
        sa.CheckConstraint("visibility IN ('followers', 'link')", name=op.f("ck_tee_times_visibility")),
        sa.CheckConstraint(
            "slot IS NULL OR slot IN ('morning', 'midday', 'twilight')", name=op.f("ck_tee_times_slot")
        ),
        sa.ForeignKeyConstraint(
            ["host_id"], ["users.id"], name=op.f("fk_tee_times_host_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tee_times")),
        sa.UniqueConstraint("code", name=op.f("uq_tee_times_code")),
    )
    with op.batch_alter_table("tee_times", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tee_times_host_id"), ["host_id"], unique=False)
        batch_op.create_index(
            "ix_tee_times_starts_at_latitude_longitude", ["starts_at", "latitude", "longitude"], unique=False
        )

    op.create_table(
        "tee_time_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tee_time_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("hold_until", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("removed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tee_time_id"], ["tee_times.id"], name=op.f("fk_tee_time_claims_tee_time_id_tee_times"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tee_time_claims_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tee_time_claims")),
        sa.UniqueConstraint("tee_time_id", "user_id", name="uq_tee_time_claims_tee_time_user"),
    )
    with op.batch_alter_table("tee_time_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tee_time_claims_user_id"), ["user_id"], unique=False)

    _notification_kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('round_removed', 'round_cancelled')")
    _notification_kinds(OLD_KINDS)
    with op.batch_alter_table("tee_time_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tee_time_claims_user_id"))
    op.drop_table("tee_time_claims")
    with op.batch_alter_table("tee_times", schema=None) as batch_op:
        batch_op.drop_index("ix_tee_times_starts_at_latitude_longitude")
        batch_op.drop_index(batch_op.f("ix_tee_times_host_id"))
    op.drop_table("tee_times")
