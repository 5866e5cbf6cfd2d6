"""Member invites: a referral that admitted its invitee spends one of the referrer's invites.

Revision ID: 0010a_invite_gate
Revises: 0009_outbox_claims
Create Date: 2026-12-01 04:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010a_invite_gate"
down_revision = "0009_outbox_claims"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(
            sa.Column("admitted", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("admitted")
