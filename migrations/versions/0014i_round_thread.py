"""Rounds that bring people back: a thread for each round's players, a notice when a
waitlisted player's turn passes, and each round's day and part of day on the course's clock
(so the home page finds rounds on the days a player is free).

Revision ID: 0014i_round_thread
Revises: 0014h_timezones
Create Date: 2026-12-01 06:10:00.000000

"""
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014i_round_thread"
down_revision = "0014h_timezones"
branch_labels = None
depends_on = None

OLD = (
    "follow", "fistbump", "message", "referral", "round_removed", "round_cancelled",
    "round_claimed", "round_freed", "round_reminder", "round_offer", "report_handled", "warning",
)
NEW = OLD + ("round_thread", "round_passed")


def _notification_kinds(kinds):
    # SQLite can't alter a CHECK in place: batch mode rebuilds the table with the new rule.
    rule = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
    with op.batch_alter_table("notifications", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind"), rule)


def _slot_of(hour):
    return "morning" if hour < 11 else "midday" if hour < 16 else "twilight"


def _fill_local_days():
    rounds = sa.table("tee_times", sa.column("id", sa.Integer), sa.column("starts_at", sa.DateTime),
                      sa.column("timezone", sa.String), sa.column("slot", sa.String),
                      sa.column("local_day", sa.Date), sa.column("day_slot", sa.String))
    conn = op.get_bind()
    for row in conn.execute(sa.select(rounds.c.id, rounds.c.starts_at, rounds.c.timezone, rounds.c.slot)):
        local = row.starts_at.replace(tzinfo=UTC).astimezone(ZoneInfo(row.timezone or "UTC"))
        conn.execute(sa.update(rounds).where(rounds.c.id == row.id).values(
            local_day=local.date(), day_slot=row.slot or _slot_of(local.hour),
        ))


def upgrade():
    _notification_kinds(NEW)
    op.create_table(
        "tee_time_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tee_time_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_tee_time_posts_author_id_users"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tee_time_id"], ["tee_times.id"],
                                name=op.f("fk_tee_time_posts_tee_time_id_tee_times"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tee_time_posts")),
    )
    with op.batch_alter_table("tee_time_posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tee_time_posts_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_tee_time_posts_tee_time_id_id", ["tee_time_id", "id"], unique=False)
    with op.batch_alter_table("tee_time_waitlist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("passed_told_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("tee_times", schema=None) as batch_op:
        batch_op.add_column(sa.Column("local_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("day_slot", sa.String(length=10), nullable=True))
    _fill_local_days()


def downgrade():
    with op.batch_alter_table("tee_times", schema=None) as batch_op:
        batch_op.drop_column("day_slot")
        batch_op.drop_column("local_day")
    with op.batch_alter_table("tee_time_waitlist", schema=None) as batch_op:
        batch_op.drop_column("passed_told_at")
    with op.batch_alter_table("tee_time_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_tee_time_posts_tee_time_id_id")
        batch_op.drop_index(batch_op.f("ix_tee_time_posts_author_id"))
    op.drop_table("tee_time_posts")
    op.execute("DELETE FROM notifications WHERE kind IN ('round_thread', 'round_passed')")
    _notification_kinds(OLD)
