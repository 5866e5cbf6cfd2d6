"""Player profiles and availability slots.

Revision ID: 0003_profiles
Revises: 0002_referrals
Create Date: 2026-11-23 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_profiles"
down_revision = "0002_referrals"
branch_labels = None
depends_on = None

TRAIT_MAX = {"drinking": 2, "mobility": 2, "weather": 3, "pace": 3, "play_style": 2, "attitude": 2}


def upgrade():
    op.create_table(
        "profiles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=50), nullable=False),
        sa.Column("bio", sa.String(length=1000), nullable=False),
        sa.Column("handicap", sa.Double(), nullable=True),
        sa.Column("zip", sa.String(length=5), nullable=True),
        sa.Column("city", sa.String(length=60), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("radius_miles", sa.SmallInteger(), nullable=False),
        *(sa.Column(name, sa.SmallInteger(), nullable=False) for name in TRAIT_MAX),
        sa.Column("left_handed", sa.Boolean(), nullable=False),
        sa.Column("avatar", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("handicap BETWEEN -10.0 AND 54.0", name=op.f("ck_profiles_handicap")),
        sa.CheckConstraint("radius_miles BETWEEN 1 AND 500", name=op.f("ck_profiles_radius_miles")),
        *(
            sa.CheckConstraint(f"{name} BETWEEN 0 AND {top}", name=op.f(f"ck_profiles_{name}"))
            for name, top in TRAIT_MAX.items()
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_profiles")),
    )
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.create_index("ix_profiles_latitude_longitude", ["latitude", "longitude"], unique=False)

    op.create_table(
        "availability_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "slot IN ('morning', 'midday', 'twilight')", name=op.f("ck_availability_slots_slot")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_availability_slots_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_slots")),
        sa.UniqueConstraint("user_id", "day", "slot", name="uq_availability_slots_user_day_slot"),
    )
    with op.batch_alter_table("availability_slots", schema=None) as batch_op:
        batch_op.create_index("ix_availability_slots_day_slot", ["day", "slot"], unique=False)


def downgrade():
    with op.batch_alter_table("availability_slots", schema=None) as batch_op:
        batch_op.drop_index("ix_availability_slots_day_slot")
    op.drop_table("availability_slots")
    with op.batch_alter_table("profiles", schema=None) as batch_op:
        batch_op.drop_index("ix_profiles_latitude_longitude")
    op.drop_table("profiles")
