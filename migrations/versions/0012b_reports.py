"""Trust and safety: players' reports of players, messages and rounds.

Revision ID: 0012b_reports
Revises: 0011b_privacy_settings
Create Date: 2026-12-01 04:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012b_reports"
down_revision = "0011b_privacy_settings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reported_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=12), nullable=False),
        sa.Column("details", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('user', 'message', 'teetime')", name=op.f("ck_reports_kind")),
        sa.CheckConstraint("reason IN ('spam', 'harassment', 'fake', 'other')",
                           name=op.f("ck_reports_reason")),
        sa.ForeignKeyConstraint(["reporter_id"], ["users.id"], name=op.f("fk_reports_reporter_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reported_id"], ["users.id"], name=op.f("fk_reports_reported_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("reporter_id", "kind", "target_id", name="uq_reports_reporter_id_kind_target_id"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_reported_id"), ["reported_id"], unique=False)
        batch_op.create_index("ix_reports_resolved_at_kind_target_id", ["resolved_at", "kind", "target_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_resolved_at_kind_target_id")
        batch_op.drop_index(batch_op.f("ix_reports_reported_id"))
    op.drop_table("reports")
