"""Round notices: the host hears of claimed and freed spots.

Revision ID: 0010c_round_notices
Revises: 0009_outbox_claims
Create Date: 2026-12-01 04:20:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010c_round_notices"
down_revision = "0009_outbox_claims"
branch_labels = None
depends_on = None

OLD = ("follow", "fistbump", "message", "referral", "round_removed", "round_cancelled")
NEW = OLD + ("round_claimed", "round_freed")


def _notification_kinds(kinds):
    # SQLite can't alter a CHECK in place: batch mode rebuilds the table with the new rule.
    rule = "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"
    with op.batch_alter_table("notifications", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_notifications_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notifications_kind"), rule)


def upgrade():
    _notification_kinds(NEW)


def downgrade():
    op.execute("DELETE FROM notifications WHERE kind IN ('round_claimed', 'round_freed')")
    _notification_kinds(OLD)
