"""A tee time may name a course from the catalog.

Revision ID: 0008_teetime_course
Revises: 0007_courses
Create Date: 2026-11-23 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_teetime_course"
down_revision = "0007_courses"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tee_times") as batch:
        batch.add_column(sa.Column("course_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_tee_times_course_id"), ["course_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_tee_times_course_id_courses"), "courses", ["course_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("tee_times") as batch:
        batch.drop_constraint(batch.f("fk_tee_times_course_id_courses"), type_="foreignkey")
        batch.drop_index(batch.f("ix_tee_times_course_id"))
        batch.drop_column("course_id")
