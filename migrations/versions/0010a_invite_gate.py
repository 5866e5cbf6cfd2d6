"""Member invites: a referral that admitted its invitee spends one of the referrer's invites;
players whose invites an admin froze.

Revision ID: 0010a_invite_gate
Revises: 0012b_reports
Create Date: 2026-12-01 04:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010a_invite_gate"
down_revision = "0012b_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(
            sa.Column("admitted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "invite_freezes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("frozen_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_invite_freezes_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["frozen_by_id"], ["users.id"],
                                name=op.f("fk_invite_freezes_frozen_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_invite_freezes")),
    )


def downgrade():
    op.drop_table("invite_freezes")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("admitted")
