"""Courses catalog, played courses and onboarding state.

Revision ID: 0007_courses
Revises: 0006_teetimes
Create Date: 2026-11-23 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_courses"
down_revision = "0006_teetimes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("city", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip", sa.String(length=5), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("holes", sa.SmallInteger(), nullable=False),
        sa.Column("par", sa.SmallInteger(), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("holes BETWEEN 1 AND 72", name=op.f("ck_courses_holes")),
        sa.CheckConstraint(
            "par IS NULL OR par BETWEEN holes * 2 AND holes * 7", name=op.f("ck_courses_par")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courses_name"), ["name"], unique=False)
        batch_op.create_index("ix_courses_latitude_longitude", ["latitude", "longitude"], unique=False)

    op.create_table(
        "course_plays",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_course_plays_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_course_plays_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "course_id", name=op.f("pk_course_plays")),
    )
    with op.batch_alter_table("course_plays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_plays_course_id"), ["course_id"], unique=False)

    op.create_table(
        "onboarding_steps",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "step IN ('about', 'traits', 'location', 'avatar')", name=op.f("ck_onboarding_steps_step")
        ),
        sa.CheckConstraint("outcome IN ('done', 'skipped')", name=op.f("ck_onboarding_steps_outcome")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_onboarding_steps_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "step", name=op.f("pk_onboarding_steps")),
    )


def downgrade():
    op.drop_table("onboarding_steps")
    with op.batch_alter_table("course_plays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_plays_course_id"))
    op.drop_table("course_plays")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index("ix_courses_latitude_longitude")
        batch_op.drop_index(batch_op.f("ix_courses_name"))
    op.drop_table("courses")
