"""Moderation notices: a player hears that their report was handled, and a reported player
hears of an admin's warning (two new notification kinds).

Revision ID: 0013e_report_notices
Revises: 0010a_invite_gate
Create Date: 2026-12-01 04:55:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013e_report_notices"
down_revision = "0010a_invite_gate"
branch_labels = None
depends_on = None

OLD = (
    "follow", "fistbump", "message", "referral", "round_removed", "round_cancelled",
    "round_claimed", "round_freed", "round_reminder", "round_offer",
)
NEW = OLD + ("report_handled", "warning")


def _notification_kinds(kinds):
    # SQLite can't alter a CHECK in place: batch mode rebuilds the table with the new rule.
    rule = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
    with op.batch_alter_table("notifications", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind"), rule)


def upgrade():
    _notification_kinds(NEW)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('report_handled', 'warning')")
    _notification_kinds(OLD)
