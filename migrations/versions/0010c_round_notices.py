"""Round notices: the host hears of claimed and freed spots; reminders before tee time; a
waitlist for full rounds.

Revision ID: 0010c_round_notices
Revises: 0009_outbox_claims
Create Date: 2026-12-01 04:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010c_round_notices"
down_revision = "0009_outbox_claims"
branch_labels = None
depends_on = None

OLD = ("follow", "fistbump", "message", "referral", "round_removed", "round_cancelled")
NEW = OLD + ("round_claimed", "round_freed", "round_reminder", "round_offer")


def _notification_kinds(kinds):
    # SQLite can't alter a CHECK in place: batch mode rebuilds the table with the new rule.
    rule = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
    with op.batch_alter_table("notifications", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind"), rule)


def upgrade():
    _notification_kinds(NEW)
    op.create_table(
        "tee_time_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tee_time_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lead", sa.String(length=4), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("lead IN ('24h', '2h')", name=op.f("ck_tee_time_reminders_lead")),
        sa.ForeignKeyConstraint(["tee_time_id"], ["tee_times.id"],
                                name=op.f("fk_tee_time_reminders_tee_time_id_tee_times"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_tee_time_reminders_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tee_time_reminders")),
        sa.UniqueConstraint("tee_time_id", "user_id", "lead", name="uq_tee_time_reminders_round_user_lead"),
    )
    with op.batch_alter_table("tee_time_reminders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tee_time_reminders_user_id"), ["user_id"], unique=False)
    op.create_table(
        "tee_time_waitlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tee_time_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("offered_at", sa.DateTime(), nullable=True),
        sa.Column("offered_until", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tee_time_id"], ["tee_times.id"],
                                name=op.f("fk_tee_time_waitlist_tee_time_id_tee_times"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_tee_time_waitlist_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tee_time_waitlist")),
        sa.UniqueConstraint("tee_time_id", "user_id", name="uq_tee_time_waitlist_tee_time_user"),
    )
    with op.batch_alter_table("tee_time_waitlist", schema=None) as batch_op:
        batch_op.create_index("ix_tee_time_waitlist_tee_time_id_joined_at", ["tee_time_id", "joined_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_tee_time_waitlist_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("tee_time_waitlist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tee_time_waitlist_user_id"))
        batch_op.drop_index("ix_tee_time_waitlist_tee_time_id_joined_at")
    op.drop_table("tee_time_waitlist")
    with op.batch_alter_table("tee_time_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tee_time_reminders_user_id"))
    op.drop_table("tee_time_reminders")
    op.execute("DELETE FROM notifications WHERE kind IN "
               "('round_claimed', 'round_freed', 'round_reminder', 'round_offer')")
    _notification_kinds(OLD)
